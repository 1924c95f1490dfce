"""Verdicts a trainer can use: meaningful differences, ties, facts without intervals, bottom line.

Most tests build run reports directly (no simulation), so each case says
exactly which numbers it compares; the flagship sweep checks that every
output begins with the bottom line and the trade-off matrix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from factories import base_data
from sim.analysis.compare import CompareError, compare
from sim.analysis.kpis import min_difference
from sim.analysis.verdict import classify, difference_cell, places
from sim.analysis.wording import count_noun, magnitude_interval, signed_interval
from sim.cli import app
from sim.errors import InputError
from sim.report.comparison_md import render_comparison
from sim.scenario.loader import loads_scenario

ROOT = Path(__file__).resolve().parents[1]
IRAQ = ROOT / "scenarios" / "iraq_training_mission.yaml"
cli = CliRunner()


def run(
    policy: str,
    kpis: dict[str, list[float]],
    objectives: dict[str, list[int]] | None = None,
    *,
    seed: int = 1,
    scenario: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The parts of a run report a comparison reads."""
    n = len(next(iter(kpis.values())))
    return {
        "schema_version": 2,
        "kind": "run",
        "results": {
            "scenario": {
                "id": "s",
                "title": "Scenario",
                "hash": "h",
                "horizon": 12,
                "partners": {},
                **(scenario or {}),
            },
            "policy": {"id": policy, "title": policy.title()},
            "seed": seed,
            "replications": n,
            "kpis": {k: {"values": v} for k, v in kpis.items()},
            "objectives": {
                oid: {"description": f"Goal {oid} is met.", "check": "end", "values": v}
                for oid, v in (objectives or {}).items()
            },
        },
        "meta": {},
    }


# Stability of 20 replications around 0.5, with noise the pairing cancels.
NOISE = [0.01 * ((7 * i) % 11 - 5) for i in range(20)]
BASE = [0.5 + e for e in NOISE]


def shifted(by: float, jitter: float = 0.0005) -> list[float]:
    """BASE moved by ``by``, with a little per-replication variation of the shift."""
    return [v + by + (jitter if i % 2 else -jitter) for i, v in enumerate(BASE)]


# --- the acceptance cases ----------------------------------------------------


def test_significant_but_below_the_smallest_meaningful_difference_is_no_meaningful_difference() -> (
    None
):
    a = run("plain", {"final_stability": BASE})
    b = run("nudge", {"final_stability": shifted(0.004)})
    r = compare([a, b])["results"]
    d = r["kpis"]["final_stability"]["differences"]["nudge"]
    assert d["available"]
    assert d["significant"], "the interval excludes zero: a statistician would call it real"
    assert d["min_difference"] == 0.02
    assert d["verdict"] == "negligible"
    assert "no meaningful difference in final regional stability" in d["sentence"]
    order = r["ranking"]["order"]
    assert [e["rank"] for e in order] == [1, 1]
    assert [e["place"] for e in order] == ["=1", "=1"]
    assert "makes no meaningful difference" in r["bottom_line"][0]
    md = render_comparison(compare([a, b]))
    assert "| =1 | Nudge |" in md and "| =1 | Plain |" in md


def test_a_kpi_with_zero_variance_in_both_runs_is_stated_without_an_interval() -> None:
    a = run("cheap", {"cost": [100.0] * 20, "final_stability": BASE})
    b = run("dear", {"cost": [170.9] * 20, "final_stability": BASE})
    for c in (compare([a, b]), compare([a, {**b, "results": {**b["results"], "seed": 2}}])):
        d = c["results"]["kpis"]["cost"]["differences"]["dear"]
        assert d["available"] and d["constant"]
        assert d["verdict"] == "worse"
        assert d["sentence"] == (
            "Dear raises total cost by 70.9 (the same in every replication): worse."
        )
        assert difference_cell(d) == "worse: +70.9 (fixed)"
        assert "it costs 70.9 more (budget units)" in c["results"]["bottom_line"][0]
        md = render_comparison(c)
        assert "70.9 (70.9" not in md and "worse: +70.9 (fixed)" in md


def test_a_constant_and_equal_kpi_is_no_difference() -> None:
    a = run("a", {"cost": [5.0] * 4})
    b = run("b", {"cost": [5.0] * 4})
    d = compare([a, b])["results"]["kpis"]["cost"]["differences"]["b"]
    assert d["available"] and d["constant"] and d["verdict"] == "negligible"
    assert d["sentence"] == "B leaves total cost unchanged (the same in every replication)."
    assert difference_cell(d) == "no difference (fixed)"


# --- the rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimate", "low", "high", "lower", "verdict"),
    [
        (0.05, 0.03, 0.07, False, "better"),  # real and big enough
        (0.05, 0.03, 0.07, True, "worse"),  # the same rise of a lower-is-better KPI
        (-0.05, -0.07, -0.03, True, "better"),
        (0.004, 0.001, 0.007, False, "negligible"),  # real but too small
        (0.005, -0.01, 0.015, False, "negligible"),  # shown to be small
        (0.01, -0.01, 0.03, False, "uncertain"),  # could still matter
        (0.05, -0.01, 0.11, False, "uncertain"),  # big but could be chance
        (0.02, 0.01, 0.03, False, "better"),  # exactly the threshold counts
    ],
)
def test_classify(estimate: float, low: float, high: float, lower: bool, verdict: str) -> None:
    assert classify(estimate, low, high, 0.02, lower) == verdict


def test_default_smallest_meaningful_differences_and_overrides() -> None:
    assert min_difference("final_stability", 0.4) == 0.02
    assert min_difference("iraq.final_trust", 0.4) == 0.02
    assert min_difference("incidents.total", 93.0) == 1.0
    assert min_difference("cost", 260.0) == pytest.approx(13.0)
    assert min_difference("harm.total", 40.0) == pytest.approx(2.0)
    assert min_difference("objectives", 0.0) == 0.05
    assert min_difference("zzz", -10.0) == pytest.approx(0.5)  # no pattern: 5% of the mean
    assert min_difference("cost", 260.0, {"cost": 50.0}) == 50.0


def test_places_tie_runs_that_do_not_differ_meaningfully() -> None:
    means = {"a": 0.60, "b": 0.59, "c": 0.50, "d": 0.49, "e": 0.30}

    def differs(x: str, y: str) -> bool:
        return abs(means[x] - means[y]) >= 0.05

    assert places(list(means), differs) == [(1, "=1"), (1, "=1"), (3, "=3"), (3, "=3"), (5, "5")]


def test_three_runs_rank_with_a_tie_and_a_clear_leader() -> None:
    reports = [
        run("low", {"final_stability": BASE}),
        run("lower", {"final_stability": shifted(-0.004)}),
        run("high", {"final_stability": shifted(0.1)}),
    ]
    order = compare(reports)["results"]["ranking"]["order"]
    assert [(e["name"], e["place"]) for e in order] == [
        ("high", "1"),
        ("low", "=2"),
        ("lower", "=2"),
    ]
    assert order[1]["vs_leader"]["available"] and order[1]["vs_leader"]["verdict"] == "worse"


def test_overrides_change_the_verdict_and_are_recorded() -> None:
    a = run("a", {"final_stability": BASE}, {"goal": [0] * 10 + [1] * 10})
    b = run("b", {"final_stability": shifted(0.04)}, {"goal": [1] * 20})
    plain = compare([a, b])["results"]
    assert plain["kpis"]["final_stability"]["differences"]["b"]["verdict"] == "better"
    assert plain["objectives"]["goal"]["differences"]["b"]["verdict"] == "better"
    strict = compare([a, b], min_differences={"final_stability": 0.05, "objectives": 0.6})
    r = strict["results"]
    assert r["min_difference"] == {"final_stability": 0.05, "objectives": 0.6}
    assert r["kpis"]["final_stability"]["differences"]["b"]["verdict"] != "better"
    assert r["objectives"]["goal"]["differences"]["b"]["verdict"] != "better"


def test_the_scenarios_own_thresholds_apply_and_the_caller_wins() -> None:
    own = {"min_difference": {"final_stability": 0.05}}
    a = run("a", {"final_stability": BASE}, scenario=own)
    b = run("b", {"final_stability": shifted(0.04)}, scenario=own)
    r = compare([a, b])["results"]
    assert r["kpis"]["final_stability"]["differences"]["b"]["min_difference"] == 0.05
    r = compare([a, b], min_differences={"final_stability": 0.01})["results"]
    assert r["kpis"]["final_stability"]["differences"]["b"]["min_difference"] == 0.01


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"stability.final": 0.05}, "unknown KPI 'stability.final'"),
        ({"final_stability": -1.0}, "must be a number >= 0"),
        ({"final_stability": float("nan")}, "must be a number >= 0"),
    ],
)
def test_bad_thresholds_are_refused(given: dict[str, float], message: str) -> None:
    a, b = run("a", {"final_stability": BASE}), run("b", {"final_stability": BASE})
    with pytest.raises(CompareError, match=re.escape(message)):
        compare([a, b], min_differences=given)


# --- words ---------------------------------------------------------------------------


def test_intervals_show_they_exclude_zero_and_agree_with_the_verb() -> None:
    assert magnitude_interval(-0.2345, -0.2456, -0.2234) == "0.23 (0.22 to 0.25)"
    assert signed_interval(-0.2345, -0.2456, -0.2234) == "-0.23 (-0.25 to -0.22)"
    # Bounds that would round together get more decimals: never "-0.04 to -0.04".
    assert signed_interval(-0.04, -0.0404, -0.0396) == "-0.0400 (-0.0404 to -0.0396)"
    assert magnitude_interval(0.004, 0.0001, 0.0079) == "0.0040 (0.0001 to 0.0079)"


def test_plurals() -> None:
    assert count_noun("1", "incidents that succeeded") == "1 incident that succeeded"
    assert count_noun("2", "incidents that succeeded") == "2 incidents that succeeded"


def test_objectives_read_from_x_to_y_percent_in_points() -> None:
    a = run("a", {"final_stability": BASE}, {"goal": [0] * 10 + [1] * 10})
    b = run("b", {"final_stability": BASE}, {"goal": [1] * 20})
    d = compare([a, b])["results"]["objectives"]["goal"]["differences"]["b"]
    assert d["available"]
    assert d["sentence"].startswith(
        "B raises the chance of “Goal goal is met” from 50% to 100%, by 50 points ("
    )
    assert difference_cell(d, objective=True).startswith("better: +50 points (")


def test_tradeoff_matrix_marks_the_best_and_ties() -> None:
    a = run("a", {"cost": BASE}, {"x": [1] * 20, "y": [1] * 20})
    b = run("b", {"cost": shifted(0.3)}, {"x": [1] * 20, "y": [0] * 20})
    rows = {row["key"]: row for row in compare([a, b])["results"]["tradeoffs"]}
    assert list(rows) == ["x", "y", "cost"]
    assert rows["x"]["label"] == "Goal x is met"
    # Both meet x every time: a tie, so neither stands out.
    assert [c["best"] for c in rows["x"]["cells"].values()] == [False, False]
    assert rows["y"]["cells"]["a"] == {"value": 1.0, "text": "100%", "best": True}
    assert rows["cost"]["cells"]["a"]["best"] and not rows["cost"]["cells"]["b"]["best"]


# --- the scenario field -----------------------------------------------------------------


def test_scenario_reporting_min_difference_is_checked_with_its_location() -> None:
    data = base_data(reporting={"min_difference": {"final_stability": 0.05, "stability.final": 1}})
    text = yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(InputError) as info:
        loads_scenario(text, "x.yaml")
    (problem,) = info.value.problems
    line = text.splitlines().index("    stability.final: 1") + 1
    assert str(problem).startswith(f"x.yaml:{line}:5: reporting.min_difference.stability.final")
    assert "unknown KPI 'stability.final'; expected 'objectives' or one of" in str(problem)
    assert "alpha.final_trust" in str(problem)


def test_scenario_thresholds_reach_the_comparison(tmp_path: Path) -> None:
    data = base_data(replications=6, reporting={"min_difference": {"final_stability": 0.3}})
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = cli.invoke(app, ["sweep", str(scenario), "--out", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["results"]["min_difference"] == {"final_stability": 0.3}
    run_doc = json.loads((out / "none" / "report.json").read_text())
    assert run_doc["results"]["scenario"]["min_difference"] == {"final_stability": 0.3}


# --- the CLI ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("final_stability", "--min-difference expects KPI=VALUE"),
        ("final_stability=big", "--min-difference expects KPI=VALUE"),
        ("=0.1", "--min-difference expects KPI=VALUE"),
        ("stability.final=0.1", "unknown KPI 'stability.final'"),
    ],
)
def test_bad_min_difference_flags_fail_before_running(
    tmp_path: Path, flag: str, message: str
) -> None:
    out = tmp_path / "out"
    result = cli.invoke(
        app,
        ["sweep", str(IRAQ), "--replications", "2", "--out", str(out), "--min-difference", flag],
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.fixture(scope="module")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("flagship")
    result = cli.invoke(
        app,
        ["sweep", str(IRAQ), "--replications", "30", "--out", str(out), "--format", "md"],
    )
    assert result.exit_code == 0, result.output
    return result.output, out


def test_flagship_terminal_begins_with_bottom_line_and_tradeoffs(
    flagship: tuple[str, Path],
) -> None:
    output, _ = flagship
    lines = [line for line in output.splitlines() if line.strip() and "━" not in line]
    assert lines[0] == "Bottom line"
    text = " ".join(output.split())
    assert "Bottom line Against Supportive, low footprint (the baseline), Expanded" in text
    assert text.index("Bottom line") < text.index("Trade-offs") < text.index("- Expanded")
    assert "objective: chance of success" in text
    assert "*" in text.split("Trade-offs", 1)[1].split("- Expanded", 1)[0]
    assert "more than chance" not in output
    assert re.search(r"\((-?[\d.]+) to \1\)", output) is None, "an interval that reads empty"


def test_flagship_markdown_begins_with_bottom_line_and_tradeoffs(
    flagship: tuple[str, Path],
) -> None:
    _, out = flagship
    md = (out / "comparison.md").read_text(encoding="utf-8")
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads[:2] == ["## Bottom line", "## Trade-offs"]
    body = md.split("## Bottom line", 1)[1]
    assert body.lstrip().startswith("Against Supportive, low footprint (the baseline), Expanded")
    assert "| objective: chance of success | Supportive, low footprint |" in md
    assert "(best)" in md
    assert re.search(r"\((-?[\d.]+) to \1\)", md) is None


@pytest.mark.slow
def test_flagship_html_begins_with_bottom_line_and_tradeoffs(tmp_path: Path) -> None:
    result = cli.invoke(
        app,
        ["sweep", str(IRAQ), "--replications", "10", "--out", str(tmp_path), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "comparison.html").read_text(encoding="utf-8")
    heads = re.findall(r'<h2 id="([a-z-]+)">', html)
    assert heads[:3] == ["bottom-line", "tradeoffs", "method"]
    lead = html.split('<h2 id="bottom-line">', 1)[1]
    assert lead.split("</p>", 1)[0].endswith(".") and "(the baseline)" in lead
    matrix = html.split('<table class="tradeoffs">', 1)[1].split("</table>", 1)[0]
    assert 'class="num best"' in matrix and "★ best" in matrix
    assert html.count("paired by seed (common random numbers)") == 1
    # One difference column per compared policy, and no method repeated in the cells.
    kpis = html.split('<h2 id="summary">', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th>([^<]*) vs baseline</th>", kpis) == ["Expanded operational scope"]
    assert "common random numbers" not in html.split('<h2 id="summary">', 1)[1]


def test_cost_clauses_and_the_less_certain_verdicts() -> None:
    noisy = [103.0 + 400 * e for e in NOISE]
    a = run("a", {"cost": [100.0 + 10 * e for e in NOISE]}, {"g": [0, 1] * 10})
    same = run("same", {"cost": [v + 0.5 for v in a["results"]["kpis"]["cost"]["values"]]})
    vague = run("vague", {"cost": list(reversed(noisy))}, {"g": [1, 0] * 5 + [1, 1] * 5})
    same["results"]["objectives"] = {"g": {"description": "", "check": "end", "values": [1] * 20}}
    r = compare([a, same, vague])["results"]
    line_same, line_vague = r["bottom_line"]
    assert line_same.endswith(", at about the same cost.")
    assert line_vague.endswith("; whether it costs more could be chance.")
    d = r["kpis"]["cost"]["differences"]["vague"]
    assert d["available"] and d["verdict"] == "uncertain"
    assert d["sentence"].startswith("Vague changes total cost by ")
    assert d["sentence"].endswith(": could be chance.")
    o = r["objectives"]["g"]["differences"]["vague"]
    assert o["available"] and o["verdict"] == "uncertain"
    assert "of “Goal g is met” from 50% to 75%, +25 points (-15 to +65): could" in o["sentence"]
    assert "better on g (50% → 100%)" in line_same


def test_objectives_that_never_vary_are_facts() -> None:
    a = run("a", {"cost": BASE}, {"g": [0] * 10, "h": [1] * 10})
    b = run("b", {"cost": BASE}, {"g": [1] * 10, "h": [1] * 10})
    r = compare([a, b])["results"]["objectives"]
    g, h = r["g"]["differences"]["b"], r["h"]["differences"]["b"]
    assert g["available"] and g["constant"]
    assert g["sentence"] == (
        "B raises the chance of “Goal g is met” from 0% to 100% (the same in every "
        "replication): better."
    )
    assert difference_cell(g, objective=True) == "better: +100 points (fixed)"
    assert h["available"] and h["constant"]
    assert h["sentence"] == (
        "B leaves the chance of “Goal h is met” at 100% (the same in every replication)."
    )


def test_single_replications_have_no_difference_to_judge() -> None:
    a = run("a", {"cost": [1.0]}, {"g": [1]})
    b = run("b", {"cost": [2.0]}, {"g": [0]})
    r = compare([a, b])["results"]
    for d in (r["kpis"]["cost"]["differences"]["b"], r["objectives"]["g"]["differences"]["b"]):
        assert not d["available"]
        assert difference_cell(d).startswith("n/a (")
    assert r["bottom_line"] == [
        "Against A (the baseline), B makes no meaningful difference to the objectives or "
        "key indicators."
    ]


@pytest.mark.slow
def test_the_bottom_line_quoted_in_the_docs_is_what_the_sweep_prints(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "comparing.md").read_text(encoding="utf-8")
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("> Against"))
    block = []
    for line in lines[start:]:
        if not line.startswith("> "):
            break
        block.append(line[2:])
    quoted = " ".join(block)
    args = ["sweep", str(IRAQ), "--replications", "100", "--out", str(tmp_path)]
    result = cli.invoke(app, [*args, "--format", "md", "--quiet"])
    assert result.exit_code == 0, result.output
    doc_json = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    assert " ".join(quoted.split()) == " ".join(doc_json["results"]["bottom_line"])
