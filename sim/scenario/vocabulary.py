"""The words every layer shares: partner variables, threat and initiative kinds, outcomes.

Scenario files, conditions, the engine's state and series, KPI names, reports
and play screens all spell these the same way. Each list is written here once
so that renaming or adding one cannot leave a second spelling behind.
"""

from __future__ import annotations

from enum import StrEnum


class ThreatKind(StrEnum):
    """The threat kinds of the source document."""

    terrorism = "terrorism"
    insurgency = "insurgency"
    cyber = "cyber"
    hybrid = "hybrid"
    disinformation = "disinformation"
    proliferation = "proliferation"


class InitiativeKind(StrEnum):
    """The alliance's instruments named in the source document."""

    training_mission = "training_mission"
    strategic_dialogue = "strategic_dialogue"
    joint_exercise = "joint_exercise"
    intelligence_sharing = "intelligence_sharing"
    cyber_response = "cyber_response"
    strategic_communication = "strategic_communication"
    military_presence = "military_presence"


THREAT_KINDS: tuple[str, ...] = tuple(k.value for k in ThreatKind)
INITIATIVE_KINDS: tuple[str, ...] = tuple(k.value for k in InitiativeKind)

PARTNER_VARS = ("capacity", "trust", "cooperation", "stability", "resilience")
"""A partner's state variables, in the order of the engine's monthly series."""

PER_PARTNER_VARS = PARTNER_VARS[:4]
"""The partner variables reported partner by partner (final KPIs, debrief, play screens);
resilience is reported for the region only."""

RIVALRY_VARS = ("tension",)
RIVAL_VARS = ("influence",)
ALLIANCE_VARS = ("funds", "spent")

INTERDICTED, MITIGATED, SUCCEEDED = "interdicted", "mitigated", "succeeded"
OUTCOMES = (INTERDICTED, MITIGATED, SUCCEEDED)
"""How an incident ends: stopped before harm, its harm countered, or harm done."""

ATTEMPTED = "attempted"
"""Every incident, whatever its outcome."""

INCIDENT_COUNTS = (SUCCEEDED, MITIGATED, INTERDICTED, ATTEMPTED)
"""What can be counted of a threat kind's incidents; the bare name counts those that succeeded."""

ALL_INCIDENTS = "total"
"""``incidents.total`` / ``harm.total``: over every threat kind."""

INCIDENT_VARS = (*THREAT_KINDS, ALL_INCIDENTS)

INCIDENTS, HARM = "incidents", "harm"
"""The two incident measures of conditions and KPIs: counts and summed harm."""


def incident_name(kind: str, count: str = SUCCEEDED) -> str:
    """One name for conditions and KPIs alike.

    ``incidents.cyber`` counts the cyber incidents that succeeded (did harm);
    ``incidents.cyber.mitigated``, ``.interdicted`` and ``.attempted`` (all of
    them) count the others, so the short name is the one that matters most.
    """
    return f"{INCIDENTS}.{kind}" if count == SUCCEEDED else f"{INCIDENTS}.{kind}.{count}"


def harm_name(kind: str) -> str:
    """``harm.KIND``: summed harm (severity that got through) of a kind's incidents."""
    return f"{HARM}.{kind}"


def is_incident_name(name: str) -> bool:
    """Whether a KPI name is an incident count or harm (not a partner's or rivalry's)."""
    return name.startswith((f"{INCIDENTS}.", f"{HARM}."))


def incident_names(kinds: tuple[str, ...] = THREAT_KINDS) -> tuple[str, ...]:
    """Every incident count and harm name for these kinds and the total, in report order."""
    names: list[str] = []
    for kind in (*kinds, ALL_INCIDENTS):
        names += [incident_name(kind, c) for c in INCIDENT_COUNTS]
        names.append(harm_name(kind))
    return tuple(names)
