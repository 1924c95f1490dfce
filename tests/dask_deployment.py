"""A real Dask deployment for tests: a scheduler and two workers started as separate
processes with the ``dask`` command line, as an analyst would start them on a cluster.

Use :func:`dask_deployment` as a context manager (or through a fixture): it yields the
scheduler's address and the worker processes, so a test can kill one mid-run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from waits import wait_for


def _dask() -> str:
    found = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if found is None:
        pytest.skip("the dask command line is not installed")
    return found


@contextmanager
def dask_deployment(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
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
