"""Properties of comparisons on synthetic reports (no simulation: fast, many cases)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.compare import compare
from sim.report.comparison_md import render_comparison

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


def fake_run(
    policy: str,
    values: list[float],
    successes: list[int],
    *,
    seed: int = 1,
    title: str = "Scenario",
    policy_title: str | None = None,
) -> dict[str, Any]:
    """The parts of a run report that a comparison reads."""
    return {
        "schema_version": 2,
        "kind": "run",
        "results": {
            "scenario": {"id": "s", "title": title, "hash": "h", "horizon": 12, "partners": {}},
            "policy": {"id": policy, "title": policy_title or policy.title()},
            "seed": seed,
            "replications": len(values),
            "kpis": {"final_stability": {"values": values}},
            "objectives": {
                "goal": {"description": "d", "check": "end", "values": successes},
            },
        },
        "meta": {},
    }


@st.composite
def two_runs(draw: Any) -> tuple[list[float], list[float], list[int], list[int]]:
    n = draw(st.integers(min_value=2, max_value=25))
    a = draw(st.lists(finite, min_size=n, max_size=n))
    b = draw(st.lists(finite, min_size=n, max_size=n))
    oa = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    ob = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    return a, b, oa, ob


@settings(max_examples=40, deadline=None)
@given(two_runs(), st.booleans())
def test_difference_is_b_minus_a_and_flips_with_the_baseline(
    data: tuple[list[float], list[float], list[int], list[int]], same_seed: bool
) -> None:
    a, b, oa, ob = data
    ra = fake_run("alpha", a, oa)
    rb = fake_run("beta", b, ob, seed=1 if same_seed else 2)
    forward = compare([ra, rb])["results"]
    backward = compare([rb, ra])["results"]
    d = forward["kpis"]["final_stability"]["differences"]["beta"]
    e = backward["kpis"]["final_stability"]["differences"]["alpha"]
    assert d["method"] == ("paired" if same_seed else "welch")
    assert d["estimate"] == pytest.approx(np.mean(b) - np.mean(a), abs=1e-9)
    assert e["estimate"] == pytest.approx(-d["estimate"], abs=1e-9)
    assert (e["ci_low"], e["ci_high"]) == pytest.approx((-d["ci_high"], -d["ci_low"]), abs=1e-9)
    assert d["ci_low"] <= d["estimate"] <= d["ci_high"]
    assert d["significant"] == (d["ci_low"] > 0 or d["ci_high"] < 0)
    o = forward["objectives"]["goal"]["differences"]["beta"]
    assert o["method"] == ("paired" if same_seed else "newcombe")
    assert -1.0 <= o["ci_low"] <= o["estimate"] <= o["ci_high"] <= 1.0
    assert o["estimate"] == pytest.approx(np.mean(ob) - np.mean(oa))
    ranked = [e["name"] for e in forward["ranking"]["order"]]
    assert ranked[0] == ("beta" if np.mean(b) > np.mean(a) else "alpha")


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_markdown_escapes_any_scenario_or_policy_text(title: str, policy_title: str) -> None:
    a = fake_run("alpha", [0.1, 0.2, 0.3], [0, 1, 1], title=title, policy_title=policy_title)
    b = fake_run("beta", [0.2, 0.2, 0.4], [1, 1, 1], title=title)
    md = render_comparison(compare([a, b]))
    # No raw HTML tag or link can come from scenario text: every < and [ is escaped.
    assert re.search(r"(?<!\\)<", md) is None
    assert re.search(r"(?<!\\)\[", md) is None
    assert md.startswith("# Comparison: ")
