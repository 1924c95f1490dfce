"""The strict checks: each warning triggers on a small scenario made for it, and only then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from factories import base_data, make_scenario
from sim.authoring import informative
from sim.authoring.informative import Finding, Trial, check
from sim.authoring.trial import TRIAL_REPLICATIONS, Arm, Trace, run_trial
from sim.cli import app
from sim.runs.executors import SerialExecutor

REPS = 20


def _found(kind: str, **overrides: Any) -> list[Finding]:
    scenario = make_scenario(**overrides)
    return [f for f in check(scenario, replications=REPS) if f.check == kind]


def _objective(oid: str, condition: str, **more: Any) -> dict[str, Any]:
    return {"id": oid, "condition": condition, **more}


# --------------------------------------------------------------------------- always / never met


def test_never_met_objective_shows_the_range_at_the_horizon() -> None:
    (f,) = _found("never_met", objectives=[_objective("o", "alpha.capacity >= 0.99")])
    assert f.loc == ("objectives", 0, "condition")
    head, tail = f.message.split(" — ")
    assert head == "objective 'o' never met in 2 policies × 20 runs"
    assert tail.startswith("alpha.capacity at month 36: 0.")
    assert tail.endswith(" across trial runs; objective asks ≥ 0.99; it cannot tell policies apart")


def test_always_met_objective() -> None:
    (f,) = _found("always_met", objectives=[_objective("o", "alpha.capacity >= 0.01")])
    assert f.message.startswith("objective 'o' always met in 2 policies × 20 runs — ")
    assert "objective asks ≥ 0.01" in f.message


def test_objective_that_separates_policies_is_not_reported() -> None:
    # Without training capacity decays; with it, it grows: policies differ.
    objective = _objective("o", "alpha.capacity >= 0.3")
    assert _found("never_met", objectives=[objective]) == []
    assert _found("always_met", objectives=[objective]) == []


def test_objective_the_policy_alone_decides_is_settled() -> None:
    # Training or not decides capacity at the horizon, the same in every run.
    (f,) = _found("settled", objectives=[_objective("o", "alpha.capacity >= 0.25")])
    assert f.loc == ("objectives", 0, "condition")
    assert f.message.startswith(
        "objective 'o' is met in every run or in none under each policy (none 0%, full 100%;"
    )
    assert "the policy alone decides it and chance never does" in f.message
    assert "alpha.capacity at month 36: " in f.message


def test_objective_that_chance_moves_under_some_policy_is_not_settled() -> None:
    # With training, capacity ends near 0.3: whether it clears it is partly luck.
    objective = _objective("o", "alpha.capacity >= 0.3")
    trial = informative.run(make_scenario(objectives=[objective]), replications=REPS)
    rates = [trial.success(t)[0] for t in trial.policies]
    assert rates[0] == 0.0 and 0 < rates[1] < 1, rates
    assert [f for f in trial.findings() if f.check == "settled"] == []


def test_by_and_throughout_objectives_report_best_and_worst_in_their_window() -> None:
    objectives = [
        _objective("b", "alpha.capacity >= 0.9", check="by", month=24),
        _objective("t", "0.95 < alpha.stability", check="throughout", month=12),
        _objective("low", "incidents.insurgency <= -1", check="by", month=30),
    ]
    by, throughout, low = _found("never_met", objectives=objectives)
    assert "alpha.capacity best by month 24: " in by.message
    assert "; objective asks ≥ 0.9;" in by.message
    # The measured side on the right: the operator is turned around.
    assert "alpha.stability worst up to month 12: " in throughout.message
    assert "; objective asks > 0.95;" in throughout.message
    # Fewest incidents by month 30 is the best for an 'at most' objective.
    assert "insurgency incidents best by month 30: " in low.message


def test_compound_condition_reports_each_comparison() -> None:
    condition = "alpha.capacity >= 0.99 and (alpha.trust > alpha.stability or not month < 40)"
    (f,) = _found("never_met", objectives=[_objective("o", condition)])
    first, second, third = f.message.split(" — ")[1].split("; objective asks ")[:3]
    assert first.startswith("alpha.capacity at month 36: ")
    # Two measured sides: ranges of both, and the comparison as written.
    assert second.startswith("≥ 0.99; alpha.trust at month 36: ")
    assert ", alpha.stability at month 36: " in second
    assert third.startswith("alpha.trust > alpha.stability; month at month 36: 36 ")
    assert "objective asks not month < 40" in f.message


def test_arithmetic_sides_and_equalities_are_measured_as_written() -> None:
    objectives = [
        _objective("gap", "abs(alpha.trust - alpha.stability) > 5 or 1 > 2", check="by", month=10),
        _objective("exact", "alpha.capacity * 2 == 7", check="throughout"),
    ]
    gap, exact = _found("never_met", objectives=objectives)
    assert "— abs(alpha.trust - alpha.stability) best by month 10: 0." in gap.message
    assert "; objective asks > 5; '1 > 2' compares numbers only;" in gap.message
    # No best or worst for '==': the whole range over the window, and the comparison.
    assert "— alpha.capacity * 2 over months 0–36: 0." in exact.message
    assert "; objective asks alpha.capacity * 2 = 7;" in exact.message


def test_unmeasurable_condition_says_so() -> None:
    (f,) = _found("never_met", objectives=[_objective("o", "false")])
    assert f.message.endswith(
        "— its condition compares nothing, so there is nothing to measure; "
        "it cannot tell policies apart"
    )


def test_nested_comparison_is_not_measured() -> None:
    (f,) = _found("never_met", objectives=[_objective("o", "(alpha.trust > 2) == true")])
    assert "'alpha.trust > 2 = 1' compares conditions, which the trial cannot measure" in (
        f.message
    )


# --------------------------------------------------------------------------- dominant options


def _decision(*options: dict[str, Any], when: str | None = None) -> dict[str, Any]:
    timing: dict[str, Any] = {"when": when} if when else {"at": 1}
    return {
        "id": "choice",
        "title": "A choice",
        **timing,
        "decision": {"prompt": "Which?", "options": list(options), "default": options[0]["id"]},
    }


def _option(oid: str, **sets: float) -> dict[str, Any]:
    effects = [{"target": f"alpha.{var}", "set": value} for var, value in sets.items()]
    return {"id": oid, "label": oid.title(), "effects": effects}


# Checked at month 1, right after the decision at month 1: what the option did.
CAPACITY_BY_1 = _objective("capable", "alpha.capacity >= 0.8", check="by", month=1)
TRUST_BY_1 = _objective("trusted", "alpha.trust >= 0.8", check="by", month=1)


def test_option_better_on_every_objective_is_dominant() -> None:
    inject = _decision(_option("weak", capacity=0.1), _option("strong", capacity=0.9))
    (f,) = _found("dominant", injects=[inject], objectives=[CAPACITY_BY_1, TRUST_BY_1])
    assert f.loc == ("injects", 0, "decision", "options", 1)
    assert f.message == (
        "option 'strong' at decision 'choice' is at least as good as every other on every "
        "objective, so the decision has no trade-off (success over 20 paired runs of policy "
        "'none', decision taken in 20 of them — weak: capable 0%, trusted 0%; strong: "
        "capable 100%, trusted 0%)"
    )


def test_options_that_trade_objectives_are_not_reported() -> None:
    inject = _decision(
        _option("build", capacity=0.9, trust=0.1), _option("reassure", capacity=0.1, trust=0.9)
    )
    news = {"id": "news", "title": "News", "at": 2, "effects": []}  # no decision: no check
    injects = [news, inject]
    assert _found("dominant", injects=injects, objectives=[CAPACITY_BY_1, TRUST_BY_1]) == []


def test_options_that_change_nothing_are_reported() -> None:
    inject = _decision(_option("this"), _option("that"))
    (f,) = _found("dominant", injects=[inject], objectives=[CAPACITY_BY_1])
    assert f.loc == ("injects", 0, "decision")
    assert f.message.startswith("no option at decision 'choice' changes any objective's success")
    assert f.message.endswith("; options must trade objectives against each other")


def test_decision_whose_inject_never_fires_is_reported() -> None:
    inject = _decision(_option("a", capacity=0.1), _option("b", capacity=0.9), when="month > 99")
    (f,) = _found("dominant", injects=[inject], objectives=[CAPACITY_BY_1])
    assert f.message == (
        "decision 'choice' was never taken in 20 paired runs of policy 'none' (its inject never "
        "fired), so no option can matter"
    )


def test_decision_forced_on_the_default_policy_keeps_its_other_answers() -> None:
    second = {**_decision(_option("x", trust=0.1), _option("y", trust=0.9)), "id": "other"}
    inject = _decision(_option("weak", capacity=0.1), _option("strong", capacity=0.9))
    policies = [
        {"id": "none", "levers": {"train": 0.0}, "decisions": {"other": "y"}},
        {"id": "full", "levers": {"train": 1.0}},
    ]
    scenario = make_scenario(
        injects=[inject, second], objectives=[CAPACITY_BY_1, TRUST_BY_1], policies=policies
    )
    trial = informative.run(scenario, replications=4)
    # Forcing 'choice' keeps the default policy's answer 'y' at 'other': trusted in every run.
    assert trial.option_success(scenario.injects[0]) == {"weak": [0, 1], "strong": [1, 1]}
    assert trial.option_success(scenario.injects[1]) == {"x": [0, 0], "y": [0, 1]}


def test_decision_taken_in_some_runs_only_differs_only_there() -> None:
    # Fires only in runs with an early incident: there the options differ, elsewhere they tie.
    inject = _decision(
        _option("weak", capacity=0.1),
        _option("strong", capacity=0.9),
        when="incidents.total >= 1 and month <= 3",
    )
    late = _objective("capable", "alpha.capacity >= 0.8", check="by", month=3)
    scenario = make_scenario(injects=[inject], objectives=[late])
    trial = informative.run(scenario, replications=REPS)
    taken = sum("choice" in t.decided for t in trial.policies[trial.default])
    assert 0 < taken < REPS
    assert trial.fired("choice") >= taken
    success = trial.option_success(scenario.injects[0])
    assert success["weak"] == [0.0]
    assert 0 < success["strong"][0] < 1


def test_no_objectives_no_forced_runs() -> None:
    inject = _decision(_option("weak", capacity=0.1), _option("strong", capacity=0.9))
    trial = informative.run(make_scenario(injects=[inject]), replications=2)
    assert trial.options == {}
    assert list(trial.dominant()) == []


# --------------------------------------------------------------------------- too little variation


def test_deterministic_scenario_has_too_little_variation() -> None:
    # No threat and no other source of chance: every trial run is the same.
    threats = [{"id": "cells", "kind": "insurgency", "targets": ["alpha"], "rate": 0.0}]
    none, full = _found("low_variation", threats=threats, uncertainty={"enabled": False})
    assert none.loc == ("policies", 0) and full.loc == ("policies", 1)
    assert none.message.startswith(
        "policy 'none': final regional stability hardly varies across 20 trial runs (mean "
    )
    assert "coefficient of variation 0.000, below 0.03); chance plays almost no part" in (
        none.message
    )


def test_scenario_with_frequent_severe_threats_varies_enough() -> None:
    threats = [
        {
            "id": "cells",
            "kind": "insurgency",
            "targets": ["alpha"],
            "rate": 1.0,
            "severity": {"mean": 0.6, "sd": 0.25},
        }
    ]
    assert _found("low_variation", threats=threats) == []
    trial = informative.run(make_scenario(threats=threats), replications=REPS)
    assert min(trial.variation()) >= informative.MIN_CV


def test_variation_threshold_is_a_parameter() -> None:
    scenario = make_scenario()
    cvs = informative.run(scenario, replications=REPS).variation()
    found = check(scenario, replications=REPS, min_cv=max(cvs) + 0.01)
    assert [f.loc for f in found if f.check == "low_variation"] == [
        ("policies", 0),
        ("policies", 1),
    ]


# --------------------------------------------------------------------------- the trial run


def test_trial_replications_have_the_seeds_of_a_run() -> None:
    from sim.runs.runner import run
    from sim.runs.spec import RunSpec

    scenario = make_scenario()
    (traces,) = run_trial(scenario, [Arm(scenario.policy("full"))], 5, 99, SerialExecutor())
    report = run(RunSpec.of(scenario, "full", replications=5, seed=99))
    assert [t.stability for t in traces] == list(
        report.results["kpis"]["final_stability"]["values"]
    )


def test_probes_do_not_change_outcomes() -> None:
    from sim.runs.runner import run
    from sim.runs.spec import RunSpec

    objectives = [
        _objective("o", "alpha.trust >= 0.5"),
        _objective("b", "alpha.capacity >= 0.32", check="by", month=30),
    ]
    scenario = make_scenario(objectives=objectives)
    (traces,) = run_trial(scenario, [Arm(scenario.policy("full"))], 10, 3, SerialExecutor())
    report = run(RunSpec.of(scenario, "full", replications=10, seed=3))
    for j, oid in enumerate(("o", "b")):
        assert [t.objectives[j] for t in traces] == report.results["objectives"][oid]["values"]


# --------------------------------------------------------------------------- ttx validate --strict


def test_validate_strict_prints_the_checks_with_positions(tmp_path: Path) -> None:
    data = base_data(objectives=[_objective("o", "alpha.capacity >= 0.99")])
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    strict = runner.invoke(app, ["validate", "--strict", "--trial-replications", "6", str(path)])
    assert strict.exit_code == 1
    line = next(n for n, text in enumerate(data_lines(path), 1) if "alpha.capacity >=" in text)
    assert f"{path}:{line}:" in strict.stderr
    assert (
        "warning: objectives[0].condition: objective 'o' never met in 2 policies × 6 runs — "
        in strict.stderr
    )
    assert "failed (--strict)" in strict.stdout


def data_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_validate_trial_replications_default_is_the_library_default() -> None:
    import inspect

    from sim.cli import validate

    default = inspect.signature(validate).parameters["trial_replications"].default
    assert default == TRIAL_REPLICATIONS


@pytest.mark.parametrize("bad", ["1", "x"])
def test_validate_rejects_bad_trial_replications(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base_data()), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["validate", "--strict", "--trial-replications", bad, str(path)]
    )
    assert result.exit_code == 2
    assert "--trial-replications" in result.output


def test_replication_where_the_decision_was_not_taken_is_a_tie_whatever_the_forced_runs_say() -> (
    None
):
    # Built by hand: the forced runs disagree in replication 0, where the default policy's
    # run never reached the decision; that replication must count as the default run's outcome.
    inject = _decision(_option("weak", capacity=0.1), _option("strong", capacity=0.9))
    scenario = make_scenario(injects=[inject], objectives=[CAPACITY_BY_1])

    def trace(k: int, met: bool, decided: bool) -> Trace:
        taken = frozenset({"choice"}) if decided else frozenset()
        return Trace(k, (met,), 0.5, taken, taken, ((),))

    base = [trace(0, False, False), trace(1, False, True)]
    strong = [trace(0, True, True), trace(1, True, True)]
    trial = Trial(
        scenario, 2, 1, [base, base], 0, {("choice", "weak"): base, ("choice", "strong"): strong}
    )
    assert trial.option_success(scenario.injects[0]) == {"weak": [0.0], "strong": [0.5]}


def test_variation_is_zero_for_a_single_run_and_for_runs_all_at_zero() -> None:
    scenario = make_scenario()

    def runs(*stabilities: float) -> list[Trace]:
        return [Trace(k, (), x, frozenset(), frozenset(), ()) for k, x in enumerate(stabilities)]

    trial = Trial(scenario, 2, 1, [runs(0.4), runs(0.0, 0.0)], 0, {})
    assert trial.variation() == [0.0, 0.0]
    assert [f.loc for f in trial.low_variation()] == [("policies", 0), ("policies", 1)]
