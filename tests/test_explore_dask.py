"""Explore on a real Dask deployment: a scheduler and two workers started with the ``dask``
command line, ttx connecting by address, one worker killed mid-run - the file is unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dask_deployment import dask_deployment

from factories import make_scenario
from sim.explore.design import draw
from sim.explore.execute import ExploreSpec, explore
from sim.runs.executors import make_executor
from sim.scenario.ranges import Uncertainty

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    with dask_deployment(tmp_path) as deployed:
        yield deployed


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
