"""Pure functions of the uncertainty sources: political shocks, programme and cost
multipliers, rival drift.

Like :mod:`sim.model.dynamics`, nothing here knows about SimPy or streams:
each function takes the current values, the settings and the draws (uniforms
from the source's own named stream) and returns new values, so every rule is
testable alone and MODEL.md §3.3.7 can quote it. The stateful side (streams,
per-replication traits) is :mod:`sim.model.uncertainty`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import exp, log, sqrt
from typing import NamedTuple

from sim.model.dynamics import clip
from sim.scenario.uncertainty import MAX_POLITICAL_RISK

NEUTRAL_TRUST = 0.5
"""Where a new government's view of the alliance starts from: neither ally nor suspect."""

ABSORPTION_RECOVERY = 0.1
"""Share of the absorption lost to an economic crisis regained each month."""

MAX_ABSORPTION_LOSS = 0.9


class Shock(NamedTuple):
    """What one political event does to a partner (at the event's size)."""

    trust: float = 0.0  # added
    cooperation: float = 0.0  # added
    stability: float = 0.0  # added
    trust_reset: float = 0.0  # share of the gap to neutral trust closed
    baseline_reset: float = 0.0  # share of the gap to neutral closed by baseline trust
    sensitivity: float = 0.0  # added
    absorption: float = 0.0  # share of programme absorption lost


class Politics(NamedTuple):
    """The partner values political events change."""

    trust: float
    cooperation: float
    stability: float
    baseline_trust: float
    sensitivity: float
    absorption: float  # multiplier on programme effects, 1 = normal


def shock(kind: str, shape: float, scale: float) -> Shock:
    """The effect of one event of ``kind``; ``shape`` is a Uniform(0, 1) draw.

    A government change reviews the partnership: trust and its baseline move
    toward neutral and the new government may be more or less sensitive to a
    foreign presence (``shape`` sets the direction). For the other kinds
    ``shape`` sets the size, between half and one and a half times nominal.
    """
    if kind == "government_change":
        return Shock(
            trust_reset=min(1.0, 0.3 * scale),
            baseline_reset=min(1.0, 0.2 * scale),
            sensitivity=0.1 * scale * (2.0 * shape - 1.0),
        )
    size = scale * (0.5 + shape)
    if kind == "contested_election":
        return Shock(stability=-0.04 * size, trust=-0.02 * size)
    if kind == "protest_wave":
        return Shock(stability=-0.05 * size, cooperation=-0.03 * size)
    if kind == "economic_crisis":
        return Shock(stability=-0.03 * size, absorption=min(MAX_ABSORPTION_LOSS, 0.3 * size))
    raise ValueError(f"unknown political event kind '{kind}'")


def apply_shock(s: Politics, k: Shock) -> Politics:
    """A partner's values after one political event (all clipped to [0, 1])."""
    trust = s.trust + k.trust_reset * (NEUTRAL_TRUST - s.trust) + k.trust
    baseline = s.baseline_trust + k.baseline_reset * (NEUTRAL_TRUST - s.baseline_trust)
    return Politics(
        clip(trust),
        clip(s.cooperation + k.cooperation),
        clip(s.stability + k.stability),
        clip(baseline),
        clip(s.sensitivity + k.sensitivity),
        s.absorption * (1.0 - k.absorption),
    )


def pick(draw: float, rates: Sequence[float], total: float) -> int:
    """Which of several superposed Poisson processes a candidate belongs to."""
    target, acc = draw * total, 0.0
    for j, rate in enumerate(rates):
        acc += rate
        if target < acc:
            return j
    return len(rates) - 1


def accepts(draw: float, risk: float) -> bool:
    """Thinning: a candidate drawn at the maximum risk is an event with probability
    ``risk / MAX_POLITICAL_RISK``."""
    return draw * MAX_POLITICAL_RISK < risk


def toward_one(x: float, rate: float) -> float:
    """A raised political risk or a lost absorption returning toward normal (1)."""
    return x + rate * (1.0 - x)


def set_risk(risk: float, delta: float | None, set_to: float | None) -> float:
    """An inject's effect on a political risk, kept within [0, MAX_POLITICAL_RISK]."""
    value = set_to if set_to is not None else risk + (delta or 0.0)
    return min(MAX_POLITICAL_RISK, max(0.0, value))


def lognormal_params(sd: float) -> tuple[float, float]:
    """``(mu, sigma)`` of the lognormal with mean 1 and standard deviation ``sd``."""
    s2 = log(1.0 + sd * sd)
    return -0.5 * s2, sqrt(s2)


def lognormal(z: float, sd: float) -> float:
    """A lognormal multiplier with mean 1 and standard deviation ``sd``, from a
    standard normal draw ``z``."""
    mu, sigma = lognormal_params(sd)
    return exp(mu + sigma * z)


def overrun(draw: float, probability: float, size: float) -> float:
    """A cycle's cost multiplier from one Uniform(0, 1) draw: 1, or with
    ``probability`` 1 plus a share uniform between ``size/2`` and ``3·size/2``
    (given ``draw < probability``, ``draw / probability`` is itself uniform)."""
    if draw >= probability:
        return 1.0
    return 1.0 + size * (0.5 + draw / probability)


def rival_step(
    influence: float,
    initial: float,
    cooperation: float,
    initial_cooperation: float,
    z: float,
    volatility: float,
    reversion: float,
    reaction: float,
) -> float:
    """One month of a rival's influence on a partner: a mean-reverting random walk
    whose target rises as the partner cooperates more closely with the alliance than
    at the start (the rival pushes back); ``z`` is a standard normal draw."""
    return rival_step_for(volatility, reversion, reaction)(
        influence, initial, cooperation, initial_cooperation, z
    )


def rival_step_for(
    volatility: float, reversion: float, reaction: float
) -> Callable[[float, float, float, float, float], float]:
    """:func:`rival_step` with the drift settings bound once: ``(influence, initial,
    cooperation, initial_cooperation, z) -> influence``."""

    def step(
        influence: float, initial: float, cooperation: float, initial_cooperation: float, z: float
    ) -> float:
        target = initial + reaction * (cooperation - initial_cooperation)
        return clip(influence + reversion * (target - influence) + volatility * z)

    return step
