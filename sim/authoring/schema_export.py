"""JSON Schemas of scenario and policy files and of reports, generated from their types.

Editors (through the ``yaml-language-server`` modeline at the top of every
shipped scenario) use these schemas to complete keys, show descriptions and
flag mistakes while a scenario is typed. They are generated, never written by
hand, so they cannot drift from :mod:`sim.scenario.models`; ``schema/*.schema.json``
in the repository are committed copies that a test compares with this output.
The report schema is generated from the report contract (:mod:`sim.runs.contract`)
for analysts who read report JSON with other tools.

pydantic's schema describes each field; a few rules live in model validators
(``delta`` or ``set``; ``at`` or ``when``; ``check: by`` needs a ``month``) and
a few dictionary keys are checked in :mod:`sim.scenario.references`. :func:`scenario_schema`
adds the necessary part of those rules as plain JSON Schema, only ever as
conditions every valid scenario meets, so the schema never rejects a file
``ttx validate`` accepts.
"""

from __future__ import annotations

import json
from typing import Any

from sim.runs.contract import report_schema
from sim.scenario.models import PolicyFile, Scenario
from sim.scenario.vocabulary import INITIATIVE_KINDS, THREAT_KINDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCENARIO_ID = "urn:ttx:schema:scenario"
POLICY_ID = "urn:ttx:schema:policy"


def _non_null(*names: str) -> dict[str, Any]:
    """At least one of ``names`` is present with a non-null value."""
    return {
        "anyOf": [
            {"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in names
        ]
    }


def _add_rules(defs: dict[str, Any]) -> None:
    """Express what the model validators and xref key checks require."""
    defs["Effect"].update(_non_null("delta", "set"))
    defs["Inject"].update(_non_null("at", "when"))
    defs["Objective"]["if"] = {"required": ["check"], "properties": {"check": {"const": "by"}}}
    defs["Objective"]["then"] = {
        "required": ["month"],
        "properties": {"month": {"type": "integer"}},
    }
    threat_kinds = sorted(THREAT_KINDS)
    initiative_kinds = sorted(INITIATIVE_KINDS)
    props = defs["ModelParameters"]["properties"]
    props["threats"]["propertyNames"] = {"enum": threat_kinds}
    props["footprints"]["propertyNames"] = {"enum": initiative_kinds}
    props["profiles"]["propertyNames"] = {"enum": initiative_kinds}
    props["profiles"]["additionalProperties"]["propertyNames"] = {"enum": threat_kinds}


def _tagged_unions(node: Any) -> Any:
    """Rewrite pydantic's ``oneOf`` + OpenAPI ``discriminator`` as ``if``/``then`` per tag.

    With ``oneOf``, a validator that meets one bad key in an initiative can only
    say "not valid under any of the given schemas"; with one ``if kind == X then
    X's schema`` branch per kind it names the bad key, as an author needs.
    """
    if isinstance(node, list):
        return [_tagged_unions(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _tagged_unions(v) for k, v in node.items()}
    disc = out.get("discriminator")
    if isinstance(disc, dict) and "oneOf" in out and "mapping" in disc:
        tag = disc["propertyName"]
        mapping: dict[str, str] = disc["mapping"]
        del out["discriminator"], out["oneOf"]
        out["type"] = "object"
        out["required"] = [tag]
        out["properties"] = {tag: {"enum": list(mapping)}}
        out["allOf"] = [
            {
                "if": {"required": [tag], "properties": {tag: {"const": value}}},
                "then": {"$ref": ref},
            }
            for value, ref in mapping.items()
        ]
    return out


def _id_keys(node: Any) -> Any:
    """Make ``propertyNames`` carry the id pattern of ``dict[Id, ...]`` fields.

    pydantic puts the key pattern only in ``patternProperties``, which lets a
    key that is not an id through silently; an editor should flag it.
    """
    if isinstance(node, list):
        return [_id_keys(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _id_keys(v) for k, v in node.items()}
    patterns = out.get("patternProperties")
    names = out.get("propertyNames")
    if isinstance(patterns, dict) and len(patterns) == 1 and isinstance(names, dict):
        names.setdefault("pattern", next(iter(patterns)))
    return out


def _factory_defaults(defs: dict[str, Any]) -> None:
    """Show the empty defaults of list and mapping fields (pydantic leaves them out)."""
    import sim.scenario.models
    import sim.scenario.params

    for name, definition in defs.items():
        model = getattr(sim.scenario.models, name, None) or getattr(sim.scenario.params, name, None)
        fields = getattr(model, "model_fields", {})
        for field_name, info in fields.items():
            prop = definition.get("properties", {}).get(field_name)
            if prop is not None and info.default_factory in (list, dict):
                prop.setdefault("default", info.default_factory())


def _wrap(schema: dict[str, Any], schema_id: str, title: str) -> dict[str, Any]:
    head = {"$schema": DIALECT, "$id": schema_id, "title": title}
    return {**head, **{k: v for k, v in schema.items() if k != "title"}}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    schema = Scenario.model_json_schema(mode="validation")
    _add_rules(schema["$defs"])
    _factory_defaults(schema["$defs"])
    for name, info in Scenario.model_fields.items():
        if info.default_factory in (list, dict):
            schema["properties"][name].setdefault("default", info.default_factory())
    schema = _id_keys(_tagged_unions(schema))
    schema["description"] = (
        "A ttx tabletop-exercise scenario. Numbers are illustrative training "
        "parameters, not forecasts. See scenarios/README.md for the authoring guide."
    )
    return _wrap(schema, SCENARIO_ID, "ttx scenario")


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a policy file (team policy or recorded play)."""
    schema = PolicyFile.model_json_schema(mode="validation")
    _factory_defaults(schema["$defs"])
    schema = _id_keys(schema)
    return _wrap(schema, POLICY_ID, "ttx policy file")


def report_schema_json() -> dict[str, Any]:
    """The report schema, generated from :mod:`sim.runs.contract`."""
    return report_schema()


def dumps_schema(schema: dict[str, Any]) -> str:
    """Stable text form: indented, key order kept, trailing newline (diff-friendly)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
