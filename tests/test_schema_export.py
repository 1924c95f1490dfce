"""The exported JSON Schemas: current, valid, and in agreement with the loader."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from sim.authoring.schema_export import (
    dumps_schema,
    policy_schema,
    report_schema_json,
    scenario_schema,
)
from sim.cli import app
from sim.errors import InputError
from sim.scenario.loader import load_scenario, scenario_from_source
from sim.scenario.source import Source, format_loc, read_source

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=../schema/scenario.schema.json"
REGENERATE = (
    "ttx schema --out schema/scenario.schema.json && "
    "ttx schema --policy --out schema/policy.schema.json && "
    "ttx schema --report --out schema/report.schema.json"
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
    [
        ("scenario.schema.json", scenario_schema),
        ("policy.schema.json", policy_schema),
        ("report.schema.json", report_schema_json),
    ],
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


def test_cli_report_schema() -> None:
    result = CliRunner().invoke(app, ["schema", "--report"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["$id"] == "urn:ttx:schema:report"
    assert schema["title"] == "ttx report"
    Draft202012Validator.check_schema(schema)


def test_cli_schema_rejects_two_kinds() -> None:
    result = CliRunner().invoke(app, ["schema", "--policy", "--report"])
    assert result.exit_code == 1
    assert "choose one of --policy and --report" in result.stderr


# --------------------------------------------------------------------------- differential


def _paths(node: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [loc]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*loc, i))
    return out


# JSON-typed replacement values of the same type as the value they replace, so
# that many variants stay loader-valid. Not booleans or numeric strings: the
# schema and the strict loader both reject them (test_loader_and_schema_agree_on_types).
NUMBERS = [-1, 0, 0.04, 2, 241, None]
TEXTS = ["x", "iraq", "", None]
DELETE = object()


def _variants(base: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every single mutation: delete any key or item, or change any number or text.

    Items of a list share one schema, so a field is mutated in its first
    occurrence only (``threats[*].rate`` once, not once per threat).
    """
    seen: set[tuple[str | int, ...]] = set()
    for loc in _paths(base):
        shape = tuple("*" if isinstance(part, int) else part for part in loc)
        if not loc or (shape in seen and not isinstance(loc[-1], int)):
            continue
        seen.add(shape)
        node: Any = base
        for part in loc:
            node = node[part]
        yield loc, DELETE
        if isinstance(node, int | float) and not isinstance(node, bool):
            yield from ((loc, v) for v in NUMBERS)
        elif isinstance(node, str):
            yield from ((loc, v) for v in TEXTS)
        elif isinstance(node, list):
            yield from ((loc, v) for v in ([], node[:1]))


def _mutated(base: dict[str, Any], loc: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    parent: Any = data
    for part in loc[:-1]:
        parent = parent[part]
    if value is DELETE:
        del parent[loc[-1]]
    else:
        parent[loc[-1]] = value
    return data


def _loader_accepts(data: dict[str, Any]) -> bool:
    try:
        scenario_from_source(Source("variant", data))
    except InputError:
        return False
    return True


@pytest.mark.slow  # every single mutation of a scenario, loaded and validated
def test_schema_accepts_whatever_the_loader_accepts(validator: Draft202012Validator) -> None:
    """Differential check over every single mutation of a shipped scenario.

    Whatever ttx accepts, the schema must accept too (an editor must never
    flag a valid scenario). The reverse is not required: cross-references
    (unknown ids) are beyond a JSON Schema.
    """
    base = _iraq()
    accepted = rejected = 0
    for loc, value in _variants(base):
        data = _mutated(base, loc, value)
        if not _loader_accepts(data):
            rejected += 1
            continue
        accepted += 1
        if not validator.is_valid(data):
            shown = "delete" if value is DELETE else repr(value)
            raise AssertionError(f"{format_loc(loc)} <- {shown}: {_errors(validator, data)}")
    assert accepted > 50 and rejected > 50  # both sides were really exercised


@pytest.mark.parametrize("value", ["0.5", True])
def test_loader_and_schema_agree_on_types(validator: Draft202012Validator, value: Any) -> None:
    """A quoted number or a YAML 'yes' is not a number, for the loader as for editors."""
    from sim.errors import InputError
    from sim.scenario.loader import loads_scenario

    data = _iraq()
    data["partners"][0]["capacity"] = value
    with pytest.raises(
        InputError, match=r"partners\[0\]\.capacity: input should be a valid number"
    ):
        loads_scenario(json.dumps(data))
    assert _errors(validator, data) == [
        f"$.partners[0].capacity: {value!r} is not of type 'number'"
    ]
