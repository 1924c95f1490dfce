"""The uncertainty space of a scenario: which numbers ``ttx explore`` varies, and how far.

A scenario may declare ``uncertainties:`` (entries of
:class:`~sim.scenario.ranges.Uncertainty`), or they come from a separate file
(``--uncertainties FILE``, a mapping with one key, ``uncertainties:``).
Without either, :func:`default_uncertainties` covers the coefficients that
drive the headline KPIs, +-50% around the scenario's values.

Targets name one number of the scenario:

* ``model.COEFFICIENT`` (``model.footprint_trust``),
* ``model.threats.KIND.COEFFICIENT`` (``model.threats.disinformation.trust_harm``),
* ``model.footprints.KIND`` (``model.footprints.military_presence``),
* ``PARTNER.TRAIT`` (``iraq.sensitivity``; initial state or trait),
* ``threats.ID.rate`` (or another number of that threat),
* ``initiatives.ID.PARAMETER`` (``initiatives.ntm_i.gain``),
* ``alliance.budget`` or ``alliance.reserve``.

They are checked like every other reference, with ``FILE:LINE:COL``, and a
range must lie within the bounds the number has in the scenario format, so
every point of the space is a valid scenario. :func:`apply_point` is the one
way a point becomes a scenario: a pure function, no validation round trip.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.errors import InputError, Problem
from sim.scenario.fields import Frozen
from sim.scenario.models import Partner, Scenario
from sim.scenario.params import ModelParameters, ThreatCoefficients, default_threat_coefficients
from sim.scenario.ranges import Uncertainty
from sim.scenario.source import Loc, Source, read_source
from sim.scenario.vocabulary import INITIATIVE_KINDS, THREAT_KINDS

__all__ = [
    "DEFAULT_SPREAD",
    "DEFAULT_TARGETS",
    "Target",
    "Uncertainty",
    "UncertaintyFile",
    "apply_point",
    "check_uncertainties",
    "default_uncertainties",
    "load_uncertainties",
    "resolve_target",
    "uncertainties_of",
]

DEFAULT_TARGETS: tuple[str, ...] = (
    "model.footprint_trust",
    "model.rival_trust",
    "model.trust_relax",
    "model.coop_rate",
    "model.stability_recovery",
    "model.capacity_decay",
    "model.rate_instability",
    "model.returns_exponent",
)
"""The default uncertainty set: the coefficients that most directly move the headline KPIs
(trust lost to footprint and rivals, how fast trust, cooperation and stability follow
their targets, capacity decay, how instability feeds threat rates, diminishing returns
to intensity). MODEL.md documents each."""

DEFAULT_SPREAD = 0.5
"""Half-width of a default range, as a share of the scenario's value (+-50%)."""


class UncertaintyFile(Frozen):
    """A file of uncertainty ranges for ``ttx explore --uncertainties FILE``."""

    uncertainties: list[Uncertainty]


@dataclass(frozen=True)
class Target:
    """A resolved target: its value in the scenario and the bounds the format allows."""

    name: str
    value: float
    lower: float | None
    upper: float | None


# --------------------------------------------------------------------------- resolving


def _float_field(model: type[BaseModel], name: str) -> tuple[float | None, float | None] | None:
    """The bounds of a float field of ``model``, or None if it is not a number field."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    annotation, metadata = info.annotation, list(info.metadata)
    args = typing.get_args(annotation)
    if args and type(None) in args:  # float | None: look inside the Annotated member
        inner = next(a for a in args if a is not type(None))
        if typing.get_origin(inner) is typing.Annotated:
            annotation = typing.get_args(inner)[0]
            for extra in typing.get_args(inner)[1:]:
                metadata.extend(getattr(extra, "metadata", [extra]))
        else:
            annotation = inner
    if annotation is not float:
        return None
    return _bounds(metadata)


def _bounds(metadata: Sequence[Any]) -> tuple[float | None, float | None]:
    lower = upper = None
    for m in metadata:
        lower = getattr(m, "ge", getattr(m, "gt", lower))
        upper = getattr(m, "le", getattr(m, "lt", upper))
    return lower, upper


def _numbers(model: type[BaseModel]) -> list[str]:
    return [n for n in model.model_fields if _float_field(model, n) is not None]


def _unknown(what: str, name: str, known: Sequence[str], owner: str = "") -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {what} '{name}'{owner}{hint} (expected one of: {', '.join(sorted(known))})"


def _field(
    model: type[BaseModel], obj: Any, name: str, target: str, what: str, owner: str = ""
) -> Target | str:
    bounds = _float_field(model, name)
    if bounds is None:
        return _unknown(what, name, _numbers(model), owner)
    value = getattr(obj, name)
    return Target(target, float(value) if value is not None else float("nan"), *bounds)


def _threat_coefficient(scenario: Scenario, kind: str, name: str) -> float:
    given = scenario.model.threats.get(kind)
    if given is not None and name in given.model_fields_set:
        return float(getattr(given, name))
    return float(getattr(default_threat_coefficients()[kind], name))


def resolve_target(scenario: Scenario, target: str) -> Target | str:
    """The number ``target`` names in ``scenario``, or a message saying what is wrong."""
    head, *rest = target.split(".")
    partners = {p.id: p for p in scenario.partners}
    if head == "model":
        if len(rest) == 1:
            return _field(ModelParameters, scenario.model, rest[0], target, "model coefficient")
        if rest[0] == "threats" and len(rest) == 3:
            kind, name = rest[1], rest[2]
            if kind not in THREAT_KINDS:
                return _unknown("threat kind", kind, THREAT_KINDS)
            if _float_field(ThreatCoefficients, name) is None:
                return _unknown("threat coefficient", name, _numbers(ThreatCoefficients))
            lower, upper = _float_field(ThreatCoefficients, name) or (None, None)
            return Target(target, _threat_coefficient(scenario, kind, name), lower, upper)
        if rest[0] == "footprints" and len(rest) == 2:
            if rest[1] not in INITIATIVE_KINDS:
                return _unknown("initiative kind", rest[1], INITIATIVE_KINDS)
            value = {**ModelParameters().footprints, **scenario.model.footprints}[rest[1]]
            return Target(target, value, 0.0, 1.0)
        return (
            f"'{target}' names no model number; write model.COEFFICIENT, "
            "model.threats.KIND.COEFFICIENT or model.footprints.KIND"
        )
    if head in ("threats", "initiatives"):
        items = {item.id: item for item in getattr(scenario, head)}
        what = head[:-1]
        if len(rest) != 2:
            return f"'{target}' names no {what} number; write {head}.ID.PARAMETER"
        if rest[0] not in items:
            return _unknown(what, rest[0], list(items))
        item = items[rest[0]]
        found = _field(type(item), item, rest[1], target, "number", f" of {what} '{rest[0]}'")
        if isinstance(found, Target) and found.value != found.value:  # None: the kind default
            default = {**ModelParameters().footprints, **scenario.model.footprints}
            found = Target(target, default[item.kind], found.lower, found.upper)
        return found
    if head == "alliance" and len(rest) == 1:
        return _field(
            type(scenario.alliance), scenario.alliance, rest[0], target, "alliance number"
        )
    if head in partners and len(rest) == 1:
        partner = partners[head]
        found = _field(Partner, partner, rest[0], target, "trait", f" of partner '{head}'")
        if isinstance(found, Target) and found.value != found.value:  # baseline_trust: trust
            found = Target(target, partner.trust, found.lower, found.upper)
        return found
    starts = ["model", "threats", "initiatives", "alliance", *partners]
    return (
        f"{_unknown('target', head, starts)}: a target starts with model, threats, "
        "initiatives, alliance or a partner id"
    )


# --------------------------------------------------------------------------- checking


def _check_range(entry: Uncertainty, found: Target) -> Iterator[tuple[str, str]]:
    for name in ("low", "high", "mode"):
        value = getattr(entry, name)
        if value is None:
            continue
        if found.lower is not None and value < found.lower:
            yield name, f"{value} is below {found.lower}, the lowest value {entry.target} may take"
        elif found.upper is not None and value > found.upper:
            yield name, f"{value} is above {found.upper}, the highest value {entry.target} may take"


def check_uncertainties(
    scenario: Scenario, entries: Sequence[Uncertainty], root: Loc = ("uncertainties",)
) -> Iterator[tuple[Loc, str]]:
    """Every problem of ``entries`` against ``scenario``: ``(location, message)``."""
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        found = resolve_target(scenario, entry.target)
        if isinstance(found, str):
            yield (*root, i, "target"), found
            continue
        if entry.target in seen:
            yield (
                (*root, i, "target"),
                (f"'{entry.target}' is already given at entry {seen[entry.target] + 1}"),
            )
        seen.setdefault(entry.target, i)
        for name, problem in _check_range(entry, found):
            yield (*root, i, name), problem


def load_uncertainties(path: str | Path, scenario: Scenario) -> list[Uncertainty]:
    """Read ``--uncertainties FILE`` and check it against ``scenario``.

    Raises:
        InputError: Every problem of the file, with ``FILE:LINE:COL``.
    """
    from sim.scenario.loader import validate

    source: Source = read_source(path)
    entries = validate(UncertaintyFile, source).uncertainties
    problems: list[Problem] = [
        source.problem(loc, msg) for loc, msg in check_uncertainties(scenario, entries)
    ]
    if problems:
        raise InputError(problems)
    return entries


def default_uncertainties(scenario: Scenario) -> list[Uncertainty]:
    """The default set: each of :data:`DEFAULT_TARGETS` +-50% around its value, within bounds.

    A coefficient the scenario sets to 0 has no range around it and is left out.
    """
    out = []
    for name in DEFAULT_TARGETS:
        found = resolve_target(scenario, name)
        assert isinstance(found, Target), found
        if found.value <= 0:
            continue
        low, high = found.value * (1 - DEFAULT_SPREAD), found.value * (1 + DEFAULT_SPREAD)
        if found.lower is not None:
            low = max(low, found.lower)
        if found.upper is not None:
            high = min(high, found.upper)
        # Rounded so 0.05 x 1.5 reads 0.075, not 0.07500000000000001, in reports.
        out.append(Uncertainty(target=name, low=_round(low), high=_round(high)))
    return out


def _round(x: float) -> float:
    return float(f"{x:.12g}")


def uncertainties_of(scenario: Scenario, path: str | Path | None = None) -> list[Uncertainty]:
    """The space to explore: the file's if given, else the scenario's, else the default set."""
    if path is not None:
        return load_uncertainties(path, scenario)
    if scenario.uncertainties:
        return list(scenario.uncertainties)
    return default_uncertainties(scenario)


# --------------------------------------------------------------------------- applying


def _set_item(items: Sequence[Any], item_id: str, field: str, value: float) -> list[Any]:
    return [
        item.model_copy(update={field: value}) if item.id == item_id else item for item in items
    ]


def _apply_one(s: Scenario, target: str, value: float) -> Scenario:
    head, *rest = target.split(".")
    if head == "model":
        model = s.model
        if len(rest) == 1:
            model = model.model_copy(update={rest[0]: value})
        elif rest[0] == "threats":
            threats = dict(model.threats)
            given = threats.get(rest[1]) or ThreatCoefficients()
            threats[rest[1]] = given.model_copy(update={rest[2]: value})
            model = model.model_copy(update={"threats": threats})
        else:
            model = model.model_copy(update={"footprints": {**model.footprints, rest[1]: value}})
        return s.model_copy(update={"model": model})
    if head in ("threats", "initiatives"):
        return s.model_copy(update={head: _set_item(getattr(s, head), rest[0], rest[1], value)})
    if head == "alliance":
        return s.model_copy(update={"alliance": s.alliance.model_copy(update={rest[0]: value})})
    return s.model_copy(update={"partners": _set_item(s.partners, head, rest[0], value)})


def apply_point(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """``scenario`` with each target set to its value (targets already checked).

    Pure: the scenario given is not changed. Values must lie within the
    checked ranges; nothing is validated again, so a point costs a few copies.
    """
    for target, value in values.items():
        scenario = _apply_one(scenario, target, float(value))
    return scenario
