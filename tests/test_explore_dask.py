"""Explore on a real Dask deployment: a scheduler and two workers started with the ``dask``
command line, ttx connecting by address, one worker killed mid-run - the file is unchanged."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import make_scenario
from sim.explore.design import draw
from sim.explore.execute import ExploreSpec, explore
from sim.runs.executors import make_executor
from sim.scenario.ranges import Uncertainty
from waits import wait_for

pytestmark = pytest.mark.slow


def _dask() -> str:
    found = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if found is None:
        pytest.skip("the dask command line is not installed")
    return found


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and two single-threaded workers without nannies (a killed worker stays dead)."""
    pytest.importorskip("distributed")
    dask = _dask()
    info = tmp_path / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []
    common = {"cwd": tmp_path, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        procs.append(
            subprocess.Popen(
                [dask, "scheduler", "--port", "0", "--no-dashboard", "--scheduler-file", str(info)],
                **common,  # type: ignore[call-overload]
            )
        )
        address = wait_for(
            lambda: info.exists() and json.loads(info.read_text() or "{}").get("address"),
            "the scheduler's address file",
            tries=2400,  # a loaded machine starts Python processes slowly
        )
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--local-directory",
                        str(tmp_path),
                    ],
                    **common,  # type: ignore[call-overload]
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, procs[1:]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def test_dask_deployment_with_a_worker_killed_gives_the_serial_file(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, workers = cluster
    scenario = make_scenario(horizon=24)
    space = (
        Uncertainty(target="model.footprint_trust", low=0.01, high=0.05),
        Uncertainty(target="alpha.sensitivity", low=0.2, high=0.9),
    )
    spec = ExploreSpec(scenario, ("none", "full"), draw(space, "lhs", 24, 1), 4, seed=5)
    serial = explore(spec, tmp_path / "serial.parquet").path.read_bytes()

    killed: list[int] = []
    after_kill: list[int] = []

    def kill_one_worker_after_the_first_point(done: int, total: int) -> None:
        if killed:
            after_kill.append(done)
        elif done > 0:
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(done)

    with make_executor(None, scheduler=address) as ex:
        assert ex.name == "dask" and ex.workers == 2
        done = explore(
            spec,
            tmp_path / "dask.parquet",
            executor=ex,
            progress=kill_one_worker_after_the_first_point,
        )
    assert killed and workers[0].wait(timeout=30) == -signal.SIGKILL
    assert after_kill and after_kill[-1] == done.work.runs  # the run went on and finished
    assert done.path.read_bytes() == serial
