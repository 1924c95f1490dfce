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
"""How an incident ends: stopped before harm, harm mostly countered, or harm done."""

ALL_INCIDENTS = "total"
"""``incidents.total``: the count over every threat kind."""

INCIDENT_VARS = (*THREAT_KINDS, ALL_INCIDENTS)
