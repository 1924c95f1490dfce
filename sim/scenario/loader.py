"""Load scenario and policy files: YAML -> validated, cross-checked models.

Every problem, whether YAML syntax, schema or cross-reference, comes back
as a :class:`~sim.errors.Problem` with ``FILE:LINE:COL``; all problems of
a file are reported together.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sim.errors import InputError, Problem
from sim.scenario.capped import content_digest
from sim.scenario.fields import ID_PATTERN
from sim.scenario.models import Scenario
from sim.scenario.policies import PolicyFile
from sim.scenario.references import KEY, check_policy_file, check_scenario
from sim.scenario.source import Loc, Source, format_loc, parse_text, read_source

M = TypeVar("M", bound=BaseModel)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _data_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Loc, str | None]:
    """Map a pydantic error location onto the data, dropping union tags.

    Returns the location within the data and, when the last part names a
    field that is absent (a missing or mistyped key), that field name.
    """
    out: list[str | int] = []
    node = data
    missing: str | None = None
    for part in loc:
        if part == "[key]":
            continue
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and node.get("kind") == part:
            continue  # discriminated-union tag, e.g. 'training_mission'
        elif isinstance(part, str) and not isinstance(node, dict | list):
            continue  # a union member name such as 'float' or 'int'
        else:
            missing = str(part)
            break
    return tuple(out), missing


def _model_at(model: type[BaseModel], loc: Loc, data: Any) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for field suggestions)."""
    current: Any = model
    node = data
    for part in loc:
        node = node[part] if isinstance(node, dict | list) else None  # type: ignore[index]
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _inner_model(field.annotation, node)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any, node: Any) -> Any:
    import typing

    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(args[0], node)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin in (list, tuple):
        return _inner_model(args[0], node[0] if isinstance(node, list) and node else None)
    candidates = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if not candidates:
        nested = [_inner_model(a, node) for a in args]
        candidates = [n for n in nested if isinstance(n, type)]
    if len(candidates) == 1:
        return candidates[0]
    kind = node.get("kind") if isinstance(node, dict) else None
    for cand in candidates:
        field = cand.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return cand
    return None


def _id_message(value: Any) -> str:
    """Say what is wrong with an id in words (the regex alone helps nobody)."""
    text = str(value)
    hint = ""
    odd = next((ch for ch in text if not ch.isascii()), None)
    if odd is not None:
        # Look-alikes such as Cyrillic 'а' are invisible in most editors: name the code point.
        hint = f" (it contains {odd!r}, U+{ord(odd):04X}, which is not a plain ASCII letter)"
    elif len(text) > 40:
        hint = f" (it is {len(text)} characters long)"
    return (
        "not a valid id: use a lower-case letter, then lower-case letters, digits or '_', "
        f"at most 40 characters{hint}; found {_short(value)}"
    )


# A number in exponent form as people write it, which YAML 1.1 reads as text
# unless it has a dot and a signed exponent (1.0e+5).
_EXPONENT = re.compile(r"[-+]?(\d[\d_]*\.?[\d_]*|\.\d+)[eE][-+]?\d+")


def _number_as_text(err: Any) -> str:
    """Why ``1e5`` or ``1e400`` in a number field is not a number (YAML 1.1 reads text)."""
    value = err.get("input")
    if err["type"] not in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return ""
    if not isinstance(value, str) or not _EXPONENT.fullmatch(value.strip()):
        return ""
    number = float(value.replace("_", ""))
    if not math.isfinite(number):
        return (
            f"{_short(value)} is beyond the largest number ttx can hold (about 1.8e+308); "
            "numbers must be finite"
        )
    mantissa, _, exponent = value.strip().lower().partition("e")
    mantissa = mantissa if "." in mantissa else mantissa + ".0"
    sign = "" if exponent[:1] in "+-" else "+"
    return (
        f"{_short(value)} is text, not a number: YAML 1.1 reads a number with an exponent "
        f"only with a dot and a signed exponent; write {mantissa}e{sign}{exponent}"
    )


def _message(err: Any, missing: str | None, model: type[BaseModel] | None) -> str:
    kind = err["type"]
    if kind == "missing":
        return f"missing required field '{missing}'"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        removed: dict[str, str] = getattr(model, "removed_fields", {})
        if name in removed:
            return f"'{name}' is {removed[name]}"
        text = f"unknown field '{name}'"
        if model is not None:
            fields = sorted(model.model_fields)
            close = difflib.get_close_matches(name, fields, n=1)
            if close:
                text += f"; did you mean '{close[0]}'?"
            text += f" (expected one of: {', '.join(fields)})"
        return text
    if kind == "union_tag_invalid":
        ctx = err["ctx"]
        return f"unknown kind {_short(ctx['tag'])}; expected one of {ctx['expected_tags']}"
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == ID_PATTERN:
        return _id_message(err.get("input"))
    number = _number_as_text(err)
    if number:
        return number
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    msg = msg[0].lower() + msg[1:] if msg else msg
    if kind in ("model_type", "dict_type") and isinstance(err.get("input"), list | str | int):
        msg = "expected a mapping of fields"
    return (
        f"{msg}; found {_short(err.get('input'))}"
        if "input" in err and kind != "union_tag_invalid"
        else msg
    )


def validation_problems(
    exc: ValidationError, source: Source, model: type[BaseModel], root: Loc = ()
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into positioned problems, one per error."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = (*root, *err["loc"])
        if err["type"] == "union_tag_invalid":
            loc = (*loc, err["ctx"]["discriminator"].strip("'"))
        data_loc, missing = _data_loc(source.data, loc)
        is_key = err["type"] == "extra_forbidden" or "[key]" in err["loc"]
        owner = None
        if err["type"] == "extra_forbidden":
            owner = _model_at(model, data_loc[len(root) : -1], _descend(source.data, root))
        path_loc = data_loc if missing is None else (*data_loc, missing)
        problems.append(
            source.problem(
                data_loc, _message(err, missing, owner), key=is_key, path=format_loc(path_loc)
            )
        )
    return problems


def _descend(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def validate(model: type[M], source: Source) -> M:
    """Validate parsed YAML against a model, raising :class:`InputError` with positions."""
    if not isinstance(source.data, dict):
        found = "a list" if isinstance(source.data, list) else f"{_short(source.data)}"
        raise InputError(
            [source.problem((), f"expected a mapping of fields at the top level, found {found}")]
        )
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, source, model)) from None


def scenario_from_source(source: Source) -> Scenario:
    """Validate and cross-check a parsed scenario."""
    scenario = validate(Scenario, source)
    problems = [
        source.problem(loc, msg, key=offset == KEY, offset=max(offset, 0))
        for loc, msg, offset in check_scenario(scenario)
    ]
    if problems:
        raise InputError(problems)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file; raises :class:`InputError` listing every problem."""
    return scenario_from_source(read_source(path))


def load_scenario_with_source(path: str | Path) -> tuple[Scenario, Source]:
    """Load a scenario file and keep its parsed source, for tools that report positions.

    The lints (:mod:`sim.authoring.lint`) need the line and column of every value to
    point their warnings at the text the author wrote.
    """
    source = read_source(path)
    return scenario_from_source(source), source


def loads_scenario(text: str, file: str = "<string>") -> Scenario:
    """Load a scenario from YAML text (for tests and tools)."""
    return scenario_from_source(parse_text(text, file))


def scenario_hash(path: str | Path) -> str:
    """Content hash of a scenario file, recorded in reports so runs can be reproduced.

    The hash is of the content last loaded from ``path`` when the file has not
    changed since (or is a pipe, which cannot be read twice).
    """
    return content_digest(path)[:16]


def load_policy_file(path: str | Path, scenario: Scenario) -> PolicyFile:
    """Load a policy file (team policy or recorded play) and check it against a scenario."""
    source = read_source(path)
    policy_file = validate(PolicyFile, source)
    problems = [source.problem(loc, msg) for loc, msg in check_policy_file(policy_file, scenario)]
    if problems:
        raise InputError(problems)
    return policy_file
