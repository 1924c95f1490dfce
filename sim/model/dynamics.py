"""Pure state-update functions: the model's equations, one function each.

Nothing here knows about SimPy, streams or scenarios; each function takes
the current values, the parameters and (where random) the draws, and returns
new values. That keeps every mechanic unit-testable on its own and lets
MODEL.md quote them one-to-one. All results are clipped to [0, 1].

Source sections of the document each mechanic comes from are named in
MODEL.md next to the equation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from sim.scenario.params import ModelParameters, ThreatCoefficients
from sim.scenario.vocabulary import INTERDICTED, MITIGATED, SUCCEEDED


def clip(x: float) -> float:
    """Clamp to [0, 1]; every state variable lives there."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def effective_intensity(intensity: float, exponent: float) -> float:
    """Diminishing returns to intensity: doubling an initiative does not double its effect."""
    return intensity**exponent if intensity > 0 else 0.0


def normalise(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights scaled to sum to 1 (empty or all-zero stays empty)."""
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items() if v > 0} if total > 0 else {}


def alignment(effort: Mapping[str, float], priorities: Mapping[str, float], need: float) -> float:
    """How far (0-1) the alliance covers a partner's own priorities.

    Each threat kind the partner cares about counts by its priority share and
    is covered in proportion to the alliance's effort on it, fully from
    ``need`` on. It counts what the alliance does, not only its mix: more
    effort on anything never lowers alignment, so adding an instrument aimed
    at the partner's priorities cannot cost cooperation.
    """
    q = normalise(priorities)
    return sum(share * min(1.0, effort.get(k, 0.0) / need) for k, share in q.items())


def focus_of(contributions: Iterable[tuple[Mapping[str, float], float]]) -> dict[str, float]:
    """The alliance's effort per threat kind with a partner: profiles weighted by
    effective intensity, summed over the initiatives the partner takes part in."""
    out: dict[str, float] = {}
    for profile, weight in contributions:
        for kind, share in profile.items():
            out[kind] = out.get(kind, 0.0) + share * weight
    return out


class PartnerState(NamedTuple):
    """The five state variables of a partner."""

    capacity: float
    trust: float
    cooperation: float
    stability: float
    resilience: float


class Pressures(NamedTuple):
    """What acts on a partner during one month, computed by the engine."""

    footprint: float = 0.0
    rival_influence: float = 0.0
    side_gap: float = 0.0
    alignment: float = 0.0
    exposure: float = 0.0
    engagement: float = 0.0


def drift(
    s: PartnerState, baseline_trust: float, sensitivity: float, f: Pressures, p: ModelParameters
) -> PartnerState:
    """One month of a partner's slow dynamics.

    trust relaxes toward its baseline (which engagement raises, see
    :func:`learn_baseline`) and is eroded by the alliance's visible footprint
    (scaled by the partner's sensitivity), by rival influence and by a rival
    neighbour's closer cooperation; cooperation follows trust times alignment; stability recovers
    toward a capacity-given level and is worn by regional tension; capacity
    decays; resilience settles toward a floor the partner's capacity keeps up.
    The equations are :func:`drift_for`'s, bound to ``p``.
    """
    return PartnerState(
        *drift_for(p)(
            *s,
            baseline_trust,
            sensitivity,
            f.footprint,
            f.rival_influence,
            f.side_gap,
            f.alignment,
            f.exposure,
        )
    )


Drift = Callable[
    [float, float, float, float, float, float, float, float, float, float, float, float],
    tuple[float, float, float, float, float],
]
"""``(capacity, trust, cooperation, stability, resilience, baseline_trust, sensitivity,
footprint, rival_influence, side_gap, alignment, exposure) -> (capacity, trust,
cooperation, stability, resilience)``: :func:`drift` on plain floats."""


def drift_for(p: ModelParameters) -> Drift:
    """:func:`drift` with the coefficients of ``p`` bound once.

    The engine drifts every partner every month; reading a dozen coefficients
    off the parameters model each time cost more than the arithmetic. Values
    are the same to the last bit: each expression is evaluated in the same order.
    """
    relax, footprint_trust, rival_trust, side_trust = (
        p.trust_relax,
        p.footprint_trust,
        p.rival_trust,
        p.side_trust,
    )
    floor, floor_gap, coop_rate = p.alignment_floor, 1 - p.alignment_floor, p.coop_rate
    base, base_gap = p.stability_base, 1 - p.stability_base
    recovery, tension_stability = p.stability_recovery, p.tension_stability
    keep = 1 - p.capacity_decay
    floor_share, decay, recovery_res = (
        p.resilience_floor,
        p.resilience_decay,
        p.resilience_recovery,
    )

    def step(
        capacity: float,
        trust: float,
        cooperation: float,
        stability: float,
        resilience: float,
        baseline_trust: float,
        sensitivity: float,
        footprint: float,
        rival_influence: float,
        side_gap: float,
        alignment: float,
        exposure: float,
    ) -> tuple[float, float, float, float, float]:
        new_trust = (
            trust
            + relax * (baseline_trust - trust)
            - footprint_trust * footprint * sensitivity
            - rival_trust * rival_influence
            - side_trust * side_gap
        )
        target_coop = trust * (floor + floor_gap * alignment)
        new_coop = cooperation + coop_rate * (target_coop - cooperation)
        target_stab = base + base_gap * capacity
        new_stab = stability + recovery * (target_stab - stability) - tension_stability * exposure
        new_cap = capacity * keep
        floor_res = floor_share * capacity
        rate = decay if resilience > floor_res else recovery_res
        new_res = resilience + rate * (floor_res - resilience)
        # clip() and settle_resilience(), written out: this runs for every partner every month.
        return (
            0.0 if new_cap < 0.0 else 1.0 if new_cap > 1.0 else new_cap,
            0.0 if new_trust < 0.0 else 1.0 if new_trust > 1.0 else new_trust,
            0.0 if new_coop < 0.0 else 1.0 if new_coop > 1.0 else new_coop,
            0.0 if new_stab < 0.0 else 1.0 if new_stab > 1.0 else new_stab,
            0.0 if new_res < 0.0 else 1.0 if new_res > 1.0 else new_res,
        )

    return step


def settle_resilience(resilience: float, capacity: float, p: ModelParameters) -> float:
    """Resilience drifts toward a floor set by the partner's own capacity: it
    decays slowly above it and recovers slowly below it, so attacks wear it
    down without pinning it at zero (:func:`drift_for` writes the same out)."""
    floor = p.resilience_floor * capacity
    rate = p.resilience_decay if resilience > floor else p.resilience_recovery
    return clip(resilience + rate * (floor - resilience))


def learn_baseline(baseline: float, engagement: float, initial: float, p: ModelParameters) -> float:
    """The partner's remembered trust, the level trust relaxes toward.

    Sustained engagement (dialogue, communication; ``engagement`` is the
    month's share of their per-cycle gain) raises it with diminishing returns;
    without it, it is forgotten slowly back toward its initial level. So trust
    is built slowly - trust follows the baseline at ``trust_relax`` - and what
    years of engagement built outlasts the programme.
    """
    return learn_baseline_for(p)(baseline, engagement, initial)


def learn_baseline_for(p: ModelParameters) -> Callable[[float, float, float], float]:
    """:func:`learn_baseline` with the coefficient of ``p`` bound once."""
    forgetting = p.baseline_forgetting

    def learn(baseline: float, engagement: float, initial: float) -> float:
        return clip(baseline + engagement * (1 - baseline) - forgetting * (baseline - initial))

    return learn


def drift_tension(tension: float, initial: float, provocation: float, p: ModelParameters) -> float:
    """One month of a rivalry: relaxes toward its initial level, pushed up by
    the alliance's alignment with one side (``provocation``). Military
    presence and proliferation raise it as they happen
    (:meth:`sim.model.world.World.raise_tension_around`)."""
    return drift_tension_for(p)(tension, initial, provocation)


def drift_tension_for(p: ModelParameters) -> Callable[[float, float, float], float]:
    """:func:`drift_tension` with the coefficients of ``p`` bound once."""
    relax, from_alignment = p.tension_relax, p.tension_from_alignment

    def step(tension: float, initial: float, provocation: float) -> float:
        return clip(tension + relax * (initial - tension) + from_alignment * provocation)

    return step


# --------------------------------------------------------------------------- threats


def max_rate_multiplier(p: ModelParameters) -> float:
    """Upper bound of :func:`rate_multiplier`, used to thin candidate arrivals."""
    return (1 + p.rate_tension) * (1 + p.rate_instability)


def rate_multiplier(
    exposure: float, stability: float, deterrence: float, p: ModelParameters
) -> float:
    """Threat arrival rate relative to base: up with tension and instability,
    down with deterrence (already weighted by the threat kind: a presence
    deters terrorists, insurgents and proliferators, not hackers or propaganda)."""
    return rate_multiplier_for(p)(exposure, stability, deterrence)


def rate_multiplier_for(p: ModelParameters) -> Callable[[float, float, float], float]:
    """:func:`rate_multiplier` with the coefficients of ``p`` bound once (the engine
    asks it for every candidate arrival)."""
    tension, instability, most = p.rate_tension, p.rate_instability, p.max_deterrence

    def multiplier(exposure: float, stability: float, deterrence: float) -> float:
        return (
            (1 + tension * exposure)
            * (1 + instability * (1 - stability))
            * (1 - (most if most < deterrence else deterrence))
        )

    return multiplier


class Impact(NamedTuple):
    """The outcome of one incident, its harm and the changes it causes (deltas)."""

    outcome: str
    harm: float = 0.0
    stability: float = 0.0
    trust: float = 0.0
    capacity: float = 0.0
    tension: float = 0.0
    resilience: float = 0.0


def interdiction_probability(
    c: ThreatCoefficients, capacity: float, resilience: float, intel: float, p: ModelParameters
) -> float:
    """Chance the partner (with alliance help) stops an incident before harm."""
    raw = c.capacity_weight * capacity + c.resilience_weight * resilience + c.intel_weight * intel
    return min(p.max_interdiction, raw)


def mitigation(c: ThreatCoefficients, comm: float) -> float:
    """Chance that strategic communication counters an incident that got through."""
    return min(1.0, c.comm_weight * comm)


def resolve_incident(
    c: ThreatCoefficients,
    severity: float,
    draw: float,
    capacity: float,
    resilience: float,
    intel: float,
    comm: float,
    amplification: float,
    p: ModelParameters,
) -> Impact:
    """Resolve an incident: interdicted, mitigated or succeeded, and its harm.

    ``draw`` is a Uniform(0,1) from the threat's own stream; it is drawn for
    every candidate whatever the outcome, so streams stay aligned across
    policies (common random numbers). One draw decides both steps: below the
    interdiction probability the incident is stopped; the rest of the unit
    interval, rescaled, decides whether communication counters it (no harm).
    An incident that succeeds does its severity in harm, raised by
    ``amplification`` (the partner's footprint x sensitivity) for kinds that
    feed on perceptions of Western interference. The outcome and harm are
    :func:`resolver_for`'s, the deltas :func:`harm_deltas`.
    """
    outcome, harm = resolver_for(c, p)(
        severity, draw, capacity, resilience, intel, comm, amplification
    )
    if outcome != SUCCEEDED:
        return Impact(outcome)
    stability, trust, capacity_delta, resilience_delta, tension = harm_deltas_for(c)(harm)
    return Impact(
        SUCCEEDED,
        harm=harm,
        stability=stability,
        trust=trust,
        capacity=capacity_delta,
        resilience=resilience_delta,
        tension=tension,
    )


Resolver = Callable[[float, float, float, float, float, float, float], tuple[str, float]]
"""``(severity, draw, capacity, resilience, intel, comm, amplification) -> (outcome,
harm)``: :func:`resolve_incident` without the deltas."""


def resolver_for(c: ThreatCoefficients, p: ModelParameters) -> Resolver:
    """:func:`resolve_incident`'s outcome and harm with the coefficients bound once:
    :func:`interdiction_probability`, then :func:`mitigation`, then the harm."""
    capacity_weight, resilience_weight, intel_weight = (
        c.capacity_weight,
        c.resilience_weight,
        c.intel_weight,
    )
    comm_weight, amplifies, most = c.comm_weight, c.footprint_amplification, p.max_interdiction

    def resolve(
        severity: float,
        draw: float,
        capacity: float,
        resilience: float,
        intel: float,
        comm: float,
        amplification: float,
    ) -> tuple[str, float]:
        raw = capacity_weight * capacity + resilience_weight * resilience + intel_weight * intel
        stop = raw if raw < most else most  # min(most, raw)
        if draw < stop:
            return INTERDICTED, 0.0
        counter = comm_weight * comm
        if (draw - stop) < (counter if counter < 1.0 else 1.0) * (1 - stop):
            return MITIGATED, 0.0
        return SUCCEEDED, severity * (1 + amplifies * amplification)

    return resolve


def harm_deltas_for(
    c: ThreatCoefficients,
) -> Callable[[float], tuple[float, float, float, float, float]]:
    """What ``harm`` does: the changes of stability, trust, capacity, resilience
    (all down) and tension around the target (up)."""
    stability, trust, capacity = -c.stability_harm, -c.trust_harm, -c.capacity_harm
    resilience, tension = -c.resilience_harm, c.tension_harm

    def deltas(harm: float) -> tuple[float, float, float, float, float]:
        return (
            stability * harm,
            trust * harm,
            capacity * harm,
            resilience * harm,
            tension * harm,
        )

    return deltas


# --------------------------------------------------------------------------- initiatives


def train(capacity: float, eff: float, gain: float, absorption: float, cooperation: float) -> float:
    """A training cycle: capacity gain shrinks as capacity nears 1 (diminishing
    returns), scaled by absorption and by how far the partner cooperates."""
    return clip(capacity + gain * eff * absorption * (0.5 + 0.5 * cooperation) * (1 - capacity))


def converge(value: float, eff: float, gain: float) -> float:
    """Generic saturating gain: dialogue on trust, rapid-response teams on
    resilience, exercises on cooperation."""
    return clip(value + gain * eff * (1 - value))


def takes_part(trust: float, min_trust: float) -> bool:
    """A partner below the trust threshold declines joint exercises and gets no
    shared intelligence."""
    return trust >= min_trust


def intel_bonus(trust: float, sharing: Iterable[tuple[float, float]]) -> float:
    """Interdiction bonus from intelligence sharing: the sum of each running
    platform's bonus whose trust threshold the partner currently meets."""
    return sum(bonus for min_trust, bonus in sharing if trust >= min_trust)


def apply_delta(value: float, delta: float | None, set_to: float | None) -> float:
    """An inject's or option's effect on one variable."""
    return clip(set_to if set_to is not None else value + (delta or 0.0))
