"""How the engine uses SimPy: lean wake-ups, and a replication that lets go.

The threat and initiative processes reschedule the timeout that has just woken
them (:func:`sim.model.engine._rearm`, written out in their loops) instead of
making a new one, and it must be the timeout ``env.timeout`` would make. That
leans on SimPy internals (``Environment._queue``, ``_eid``, ``_now``, a queue
entry's shape, a timeout's attributes): these tests fail if a SimPy release
changes them.
"""

from __future__ import annotations

import gc
import heapq
import weakref
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
import simpy
from simpy.events import NORMAL

from sim.model import engine
from sim.model.engine import Replication, _rearm, simulate
from sim.model.plan import compile_plan
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_rearm_pushes_the_entry_env_timeout_pushes() -> None:
    env = simpy.Environment()
    wake = env.timeout(1.5)
    env.step()  # processed: SimPy has cleared its callbacks
    assert env.now == 1.5 and wake.callbacks is None and not env._queue
    _rearm(wake, 0.25)
    fresh = env.timeout(0.25)
    (t1, p1, id1, e1), (t2, p2, id2, e2) = sorted(env._queue)
    assert (e1, e2) == (wake, fresh)
    assert (t1, p1) == (t2, p2) == (1.75, NORMAL) and id2 == id1 + 1
    assert vars(wake) == vars(fresh)  # the same attributes with the same values
    assert wake.triggered and not wake.processed and fresh.triggered and not fresh.processed


def _ticks(env: simpy.Environment, lean: bool, trace: list[tuple[float, int]]) -> Any:
    wake = env.timeout(0.5)
    yield wake
    for delay in (1.0, 0.25, 2.0, 0.125):
        trace.append((env.now, next(env._eid)))  # an event of its own: ids move on alike
        yield _rearm(wake, delay) if lean else env.timeout(delay)
    trace.append((env.now, -1))


@pytest.mark.parametrize("other", [0.75, 1.5])
def test_a_process_woken_by_rearm_runs_as_with_timeouts(other: float) -> None:
    """Same times, same event ids, same order against another process's timeouts."""
    traces = []
    for lean in (False, True):
        env, trace = simpy.Environment(), list[tuple[float, int]]()
        env.process(_ticks(env, lean, trace))

        def other_process(
            env: simpy.Environment = env, trace: list[tuple[float, int]] = trace
        ) -> Generator[simpy.Event, Any, None]:
            for _ in range(4):
                yield env.timeout(other)
                trace.append((env.now, 0))

        env.process(other_process())
        env.run()
        traces.append((trace, next(env._eid)))
    assert traces[0] == traces[1]


def test_the_engine_pushes_timeout_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every wake-up the engine's loops push is a timeout's entry: its time is the
    clock plus the timeout's delay, NORMAL priority, the next event id (every push,
    the engine's and SimPy's own, takes the next one)."""
    scenario = load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml")
    plan = compile_plan(scenario, None)
    reference = simulate(plan, 3)
    ids: list[int] = []
    lean = 0

    def simpy_push(queue: list[Any], entry: tuple[Any, ...]) -> None:
        ids.append(entry[2])
        heapq.heappush(queue, entry)

    def engine_push(queue: list[Any], entry: tuple[Any, ...]) -> None:
        nonlocal lean
        time, priority, _, event = entry
        assert type(event) is simpy.Timeout and event.callbacks == []
        assert time == event.env.now + event._delay and priority == NORMAL
        assert queue is event.env._queue
        lean += 1
        simpy_push(queue, entry)

    monkeypatch.setattr(simpy.core, "heappush", simpy_push)
    monkeypatch.setattr(engine, "heappush", engine_push)
    checked = simulate(plan, 3)
    assert lean > 300 and ids == list(range(len(ids)))
    assert checked.events == reference.events == len(ids)
    assert checked.kpis == reference.kpis and checked.log == reference.log


@pytest.mark.parametrize("scenario", ["iraq_training_mission", "counter_proliferation"])
def test_a_finished_replication_is_freed_without_the_collector(scenario: str) -> None:
    """Processes still waiting at the horizon must not keep the replication alive in
    a reference cycle (the collector would walk it twice before freeing it)."""
    plan = compile_plan(load_scenario(ROOT / "scenarios" / f"{scenario}.yaml"), None)
    collecting = gc.isenabled()
    gc.disable()
    try:
        rep = Replication(plan, 8)
        gone, world = weakref.ref(rep), weakref.ref(rep.world)
        result = rep.run()
        assert result.events > 0
        del rep
        assert gone() is None and world() is None
    finally:
        if collecting:
            gc.enable()
