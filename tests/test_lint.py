"""Lints: each warning's message and FILE:LINE:COL, and the validate command's use of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.authoring.lint import lint
from sim.cli import app
from sim.errors import Problem
from sim.scenario.loader import load_scenario_with_source, scenario_from_source
from sim.scenario.source import parse_text

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
id: lint_case
title: Lint case
sources: [test]
horizon: 24
partners:
  - id: a
    name: A
    capacity: 0.3
    trust: 0.5
    cooperation: 0.4
    stability: 0.5
    resilience: 0.3
threats:
  - id: t
    kind: terrorism
    targets: [a]
    rate: 0.3
initiatives:
  - id: train
    kind: training_mission
    partners: [a]
policies:
  - id: p
    levers: {train: 1.0}
objectives:
  - id: o
    condition: a.capacity >= 0.2
"""


def _lint(text: str, trial: bool = False) -> list[Problem]:
    source = parse_text(text, "case.yaml")
    return lint(scenario_from_source(source), source, trial=trial, trial_replications=5)


def _at(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in text")


def _only(text: str, trial: bool = False) -> str:
    found = _lint(text, trial)
    assert len(found) == 1, [str(p) for p in found]
    assert found[0].level == "warning"
    return str(found[0])


def _replace(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


def test_clean_scenario_has_no_warnings() -> None:
    # The trial run's checks (test_strict.py) would flag this tiny exercise as uninformative.
    assert _lint(BASE) == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")))
def test_shipped_scenarios_are_lint_clean(path: Path) -> None:
    scenario, source = load_scenario_with_source(path)
    assert [str(p) for p in lint(scenario, source)] == []


def test_inject_after_horizon() -> None:
    text = BASE + "injects:\n  - id: late\n    title: Late\n    at: 30\n"
    line, col = _at(text, "30")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: injects[0].at: inject 'late' is timed at month 30, "
        "after the horizon (month 24), so it never fires"
    )


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ("a.trust > 1.2", "a.trust is between 0 and 1"),
        ("month > 30", "month is between 0 and 24"),
        ("month < 6 and month > 12", "month is between 0 and 24"),
        ("a.trust - a.capacity > 1", "a.trust is between 0 and 1; a.capacity is between 0 and 1"),
        ("not (a.trust <= 1)", "a.trust is between 0 and 1"),
        ("incidents.total < 0 or nato.funds < -1", "incidents.total is between 0 and infinity"),
    ],
)
def test_inject_condition_that_never_holds(condition: str, why: str) -> None:
    text = BASE + f"injects:\n  - id: never\n    title: Never\n    when: {condition}\n"
    line, col = _at(text, condition)
    message = _only(text)
    assert message.startswith(
        f"case.yaml:{line}:{col}: warning: injects[0].when: condition '{condition}' can never "
        "hold, so inject 'never' never fires ("
    )
    assert why in message


@pytest.mark.parametrize(
    "condition", ["a.trust > 0.9", "month >= 24", "month > 6 and month < 12", "a.trust / 0 > 3"]
)
def test_possible_conditions_are_not_flagged(condition: str) -> None:
    text = BASE + f"injects:\n  - id: maybe\n    title: Maybe\n    when: {condition}\n"
    assert _lint(text) == []


def test_inject_condition_that_always_holds() -> None:
    text = BASE + "injects:\n  - id: now\n    title: Now\n    when: a.trust >= 0\n"
    line, col = _at(text, "a.trust >= 0")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: injects[0].when: condition 'a.trust >= 0' always "
        "holds, so inject 'now' fires at month 0; write 'at: 0' if that is meant"
    )


def test_rule_and_objective_conditions_that_never_hold() -> None:
    text = _replace(
        "    levers: {train: 1.0}\n",
        "    levers: {train: 1.0}\n    rules:\n      - when: month > 99\n        set: {train: 0}\n",
    ).replace("condition: a.capacity >= 0.2", "condition: a.capacity >= 2")
    found = [str(p) for p in _lint(text)]
    rule_line, rule_col = _at(text, "month > 99")
    obj_line, obj_col = _at(text, "a.capacity >= 2")
    assert found == [
        f"case.yaml:{rule_line}:{rule_col}: warning: policies[0].rules[0].when: condition "
        "'month > 99' can never hold, so this rule never applies (month is between 0 and 24)",
        f"case.yaml:{obj_line}:{obj_col}: warning: objectives[0].condition: condition "
        "'a.capacity >= 2' can never hold, so objective 'o' is never met "
        "(a.capacity is between 0 and 1)",
    ]


def test_objective_month_after_horizon() -> None:
    text = BASE + "    check: by\n    month: 36\n"
    line, col = _at(text, "36")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: objectives[0].month: objective 'o' has month 36, "
        "after the horizon (month 24); it is only checked up to month 24"
    )


def test_objective_month_ignored_at_end() -> None:
    text = BASE + "    check: end\n    month: 12\n"
    line, col = _at(text, "12")
    assert _only(text).startswith(
        f"case.yaml:{line}:{col}: warning: objectives[0].month: objective 'o' is checked at "
        "the end; 'month' is ignored"
    )


def test_policy_that_sets_nothing() -> None:
    text = _replace("objectives:\n", "  - id: idle\n    title: Idle\nobjectives:\n")
    line, col = _at(text, "idle")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: policies[1].id: policy 'idle' sets nothing (no "
        "levers, decisions, rules or extends); it runs every initiative at its own default "
        "intensity"
    )


def test_policy_that_extends_is_not_empty() -> None:
    text = _replace("objectives:\n", "  - id: same\n    extends: p\nobjectives:\n")
    assert _lint(text) == []


def test_initiative_without_partners() -> None:
    text = _replace(
        "policies:\n", "  - id: talk\n    kind: strategic_dialogue\n    partners: []\npolicies:\n"
    )
    line, col = _at(text, "[]")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: initiatives[1].partners: initiative 'talk' targets "
        "no partner, so it has no effect"
    )


def test_threat_with_rate_zero() -> None:
    text = _replace("rate: 0.3", "rate: 0")
    line, col = _at(text, "rate: 0")
    assert _only(text) == (
        f"case.yaml:{line}:{col + len('rate: ')}: warning: threats[0].rate: threat 't' has "
        "rate 0, so it never strikes"
    )


def test_threat_starting_after_horizon() -> None:
    text = _replace("    rate: 0.3\n", "    rate: 0.3\n    start: 30\n")
    line, col = _at(text, "30")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: threats[0].start: 't' starts at month 30, after the "
        "horizon (month 24), so it never acts"
    )


def test_partner_nothing_touches() -> None:
    text = _replace(
        "threats:\n",
        "  - {id: b, name: B, capacity: 0.3, trust: 0.5, cooperation: 0.4, stability: 0.5,"
        " resilience: 0.3}\nthreats:\n",
    )
    line, col = _at(text, "b, name")
    assert _only(text) == (
        f"case.yaml:{line}:{col}: warning: partners[1].id: partner 'b' is touched by nothing: "
        "no threat, initiative, rival, rivalry or effect targets it"
    )


def test_partner_touched_by_an_effect_only_is_fine() -> None:
    text = _replace(
        "threats:\n",
        "  - {id: b, name: B, capacity: 0.3, trust: 0.5, cooperation: 0.4, stability: 0.5,"
        " resilience: 0.3}\nthreats:\n",
    ) + (
        "injects:\n  - id: shock\n    title: Shock\n    at: 3\n"
        "    effects: [{target: partners.stability, delta: -0.1}]\n"
    )
    assert _lint(text) == []


def test_rival_with_no_influence_and_no_rivalry() -> None:
    text = _replace("threats:\n", "rivals:\n  - id: r\n    name: R\nthreats:\n")
    line, col = _at(text, "id: r")
    assert _only(text) == (
        f"case.yaml:{line}:{col + len('id: ')}: warning: rivals[0].id: rival 'r' has no "
        "influence on any partner and is in no rivalry, so it has no effect"
    )
    in_rivalry = _replace(
        "threats:\n",
        "rivals:\n  - id: r\n    name: R\nrivalries:\n  - {id: ra, between: [r, a], tension: 0.2}\n"
        "threats:\n",
    )
    assert _lint(in_rivalry) == []


def test_objective_never_met_in_trial_run() -> None:
    text = _replace("condition: a.capacity >= 0.2", "condition: a.capacity >= 0.95")
    assert _lint(text) == []  # static lints cannot know; the trial run can
    line, col = _at(text, "a.capacity >= 0.95")
    found = [str(p) for p in _lint(text, trial=True) if p.path == "objectives[0].condition"]
    # The runs differ (programme effects vary), so the value is a range or, by chance, one value.
    seen = r"0\.\d\d(–0\.\d\d)?"
    assert len(found) == 1
    assert re.fullmatch(
        re.escape(
            f"case.yaml:{line}:{col}: warning: objectives[0].condition: objective 'o' never met "
            "in 1 policy × 5 runs — a.capacity at month 24: "
        )
        + seen
        + re.escape(" across trial runs; objective asks ≥ 0.95; it cannot tell policies apart"),
        found[0],
    ), found[0]


def test_validate_prints_warnings_and_fails_only_when_strict(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(_replace("rate: 0.3", "rate: 0"), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:17:11: warning: threats[0].rate: threat 't' has rate 0" in result.stderr
    assert "ok (lint_case: 1 policies, 0 injects, 1 objectives, 1 warning(s))" in result.stdout
    strict = runner.invoke(app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 1
    assert "warning: threats[0].rate" in strict.stderr
    assert "failed (--strict)" in strict.stdout


def test_validate_strict_runs_the_trial(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(_replace(">= 0.2", ">= 0.95"), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    strict = runner.invoke(app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 1
    assert "objective 'o' never met in 1 policy × 40 runs" in strict.stderr
