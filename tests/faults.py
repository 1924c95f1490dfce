"""Make one replication fail, here or in pool workers, with no hook inside ttx.

The runner looks ``simulate`` up in :mod:`sim.runs.runner` at call time, so
replacing that name makes the replication with a given seed raise. Pool
workers are other processes: :class:`FailingProcessExecutor` wraps each task
so that the worker patches its own copy first (workers import this module by
name, since the test folder is on their ``sys.path``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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
