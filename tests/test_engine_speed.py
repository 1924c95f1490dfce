"""The engine's speed devices change no values: served blocks, memos, open objectives,
values kept as arrays. (The golden test and ``bench/results_digest.py`` pin the whole.)"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_scenario
from sim.model.engine import _Objectives, simulate
from sim.model.plan import ObjectivePlan, compile_plan
from sim.model.streams import Betas, Uniforms
from sim.model.world import World
from sim.runs.aggregate import Aggregator
from sim.runs.reportfile import SLICE, dumps, results_bytes
from sim.scenario import condition_nodes as cn
from sim.scenario.conditions import Expr


@settings(max_examples=50, deadline=None)
@given(takes=st.lists(st.integers(0, 300), max_size=8), block=st.sampled_from([7, 64, 256]))
def test_served_blocks_continue_the_stream(takes: list[int], block: int) -> None:
    """Calls and ``more()`` blocks, mixed in any order, give the stream's one sequence."""
    reference = Uniforms(5, "x", block)
    mixed = Uniforms(5, "x", block)
    got: list[float] = []
    for k, n in enumerate(takes):
        if k % 2:
            got += mixed.more()
        else:
            got += [mixed() for _ in range(n)]
    assert got == [reference() for _ in range(len(got))]
    beta, again = Betas(5, "s", 0.3, 0.1), Betas(5, "s", 0.3, 0.1)
    served = [beta(), *beta.more(), beta()]
    assert served == [again() for _ in served]
    assert Betas(5, "s", 0.3, 0.0).constant == 0.3 and beta.constant is None


def test_pressures_are_memoised_per_plan_and_shared_read_only() -> None:
    plan = compile_plan(make_scenario(), None)
    first = simulate(plan, 1)
    memo = plan.memo["pressures"]
    assert memo and all(isinstance(v, tuple) for entry in memo.values() for v in entry)
    assert simulate(plan, 1).kpis == first.kpis  # a warm memo gives the same replication
    fresh = compile_plan(make_scenario(), None)
    assert simulate(fresh, 1).kpis == first.kpis
    # A changed plan starts with an empty memo (its pressures may differ).
    assert dataclasses.replace(plan, horizon=plan.horizon).memo == {}
    assert World(plan).footprint == (0.0,) * len(plan.partner_ids)


class _Script(cn.Node):
    """A condition that answers from a script by month and records when it is asked."""

    __slots__ = ("asked", "script")

    def __init__(self, script: list[bool]) -> None:
        self.script, self.asked = script, list[int]()

    def __call__(self, v: Any) -> Any:
        self.asked.append(v.month)
        return self.script[v.month]

    def accept(self, visitor: cn.Visitor[Any]) -> Any:
        return visitor.other(self)


def _reference(checks: list[tuple[str, int | None]], horizon: int, conds: list[Expr]) -> Any:
    """The objectives' rules as first written: every objective asked every month.

    End-of-run objectives are asked every month too: the "chance met by month"
    chart records their standing; only the horizon's answer is their verdict.
    """
    state = {f"o{j}": check == "throughout" for j, (check, _) in enumerate(checks)}

    def observe(world: Any) -> None:
        m = world.month
        for j, (check, month) in enumerate(checks):
            oid, condition = f"o{j}", conds[j]
            if check == "by":
                if not state[oid] and m <= (month or 0) and condition(world):
                    state[oid] = True
            elif check == "throughout":
                if state[oid] and m <= (month if month is not None else m) and not condition(world):
                    state[oid] = False
            else:
                met = bool(condition(world))
                if m == horizon:
                    state[oid] = met

    return state, observe


@settings(max_examples=150, deadline=None)
@given(
    horizon=st.integers(0, 12),
    checks=st.lists(
        st.tuples(st.sampled_from(["by", "throughout", "end"]), st.none() | st.integers(0, 14)),
        min_size=1,
        max_size=4,
    ),
    data=st.data(),
)
def test_open_objectives_are_asked_exactly_when_the_rules_ask(
    horizon: int, checks: list[tuple[str, int | None]], data: st.DataObject
) -> None:
    scripts = [data.draw(st.lists(st.booleans(), min_size=13, max_size=13)) for _ in checks]
    mine, theirs = [_Script(s) for s in scripts], [_Script(s) for s in scripts]
    plan = compile_plan(make_scenario(), None)
    plan = dataclasses.replace(
        plan,
        horizon=horizon,
        objectives=tuple(
            ObjectivePlan(f"o{j}", Expr("", node, frozenset()), check, month)
            for j, ((check, month), node) in enumerate(zip(checks, mine, strict=True))
        ),
    )
    objectives = _Objectives(plan)
    state, observe = _reference(checks, horizon, [Expr("", n, frozenset()) for n in theirs])

    class Month:
        month = 0

    for m in range(horizon + 1):
        Month.month = m
        objectives.observe(Month())  # type: ignore[arg-type]
        observe(Month())
        assert objectives.state == state
    assert [n.asked for n in mine] == [n.asked for n in theirs]


@pytest.mark.parametrize(
    "values",
    [
        [0.0, 1.0, 0.0, 2.0, 1.0],
        [0.1, 0.2, 0.1, float("1e-300")],
        [0.0, -0.0, 0.0],
        [],
        [1e16, -1e-5, 0.1] * (SLICE // 3 + 5),
        [float(k) / 7 for k in range(2 * SLICE)],
        [0.5] * (SLICE + 1),
    ],
)
def test_arrays_are_written_as_their_lists(values: list[float]) -> None:
    """A long array is written in slices, with the text its list would have."""
    array = np.array(values, dtype=np.float64)
    assert dumps({"v": array, "w": [array]}) == dumps({"v": values, "w": [values]})
    assert results_bytes({"results": {"v": array}}) == results_bytes({"results": {"v": values}})


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3 * SLICE + 2))
def test_sliced_arrays_match_lists(values: list[float]) -> None:
    array = np.array(values, dtype=np.float64)
    assert dumps({"v": array}) == dumps({"v": values})


def test_arrays_refuse_nan_like_lists() -> None:
    values = [0.0] * (SLICE + 3) + [float("nan")]
    for v in (values, np.array(values)):
        with pytest.raises(ValueError):
            dumps({"v": v})


def test_results_bytes_refuse_what_json_cannot_write() -> None:
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        results_bytes({"results": {"v": {1}}})


def test_kept_values_are_contiguous_views_of_one_block() -> None:
    """``results`` hands out the kept block's columns, no copy per KPI."""
    scenario = make_scenario()
    plan = compile_plan(scenario, None)
    agg = Aggregator(scenario, plan, expected=6)
    for k in range(6):
        agg.add(simulate(plan, k))
    kpis = agg.results(seed=3, scenario_hash="")["kpis"]
    for entry in kpis.values():
        values = entry["values"]
        assert isinstance(values, np.ndarray) and values.flags.c_contiguous
        assert np.shares_memory(values, agg._kpis)


@pytest.mark.parametrize("expected", [0, 7, 45, 100])
def test_kept_kpi_values_do_not_depend_on_the_preallocation(expected: int) -> None:
    """Values kept in the preallocated block (grown when short) give the same results."""
    from sim.runs.runner import ChunkTask, Job, chunks_of, run_chunk

    scenario = make_scenario()
    plan = compile_plan(scenario, None)
    job = Job(scenario, scenario.policy(None), 4, 1)
    parts = [run_chunk(ChunkTask(job, c, r)) for c, r in enumerate(chunks_of(range(45), 20))]
    results = []
    for size in (45, expected):
        agg = Aggregator(scenario, plan, expected=size)
        for part in parts:
            agg.merge(part)
        results.append(results_bytes({"results": agg.results(seed=4, scenario_hash="")}))
        assert len(agg.kpi_values["cost"]) == 45
    assert results[0] == results[1]
