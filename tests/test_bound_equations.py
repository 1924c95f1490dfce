"""The engine's fast forms of the equations give the same floats as the equations as written.

The engine binds each equation's coefficients once (``dynamics.*_for``,
``politics.rival_step_for``) and writes a few small ones out. These tests hold
each bound form to the plain formula, evaluated in the same order, to the last
bit (``==`` on floats, not approx): that is what keeps ``results`` unchanged.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import dynamics as dyn
from sim.model import politics as pol
from sim.model.initiatives import PLAN_CLASSES, asks
from sim.scenario.params import ModelParameters, ThreatCoefficients, default_threat_coefficients
from sim.scenario.vocabulary import INTERDICTED, MITIGATED, SUCCEEDED

unit = st.floats(0, 1)
coefficient = st.floats(0, 1)


@st.composite
def parameters(draw: st.DrawFn) -> ModelParameters:
    names = (
        "trust_relax",
        "footprint_trust",
        "rival_trust",
        "side_trust",
        "alignment_floor",
        "coop_rate",
        "stability_base",
        "stability_recovery",
        "tension_stability",
        "capacity_decay",
        "resilience_floor",
        "resilience_decay",
        "resilience_recovery",
        "baseline_forgetting",
        "tension_relax",
        "tension_from_alignment",
        "max_deterrence",
        "max_interdiction",
    )
    return ModelParameters().model_copy(update={n: draw(coefficient) for n in names})


def clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


@settings(max_examples=300, deadline=None)
@given(p=parameters(), values=st.lists(unit, min_size=12, max_size=12))
def test_bound_drift_is_the_drift_equations(p: ModelParameters, values: list[float]) -> None:
    (cap, trust, coop, stab, res, baseline, sens, footprint, rival, gap, align, exposure) = values
    new_trust = (
        trust
        + p.trust_relax * (baseline - trust)
        - p.footprint_trust * footprint * sens
        - p.rival_trust * rival
        - p.side_trust * gap
    )
    target_coop = trust * (p.alignment_floor + (1 - p.alignment_floor) * align)
    target_stab = p.stability_base + (1 - p.stability_base) * cap
    new_stab = stab + p.stability_recovery * (target_stab - stab) - p.tension_stability * exposure
    expected = (
        clip(cap * (1 - p.capacity_decay)),
        clip(new_trust),
        clip(coop + p.coop_rate * (target_coop - coop)),
        clip(new_stab),
        dyn.settle_resilience(res, cap, p),
    )
    assert dyn.drift_for(p)(*values) == expected
    pressures = dyn.Pressures(footprint, rival, gap, align, exposure)
    state = dyn.PartnerState(cap, trust, coop, stab, res)
    assert dyn.drift(state, baseline, sens, pressures, p) == expected


@settings(max_examples=200, deadline=None)
@given(p=parameters(), a=unit, b=unit, c=unit)
def test_bound_baseline_tension_and_rates_are_the_equations(
    p: ModelParameters, a: float, b: float, c: float
) -> None:
    forgetting = p.baseline_forgetting
    assert dyn.learn_baseline_for(p)(a, b, c) == clip(a + b * (1 - a) - forgetting * (a - c))
    tension = clip(a + p.tension_relax * (b - a) + p.tension_from_alignment * c)
    assert dyn.drift_tension_for(p)(a, b, c) == tension
    rate = (
        (1 + p.rate_tension * a)
        * (1 + p.rate_instability * (1 - b))
        * (1 - min(c, p.max_deterrence))
    )
    assert dyn.rate_multiplier_for(p)(a, b, c) == rate == dyn.rate_multiplier(a, b, c, p)


@st.composite
def coefficients(draw: st.DrawFn) -> ThreatCoefficients:
    base = draw(st.sampled_from(sorted(default_threat_coefficients().items())))[1]
    update = {
        f: draw(coefficient)
        for f in (
            "capacity_weight",
            "resilience_weight",
            "comm_weight",
            "stability_harm",
            "trust_harm",
            "capacity_harm",
            "resilience_harm",
            "tension_harm",
        )
    }
    update["footprint_amplification"] = draw(st.floats(0, 10))
    return base.model_copy(update=update)


@settings(max_examples=300, deadline=None)
@given(p=parameters(), c=coefficients(), values=st.lists(unit, min_size=7, max_size=7))
def test_bound_incident_resolution_is_the_equations(
    p: ModelParameters, c: ThreatCoefficients, values: list[float]
) -> None:
    severity, draw, capacity, resilience, intel, comm, amplification = values
    stop = dyn.interdiction_probability(c, capacity, resilience, intel, p)
    if draw < stop:
        expected = (INTERDICTED, 0.0)
    elif (draw - stop) < dyn.mitigation(c, comm) * (1 - stop):
        expected = (MITIGATED, 0.0)
    else:
        expected = (SUCCEEDED, severity * (1 + c.footprint_amplification * amplification))
    assert dyn.resolver_for(c, p)(*values) == expected
    impact = dyn.resolve_incident(c, *values, p)
    assert (impact.outcome, impact.harm) == expected
    harm = expected[1]
    deltas = (
        -c.stability_harm * harm,
        -c.trust_harm * harm,
        -c.capacity_harm * harm,
        -c.resilience_harm * harm,
        c.tension_harm * harm,
    )
    assert dyn.harm_deltas_for(c)(harm) == deltas
    if impact.outcome == SUCCEEDED:
        fields = (impact.stability, impact.trust, impact.capacity, impact.resilience)
        assert (*fields, impact.tension) == deltas


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(unit, min_size=5, max_size=5), z=st.floats(-4, 4), knobs=st.tuples(*[unit] * 3)
)
def test_bound_rival_step_is_the_equation(
    values: list[float], z: float, knobs: tuple[float, float, float]
) -> None:
    influence, initial, cooperation, initial_cooperation, _ = values
    volatility, reversion, reaction = knobs
    target = initial + reaction * (cooperation - initial_cooperation)
    expected = clip(influence + reversion * (target - influence) + volatility * z)
    step = pol.rival_step_for(volatility, reversion, reaction)
    assert step(influence, initial, cooperation, initial_cooperation, z) == expected


def test_asks_names_what_each_kind_answers_itself() -> None:
    """The engine skips asking a kind that keeps the base class's answer."""
    answers = {kind: asks(cls.__new__(cls)) for kind, cls in PLAN_CLASSES.items()}
    assert answers["joint_exercise"] == (True, False, True)
    assert answers["intelligence_sharing"] == (False, True, False)
    assert answers["strategic_dialogue"] == (False, False, False)
    assert answers["training_mission"] == (False, False, True)
