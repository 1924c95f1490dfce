"""Settings of the model's random sources beyond threats (the ``uncertainty:`` block).

The source document stresses that the alliance works amid "political
fragility", local agendas and rivals' pressure; a model in which only threats
are random would give the same trust and cooperation in every replication of a
scenario without threats that touch them. These settings switch on and tune
the other sources: political events in each partner, the varying effect and
cost of each programme cycle, and drifting rival influence. They are on by
default; ``uncertainty: {enabled: false}`` gives the deterministic core for
teaching. MODEL.md §3.3.7 documents the mechanisms and their defaults.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict

from sim.scenario.fields import Frozen

POLITICAL_RISK = "political_risk"
"""Effect-only partner target (``iraq.political_risk``): the multiplier on the
partner's political event rates, 1 when nothing raises it."""

MAX_POLITICAL_RISK = 5.0
"""Upper bound of a partner's political risk: the thinning bound of its events."""


class PoliticalEventKind(StrEnum):
    """Domestic shocks in a partner state."""

    government_change = "government_change"
    contested_election = "contested_election"
    protest_wave = "protest_wave"
    economic_crisis = "economic_crisis"


POLITICAL_EVENT_KINDS: tuple[str, ...] = tuple(k.value for k in PoliticalEventKind)

DEFAULT_POLITICAL_RATES: dict[str, float] = {
    "government_change": 0.01,
    "contested_election": 0.015,
    "protest_wave": 0.025,
    "economic_crisis": 0.01,
}
"""Base events per month per partner (illustrative): a government change about
once a decade, a protest wave about every three to four years."""

# Event kinds are written as text in YAML: accept the text in strict models.
_EventKind = Annotated[PoliticalEventKind, Strict(False)]
_Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class PoliticalEvents(Frozen):
    """Domestic political shocks in each partner: a Poisson process per partner."""

    enabled: bool = Field(True, description="Whether partners have political events at all.")
    rates: dict[_EventKind, _Rate] = Field(
        default_factory=dict,
        description="Events per month per partner by kind (0-1), merged over the defaults: "
        "government_change 0.01, contested_election 0.015, protest_wave 0.025, "
        "economic_crisis 0.01. Give 0 to switch one kind off.",
    )
    scale: float = Field(
        1.0,
        ge=0.0,
        le=3.0,
        allow_inf_nan=False,
        description="Multiplies every event's effect (0-3); 0 keeps the events in the log "
        "but without effect.",
    )
    risk_decay: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Share of a raised political_risk's excess over 1 that fades each month "
        "(0 = it stays raised, 1 = it lasts one month).",
    )

    def rate(self, kind: str) -> float:
        """The rate of one event kind: the scenario's, else the default."""
        for k, v in self.rates.items():
            if k.value == kind:
                return v
        return DEFAULT_POLITICAL_RATES[kind]


class RivalDrift(Frozen):
    """Rival influence drifts: a mean-reverting random walk that reacts to cooperation."""

    enabled: bool = Field(True, description="Whether rival influence drifts at all.")
    volatility: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        allow_inf_nan=False,
        description="Standard deviation of the monthly random change in influence (0-0.5).",
    )
    reversion: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Share of the gap to the influence target closed each month (0-1).",
    )
    reaction: float = Field(
        0.2,
        ge=0.0,
        le=2.0,
        allow_inf_nan=False,
        description="Influence target rise per unit of the partner's cooperation with the "
        "alliance above its initial level (0-2): the rival pushes back.",
    )


class UncertaintySettings(Frozen):
    """The random sources beyond threats; all on by default (MODEL.md §3.3.7)."""

    enabled: bool = Field(
        True,
        description="Master switch: false turns every source below off, leaving threats the "
        "only random element (the deterministic core, for teaching).",
    )
    political_events: PoliticalEvents = Field(
        default_factory=PoliticalEvents,
        description="Government changes, contested elections, protest waves and economic "
        "crises in each partner.",
    )
    programme_sd: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Standard deviation of the lognormal (mean 1) multiplier on each "
        "programme cycle's effect per partner (0-1); 0 = every cycle has its nominal effect.",
    )
    overrun_probability: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Chance that an initiative cycle costs more than planned (0-1).",
    )
    overrun_size: float = Field(
        0.3,
        ge=0.0,
        le=5.0,
        allow_inf_nan=False,
        description="Mean extra cost of an overrun, as a share of the cycle's cost (0-5); "
        "each overrun draws uniformly between half and one and a half times this.",
    )
    rival_drift: RivalDrift = Field(
        default_factory=RivalDrift, description="Stochastic drift of rival influence."
    )

    @property
    def political_on(self) -> bool:
        pe = self.political_events
        return self.enabled and pe.enabled and any(pe.rate(k) > 0 for k in POLITICAL_EVENT_KINDS)

    @property
    def programme_on(self) -> bool:
        return self.enabled and self.programme_sd > 0

    @property
    def overrun_on(self) -> bool:
        return self.enabled and self.overrun_probability > 0 and self.overrun_size > 0

    @property
    def rival_on(self) -> bool:
        return self.enabled and self.rival_drift.enabled
