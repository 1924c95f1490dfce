"""Model coefficients: every constant of the dynamics, named, documented, defaulted.

These are illustrative training parameters, not estimates. They live in one
model so that MODEL.md, the JSON Schema and the code cannot disagree, and so a
scenario author can override one (``model:`` in the scenario) where a
scenario needs a different balance. Rates are per month.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.vocabulary import THREAT_KINDS


class _Frozen(BaseModel):
    # strict: 'yes' or "0.5" is not a number. No NaN or infinity anywhere: a NaN
    # slips past every ge/le bound.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _unit(default: float, description: str) -> float:
    return Field(default, ge=0.0, le=1.0, allow_inf_nan=False, description=description)


class ThreatCoefficients(_Frozen):
    """How incidents of one threat kind are deterred, stopped or countered and what they cost.

    Harm is the severity of an incident that succeeds (neither interdicted nor
    countered), amplified by the footprint where the kind feeds on it."""

    capacity_weight: float = _unit(0.5, "Interdiction probability per unit of capacity.")
    resilience_weight: float = _unit(0.0, "Interdiction probability per unit of resilience.")
    intel_weight: float = Field(
        1.0, ge=0, le=3, description="Multiplier on the intelligence-sharing interdiction bonus."
    )
    comm_weight: float = _unit(
        0.0,
        "Chance of countering an incident of this kind that gets through, per unit of "
        "strategic communication's 'counter'.",
    )
    stability_harm: float = _unit(0.05, "Stability lost per unit of harm.")
    trust_harm: float = _unit(0.0, "Trust lost per unit of harm.")
    capacity_harm: float = _unit(0.0, "Capacity lost per unit of harm.")
    resilience_harm: float = _unit(0.0, "Resilience lost per unit of harm (damaged networks).")
    tension_harm: float = _unit(
        0.0, "Tension added to rivalries touching the target per unit of harm."
    )
    deterrence_weight: float = _unit(
        1.0, "Share of a military presence's deterrence that cuts attempts of this kind."
    )
    footprint_amplification: float = Field(
        0.0,
        ge=0,
        le=10,
        description="Harm multiplier per unit of footprint x sensitivity: (1 + this x "
        "footprint x sensitivity); a visible presence makes this kind more effective.",
    )


def default_threat_coefficients() -> dict[str, ThreatCoefficients]:
    """The shipped coefficients per threat kind; a new dict each call, so callers may merge
    a scenario's overrides into it."""
    tc = ThreatCoefficients
    return {
        "terrorism": tc(capacity_weight=0.55, intel_weight=1.0, stability_harm=0.03),
        "insurgency": tc(
            capacity_weight=0.6, intel_weight=0.8, stability_harm=0.03, capacity_harm=0.01
        ),
        "cyber": tc(
            capacity_weight=0.1,
            resilience_weight=0.6,
            intel_weight=0.5,
            stability_harm=0.02,
            capacity_harm=0.005,
            resilience_harm=0.04,
            deterrence_weight=0.0,
        ),
        "hybrid": tc(
            capacity_weight=0.3,
            resilience_weight=0.35,
            intel_weight=0.8,
            comm_weight=0.5,
            stability_harm=0.03,
            trust_harm=0.02,
            resilience_harm=0.02,
            tension_harm=0.01,
            deterrence_weight=0.5,
            footprint_amplification=0.5,
        ),
        "disinformation": tc(
            capacity_weight=0.0,
            resilience_weight=0.2,
            intel_weight=0.0,
            comm_weight=1.0,
            stability_harm=0.005,
            trust_harm=0.06,
            deterrence_weight=0.0,
            footprint_amplification=1.5,
        ),
        "proliferation": tc(
            capacity_weight=0.25, intel_weight=1.2, stability_harm=0.02, tension_harm=0.08
        ),
    }


def _footprint_defaults() -> dict[str, float]:
    return {
        "training_mission": 0.1,
        "strategic_dialogue": 0.0,
        "joint_exercise": 0.05,
        "intelligence_sharing": 0.0,
        "cyber_response": 0.02,
        "strategic_communication": 0.0,
        "military_presence": 0.6,
    }


def _profile_defaults() -> dict[str, dict[str, float]]:
    # Which threat kinds each instrument addresses: the alliance's "focus"
    # with a partner is the intensity-weighted mix of these profiles.
    even = 1 / len(THREAT_KINDS)
    return {
        "training_mission": {"terrorism": 0.4, "insurgency": 0.4, "hybrid": 0.2},
        "strategic_dialogue": dict.fromkeys(THREAT_KINDS, even),
        "joint_exercise": {"terrorism": 0.3, "insurgency": 0.3, "hybrid": 0.2, "cyber": 0.2},
        "intelligence_sharing": {"terrorism": 0.4, "proliferation": 0.3, "hybrid": 0.3},
        "cyber_response": {"cyber": 0.7, "hybrid": 0.3},
        "strategic_communication": {"disinformation": 0.7, "hybrid": 0.3},
        "military_presence": {"proliferation": 0.4, "insurgency": 0.3, "terrorism": 0.3},
    }


class ModelParameters(_Frozen):
    """All coefficients of the monthly drift, threat and initiative submodels."""

    #: Fields older scenarios may still set, and why they went (the loader's error says so).
    removed_fields: ClassVar[dict[str, str]] = {
        "mitigated_threshold": (
            "removed in model v2: strategic communication now counters an incident "
            "outright (counted as incidents.KIND.mitigated), so no harm threshold decides "
            "what is mitigated; delete this line"
        ),
    }

    trust_relax: float = _unit(0.05, "Share of the gap to baseline trust closed each month.")
    baseline_forgetting: float = _unit(
        0.003,
        "Share of the baseline trust built by engagement (above the initial baseline) "
        "forgotten each month.",
    )
    footprint_trust: float = _unit(
        0.03, "Trust lost per month per unit of footprint x sensitivity."
    )
    rival_trust: float = _unit(0.01, "Trust lost per month per unit of rival influence.")
    side_trust: float = _unit(
        0.02,
        "Trust lost per month by a partner whose rival partner cooperates more "
        "closely with the alliance, per unit of the cooperation gap.",
    )
    coop_rate: float = _unit(0.08, "Share of the gap to target cooperation closed each month.")
    alignment_floor: float = _unit(
        0.4, "Target cooperation = trust x (floor + (1 - floor) x alignment)."
    )
    alignment_need: float = Field(
        0.5,
        gt=0,
        le=10,
        description="Effort on a threat kind (profile share x effective intensity, summed "
        "over participating initiatives) that fully covers a partner's priority on it.",
    )
    stability_recovery: float = _unit(
        0.06, "Share of the gap to target stability closed each month."
    )
    stability_base: float = _unit(0.3, "Target stability = base + (1 - base) x capacity.")
    tension_stability: float = _unit(0.01, "Stability lost per month per unit of tension.")
    capacity_decay: float = _unit(
        0.006, "Share of capacity lost each month (training cycles add it back)."
    )
    resilience_decay: float = _unit(0.006, "Share of resilience above its floor lost each month.")
    resilience_floor: float = _unit(
        0.5, "Resilience floor = this x capacity: what a partner's own institutions keep up."
    )
    resilience_recovery: float = _unit(
        0.03, "Share of the gap up to the resilience floor recovered each month."
    )
    tension_relax: float = _unit(0.05, "Share of the gap to initial tension closed each month.")
    tension_from_alignment: float = _unit(
        0.01,
        "Tension added per month to a partner-rival rivalry per unit of the partner's "
        "cooperation with the alliance (alignment with the alliance provokes the rival).",
    )
    rate_tension: float = Field(
        0.5, ge=0, le=10, description="Threat rate multiplier is (1 + this x tension)."
    )
    rate_instability: float = Field(
        0.5, ge=0, le=10, description="Threat rate multiplier is (1 + this x (1 - stability))."
    )
    max_deterrence: float = _unit(
        0.8, "Upper bound on the deterrence cut in threat rates (before the kind's weight)."
    )
    max_interdiction: float = _unit(0.95, "Upper bound on the interdiction probability.")
    returns_exponent: float = Field(
        0.7,
        gt=0,
        le=1,
        description="Diminishing returns to intensity: effect scales with intensity^this.",
    )
    threats: dict[str, ThreatCoefficients] = Field(
        default_factory=default_threat_coefficients,
        description="Per threat kind: interdiction weights and harms.",
    )
    footprints: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=_footprint_defaults,
        description="Default visible footprint at intensity 1, per initiative kind.",
    )
    profiles: dict[str, dict[str, Annotated[float, Field(ge=0, le=100)]]] = Field(
        default_factory=_profile_defaults,
        description="Threat kinds each initiative kind addresses (its share of focus).",
    )
