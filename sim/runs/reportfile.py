"""Writing report files safely and reading them back, checked against the contract.

Files are written to a temporary name in the target directory and renamed
into place, so an interrupted run never leaves a half-written report, and an
existing report is only replaced when the user says ``--force``.
"""

from __future__ import annotations

import json
import os
import stat
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
from sim.runs.spill import SpilledColumn
from sim.scenario.source import format_loc
from sim.text import find_unsafe, unsafe_message, visible

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
    times over. Each piece is at most one line: a key, or one list of numbers,
    except that a long numpy array (per-replication values are kept as arrays)
    is written in slices of :data:`SLICE` items: the same text as its
    ``tolist()``, without ever holding all of it as Python floats or one string.
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
    if isinstance(value, SpilledColumn):
        yield from _array_pieces(value)
        return
    if isinstance(value, np.ndarray):
        if value.ndim == 1 and len(value) > SLICE:
            yield from _array_pieces(value)
            return
        value = value.tolist()
    if isinstance(value, list) and any(isinstance(v, dict | list | np.ndarray) for v in value):
        inner = indent + " "
        sep = "[\n"
        for v in value:
            yield sep + inner
            yield from _pieces(v, inner)
            sep = ",\n"
        yield "\n" + indent + "]"
        return
    yield json.dumps(value, allow_nan=False, separators=(", ", ": "))


SLICE = 4096
"""Items of a long array turned into Python numbers and text at a time."""


def _array_pieces(values: np.ndarray | SpilledColumn[Any]) -> Iterator[str]:
    """A 1-d array (or spilled column) as the JSON text of its ``tolist()``, slice by slice."""
    sep = "["
    for start in range(0, len(values), SLICE):
        text = json.dumps(values[start : start + SLICE].tolist(), allow_nan=False)
        yield sep + text[1:-1]
        sep = ", "
    yield "]" if sep == ", " else "[]"


def _plain(value: Any) -> Any:
    """What :func:`json.dumps` cannot encode itself: arrays (and spilled columns), as lists."""
    if isinstance(value, np.ndarray | SpilledColumn):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def results_bytes(report: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a report's ``results`` (what must be reproducible)."""
    return json.dumps(report["results"], sort_keys=True, allow_nan=False, default=_plain).encode()


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
    data = _parse(p, _read(p))
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
    try:
        problem = report_problem(data)
    except RecursionError:  # pragma: no cover - depth is bounded by _parse first
        problem = "nested too deeply"
    if problem:
        raise ReportError(f"{p}: not a valid ttx {found} report: {problem}")
    return cast(RunDocument | ComparisonDocument, data)


MAX_REPORT_BYTES = 1024 * 1024 * 1024
"""A report of a million replications of a large scenario is some hundreds of MB."""
MAX_REPORT_DEPTH = 32
"""Reports nest about six levels; the limit leaves room and keeps validators shallow."""
_CHUNK = 1024 * 1024


def _read(p: Path) -> bytes:
    """The bytes of a report file, read in chunks up to :data:`MAX_REPORT_BYTES`.

    Pipes and devices have no size to check first; reading stops at the cap,
    and at once when the first chunk cannot begin a JSON object (``/dev/zero``).
    """
    if p.is_dir():
        raise ReportError(f"{p}: is a directory, not a report file")
    try:
        with open(p, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_REPORT_BYTES:
                raise ReportError(
                    f"{p}: file is too large ({info.st_size} bytes, limit {MAX_REPORT_BYTES})"
                )
            chunks: list[bytes] = []
            size = 0
            while size <= MAX_REPORT_BYTES:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                if not chunks:
                    _check_start(p, chunk)
                chunks.append(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise ReportError(f"{p}: no such file") from None
    except OSError as exc:
        raise ReportError(f"{p}: cannot read: {exc.strerror}") from None
    if size > MAX_REPORT_BYTES:
        raise ReportError(f"{p}: file is too large (more than {MAX_REPORT_BYTES} bytes read)")
    return b"".join(chunks)


def _check_start(p: Path, chunk: bytes) -> None:
    """Stop reading at once when a file cannot be JSON (``/dev/zero``, a binary file)."""
    first = chunk.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf")[:1]
    if first and first not in b"{[":
        raise ReportError(
            f"{p}: not a ttx report (not valid JSON: it starts with {first!r}, not '{{')"
        )


class _Refused(ValueError):
    """A JSON construct a report may not hold (raised from the decoder's hooks)."""


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number a report may hold (numbers must be finite)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key {key!r} in one object; JSON would keep only the last")
        out[key] = value
    return out


def _parse(p: Path, raw: bytes) -> Any:
    """JSON of a report: no NaN or Infinity, no duplicate keys, no deep nesting, safe text."""
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        raise ReportError(f"{p}: not a ttx report (not UTF-8 text at byte {exc.start})") from None
    except _Refused as exc:
        raise ReportError(f"{p}: not a valid ttx report: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{p}: not a ttx report (not valid JSON: {exc})") from None
    except RecursionError:
        raise ReportError(
            f"{p}: not a valid ttx report: nested too deeply (limit {MAX_REPORT_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # an integer of thousands of digits
        raise ReportError(f"{p}: not a valid ttx report: {exc}") from None
    problem = _text_problem(data)
    if problem:
        raise ReportError(f"{p}: not a valid ttx report: {problem}")
    return data


def _text_problem(data: Any) -> str:
    """The first over-deep value or unsafe string (key or value), in one line ("" if none).

    Walked with an explicit stack, so no depth a file can reach costs a Python frame.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if len(loc) > MAX_REPORT_DEPTH:
            return (
                f"nested too deeply at {format_loc(loc[:4])}... (limit {MAX_REPORT_DEPTH} levels)"
            )
        if isinstance(node, dict):
            for key, value in node.items():
                index = find_unsafe(key)
                if index >= 0:
                    return (
                        f"{format_loc(loc) or 'key'} {visible(key)!r}: {unsafe_message(key, index)}"
                    )
                stack.append((value, (*loc, key)))
        elif isinstance(node, list):
            stack.extend((value, (*loc, i)) for i, value in enumerate(node))
        elif isinstance(node, str):
            index = find_unsafe(node)
            if index >= 0:
                return f"{format_loc(loc)}: {unsafe_message(node, index)}"
    return ""


def report_problem(data: dict[str, Any]) -> str:
    """What is wrong with a report of a known ``kind`` ("" if nothing), in one line."""
    try:
        adapter(data["kind"]).validate_python(data, strict=True)
    except ValidationError as exc:
        return _first_problem(data, exc.errors(include_url=False))
    return _values_problem(data) if data["kind"] == "run" else _comparison_problem(data)


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


def _comparison_problem(data: dict[str, Any]) -> str:
    """Every part of a comparison must name the same runs (types cannot say so)."""
    r = data["results"]
    names = [run["name"] for run in r["runs"]]
    if len(set(names)) != len(names):
        return "results.runs names a run twice"
    if r["baseline"] not in names:
        return f"results.baseline {r['baseline']!r} is not one of results.runs ({', '.join(names)})"
    others = set(names) - {r["baseline"]}
    for part in ("kpis", "objectives"):
        for key, entry in r[part].items():
            lacking = _lacking(entry["runs"], names) or _lacking(entry["differences"], others)
            if lacking:
                return f"results.{part}.{key} lacks run {lacking!r}"
    advice = r["advice"]
    for key in advice["focus"]:
        if key not in r["kpis"]:
            return f"results.advice.focus names {key!r}, which results.kpis lacks"
    lacking = _lacking(advice["runs"], names)
    if lacking:
        return f"results.advice.runs lacks run {lacking!r}"
    for name in names:
        missing = _lacking(advice["runs"][name], advice["focus"])
        if missing:
            return f"results.advice.runs.{name} lacks {missing!r}"
    for entry in r["ranking"]["order"]:
        if entry["name"] not in names:
            return f"results.ranking names run {entry['name']!r}, which results.runs lacks"
    return ""


def _lacking(mapping: Mapping[str, Any], names: Any) -> str:
    """The first of ``names`` that ``mapping`` lacks ("" if none)."""
    return next((n for n in sorted(names) if n not in mapping), "")
