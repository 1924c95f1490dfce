"""The published JSON Schema of ttx run and comparison reports.

Analysts read report JSON from other tools (pandas, R, spreadsheets via a
converter), so its layout is a contract: this schema states it, and the
tests validate real reports against it. Objects allow extra properties so
a newer ttx can add fields without breaking older readers; a change that
removes or retypes a field must bump ``schema_version``.
"""

from __future__ import annotations

from typing import Any

from sim.runs.reportfile import SUPPORTED_VERSIONS

_NUM = {"type": "number"}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_NUMS = {"type": "array", "items": _NUM}


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
        **extra,
    }


def _map(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": values}


def _defs() -> dict[str, Any]:
    summary = dict.fromkeys(("mean", "sd", "ci_low", "ci_high", "p5", "p50", "p95"), _NUM)
    interval = _obj(
        {"successes": _INT, "n": _INT, "p": _NUM, "ci_low": _NUM, "ci_high": _NUM},
        description="A proportion with its Wilson 95% interval.",
    )
    difference = {
        "description": "Run minus baseline with its 95% interval, or why none is available.",
        "oneOf": [
            _obj(
                {
                    "available": {"const": True},
                    "estimate": _NUM,
                    "ci_low": _NUM,
                    "ci_high": _NUM,
                    "method": {"enum": ["paired", "welch", "newcombe"]},
                    "n_a": _INT,
                    "n_b": _INT,
                    "df": {"type": ["number", "null"]},
                    "significant": {"type": "boolean"},
                    "sentence": _STR,
                }
            ),
            _obj({"available": {"const": False}, "note": _STR}),
        ],
    }
    kpi = _obj(
        {
            "n": _INT,
            **summary,
            "p25": _NUM,
            "p75": _NUM,
            "min": _NUM,
            "max": _NUM,
            "values": {**_NUMS, "description": "One value per replication, in index order."},
        }
    )
    objective = _obj(
        {
            "description": _STR,
            "condition": _STR,
            "check": {"enum": ["end", "by", "throughout"]},
            "month": {"type": ["integer", "null"]},
            **interval["properties"],
            "values": {"type": "array", "items": {"enum": [0, 1]}},
        }
    )
    series = _obj(
        dict.fromkeys(("mean", "p5", "p25", "p50", "p75", "p95"), _NUMS),
        description="One value per month (index = month).",
    )
    run_results = _obj(
        {
            "scenario": _obj(
                {
                    "id": _STR,
                    "title": _STR,
                    "hash": _STR,
                    "horizon": _INT,
                    "partners": _map(_STR),
                    "rivalries": {"type": "array", "items": _STR},
                }
            ),
            "policy": _obj({"id": _STR, "title": _STR}),
            "seed": _INT,
            "replications": {"type": "integer", "minimum": 1},
            "replication_indices": {"type": "array", "items": _INT},
            "kpis": _map({"$ref": "#/$defs/kpi"}),
            "objectives": _map({"$ref": "#/$defs/objective"}),
            "months": {"type": "array", "items": _INT},
            "series": _map({"$ref": "#/$defs/series"}),
            "incidents": _map(_map(_NUM)),
            "decisions": _map(_map(_INT)),
            "percentile_method": _STR,
        },
        required=[
            "scenario",
            "policy",
            "seed",
            "replications",
            "kpis",
            "objectives",
            "months",
            "series",
            "incidents",
            "decisions",
        ],
    )
    run_entry = _obj(
        {
            "name": _STR,
            "label": _STR,
            "policy": _obj({"id": _STR, "title": _STR}),
            "seed": _INT,
            "replications": _INT,
            "scenario_hash": _STR,
            "method": {"enum": ["baseline", "paired", "unpaired"]},
            "why": _STR,
        }
    )
    advice = _obj(
        {
            "relative_half_width": {"type": ["number", "null"]},
            "replications_needed": {"type": ["integer", "null"]},
            "meets": {"type": "boolean"},
        }
    )
    comparison_results = _obj(
        {
            "scenario": _obj(
                {
                    "id": _STR,
                    "title": _STR,
                    "horizon": _INT,
                    "partners": _map(_STR),
                    "hashes": {"type": "array", "items": _STR},
                }
            ),
            "level": _NUM,
            "baseline": _STR,
            "runs": {"type": "array", "items": run_entry, "minItems": 2},
            "kpis": _map(
                _obj(
                    {
                        "label": _STR,
                        "better": {"enum": ["higher", "lower"]},
                        "runs": _map(_obj({"n": _INT, **summary})),
                        "differences": _map({"$ref": "#/$defs/difference"}),
                    }
                )
            ),
            "objectives": _map(
                _obj(
                    {
                        "description": _STR,
                        "check": _STR,
                        "runs": _map(interval),
                        "differences": _map({"$ref": "#/$defs/difference"}),
                    }
                )
            ),
            "ranking": _obj(
                {
                    "kpi": _STR,
                    "label": _STR,
                    "better": {"enum": ["higher", "lower"]},
                    "order": {
                        "type": "array",
                        "items": _obj(
                            {
                                "rank": _INT,
                                "name": _STR,
                                "label": _STR,
                                "mean": _NUM,
                                "ci_low": _NUM,
                                "ci_high": _NUM,
                                "vs_leader": {"$ref": "#/$defs/difference"},
                            },
                            required=["rank", "name", "label", "mean", "ci_low", "ci_high"],
                        ),
                    },
                }
            ),
            "advice": _obj(
                {
                    "precision": _NUM,
                    "focus": {"type": "array", "items": _STR},
                    "recommended": _INT,
                    "sentence": _STR,
                    "runs": _map(_map(advice)),
                }
            ),
        }
    )
    version = {"enum": list(SUPPORTED_VERSIONS)}
    return {
        "kpi": kpi,
        "objective": objective,
        "series": series,
        "difference": difference,
        "run": _obj(
            {
                "schema_version": version,
                "kind": {"const": "run"},
                "results": run_results,
                "meta": {"type": "object", "description": "Time, version, host: not reproducible."},
            },
            description="One scenario run under one policy over many replications.",
        ),
        "comparison": _obj(
            {
                "schema_version": version,
                "kind": {"const": "comparison"},
                "results": comparison_results,
                "meta": {"type": "object"},
            },
            description="Several runs of one scenario compared against a baseline.",
        ),
    }


def report_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) accepting a ttx run report or comparison report."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ttx report",
        "description": "A ttx run report (kind 'run') or comparison report (kind 'comparison'). "
        "'results' is reproducible from scenario, policy, seed and replications; 'meta' is not.",
        "oneOf": [{"$ref": "#/$defs/run"}, {"$ref": "#/$defs/comparison"}],
        "$defs": _defs(),
    }
