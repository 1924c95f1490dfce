"""The KPI catalogue: how every KPI reads, its unit, which way is better, where it is shown.

The engine names its KPIs by patterns over the vocabulary (``final_{var}``,
``{partner}.final_{var}``, ``incidents.{kind}``, ``incidents.{kind}.{count}``,
``harm.{kind}``); the incident names are those of the condition language, with
the same meaning. Each pattern is
described here once, so the terminal, the reports, the comparison and the
debrief cannot disagree about a label or about whether more is better.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from sim.scenario.vocabulary import PARTNER_VARS

SHARE = "share (0-1)"
COUNT = "incidents"
HARM = "harm (severity units)"
BUDGET = "budget units"

#: The smallest difference worth a trainer's attention, by unit: ``(size, relative)``.
#: An absolute size is in the KPI's own unit; a relative one is a share of the
#: baseline's mean (money and harm have no natural scale of their own).
MIN_DIFFERENCE_BY_UNIT: dict[str, tuple[float, bool]] = {
    SHARE: (0.02, False),
    COUNT: (1.0, False),
    HARM: (0.05, True),
    BUDGET: (0.05, True),
}
#: For a KPI no catalogue pattern knows: 5% of the baseline's mean.
MIN_DIFFERENCE_UNKNOWN = (0.05, True)
#: Objective success probabilities: 5 percentage points.
MIN_DIFFERENCE_OBJECTIVES = 0.05
#: The key that overrides the objectives' smallest meaningful difference.
OBJECTIVES_KEY = "objectives"

HEADLINE_ROLE = "headline"
"""Shown first, in this order, in every report and in the terminal summary."""
JUDGED_ROLE = "judged"
"""One policy can be said to do better than another on it (see :func:`direction`)."""
DEBRIEF_ROLE = "debrief"
"""Compared in the debrief after play; the first is the headline sentence."""

_REGION_WORDS = dict(
    zip(
        PARTNER_VARS,
        ("partner capacity", "partner trust", "cooperation", "regional stability", "resilience"),
        strict=True,
    )
)

# What a placeholder of a pattern matches: ``when`` stops at the first '_'.
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PLACEHOLDER_REGEX = {"when": r"[^._]+"}


@dataclass(frozen=True)
class Kpi:
    """One KPI name pattern of the catalogue.

    ``pattern`` and ``label`` share placeholders in braces; a label may also use
    ``{where}`` (``in Iraq``, or ``(iraq)`` when the actor's name is not known)
    and ``{var_words}`` (the regional wording of ``{var}``).
    """

    pattern: str
    label: str
    unit: str
    better: Literal["higher", "lower"]
    roles: frozenset[str] = frozenset()
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = _PLACEHOLDER.split(self.pattern)
        body = "".join(
            re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_PLACEHOLDER_REGEX.get(p, '[^.]+')})"
            for i, p in enumerate(parts)
        )
        object.__setattr__(self, "regex", re.compile(body))

    def render(self, name: str, partners: dict[str, str]) -> str:
        match = self.regex.fullmatch(name)
        assert match is not None
        values = match.groupdict()
        actor = values.get("partner") or values.get("rivalry")
        if actor is not None:
            values["where"] = f"in {partners[actor]}" if actor in partners else f"({actor})"
        if "var" in values:
            values["var_words"] = _REGION_WORDS.get(values["var"], values["var"])
        return self.label.format(**values)


def _regional(when: str, var: str, *roles: str) -> Kpi:
    return Kpi(f"{when}_{var}", f"{when} {_REGION_WORDS[var]}", SHARE, "higher", frozenset(roles))


_ALL_LISTS = (HEADLINE_ROLE, JUDGED_ROLE, DEBRIEF_ROLE)

CATALOGUE: tuple[Kpi, ...] = (
    # Named KPIs first, in the order the short lists show them.
    _regional("final", "stability", *_ALL_LISTS),
    _regional("mean", "stability", HEADLINE_ROLE),
    _regional("final", "capacity", *_ALL_LISTS),
    _regional("final", "trust", *_ALL_LISTS),
    _regional("final", "cooperation", *_ALL_LISTS),
    _regional("final", "resilience", JUDGED_ROLE),
    Kpi("incidents.total", "incidents that succeeded", COUNT, "lower", frozenset(_ALL_LISTS)),
    Kpi("harm.total", "harm done by incidents", HARM, "lower", frozenset({JUDGED_ROLE})),
    Kpi("cost", "total cost", BUDGET, "lower", frozenset(_ALL_LISTS)),
    Kpi("incidents.total.attempted", "incidents attempted (all)", COUNT, "lower"),
    # Patterns: the first that matches a name describes it.
    Kpi("incidents.{kind}.attempted", "{kind} incidents attempted", COUNT, "lower"),
    Kpi("incidents.{kind}.{outcome}", "{kind} incidents {outcome}", COUNT, "higher"),
    Kpi("incidents.{kind}", "{kind} incidents that succeeded", COUNT, "lower"),
    Kpi("harm.{kind}", "harm done by {kind} incidents", HARM, "lower"),
    Kpi("{rivalry}.{when}_tension", "{when} tension {where}", SHARE, "lower"),
    Kpi("{partner}.{when}_{var}", "{when} {var} {where}", SHARE, "higher"),
    Kpi("{when}_{var}", "{when} {var_words}", SHARE, "higher"),
)


def kpis_with(role: str) -> tuple[str, ...]:
    """The named KPIs of one short list (a ``*_ROLE``), in catalogue order."""
    return tuple(k.pattern for k in CATALOGUE if role in k.roles)


HEADLINE = kpis_with(HEADLINE_ROLE)
JUDGED = kpis_with(JUDGED_ROLE)
DEBRIEF_KPIS = kpis_with(DEBRIEF_ROLE)


@lru_cache(maxsize=4096)
def kpi_spec(name: str) -> Kpi | None:
    """The catalogue entry describing ``name`` (None for a name no pattern knows)."""
    return next((k for k in CATALOGUE if k.regex.fullmatch(name)), None)


def kpi_label(name: str, results: Mapping[str, Any] | None = None) -> str:
    """``iraq.final_trust`` -> ``final trust in Iraq``; ``mean_stability`` -> ``mean regional
    stability``."""
    partners = (results or {}).get("scenario", {}).get("partners", {})
    spec = kpi_spec(name)
    return name if spec is None else spec.render(name, partners)


def kpi_unit(name: str) -> str:
    """What a KPI counts or measures, e.g. ``share (0-1)``."""
    spec = kpi_spec(name)
    return "" if spec is None else spec.unit


def lower_is_better(kpi: str) -> bool:
    """Whether a smaller value of ``kpi`` is the better outcome (cost, harm, tension)."""
    spec = kpi_spec(kpi)
    return spec is not None and spec.better == "lower"


def direction(kpi: str) -> int:
    """+1 when higher is better, -1 when lower is better (objectives: higher)."""
    return -1 if lower_is_better(kpi) else +1


def min_difference(
    kpi: str, baseline_mean: float, overrides: Mapping[str, float] | None = None
) -> float:
    """The smallest meaningful difference of ``kpi`` against a baseline with this mean.

    An override (from the scenario's ``reporting.min_difference`` or
    ``--min-difference``) is an absolute size in the KPI's unit. Without one,
    the catalogue's default for the KPI's unit applies (see
    :data:`MIN_DIFFERENCE_BY_UNIT`); ``objectives`` is the key of the objective
    success probabilities. Differences smaller than this are "no meaningful
    difference" even when their interval excludes zero.
    """
    if overrides and kpi in overrides:
        return float(overrides[kpi])
    if kpi == OBJECTIVES_KEY:
        return MIN_DIFFERENCE_OBJECTIVES
    spec = kpi_spec(kpi)
    size, relative = MIN_DIFFERENCE_UNKNOWN if spec is None else MIN_DIFFERENCE_BY_UNIT[spec.unit]
    return size * abs(baseline_mean) if relative else size
