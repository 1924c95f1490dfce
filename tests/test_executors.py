"""Executors: the same ``results`` bytes from serial, a process pool and a local Dask cluster."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dask_deployment import dask_deployment

from sim.runs import executors
from sim.runs.executors import (
    DaskExecutor,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    auto_workers,
    make_executor,
)
from sim.runs.reportfile import results_bytes
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "iraq_training_mission.yaml"


def short_scenario(horizon: int = 36) -> Scenario:
    """The flagship scenario cut to a short horizon, so tests run quickly."""
    return load_scenario(FLAGSHIP).model_copy(update={"horizon": horizon})


def square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[DaskExecutor]:
    pytest.importorskip("distributed")
    ex = DaskExecutor(workers=2)
    yield ex
    ex.close()


@pytest.mark.slow
def test_results_identical_serial_processes_dask(dask_executor: DaskExecutor) -> None:
    spec = RunSpec.of(short_scenario(), replications=45, seed=5)
    serial = run(spec, executor=SerialExecutor())
    with ProcessExecutor(2) as pool:
        procs = run(spec, executor=pool)
    dask = run(spec, executor=dask_executor)
    assert serial.meta["executor"] == "serial" and serial.meta["workers"] == 1
    assert procs.meta["executor"] == "processes" and procs.meta["workers"] == 2
    assert dask.meta["executor"] == "dask" and dask.meta["workers"] == 2
    assert serial.meta["chunks"] == 3  # 45 replications in chunks of 20: several merges
    expected = results_bytes(serial.to_dict())
    assert results_bytes(procs.to_dict()) == expected
    assert results_bytes(dask.to_dict()) == expected
    assert "executor" not in serial.results and "workers" not in serial.results


@pytest.mark.slow
def test_worker_count_does_not_change_results() -> None:
    spec = RunSpec.of(short_scenario(24), replications=50, seed=9)
    with ProcessExecutor(1) as one_worker, ProcessExecutor(3) as three_workers:
        one = run(spec, executor=one_worker, chunk_size=7)
        three = run(spec, executor=three_workers, chunk_size=7)
    assert results_bytes(one.to_dict()) == results_bytes(three.to_dict())
    assert one.results["chunk_size"] == 7  # a non-default chunking is part of the results


@pytest.mark.slow
def test_a_dask_deployment_with_a_worker_killed_gives_the_serial_results(tmp_path: Path) -> None:
    """``ttx run --scheduler tcp://...`` on a scheduler and two workers started with the
    ``dask`` command line; one worker is killed after the first chunk, the run goes on."""
    pytest.importorskip("distributed")
    spec = RunSpec.of(short_scenario(24), replications=60, seed=5)
    expected = results_bytes(run(spec, chunk_size=5).to_dict())
    killed: list[int] = []
    with dask_deployment(tmp_path) as (address, workers):

        def kill_one_worker_after_the_first_chunk(done: int, total: int) -> None:
            if not killed and done > 0:
                os.kill(workers[0].pid, signal.SIGKILL)
                killed.append(done)

        with make_executor(None, scheduler=address) as ex:
            assert ex.name == "dask" and ex.workers == 2
            report = run(
                spec, executor=ex, progress=kill_one_worker_after_the_first_chunk, chunk_size=5
            )
        assert killed and killed[0] < 60
        assert workers[0].wait(timeout=30) == -signal.SIGKILL
    assert report.meta["executor"] == "dask"
    assert results_bytes(report.to_dict()) == expected


@pytest.mark.slow
def test_each_executor_maps_every_task_once(dask_executor: DaskExecutor) -> None:
    tasks = list(range(13))
    for ex in (SerialExecutor(), dask_executor):
        got = dict(ex.map(square, tasks))
        assert got == {i: i * i for i in tasks}
    with ProcessExecutor(2) as pool:
        assert sorted(pool.map(square, tasks)) == [(i, i * i) for i in tasks]


def test_auto_workers_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "cpu_count", lambda: 4)
    assert auto_workers(100, 120) == 4  # 12,000 replication-months: worth a pool
    assert auto_workers(99, 120) == 1
    assert auto_workers(1, 240) == 1
    monkeypatch.setattr(executors, "cpu_count", lambda: 1)
    assert auto_workers(10_000, 120) == 1


def test_make_executor_choices_and_errors() -> None:
    assert make_executor(None, 1).name == "serial"
    assert make_executor("serial").name == "serial"
    with pytest.raises(ExecutorError, match="unknown executor 'gpu'; choose one of serial"):
        make_executor("gpu")
    with pytest.raises(ExecutorError, match="scheduler address only applies to the dask executor"):
        make_executor("processes", 2, "tcp://127.0.0.1:8786")
    with pytest.raises(ExecutorError, match="a process pool needs at least 1 worker, got 0"):
        ProcessExecutor(0)


def test_dask_missing_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError, match=r"pip install 'ttx\[dask\]'"):
        make_executor("dask")


def wait_forever(path: str) -> int:
    """A task that never finishes by itself: it says it started, then waits."""
    import time

    Path(path).write_text("started")
    while True:
        time.sleep(0.05)


@pytest.mark.slow
def test_leaving_a_pool_by_an_exception_stops_busy_workers(tmp_path: Path) -> None:
    """An interrupted run must not wait for its workers' chunks, nor leave them running."""
    from waits import wait_for

    marker = tmp_path / "started"
    with pytest.raises(KeyboardInterrupt), ProcessExecutor(1) as ex:
        ex._pool.submit(wait_forever, str(marker))
        wait_for(marker.exists, "the task to start")
        workers = list(ex._pool._processes.values())
        raise KeyboardInterrupt
    assert workers and all(not p.is_alive() for p in workers)


@pytest.mark.slow
def test_terminate_stops_a_busy_worker(tmp_path: Path) -> None:
    from concurrent.futures import wait as wait_futures

    from waits import wait_for

    marker = tmp_path / "started"
    ex = ProcessExecutor(1)
    future = ex._pool.submit(wait_forever, str(marker))
    wait_for(marker.exists, "the task to start")
    workers = list(ex._pool._processes.values())
    ex.terminate()
    wait_futures([future])
    assert all(not p.is_alive() for p in workers)


def test_exit_by_exception_terminates_and_normal_exit_closes() -> None:
    calls: list[str] = []

    class Recording(SerialExecutor):
        def close(self) -> None:
            calls.append("close")

        def terminate(self) -> None:
            calls.append("terminate")

    with Recording():
        pass
    with pytest.raises(KeyboardInterrupt), Recording():
        raise KeyboardInterrupt
    assert calls == ["close", "terminate"]
    SerialExecutor().terminate()  # the default: close


def test_a_killed_dask_worker_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")

    class Future:
        def result(self) -> int:
            last = type("Worker", (), {"address": "tcp://127.0.0.1:1"})()
            raise distributed.KilledWorker("run_chunk-1", last, 3)

        def cancel(self) -> None:
            pass

    class Client:
        def submit(self, fn: object, task: object, pure: bool) -> Future:
            return Future()

    class AsCompleted(list[Future]):
        def add(self, future: Future) -> None:
            self.append(future)

    monkeypatch.setattr(distributed, "as_completed", AsCompleted)
    ex = DaskExecutor.__new__(DaskExecutor)
    ex._client, ex._cluster, ex.workers = Client(), None, 1
    with pytest.raises(ExecutorError) as caught:
        list(ex.map(square, [1]))
    assert str(caught.value) == (
        "Dask workers died running a chunk 4 times (the last was tcp://127.0.0.1:1); finished "
        "chunks were kept if the run had a checkpoint"
    )
