"""The exported JSON Schemas: current, valid, and in agreement with the loader."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from sim.cli import app
from sim.loader import load_scenario
from sim.schema_export import dumps_schema, policy_schema, scenario_schema
from sim.yamlsrc import read_source

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=../schema/scenario.schema.json"
REGENERATE = (
    "ttx schema --out schema/scenario.schema.json && "
    "ttx schema --policy --out schema/policy.schema.json"
)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = scenario_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize(
    ("committed", "generate"),
    [("scenario.schema.json", scenario_schema), ("policy.schema.json", policy_schema)],
)
def test_committed_schema_is_current(committed: str, generate: Any) -> None:
    text = (ROOT / "schema" / committed).read_text("utf-8")
    assert text == dumps_schema(generate()), (
        f"schema/{committed} is stale; regenerate it with: {REGENERATE}"
    )


def test_schema_header_and_descriptions() -> None:
    schema = scenario_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:ttx:schema:scenario"
    assert schema["title"] == "ttx scenario"
    partner = schema["$defs"]["Partner"]["properties"]
    assert partner["trust"]["maximum"] == 1.0
    assert "trust in the alliance" in partner["trust"]["description"]
    assert schema["properties"]["horizon"]["default"] == 120
    assert schema["$defs"]["Threat"]["properties"]["kind"]["$ref"] == "#/$defs/ThreatKind"
    assert "proliferation" in schema["$defs"]["ThreatKind"]["enum"]
    Draft202012Validator.check_schema(policy_schema())


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_passes_exported_schema(
    path: Path, validator: Draft202012Validator
) -> None:
    load_scenario(path)  # valid for ttx ...
    assert _errors(validator, read_source(path).data) == []  # ... and for the schema
    assert path.read_text("utf-8").splitlines()[0] == MODELINE


def _iraq() -> dict[str, Any]:
    return copy.deepcopy(read_source(ROOT / "scenarios" / "iraq_training_mission.yaml").data)


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda d: d["partners"][0].update(trusst=0.5), "'trusst' was unexpected"),
        (lambda d: d.update(horizon="long"), "'long' is not of type 'integer'"),
        (lambda d: d["partners"][0].update(trust=1.5), "1.5 is greater than the maximum of 1"),
        (lambda d: d["initiatives"][0].update(gian=0.1), "'gian' was unexpected"),
        (lambda d: d["initiatives"][0].update(kind="drone_swarm"), "'drone_swarm' is not one of"),
        (lambda d: d["threats"][0].update(kind="piracy"), "'piracy' is not one of"),
        (lambda d: d["injects"][1]["effects"][0].pop("delta"), "is not valid under any"),
        (lambda d: d["injects"][0].pop("at"), "is not valid under any"),
        (lambda d: d["objectives"][2].pop("month"), "'month' is a required property"),
        (lambda d: d["partners"][0]["priorities"].update(piracy=1), "'piracy' is not one of"),
        (lambda d: d.update(model={"threats": {"piracy": {}}}), "'piracy' is not one of"),
        (lambda d: d.pop("partners"), "'partners' is a required property"),
        (lambda d: d["policies"][0]["levers"].update({"NTM-I": 1}), "'NTM-I' does not match"),
    ],
)
def test_broken_scenario_fails_exported_schema(
    validator: Draft202012Validator, break_it: Any, expected: str
) -> None:
    data = _iraq()
    break_it(data)
    errors = _errors(validator, data)
    assert any(expected in e for e in errors), errors


def test_cli_schema_stdout_and_file(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["$id"] == "urn:ttx:schema:scenario"
    out = tmp_path / "p.json"
    result = runner.invoke(app, ["schema", "--policy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["title"] == "ttx policy file"
    assert f"wrote {out}" in result.stdout


def test_cli_report_schema_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail as if the module were absent.
    monkeypatch.setitem(sys.modules, "sim.report.schema", None)
    result = CliRunner().invoke(app, ["schema", "--report"])
    assert result.exit_code == 1
    assert "error: the run-report schema is not available in this version of ttx" in (result.stderr)
    assert "Traceback" not in result.output


def test_cli_schema_rejects_two_kinds() -> None:
    result = CliRunner().invoke(app, ["schema", "--policy", "--report"])
    assert result.exit_code == 1
    assert "choose one of --policy and --report" in result.stderr
