"""The month written out as Python source (sim.model.month) computes exactly what
the pure functions of sim.model.dynamics and the condition trees compute.

The generated drift is compared bit for bit (``float.hex``, so a -0.0 against a
0.0 fails too) with a month built from ``dynamics.drift_for``,
``learn_baseline_for``, ``drift_tension_for`` and ``World.pressures`` on random
states; the bound conditions with the engine's closures on random worlds."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import dynamics as dyn
from sim.model.engine import _closure, simulate
from sim.model.month import (
    bound_conditions,
    conditions,
    drift_source,
    month_of_drift,
    row_source,
)
from sim.model.plan import Plan, compile_plan
from sim.model.world import World
from sim.scenario.condition_source import LISTS
from sim.scenario.loader import load_scenario
from sim.scenario.vocabulary import PARTNER_VARS

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
PLANS = {
    (p.stem, policy.id): compile_plan(scenario, policy.id)
    for p in SCENARIOS
    for scenario in (load_scenario(p),)
    for policy in scenario.policies
}
# A plan with every kind of pressure at once: two-partner sides, rivals (one with a
# lever) and several rivalries exposing one partner (no shipped scenario has all).
_gcc = PLANS["gcc_coordination", "hedge"]
_n = len(_gcc.partner_ids)
PLANS["dense", "all"] = dataclasses.replace(
    _gcc,
    influence=((0.3,) * _n, (0.1,) * _n),
    rival_levers=("proxy_tempo", None),
    rivalries=(
        *_gcc.rivalries,
        dataclasses.replace(
            _gcc.rivalries[0], id="second", partner_sides=(1,), rival_sides=(0,), exposed=(0, 1)
        ),
    ),
)
# The drift depends on the scenario only: one policy of each, and the dense plan.
DRIFT_PLANS = [key for key in PLANS if key == next(k for k in PLANS if k[0] == key[0])]
# Shares, their edges, and values a step pushes past the edges (to be clipped back).
SHARES = st.one_of(
    st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0), st.floats(-0.5, 1.5, allow_nan=False)
)


def _hex(values: Any) -> list[str]:
    return [float(v).hex() for v in values]


def _randomise(world: World, plan: Plan, sensitivity: list[float], data: st.DataObject) -> None:
    n = len(plan.partner_ids)
    for var in (*PARTNER_VARS, "baseline"):
        getattr(world, var)[:] = data.draw(st.lists(SHARES, min_size=n, max_size=n))
    sensitivity[:] = data.draw(st.lists(SHARES, min_size=n, max_size=n))
    world.tension[:] = data.draw(
        st.lists(SHARES, min_size=len(world.tension), max_size=len(world.tension))
    )
    for row in world.influence_of:
        row[:] = data.draw(st.lists(SHARES, min_size=len(row), max_size=len(row)))
    for var in ("footprint", "alignment", "engagement"):
        setattr(world, var, tuple(data.draw(st.lists(SHARES, min_size=n, max_size=n))))
    for lever in plan.rival_levers:
        if lever:
            world.levers[lever] = data.draw(st.floats(0.0, 2.0))
    world.funds, world.spent = data.draw(st.floats(0, 50)), data.draw(st.floats(0, 50))
    world.month = data.draw(st.integers(0, plan.horizon))
    for name in world.tally:
        world.tally[name] = float(data.draw(st.integers(0, 30)))


def _reference_month(plan: Plan, world: World, sensitivity: list[float]) -> None:
    """One month from the pure functions: every pressure from the state at the start
    of the month, then every partner, then every rivalry."""
    p = plan.params
    step, learn = dyn.drift_for(p), dyn.learn_baseline_for(p)
    drift_tension = dyn.drift_tension_for(p)
    provocations = [
        sum(world.cooperation[j] for j in r.partner_sides) if r.rival_sides else 0.0
        for r in plan.rivalries
    ]
    acting = [world.pressures(i) for i in range(len(plan.partner_ids))]
    for i, f in enumerate(acting):
        new = step(
            *world.state(i),
            world.baseline[i],
            sensitivity[i],
            f.footprint,
            f.rival_influence,
            f.side_gap,
            f.alignment,
            f.exposure,
        )
        world.set_state(i, dyn.PartnerState(*new))
        world.baseline[i] = learn(world.baseline[i], f.engagement, plan.baseline_trust[i])
    for k, r in enumerate(plan.rivalries):
        world.tension[k] = drift_tension(world.tension[k], r.tension, provocations[k])


def _copy(world: World, plan: Plan) -> World:
    twin = World(plan)
    for var in (*PARTNER_VARS, "baseline", "tension"):
        getattr(twin, var)[:] = getattr(world, var)
    for mine, theirs in zip(twin.influence_of, world.influence_of, strict=True):
        mine[:] = theirs
    twin.footprint, twin.alignment, twin.engagement = (
        world.footprint,
        world.alignment,
        world.engagement,
    )
    twin.levers.update(world.levers)
    return twin


@pytest.mark.parametrize("key", DRIFT_PLANS, ids="-".join)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_generated_drift_is_the_pure_functions_to_the_bit(
    key: tuple[str, str], data: st.DataObject
) -> None:
    plan = PLANS[key]
    world, sensitivity = World(plan), list(plan.sensitivity)
    drift = month_of_drift(plan, world, sensitivity)
    for _ in range(3):  # a few months running, each from a fresh random state
        _randomise(world, plan, sensitivity, data)
        twin = _copy(world, plan)
        _reference_month(plan, twin, sensitivity)
        drift()
        for var in (*PARTNER_VARS, "baseline", "tension"):
            assert _hex(getattr(world, var)) == _hex(getattr(twin, var)), var


@pytest.mark.parametrize("key", list(PLANS), ids="-".join)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_bound_conditions_answer_as_the_engines_closures(
    key: tuple[str, str], data: st.DataObject
) -> None:
    plan = PLANS[key]
    world = World(plan)
    asked, trace_row = bound_conditions(plan, world)
    _randomise(world, plan, list(plan.sensitivity), data)
    for condition, bound in zip(conditions(plan), asked, strict=True):
        expected = _closure(condition)(world)
        got = bound(world)
        assert got == expected and type(got) is type(expected), condition
    now = data.draw(st.lists(st.booleans(), min_size=len(plan.objectives)))[: len(plan.objectives)]
    expected_row = [
        now[j] if o.check in ("by", "throughout") else bool(o.condition(world))
        for j, o in enumerate(plan.objectives)
    ]
    assert trace_row(world, now) == expected_row


@pytest.mark.parametrize("key", DRIFT_PLANS, ids="-".join)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_written_out_row_is_the_worlds_row_to_the_bit(
    key: tuple[str, str], data: st.DataObject
) -> None:
    plan = PLANS[key]
    world = World(plan)
    _randomise(world, plan, list(plan.sensitivity), data)
    world.trust[0] = -0.0  # a negative zero's mean is 0.0 both ways
    names = {name: getattr(world, name) for name in LISTS} | {"world": world}
    got = eval(row_source(len(plan.partner_ids)), names)
    assert _hex(got) == _hex(world.row())


def test_the_generated_month_is_straight_line_and_reads_the_pure_equations() -> None:
    plan = PLANS["iran_saudi_rivalry", "even_handed"]
    source = drift_source(plan)
    assert " for " not in source and "while" not in source
    assert "relax * (baseline_trust - trust)" in source  # dynamics.drift_for's expression


def test_a_plan_pickles_after_its_month_is_compiled() -> None:
    """Compiled functions don't pickle: a worker's copy of the plan compiles its own."""
    plan = compile_plan(load_scenario(SCENARIOS[0]), None)
    first = simulate(plan, 5)
    assert "month" in plan.memo
    again = pickle.loads(pickle.dumps(plan))
    assert not again.memo.get("month")
    second = simulate(again, 5)
    assert first.kpis == second.kpis
    assert first.series.tobytes() == second.series.tobytes()
    assert (first.objective_trace == second.objective_trace).all()
