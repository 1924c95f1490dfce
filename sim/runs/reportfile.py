"""Writing report files safely and reading them back, checked against the contract.

Files are written to a temporary name in the target directory and renamed
into place, so an interrupted run never leaves a half-written report, and an
existing report is only replaced when the user says ``--force``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, cast, overload

import numpy as np
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sim.errors import TtxError
from sim.runs.contract import (
    KINDS,
    RETIRED_VERSIONS,
    SUPPORTED_VERSIONS,
    ComparisonDocument,
    RunDocument,
    adapter,
)
from sim.runs.outfiles import (  # writing lives there; re-exported for callers
    OutputExists,
    RenderFailed,
    check_writable,
    write_atomic,
    write_outputs,
)
from sim.scenario.source import format_loc

__all__ = [
    "OutputExists",
    "RenderFailed",
    "ReportError",
    "check_writable",
    "dump_pieces",
    "dumps",
    "load_report",
    "report_problem",
    "results_bytes",
    "write_atomic",
    "write_outputs",
]


class ReportError(TtxError):
    """A file that is not a readable ttx report."""


def dumps(report: Mapping[str, Any]) -> str:
    """Canonical JSON text of a report (sorted keys, so equal results are equal bytes).

    Mappings are indented, one key a line, so the file reads and diffs well;
    lists of numbers (monthly series, per-replication values) stay on one line,
    written by the C encoder. ``json.dumps(indent=...)`` would fall back to the
    pure-Python encoder, whose string pieces for 100,000 replications' values
    cost several hundred MB and are several times slower.
    """
    return "".join(dump_pieces(report))


def dump_pieces(report: Mapping[str, Any]) -> Iterator[str]:
    """The text of :func:`dumps` in pieces, so a writer never holds all of it.

    At 100,000 replications with per-replication values the text is about
    50 MB; joining it (and encoding the joined string) held it two to three
    times over. Each piece is at most one line: a key, or one list of numbers.
    Numpy arrays are written as their ``tolist()`` (the same text as the list).
    """
    yield from _pieces(report, "")
    yield "\n"


def _pieces(value: Any, indent: str) -> Iterator[str]:
    if isinstance(value, dict):
        if not value:
            yield "{}"
            return
        inner = indent + " "
        sep = "{\n"
        for k in sorted(value, key=str):
            yield f"{sep}{inner}{json.dumps(str(k))}: "
            yield from _pieces(value[k], inner)
            sep = ",\n"
        yield "\n" + indent + "}"
        return
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        inner = indent + " "
        sep = "[\n"
        for v in value:
            yield sep + inner
            yield from _pieces(v, inner)
            sep = ",\n"
        yield "\n" + indent + "]"
        return
    yield json.dumps(value, allow_nan=False, separators=(", ", ": "))


def results_bytes(report: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a report's ``results`` (what must be reproducible)."""
    return json.dumps(report["results"], sort_keys=True, allow_nan=False).encode()


@overload
def load_report(path: str | Path, kind: Literal["run"]) -> RunDocument: ...
@overload
def load_report(path: str | Path, kind: Literal["comparison"]) -> ComparisonDocument: ...
@overload
def load_report(path: str | Path, kind: None = None) -> RunDocument | ComparisonDocument: ...


def load_report(path: str | Path, kind: str | None = None) -> RunDocument | ComparisonDocument:
    """Read a report JSON file, refusing anything that is not a valid ttx report.

    The file is checked against :mod:`sim.runs.contract`; a hand-edited or
    truncated report is refused with one line naming the file and the field,
    so no renderer or comparison meets a missing key or a string for a number.
    The data returned is the file's own (not a validated copy), so writing it
    again gives the same bytes.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{p}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{p}: not a ttx report (not valid JSON: {exc})") from None
    if not isinstance(data, dict) or "schema_version" not in data or "results" not in data:
        raise ReportError(
            f"{p}: not a ttx report (expected a JSON object with 'schema_version' and 'results')"
        )
    version = data["schema_version"]
    if type(version) is int and version in RETIRED_VERSIONS:
        raise ReportError(
            f"{p}: report schema version {version} is no longer read by this ttx: "
            f"{RETIRED_VERSIONS[version]}"
        )
    if version not in SUPPORTED_VERSIONS:
        raise ReportError(
            f"{p}: report schema version {version!r} is not supported by this "
            f"ttx (supports {', '.join(map(str, SUPPORTED_VERSIONS))})"
        )
    found = data.get("kind")
    if kind is not None and found != kind:
        raise ReportError(f"{p}: expected a {kind} report, found a {found!r} report")
    if found not in KINDS:
        what = "no kind" if found is None else f"kind {found!r}"
        raise ReportError(f"{p}: not a ttx report ({what}; expected 'run' or 'comparison')")
    problem = report_problem(data)
    if problem:
        raise ReportError(f"{p}: not a valid ttx {found} report: {problem}")
    return cast(RunDocument | ComparisonDocument, data)


def report_problem(data: dict[str, Any]) -> str:
    """What is wrong with a report of a known ``kind`` ("" if nothing), in one line."""
    try:
        adapter(data["kind"]).validate_python(data, strict=True)
    except ValidationError as exc:
        return _first_problem(data, exc.errors(include_url=False))
    return _values_problem(data) if data["kind"] == "run" else ""


def _first_problem(data: Any, errors: list[ErrorDetails]) -> str:
    """The first error, with every missing sibling of a missing field, and how many more."""
    first = errors[0]
    where = _where(data, first["loc"])
    if first["type"] == "missing":
        parent = where[:-1]
        missing = [
            str(e["loc"][-1])
            for e in errors
            if e["type"] == "missing" and _where(data, e["loc"])[:-1] == parent
        ]
        text = f"{format_loc(parent) or 'the report'} lacks {', '.join(missing)}"
        rest = len(errors) - len(missing)
    else:
        got = repr(first["input"])
        got = got if len(got) <= 40 else got[:37] + "..."
        msg = first["msg"][:1].lower() + first["msg"][1:]
        text = f"{format_loc(where)}: {msg}, got {got}"
        rest = len(errors) - 1
    return text + (f" (and {rest} more problem{'s' if rest > 1 else ''})" if rest else "")


def _where(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """``loc`` without the union tags pydantic puts in it (steps that are not in the data)."""
    node, out = data, []
    for i, part in enumerate(loc):
        inside = isinstance(node, dict) and part in node
        inside |= isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if inside:
            node = node[part]
        elif i < len(loc) - 1:
            continue  # a union member's tag, not a key of the report
        out.append(part)
    return tuple(out)


def _values_problem(data: dict[str, Any]) -> str:
    """Per-replication lists must have one entry per replication (types cannot say so)."""
    results = data["results"]
    n = results["replications"]
    indices = results.get("replication_indices")
    if indices is not None and len(indices) != n:
        return f"results.replication_indices must list {n} replications, not {len(indices)}"
    for part in ("kpis", "objectives"):
        for name, entry in results[part].items():
            values = entry.get("values")
            if values is not None and len(values) != n:
                return (
                    f"results.{part}.{name}.values must list one value per replication ({n}), "
                    f"not {len(values)}"
                )
    return ""
