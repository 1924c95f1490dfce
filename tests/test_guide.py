"""The authoring guide's examples and reference never rot: they are checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.authoring.fieldref import reference_markdown, splice
from sim.authoring.informative import check
from sim.authoring.lint import lint
from sim.scenario.conditions import compile_condition, parse_target
from sim.scenario.loader import scenario_from_source
from sim.scenario.models import Scenario
from sim.scenario.references import symbols_of
from sim.scenario.source import parse_text

GUIDE = Path(__file__).resolve().parent.parent / "scenarios" / "README.md"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(info: str) -> list[str]:
    """Bodies of the guide's fenced blocks whose info string is exactly ``info``."""
    text = GUIDE.read_text("utf-8")
    return [body for tag, body in FENCE.findall(text) if tag.strip() == info]


def walkthrough() -> Scenario:
    (whole,) = blocks("yaml")
    return scenario_from_source(parse_text(whole, "README.md (whole file)"))


def test_guide_has_the_expected_blocks() -> None:
    assert len(blocks("yaml")) == 1
    assert len(blocks("yaml step")) == 7
    assert blocks("yaml fragment")
    assert blocks("conditions")
    assert blocks("targets")


def test_whole_scenario_validates_and_is_lint_clean() -> None:
    (whole,) = blocks("yaml")
    source = parse_text(whole, "README.md")
    scenario = scenario_from_source(source)
    assert scenario.id == "jordan_cyber_shield"
    assert len(scenario.policies) >= 2
    assert any(i.decision is not None for i in scenario.injects)
    assert [str(p) for p in lint(scenario, source)] == []
    assert check(scenario) == []  # informative: its decision is a real trade-off


def test_steps_put_together_are_the_whole_scenario() -> None:
    (whole,) = blocks("yaml")
    assert "".join(blocks("yaml step")) == whole


@pytest.mark.parametrize("fragment", blocks("yaml fragment"))
def test_fragments_parse_as_part_of_the_walkthrough(fragment: str) -> None:
    """A fragment shows fields the walkthrough leaves out: added to it, they load as written."""
    (whole,) = blocks("yaml")
    added = parse_text(fragment, "README.md (fragment)").data
    assert isinstance(added, dict) and added
    assert not added.keys() & parse_text(whole, "README.md").data.keys(), "not an addition"
    source = parse_text(whole + fragment, "README.md (with the fragment)")
    scenario = scenario_from_source(source)
    for field, items in added.items():
        loaded = getattr(scenario, field)
        if isinstance(items, dict):  # a settings block, such as uncertainty
            assert loaded.model_fields_set >= items.keys(), field
            continue
        key = "id" if "id" in items[0] else "target"  # uncertainties are keyed by target
        assert [getattr(x, key) for x in loaded] == [item[key] for item in items], field
    assert [str(p) for p in lint(scenario, source)] == []


@pytest.mark.parametrize("condition", blocks("conditions")[0].splitlines())
def test_condition_examples_compile(condition: str) -> None:
    compile_condition(condition, symbols_of(walkthrough()))


@pytest.mark.parametrize("target", blocks("targets")[0].splitlines())
def test_target_examples_resolve(target: str) -> None:
    parse_target(target, symbols_of(walkthrough()))


def test_field_reference_is_current() -> None:
    committed = GUIDE.read_text("utf-8")
    assert splice(committed, reference_markdown()) == committed, (
        "the field reference in scenarios/README.md is stale; regenerate it with: "
        "python -m sim.authoring.fieldref --write scenarios/README.md"
    )


def test_reference_covers_every_field() -> None:
    """Every field of every model appears in the reference (names in backticks)."""
    reference = reference_markdown()
    from sim.scenario.models import (
        Alliance,
        CyberResponse,
        Decision,
        Effect,
        Inject,
        IntelligenceSharing,
        JointExercise,
        MilitaryPresence,
        Objective,
        Option,
        Partner,
        Policy,
        Rival,
        Rivalry,
        Rule,
        Severity,
        StrategicCommunication,
        StrategicDialogue,
        Threat,
        TrainingMission,
    )
    from sim.scenario.params import ModelParameters, ThreatCoefficients

    models = [
        Scenario, Alliance, Partner, Rival, Rivalry, Threat, Severity, TrainingMission,
        StrategicDialogue, JointExercise, IntelligenceSharing, CyberResponse,
        StrategicCommunication, MilitaryPresence, Policy, Rule, Inject, Decision, Option,
        Effect, Objective, ModelParameters, ThreatCoefficients,
    ]  # fmt: skip
    for model in models:
        for name in model.model_fields:
            assert f"| `{name}` |" in reference, f"{model.__name__}.{name} missing"


def test_walkthrough_cites_real_sections() -> None:
    source = GUIDE.parent.parent / "docs" / "source" / "nato-middle-east-security.txt"
    headings = {line.strip() for line in source.read_text("utf-8").splitlines()}
    for section in walkthrough().sources:
        assert section in headings, section
