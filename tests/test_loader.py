"""Loading scenarios: every problem reported as FILE:LINE:COL: path: message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import InputError
from sim.scenario.loader import load_scenario, loads_scenario

GOOD = """\
id: mini
title: Mini
sources: [Enhancing regional capacity-building efforts]
horizon: 24
partners:
  - id: alpha
    name: Alpha
    capacity: 0.3
    trust: 0.5
    cooperation: 0.4
    stability: 0.5
    resilience: 0.3
threats:
  - id: cells
    kind: insurgency
    targets: [alpha]
    rate: 0.5
initiatives:
  - id: train
    kind: training_mission
    partners: [alpha]
policies:
  - id: base
    levers: {train: 1.0}
    rules:
      - when: alpha.trust < 0.3
        set: {train: 0.5}
injects:
  - id: crisis
    at: 12
    title: Crisis
    decision:
      prompt: What now?
      default: wait
      options:
        - {id: wait, label: Wait}
        - {id: act, label: Act, levers: {train: 2.0}}
objectives:
  - id: capable
    condition: alpha.capacity > 0.4
"""


def problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_good_scenario_loads() -> None:
    s = loads_scenario(GOOD)
    assert s.policy().levers == {"train": 1.0}
    assert s.injects[0].decision is not None


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    text = GOOD.replace("horizon: 24", "horizon: [24")
    (msg,) = problems(text, tmp_path)
    assert msg.startswith(f"{tmp_path / 's.yaml'}:")
    assert "YAML syntax error" in msg


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    missing, msg = problems(GOOD.replace("    capacity: 0.3", "    capacty: 0.3"), tmp_path)
    assert missing.endswith(":6:5: partners[0].capacity: missing required field 'capacity'")
    assert msg.endswith(
        ":8:5: partners[0].capacty: unknown field 'capacty'; did you mean "
        "'capacity'? (expected one of: absorption, baseline_trust, capacity, "
        "cooperation, id, name, priorities, resilience, sensitivity, stability, "
        "trust)"
    ), msg


def test_wrong_type_and_out_of_range_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("trust: 0.5", "trust: high").replace("rate: 0.5", "rate: 45")
    msgs = problems(text, tmp_path)
    assert len(msgs) == 2
    assert any(
        ":9:12: partners[0].trust: input should be a valid number" in m and "found 'high'" in m
        for m in msgs
    )
    assert any(
        ":17:11: threats[0].rate: input should be less than or equal to 30" in m and "found 45" in m
        for m in msgs
    )


def test_missing_field(tmp_path: Path) -> None:
    (msg,) = problems(GOOD.replace("    name: Alpha\n", ""), tmp_path)
    assert ":6:5: partners[0].name: missing required field 'name'" in msg


def test_discriminated_union_fields(tmp_path: Path) -> None:
    text = GOOD.replace("    partners: [alpha]\n", "    partners: [alpha]\n    gain: 7\n")
    (msg,) = problems(text, tmp_path)
    assert "initiatives[0].gain: input should be less than or equal to 1" in msg
    bad_kind = GOOD.replace("kind: training_mission", "kind: training")
    (msg,) = problems(bad_kind, tmp_path)
    assert "initiatives[0]" in msg and "training_mission" in msg


def test_dangling_references(tmp_path: Path) -> None:
    text = (
        GOOD.replace("targets: [alpha]", "targets: [alpha, beta]")
        .replace("levers: {train: 1.0}", "levers: {trian: 1.0}")
        .replace("default: wait", "default: later")
    )
    msgs = problems(text, tmp_path)
    assert any(
        ":16:22: threats[0].targets[1]: unknown partner 'beta'; expected one of alpha" in m
        for m in msgs
    )
    assert any(
        ":24:14: policies[0].levers.trian: unknown lever 'trian'; levers are initiative ids: "
        "train" in m
        for m in msgs
    )
    assert any(
        ":34:16: injects[0].decision.default: default 'later' is not one of the options: act, "
        "wait" in m
        for m in msgs
    )
    assert len(msgs) == 3


def test_bad_condition_points_into_the_condition(tmp_path: Path) -> None:
    text = GOOD.replace("when: alpha.trust < 0.3", "when: alpha.trust < 0.3 and beta.trust > 0")
    (msg,) = problems(text, tmp_path)
    # The 'when:' value starts at column 15; 'beta' is 22 characters into it.
    assert (
        ":26:37: policies[0].rules[0].when: unknown actor 'beta'; expected one of alpha, "
        "nato, incidents or harm" in msg
    )


def test_duplicate_ids_and_keys(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: cells\n", "  - id: cells\n    id: cells2\n")
    (msg,) = problems(text, tmp_path)
    assert ":15:5: threats[0].id: duplicate key 'id' (first defined on line 14)" in msg


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    (msg,) = problems("- a\n- b\n", tmp_path)
    assert "expected a mapping of fields at the top level, found a list" in msg


def test_cli_validate_prints_every_problem_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("rate: 0.5", "rate: -1").replace("alpha.capacity", "alpha.power"))
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    result = CliRunner().invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{good}: ok (mini: 1 policies, 1 injects, 1 objectives)" in result.output
    assert f"{bad}:17:11: threats[0].rate: input should be greater than or equal to 0" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_shipped_scenarios_validate() -> None:
    files = sorted(Path("scenarios").glob("*.yaml"))
    assert files
    result = CliRunner().invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output


def test_schema_version_is_optional_and_checked(tmp_path: Path) -> None:
    assert loads_scenario(GOOD).schema_version == 1
    assert loads_scenario("schema_version: 1\n" + GOOD).schema_version == 1
    (msg,) = problems("schema_version: 2\n" + GOOD, tmp_path)
    assert msg.startswith(f"{tmp_path / 's.yaml'}:1:17: schema_version:")
    assert "1" in msg.split("schema_version:", 1)[1]


def test_a_removed_model_field_is_named_as_removed(tmp_path: Path) -> None:
    # A version-1 scenario from before model v2 loads unless it sets what v2 removed.
    (msg,) = problems(GOOD + "model:\n  mitigated_threshold: 0.4\n", tmp_path)
    assert msg.startswith(f"{tmp_path / 's.yaml'}:")
    assert "model.mitigated_threshold: 'mitigated_threshold' is removed in model v2" in msg
    assert "delete this line" in msg
    (typo,) = problems(GOOD + "model:\n  trust_relaxx: 0.1\n", tmp_path)
    assert "unknown field 'trust_relaxx'; did you mean 'trust_relax'?" in typo
