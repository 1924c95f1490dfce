"""Cells: sides that play against each other (format, references, combined policies, runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from factories import base_data
from sim.errors import InputError
from sim.jobs.run import run_file
from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs.spec import CellConflict, RunSpec
from sim.scenario.cells import all_cells, decision_cells, lever_cells
from sim.scenario.loader import load_scenario, loads_scenario
from sim.scenario.models import BLUE, CombinedPolicy, Scenario

RIVALRY = "scenarios/iran_saudi_rivalry.yaml"


def two_cells(**overrides: Any) -> dict[str, Any]:
    """A minimal two-cell scenario: red drives the insurgency's tempo and one decision."""
    data = base_data(
        threats=[
            {
                "id": "cells",
                "kind": "insurgency",
                "targets": ["alpha"],
                "rate": 0.5,
                "lever": "tempo",
            }
        ],
        rivals=[{"id": "rho", "name": "Rho", "influence": {"alpha": 0.2}, "lever": "sway"}],
        cells=[
            {
                "id": "red",
                "name": "Red HQ",
                "briefing": "Red's secret plan.",
                "default_policy": "measured",
                "controls": ["tempo", "sway"],
            }
        ],
        policies=[
            {"id": "none", "levers": {"train": 0.0}},
            {"id": "full", "levers": {"train": 1.0}, "decisions": {"blue_call": "act"}},
            {"id": "measured", "cell": "red", "levers": {"tempo": 1.0}},
            {
                "id": "surge",
                "cell": "red",
                "title": "Surge",
                "levers": {"tempo": 2.0, "sway": 1.5},
                "decisions": {"red_call": "strike"},
            },
        ],
        injects=[
            {
                "id": "blue_call",
                "at": 6,
                "title": "Blue call",
                "decision": {
                    "prompt": "Blue?",
                    "default": "wait",
                    "options": [
                        {"id": "wait", "label": "Blue waits"},
                        {"id": "act", "label": "Blue acts", "levers": {"train": 2.0}},
                    ],
                },
            },
            {
                "id": "red_call",
                "at": 8,
                "title": "Red call",
                "decision": {
                    "cell": "red",
                    "prompt": "Red?",
                    "default": "hold",
                    "options": [
                        {"id": "hold", "label": "Red holds"},
                        {"id": "strike", "label": "Red strikes", "levers": {"tempo": 2.0}},
                    ],
                },
            },
        ],
    )
    data.update(overrides)
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as info:
        loads_scenario(yaml.safe_dump(data), "s.yaml")
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- format


def test_without_cells_there_is_one_blue_cell_owning_everything() -> None:
    s = Scenario.model_validate(base_data())
    assert [c.id for c in all_cells(s)] == [BLUE]
    assert all_cells(s)[0].default_policy == "none"
    assert lever_cells(s) == {"train": BLUE}
    policy = s.policy()
    assert not isinstance(policy, CombinedPolicy) and policy.id == "none"


def test_two_cells_own_their_levers_and_decisions() -> None:
    s = Scenario.model_validate(two_cells())
    assert [c.id for c in all_cells(s)] == [BLUE, "red"]
    assert lever_cells(s) == {"train": BLUE, "tempo": "red", "sway": "red"}
    assert decision_cells(s) == {"blue_call": BLUE, "red_call": "red"}


def test_a_policy_runs_with_the_other_cells_defaults() -> None:
    s = Scenario.model_validate(two_cells())
    blue = s.policy("full")
    assert isinstance(blue, CombinedPolicy)
    assert blue.id == "full" and blue.cells == {BLUE: "full", "red": "measured"}
    assert blue.title == "full (blue) vs measured (red)"
    red = s.policy("surge")
    assert red.id == "none"  # the run is named by blue's policy
    assert red.levers == {"train": 0.0, "tempo": 2.0, "sway": 1.5}
    assert red.decisions == {"red_call": "strike"}


def test_unlisted_red_levers_are_blue() -> None:
    data = two_cells(cells=[])
    data["policies"] = [{"id": "none", "levers": {"tempo": 0.5}}]
    data["injects"] = []
    s = Scenario.model_validate(data)
    assert lever_cells(s)["tempo"] == BLUE
    assert s.policy().levers == {"tempo": 0.5}


def test_shipped_rivalry_is_two_sided() -> None:
    s = load_scenario(RIVALRY)
    cells = all_cells(s)
    assert [c.id for c in cells] == [BLUE, "red"]
    assert all(c.briefing for c in cells)
    red = [p.id for p in s.policies if p.cell == "red"]
    assert 2 <= len(red) <= 3
    assert "red" in decision_cells(s).values()


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a blue policy setting a red lever
        (
            lambda d: d["policies"][0]["levers"].update(tempo=1.5),
            "policies[0].levers.tempo: lever 'tempo' belongs to cell 'red', not 'blue'",
        ),
        # a red policy answering a blue decision
        (
            lambda d: d["policies"][2].update(decisions={"blue_call": "wait"}),
            "decision 'blue_call' is taken by cell 'blue', not 'red'",
        ),
        # a red option changing a blue lever
        (
            lambda d: d["injects"][1]["decision"]["options"][0].update(levers={"train": 1.0}),
            "lever 'train' belongs to cell 'blue', not 'red'",
        ),
        # a red rule setting a blue lever
        (
            lambda d: d["policies"][3].update(
                rules=[{"when": "alpha.trust < 0.2", "set": {"train": 1.0}}]
            ),
            "policies[3].rules[0].set.train: lever 'train' belongs to cell 'blue'",
        ),
        (
            lambda d: d["policies"][2].update(cell="green"),
            "policies[2].cell: unknown cell 'green'; expected one of blue, red",
        ),
        (
            lambda d: d["injects"][1]["decision"].update(cell="green"),
            "injects[1].decision.cell: unknown cell 'green'",
        ),
        (
            lambda d: d["cells"][0]["controls"].append("train"),
            "cells[0].controls[2]: 'train' is not a threat or rival lever",
        ),
        (
            lambda d: d["cells"][0].update(default_policy=None),
            "cell 'red' has policies (measured, surge); name its default_policy",
        ),
        (
            lambda d: d["cells"][0].update(default_policy="full"),
            "cells[0].default_policy: 'full' is not a policy of cell 'red'",
        ),
        (
            lambda d: d.update(default_policy="surge"),
            "default_policy: 'surge' is a policy of cell 'red'",
        ),
        (
            lambda d: d["policies"][3].update(extends="full"),
            "policy 'full' belongs to cell 'blue', not 'red'",
        ),
        (
            lambda d: d["cells"].append({"id": "red2", "name": "R2", "controls": ["tempo"]}),
            "cells[1].controls[0]: lever 'tempo' is already controlled by cell 'red'",
        ),
        (
            lambda d: d["rivals"][0].update(lever="train"),
            "rivals[0].lever: lever 'train' is already an initiative id",
        ),
        (
            lambda d: d["cells"].append({"id": "blue", "name": "B", "controls": ["tempo"]}),
            "blue controls every initiative lever",
        ),
    ],
)
def test_reference_errors_name_the_field(change: Any, expected: str) -> None:
    data = two_cells()
    change(data)
    found = problems(data)
    assert any(expected in p for p in found), found
    assert all(p.startswith("s.yaml:") for p in found)


# --------------------------------------------------------------------------- engine


def incidents(scenario: Scenario, policy: str, seeds: range = range(5)) -> float:
    plan = compile_plan(scenario, policy)
    return sum(simulate(plan, replication_seed(1, k)).kpis["incidents.total"] for k in seeds)


def test_red_threat_lever_scales_the_threat_rate() -> None:
    data = two_cells()
    data["policies"].append({"id": "quiet", "cell": "red", "levers": {"tempo": 0.0}})
    s = Scenario.model_validate(data)
    quiet, measured, surge = (incidents(s, p) for p in ("quiet", "measured", "surge"))
    assert quiet == 0
    assert measured > 0
    assert surge > 1.5 * measured


def test_red_rival_lever_scales_influence_pressure_only() -> None:
    data = two_cells(horizon=24)
    data["policies"] += [
        {"id": "mute", "cell": "red", "levers": {"tempo": 0.0, "sway": 0.0}},
        {"id": "loud", "cell": "red", "levers": {"tempo": 0.0, "sway": 2.0}},
    ]
    s = Scenario.model_validate(data)
    trust = {p: simulate(compile_plan(s, p), 1).kpis["alpha.final_trust"] for p in ("mute", "loud")}
    assert trust["loud"] < trust["mute"]


def test_decisions_carry_their_cell_into_the_plan() -> None:
    plan = compile_plan(Scenario.model_validate(two_cells()))
    assert {j.id: j.cell for j in plan.injects} == {"blue_call": BLUE, "red_call": "red"}
    assert plan.cells == ((BLUE, "none"), ("red", "measured"))
    assert plan.levers["tempo"] == 1.0 and plan.levers["sway"] == 1.0


# --------------------------------------------------------------------------- runs


def test_run_spec_combines_one_policy_per_cell() -> None:
    s = Scenario.model_validate(two_cells())
    spec = RunSpec.of_cells(s, ["surge", "full"])
    assert spec.policy.id == "full"
    assert isinstance(spec.policy, CombinedPolicy)
    assert spec.policy.cells == {BLUE: "full", "red": "surge"}
    assert spec.label == "full-surge"
    with pytest.raises(CellConflict, match="two policies for cell 'red'"):
        RunSpec.of_cells(s, ["surge", "measured"])


def test_report_names_every_cells_policy(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(two_cells()), encoding="utf-8")
    done = run_file(path, policy=["full", "surge"], replications=3, out=tmp_path / "o")
    policy = done.report["results"]["policy"]
    assert policy == {
        "id": "full",
        "title": "full (blue) vs Surge (red)",
        "cells": {"blue": "full", "red": "surge"},
    }
    assert "full (blue) vs Surge (red)" in (tmp_path / "o" / "report.md").read_text("utf-8")


def test_one_sided_reports_have_no_cells(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(base_data()), encoding="utf-8")
    done = run_file(path, replications=2, out=tmp_path / "o")
    assert "cells" not in done.report["results"]["policy"]
