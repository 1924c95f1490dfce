"""Make one replication fail, or the file system refuse writes, with no hook inside ttx.

The runner looks ``simulate`` up in :mod:`sim.runs.runner` at call time, so
replacing that name makes the replication with a given seed raise. Pool
workers are other processes: :class:`FailingProcessExecutor` wraps each task
so that the worker patches its own copy first (workers import this module by
name, since the test folder is on their ``sys.path``). File-system faults (a
read-only folder, a full disk) replace the ``os`` functions ttx writes with,
for paths under one folder, so they work even for root.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sim.model.engine import ReplicationResult, simulate
from sim.model.plan import Plan
from sim.model.streams import replication_seed
from sim.runs import runner
from sim.runs.executors import ProcessExecutor


class ForcedFailure(RuntimeError):
    """The failure a test asked for."""


def _failing(bad_seed: int, index: int) -> Callable[[Plan, int], ReplicationResult]:
    def fake(plan: Plan, seed: int) -> ReplicationResult:
        if seed == bad_seed:
            raise ForcedFailure(f"forced failure of replication {index}")
        return simulate(plan, seed)

    return fake


def _patch(run_seed: int, index: int) -> None:
    runner.simulate = _failing(replication_seed(run_seed, index), index)


@contextmanager
def failing_replication(run_seed: int, index: int) -> Iterator[None]:
    """Replication ``index`` of runs seeded ``run_seed`` raises, in this process."""
    _patch(run_seed, index)
    try:
        yield
    finally:
        runner.simulate = simulate


def _patched_call(run_seed: int, index: int, fn: Callable[[Any], Any], task: Any) -> Any:
    _patch(run_seed, index)
    return fn(task)


class FailingProcessExecutor(ProcessExecutor):
    """A process pool whose workers fail replication ``index`` of runs seeded ``run_seed``."""

    def __init__(self, workers: int, run_seed: int, index: int) -> None:
        super().__init__(workers)
        self._fault = (run_seed, index)

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        return super().map(functools.partial(_patched_call, *self._fault, fn), tasks)


# --------------------------------------------------------------------------- file-system faults


def _under(path: Any, folder: Path) -> bool:
    try:
        return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())
    except (TypeError, ValueError):
        return False


def _fd_under(fd: int, folder: Path) -> bool:
    try:
        return _under(os.readlink(f"/proc/self/fd/{fd}"), folder)
    except OSError:
        return False


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``folder`` behaves as on a read-only file system, even for root.

    ``os.access`` says so, and creating, opening for writing or making a
    folder in it fails with EROFS, as the kernel would.
    """
    real_access, real_open, real_mkdir = os.access, os.open, os.mkdir
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        if mode & os.W_OK and _under(path, folder):
            return False
        return real_access(path, mode, *args, **kwargs)

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & writes and _under(path, folder):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if _under(path, folder):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "mkdir", mkdir)


def disk_full(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Writing data to files in ``folder`` fails with ENOSPC (``write``, ``pwrite``, ``fsync``).

    Files can still be created, as on a real full disk; their data cannot be
    made durable.
    """
    real_write, real_pwrite, real_fsync = os.write, os.pwrite, os.fsync

    def write(fd: int, data: Any) -> int:
        if _fd_under(fd, folder):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    def pwrite(fd: int, data: Any, offset: int) -> int:
        if _fd_under(fd, folder):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_pwrite(fd, data, offset)

    def fsync(fd: Any) -> None:
        if isinstance(fd, int) and _fd_under(fd, folder):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "pwrite", pwrite)
    monkeypatch.setattr(os, "fsync", fsync)
