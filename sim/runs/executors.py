"""Executors: one interface to map a picklable function over tasks, here or elsewhere.

The runner hands an executor a top-level function and a list of tasks (chunks
of replication indices) and gets back ``(position, result)`` pairs in
*completion* order; putting them back in order is the runner's job, so the
results never depend on which executor ran them or how many workers it had.

* :class:`SerialExecutor` runs tasks in this process, in order.
* :class:`ProcessExecutor` uses a local process pool
  (:class:`concurrent.futures.ProcessPoolExecutor`) started with the
  ``forkserver`` method on Linux (``spawn`` elsewhere) — never ``fork`` of a
  process that may hold threads, and nothing is started at import time.
* :class:`DaskExecutor` uses ``dask.distributed`` (the optional extra
  ``ttx[dask]``): a scheduler address connects to a running cluster whose
  workers have ttx installed; no address starts a local cluster of worker
  processes for the duration of the run.

Each executor keeps a bounded number of tasks in flight, so neither the
task queue nor the buffer of out-of-order results grows with the run.

Worker processes are started deaf to Ctrl-C (:mod:`sim.runs.signals`): the
parent decides, and an executor left by an exception (an interrupt, SIGTERM
under the command line) stops its workers at once (:meth:`Executor.terminate`)
instead of waiting for their chunks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sim.errors import TtxError
from sim.runs import signals

EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")
#: Seconds to wait for stopped workers, and for the pool's manager thread, when terminating.
STOP_SECONDS = 5.0
#: Replications x months below which a process pool does not pay for its start-up.
PARALLEL_WORK = 12_000


class ExecutorError(TtxError):
    """An executor could not be started or lost its workers."""


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def auto_workers(replications: int, horizon: int) -> int:
    """Default worker count: all cores when the run is big enough to pay off, else 1 (serial).

    The rule: use a process pool with one worker per core when
    ``replications * horizon >= PARALLEL_WORK`` (about 100 replications of a
    ten-year scenario, a few seconds of serial work) and the machine has more
    than one core; below that, starting worker processes costs more than it saves.
    """
    cores = cpu_count()
    return cores if cores > 1 and replications * horizon >= PARALLEL_WORK else 1


class Executor:
    """Maps a function over tasks; subclasses decide where the calls run."""

    name: str = "serial"
    workers: int = 1

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Yield ``(position, fn(task))`` as tasks finish, in any order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (idempotent)."""

    def terminate(self) -> None:
        """Stop workers now, abandoning their tasks (idempotent); default: :meth:`close`."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # Leaving by an exception (Ctrl-C, SIGTERM, a failure): nobody waits for the results.
        if exc_type is None:
            self.close()
        else:
            self.terminate()


class SerialExecutor(Executor):
    """Runs every task in this process, in order."""

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(task)


class ProcessExecutor(Executor):
    """A local pool of ``workers`` processes."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        from concurrent.futures import ProcessPoolExecutor

        if workers < 1:
            raise ExecutorError(f"a process pool needs at least 1 worker, got {workers}")
        self.workers = workers
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        # Everything started here (the forkserver, and the workers it forks later)
        # inherits SIGINT blocked: a Ctrl-C during the forkserver's preload must
        # not print its traceback. The resource tracker goes first: starting, it
        # unblocks SIGINT in this process (it guards itself).
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        with signals.children_deaf():
            if method == "forkserver":
                # Workers fork from a server that has already imported the engine.
                context.set_forkserver_preload(["sim.runs.runner"])
                from multiprocessing import forkserver

                forkserver.ensure_running()
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=signals.quiet_worker
            )
        signals.ready("pool")

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        window = 2 * self.workers + 2
        pending: dict[Any, int] = {}
        next_task = 0
        try:
            while pending or next_task < len(tasks):
                while next_task < len(tasks) and len(pending) < window:
                    pending[self._pool.submit(fn, tasks[next_task])] = next_task
                    next_task += 1
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.__getitem__):
                    yield pending.pop(future), future.result()
        except BrokenProcessPool as exc:
            raise ExecutorError(
                f"a worker process died ({exc}); finished chunks were kept if the run "
                "had a checkpoint"
            ) from None
        # Tasks left pending are cancelled by close() or terminate() through the
        # pool itself: a future cancelled here, behind the pool's back, makes its
        # manager thread fail (InvalidStateError) if the pool then breaks.

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        # The pool has no public way to stop busy workers; its process table is
        # what its own shutdown walks. With the workers gone nobody reads the
        # task queue, so its feeder thread may be stuck on a full pipe: joining
        # it at shutdown would hang, hence cancel_join_thread first.
        call_queue = getattr(self._pool, "_call_queue", None)
        if call_queue is not None:
            call_queue.cancel_join_thread()
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
                process.kill()
        # Shutdown forgets the manager thread and the result queue: keep them.
        manager = getattr(self._pool, "_executor_manager_thread", None)
        results = getattr(self._pool, "_result_queue", None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            self._unstick(manager, results)

    @staticmethod
    def _unstick(manager: Any, results: Any) -> None:
        """Wait for the pool's manager thread to see the workers gone, unblocking it if need be.

        A worker killed while sending its result leaves half a message in the
        result pipe, and the manager thread waits for the rest forever. Filler
        bytes complete the message; unpickling it fails, and the thread then
        cleans up as for any broken pool. If even that does not free it, the
        process is told to exit without waiting for it.
        """
        writer = getattr(results, "_writer", None)
        fd = writer.fileno() if writer is not None and not writer.closed else -1
        if fd >= 0:
            os.set_blocking(fd, False)
        for _ in range(int(STOP_SECONDS / 0.1)):
            manager.join(0.1)
            if not manager.is_alive():
                return
            if fd >= 0:
                with contextlib.suppress(OSError):  # full (the thread is not reading) or closed
                    os.write(fd, bytes(65536))
        signals.abandon()  # pragma: no cover - a message longer than the filler


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: the one at ``scheduler``, or a local one started for the run."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "the dask executor needs dask.distributed: pip install 'ttx[dask]'"
            ) from None
        self._cluster: Any = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="10s")
            else:
                _quiet_local_dask()
                with signals.children_deaf():  # its processes leave Ctrl-C to ttx
                    self._cluster = LocalCluster(
                        n_workers=workers or 2,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed address
            self.close()
            where = f"scheduler {scheduler}" if scheduler else "a local Dask cluster"
            raise ExecutorError(f"could not connect to {where}: {exc}") from None
        self.scheduler = scheduler or "local"
        info = self._client.scheduler_info()
        self.workers = max(1, len(info.get("workers", {})))

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        window = 2 * self.workers + 2
        pending: dict[Any, int] = {}
        queue = as_completed()
        next_task = 0

        def submit() -> None:
            nonlocal next_task
            future = self._client.submit(fn, tasks[next_task], pure=False)
            pending[future] = next_task
            queue.add(future)
            next_task += 1

        try:
            while next_task < len(tasks) and len(pending) < window:
                submit()
            for future in queue:
                position = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:
                    if type(exc).__name__ != "KilledWorker":
                        raise
                    last = getattr(getattr(exc, "last_worker", None), "address", "unknown")
                    tries = int(getattr(exc, "allowed_failures", 0)) + 1
                    raise ExecutorError(
                        f"Dask workers died running a chunk {tries} times (the last was "
                        f"{last}); finished chunks were kept if the run had a checkpoint"
                    ) from None
                if next_task < len(tasks):
                    submit()
                yield position, result
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _quiet_local_dask() -> None:
    """Before starting a local cluster: its processes keep Ctrl-C blocked, and say only errors.

    A local cluster's workers log a warning for every task cancelled when a
    run stops; ttx says in one line that it stopped. The resource tracker is
    started first because starting it unblocks SIGINT in the starting thread.
    """
    import logging
    from multiprocessing import resource_tracker

    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # read by the workers
    logging.getLogger("distributed").setLevel(logging.ERROR)
    resource_tracker.ensure_running()


def make_executor(
    name: str | None, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Build an executor: by name, or (``name=None``) serial for 1 worker, else processes.

    The caller closes it (or uses it as a context manager).
    """
    if scheduler and name not in (None, "dask"):
        raise ExecutorError(f"a scheduler address only applies to the dask executor, not {name}")
    if name is None:
        name = "dask" if scheduler else ("processes" if (workers or 1) > 1 else "serial")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers or cpu_count())
    if name == "dask":
        return DaskExecutor(scheduler, workers)
    raise ExecutorError(f"unknown executor '{name}'; choose one of {', '.join(EXECUTORS)}")
