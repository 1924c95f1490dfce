"""Bounded work: the estimate, the limit, the schema's list caps and the strict trial's budget."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from factories import base_data, make_scenario
from sim.cli import app
from sim.errors import TtxError
from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.runs import budget
from sim.scenario.loader import load_scenario

SCENARIO = "scenarios/iraq_training_mission.yaml"
runner = CliRunner()

HUGE = (
    "one replication would take about 822,050 events, above the limit of 500,000; the "
    "largest part is threat 'cells' (810,000 events; 50 partners, horizon 240 months); "
    "make the scenario smaller, or raise the limit with --max-work N or the environment "
    "variable TTX_MAX_WORK"
)


def crowded(
    partners: int = 50, rate: float = 30, horizon: int = 240, **more: Any
) -> dict[str, Any]:
    """The issue's example: many partners under one fast threat for a long horizon."""
    one = base_data()["partners"][0]
    people = [dict(one, id=f"p{i}", name=f"P{i}") for i in range(partners)]
    return base_data(
        partners=people,
        horizon=horizon,
        threats=[
            {
                "id": "cells",
                "kind": "insurgency",
                "targets": [p["id"] for p in people],
                "rate": rate,
            }
        ],
        initiatives=[],
        policies=[{"id": "none"}],
        **more,
    )


def write(tmp_path: Path, data: dict[str, Any], name: str = "big.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fail the test if any replication is simulated; count the calls."""
    calls: list[int] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise AssertionError("the engine ran")

    import sim.authoring.trial
    import sim.model.engine
    import sim.runs.runner

    monkeypatch.setattr(sim.runs.runner, "simulate", refuse)
    monkeypatch.setattr(sim.model.engine, "simulate", refuse)
    monkeypatch.setattr(sim.authoring.trial, "_trial_chunk", refuse)
    return calls


# --------------------------------------------------------------------------- the estimate


def test_estimate_counts_arrivals_at_the_highest_rate() -> None:
    s = make_scenario(**{k: v for k, v in crowded(5, 3, 120).items() if k != "id"})
    work = budget.estimate(compile_plan(s, s.policy()))
    # 3 a month x (1 + 0.5) x (1 + 0.5) at most x 120 months x 5 targets.
    assert work.arrivals == {"cells": pytest.approx(4050)}
    assert work.monthly == 121 * 5
    assert work.events == 4050 + 605


def test_a_red_lever_counts_at_its_maximum() -> None:
    data = crowded(5, 3, 120)
    data["threats"][0]["lever"] = "campaign"
    s = make_scenario(**data)
    assert budget.estimate(compile_plan(s, s.policy())).arrivals["cells"] == pytest.approx(8100)


def test_the_estimate_bounds_what_the_engine_does() -> None:
    """Expected candidates dominate a busy scenario: SimPy's count is close to the estimate."""
    s = make_scenario(**crowded(10, 5, 60))
    plan = compile_plan(s, s.policy())
    work = budget.estimate(plan)
    events = simulate(plan, 1).events
    assert 0.9 * work.events <= events <= 1.1 * work.events


@pytest.mark.parametrize("path", sorted(Path("scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_are_far_below_the_limit(path: Path) -> None:
    s = load_scenario(path)
    work = budget.estimate(compile_plan(s, s.policy()))
    assert work.events < budget.MAX_WORK // 100
    budget.check(work, 1_000_000)  # even the largest replication count the schema allows


def test_amounts_read_at_a_glance() -> None:
    assert budget.amount(2_412_345) == "2.4 million"
    assert budget.amount(35_000) == "35,000"
    assert budget.amount(3e9) == "3.0 billion"
    work = budget.Work({"t": 2_400_000}, 0, 0, 0, 1, 12)
    assert budget.describe(work, 1000) == (
        "about 2.4 million events per replication; 1,000 replications"
    )


# --------------------------------------------------------------------------- the limit


def test_the_issue_example_is_refused_at_once(tmp_path: Path, no_engine: list[int]) -> None:
    path = write(tmp_path, crowded())
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {HUGE}"
    assert no_engine == [] and not out.exists()


def test_the_limit_is_raised_by_flag_or_environment() -> None:
    s = make_scenario(**crowded())
    work = budget.estimate(compile_plan(s, s.policy()))
    with pytest.raises(budget.WorkTooLarge, match="above the limit of 500,000"):
        budget.check(work, 1)
    budget.check(work, 1, 1_000_000)
    budget.check(work, 1, budget.max_work(None, {"TTX_MAX_WORK": "1_000_000"}))
    assert budget.max_work(None, {}) == budget.MAX_WORK
    assert budget.max_work(7, {"TTX_MAX_WORK": "9"}) == 7


def test_a_bad_environment_limit_is_named() -> None:
    with pytest.raises(TtxError) as caught:
        budget.max_work(None, {"TTX_MAX_WORK": "lots"})
    assert str(caught.value) == "TTX_MAX_WORK must be a positive whole number, got 'lots'"


def test_the_library_runner_refuses_too(no_engine: list[int]) -> None:
    from sim.runs.runner import run
    from sim.runs.spec import RunSpec

    s = make_scenario(**crowded())
    with pytest.raises(budget.WorkTooLarge, match="threat 'cells'"):
        run(RunSpec(s, s.policy(), 2, 1))
    assert no_engine == []


def test_too_many_replications_of_a_fair_replication_are_refused(
    tmp_path: Path, no_engine: list[int]
) -> None:
    path = write(tmp_path, crowded(10, 5, 120))  # about 14,700 events each
    result = runner.invoke(
        app,
        ["run", str(path), "--replications", "1000000", "--out", str(tmp_path / "o"), "--quiet"],
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: 1,000,000 replications of about 14,710 events each (14.7 billion in all) "
        "are above the limit of 5.0 billion for a run; run fewer replications, or raise "
        "the limit with --max-work N or the environment variable TTX_MAX_WORK"
    )
    assert no_engine == []


def test_a_large_run_prints_its_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "NOTICE_WORK", 1000)
    result = runner.invoke(
        app,
        ["run", SCENARIO, "--replications", "2", "--out", str(tmp_path / "o"), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert "about 1,505 events per replication; 2 replications\n" in result.stderr


def test_max_work_flag_lets_a_run_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "MAX_WORK", 100)  # the flagship is about 1,500
    args = ["run", SCENARIO, "--replications", "2", "--quiet"]
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 1 and "above the limit of 100;" in refused.output
    allowed = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--max-work", "2000"])
    assert allowed.exit_code == 0, allowed.output


# --------------------------------------------------------------------------- schema caps


@pytest.mark.parametrize("field", ["threats", "injects", "objectives", "initiatives"])
def test_ten_thousand_items_are_refused_by_the_schema(tmp_path: Path, field: str) -> None:
    item: dict[str, Any] = {
        "threats": {"id": "t", "kind": "insurgency", "targets": ["alpha"], "rate": 0.1},
        "injects": {"id": "i", "title": "I", "at": 3},
        "objectives": {"id": "o", "condition": "alpha.trust > 0.1"},
        "initiatives": {"id": "n", "kind": "training_mission", "partners": ["alpha"]},
    }[field]
    many = [dict(copy.deepcopy(item), id=f"{item['id']}{k}") for k in range(10_000)]
    data = base_data(**{field: many})
    path = write(tmp_path, data)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    line = result.output.splitlines()[0]
    assert line.startswith(f"{path}:")
    assert f": {field}: list should have at most 200 items after validation, not 10000" in line


def test_rules_and_answers_are_capped_in_policies(tmp_path: Path) -> None:
    rule = {"when": "alpha.trust < 0.1", "set": {"train": 0.0}}
    data = base_data(policies=[{"id": "busy", "rules": [rule] * 201}])
    result = runner.invoke(app, ["validate", str(write(tmp_path, data))])
    assert result.exit_code == 1
    assert "policies[0].rules: list should have at most 200 items after validation, not 201" in (
        result.output
    )


def test_two_hundred_items_are_fine() -> None:
    threat = {"kind": "insurgency", "targets": ["alpha"], "rate": 0.01}
    s = make_scenario(threats=[dict(threat, id=f"t{k}") for k in range(200)])
    assert len(s.threats) == 200


# --------------------------------------------------------------------------- strict trial


def test_strict_validation_of_the_issue_example_is_refused_at_once(
    tmp_path: Path, no_engine: list[int]
) -> None:
    path = write(tmp_path, crowded())
    result = runner.invoke(app, ["validate", "--strict", str(path)])
    assert result.exit_code == 1
    assert f"{path}: error: {HUGE}" in result.output.splitlines()
    assert no_engine == []


def test_strict_trial_stays_within_its_budget(no_engine: list[int]) -> None:
    result = runner.invoke(
        app, ["validate", "--strict", "--trial-replications", "100000", SCENARIO]
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(
        f"{SCENARIO}: error: the trial run (8 arms x 100000 replications of about "
    )
    assert "events) is above its limit of 10.0 million events; --trial-replications " in (
        result.output
    )
    assert no_engine == []


def test_an_interrupted_strict_trial_stops_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.authoring import trial
    from sim.runs.executors import SerialExecutor

    stopped: list[str] = []

    def interrupted(task: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(trial, "_trial_chunk", interrupted)
    monkeypatch.setattr(SerialExecutor, "terminate", lambda self: stopped.append("terminate"))
    s = load_scenario(Path(SCENARIO))
    with pytest.raises(KeyboardInterrupt):
        trial.run_trial(s, [trial.Arm(s.policy())], 2)
    assert stopped == ["terminate"]


def test_a_chain_of_policies_may_hold_more_rules_than_one_entry() -> None:
    rule = {"when": "alpha.trust < 0.1", "set": {"train": 0.0}}
    s = make_scenario(
        policies=[
            {"id": "a", "rules": [rule] * 150},
            {"id": "b", "extends": "a", "rules": [rule] * 150},
        ]
    )
    assert len(s.policy("b").rules) == 300
