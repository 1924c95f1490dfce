"""How many replications stood each objective met, month by month (the trend chart's data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs.aggregate import Aggregator, ChunkFolder
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario
from sim.scenario.models import Objective, Scenario

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "iraq_training_mission.yaml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The flagship cut to three years, with one objective of each check."""
    s = load_scenario(FLAGSHIP)
    extra = [
        Objective(id="calm_so_far", condition="iraq.stability >= 0.3", check="throughout"),
        Objective(id="trust_by_24", condition="iraq.trust >= 0.5", check="by", month=24),
    ]
    return s.model_copy(update={"horizon": 36, "objectives": [*s.objectives, *extra]})


def test_counts_end_at_the_outcome_and_move_the_way_the_check_allows(scenario: Scenario) -> None:
    r = run(RunSpec.of(scenario, replications=30, seed=4)).results
    for oid, o in r["objectives"].items():
        counts = o["met_by_month"]
        assert len(counts) == len(r["months"])
        assert all(0 <= c <= 30 for c in counts)
        assert counts[-1] == o["successes"], oid  # the last month is the verdict
    by = r["objectives"]["trust_by_24"]["met_by_month"]
    assert by == sorted(by)  # once met by the deadline, it stays met
    assert by[24:] == [by[24]] * (len(by) - 24)  # nothing counts after the deadline
    held = r["objectives"]["calm_so_far"]["met_by_month"]
    assert held == sorted(held, reverse=True)  # once broken, it stays broken


def test_same_counts_whatever_the_chunking(scenario: Scenario) -> None:
    spec = RunSpec.of(scenario, replications=25, seed=9)
    a = run(spec, chunk_size=4).results["objectives"]
    b = run(spec).results["objectives"]
    assert {k: v["met_by_month"] for k, v in a.items()} == {
        k: v["met_by_month"] for k, v in b.items()
    }


def test_a_chunk_without_counts_leaves_the_field_out(scenario: Scenario) -> None:
    """A chunk from a checkpoint written before the counts were kept: no half-counted chart."""
    plan = compile_plan(scenario, None)
    agg = Aggregator(scenario, plan)
    for k in range(3):
        agg.add(simulate(plan, replication_seed(1, k)))
    old = ChunkFolder(1, 1)
    result = simulate(plan, replication_seed(1, 3))
    result.objective_trace = None  # as read back from such a checkpoint
    old.add(3, result)
    part = old.partial()
    assert part.objective_months.size == 0
    agg.merge(part)
    results = agg.results(seed=1, scenario_hash="")
    assert results["replications"] == 4
    assert all("met_by_month" not in o for o in results["objectives"].values())


def test_after_a_chunk_without_counts_later_chunks_do_not_revive_them(scenario: Scenario) -> None:
    plan = compile_plan(scenario, None)
    agg = Aggregator(scenario, plan)
    old = ChunkFolder(0, 1)
    result = simulate(plan, replication_seed(2, 0))
    result.objective_trace = None
    old.add(0, result)
    agg.merge(old.partial())
    new = ChunkFolder(1, 1)
    new.add(1, simulate(plan, replication_seed(2, 1)))
    agg.merge(new.partial())
    results = agg.results(seed=2, scenario_hash="")
    assert all("met_by_month" not in o for o in results["objectives"].values())


def test_no_trend_chart_without_the_counts_and_no_contents_on_a_short_page() -> None:
    from sim.report.html import _trend_charts, with_toc

    report: Any = {"results": {"objectives": {"a": {"n": 2}}, "months": [0, 1]}}
    assert _trend_charts([("P", report)]) == []
    short = '<header></header><h2 id="a">A</h2><h2 id="b">B <code>x</code></h2>'
    assert with_toc(short) == short
    long = "<header></header>" + "".join(f'<h2 id="s{i}">S <i>{i}</i></h2>' for i in range(6))
    toc = with_toc(long)
    assert '<li><a href="#s0">S 0</a></li>' in toc
    assert toc.index("<nav") == toc.index("</header>") + len("</header>") + 1
