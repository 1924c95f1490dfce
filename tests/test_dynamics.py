"""The pure update functions, one mechanic at a time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import dynamics as dyn
from sim.scenario.params import ModelParameters, ThreatCoefficients, default_threat_coefficients
from sim.scenario.vocabulary import THREAT_KINDS

P = ModelParameters()
unit = st.floats(0, 1)


def state(**kw: float) -> dyn.PartnerState:
    base = {"capacity": 0.5, "trust": 0.5, "cooperation": 0.5, "stability": 0.5, "resilience": 0.5}
    base.update(kw)
    return dyn.PartnerState(**base)


def test_trust_relaxes_toward_baseline() -> None:
    up = dyn.drift(state(trust=0.2), 0.6, 0.5, dyn.Pressures(), P)
    down = dyn.drift(state(trust=0.9), 0.6, 0.5, dyn.Pressures(), P)
    assert up.trust == pytest.approx(0.2 + P.trust_relax * 0.4)
    assert down.trust == pytest.approx(0.9 - P.trust_relax * 0.3)


def test_footprint_erodes_trust_in_proportion_to_sensitivity() -> None:
    f = dyn.Pressures(footprint=0.6)
    calm = dyn.drift(state(), 0.5, 0.1, f, P).trust
    touchy = dyn.drift(state(), 0.5, 0.9, f, P).trust
    assert 0.5 - touchy == pytest.approx(9 * (0.5 - calm))


def test_cooperation_follows_trust_times_alignment() -> None:
    aligned = dyn.drift(
        state(trust=0.8, cooperation=0.2), 0.8, 0.5, dyn.Pressures(alignment=1.0), P
    )
    misaligned = dyn.drift(
        state(trust=0.8, cooperation=0.2), 0.8, 0.5, dyn.Pressures(alignment=0.0), P
    )
    assert aligned.cooperation == pytest.approx(0.2 + P.coop_rate * (0.8 - 0.2))
    assert misaligned.cooperation < aligned.cooperation


def test_stability_recovers_with_capacity_and_suffers_from_tension() -> None:
    strong = dyn.drift(state(capacity=0.9, stability=0.3), 0.5, 0.5, dyn.Pressures(), P)
    weak = dyn.drift(state(capacity=0.1, stability=0.3), 0.5, 0.5, dyn.Pressures(), P)
    tense = dyn.drift(state(capacity=0.9, stability=0.3), 0.5, 0.5, dyn.Pressures(exposure=1.0), P)
    assert strong.stability > weak.stability
    assert tense.stability == pytest.approx(strong.stability - P.tension_stability)


def test_capacity_erodes_every_month() -> None:
    assert dyn.drift(state(capacity=0.5), 0.5, 0.5, dyn.Pressures(), P).capacity == (
        pytest.approx(0.5 * (1 - P.capacity_decay))
    )


def test_resilience_settles_toward_a_floor_set_by_capacity() -> None:
    floor = P.resilience_floor * 0.6
    low = dyn.drift(state(capacity=0.6, resilience=0.0), 0.5, 0.5, dyn.Pressures(), P)
    high = dyn.drift(state(capacity=0.6, resilience=0.9), 0.5, 0.5, dyn.Pressures(), P)
    assert low.resilience == pytest.approx(P.resilience_recovery * floor)
    assert low.resilience > 0
    assert high.resilience == pytest.approx(0.9 - P.resilience_decay * (0.9 - floor))
    # Recovery from zero is faster than decay from above: attacks do not pin it at 0.
    assert P.resilience_recovery > P.resilience_decay


def test_engagement_raises_baseline_trust_which_is_forgotten_slowly() -> None:
    assert dyn.learn_baseline(0.4, 0.01, 0.4, P) == pytest.approx(0.4 + 0.01 * 0.6)
    assert dyn.learn_baseline(0.4, 0.0, 0.4, P) == 0.4
    forgotten = dyn.learn_baseline(0.6, 0.0, 0.4, P)
    assert forgotten == pytest.approx(0.6 - P.baseline_forgetting * 0.2)
    # Trust itself only follows: engagement does not move it in the month it happens.
    engaged = dyn.drift(state(trust=0.4), 0.4, 0.5, dyn.Pressures(engagement=0.5), P)
    assert engaged.trust == pytest.approx(0.4)


def test_tension_relaxes_and_is_provoked_by_alignment() -> None:
    assert dyn.drift_tension(0.6, 0.4, 0.0, P) == pytest.approx(0.6 - P.tension_relax * 0.2)
    assert dyn.drift_tension(0.4, 0.4, 1.0, P) == pytest.approx(0.4 + P.tension_from_alignment)


def test_training_has_diminishing_returns() -> None:
    low = dyn.train(0.2, 1.0, 0.1, 1.0, 1.0) - 0.2
    high = dyn.train(0.8, 1.0, 0.1, 1.0, 1.0) - 0.8
    assert low == pytest.approx(4 * high)
    assert dyn.effective_intensity(2.0, 0.7) < 2 * dyn.effective_intensity(1.0, 0.7)
    assert dyn.effective_intensity(0.0, 0.7) == 0.0


def test_training_scales_with_absorption_and_cooperation() -> None:
    assert dyn.train(0.3, 1, 0.1, 0.2, 0.5) < dyn.train(0.3, 1, 0.1, 0.8, 0.5)
    assert dyn.train(0.3, 1, 0.1, 0.5, 0.0) < dyn.train(0.3, 1, 0.1, 0.5, 1.0)


def test_alignment_is_coverage_of_priorities_by_effort() -> None:
    need = P.alignment_need
    assert dyn.alignment({"cyber": need}, {"cyber": 2}, need) == pytest.approx(1.0)
    assert dyn.alignment({"cyber": 5 * need}, {"cyber": 2}, need) == pytest.approx(1.0)
    assert dyn.alignment({"cyber": 1}, {"terrorism": 1}, need) == 0.0
    half = {"cyber": 1, "terrorism": 1}
    assert dyn.alignment({"cyber": need / 2}, half, need) == pytest.approx(0.25)
    assert dyn.alignment({}, {"terrorism": 1}, need) == 0.0


profiles = st.dictionaries(st.sampled_from(THREAT_KINDS), st.floats(0, 1), max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    contributions=st.lists(st.tuples(profiles, st.floats(0, 2)), max_size=5),
    extra=st.tuples(profiles, st.floats(0, 2)),
    priorities=profiles,
    need=st.floats(0.05, 3),
)
def test_adding_any_initiatives_effort_never_lowers_alignment(
    contributions: list[tuple[dict[str, float], float]],
    extra: tuple[dict[str, float], float],
    priorities: dict[str, float],
    need: float,
) -> None:
    before = dyn.alignment(dyn.focus_of(contributions), priorities, need)
    after = dyn.alignment(dyn.focus_of([*contributions, extra]), priorities, need)
    assert 0.0 <= before <= after + 1e-12 <= 1.0 + 1e-9


def test_trust_threshold_gates_exercises_and_intelligence() -> None:
    assert not dyn.takes_part(0.34, 0.35)
    assert dyn.takes_part(0.35, 0.35)
    assert dyn.intel_bonus(0.4, [(0.5, 0.25)]) == 0.0
    assert dyn.intel_bonus(0.6, [(0.5, 0.25), (0.7, 0.1)]) == 0.25


def test_threat_rate_modulation() -> None:
    base = dyn.rate_multiplier(0.0, 1.0, 0.0, P)
    assert base == 1.0
    assert dyn.rate_multiplier(1.0, 1.0, 0.0, P) > base
    assert dyn.rate_multiplier(0.0, 0.0, 0.0, P) > base
    assert dyn.rate_multiplier(0.0, 1.0, 0.5, P) == pytest.approx(0.5)
    assert dyn.rate_multiplier(1.0, 0.0, 0.0, P) == pytest.approx(dyn.max_rate_multiplier(P))


def test_presence_deters_armed_threats_not_cyber_or_disinformation() -> None:
    coeffs = default_threat_coefficients()
    for kind in ("terrorism", "insurgency", "proliferation"):
        assert coeffs[kind].deterrence_weight == 1.0
    for kind in ("cyber", "disinformation"):
        assert coeffs[kind].deterrence_weight == 0.0
    assert coeffs["disinformation"].footprint_amplification > 0


def resolve(c: ThreatCoefficients, draw: float, **kw: float) -> dyn.Impact:
    args = {"capacity": 0.0, "resilience": 0.0, "intel": 0.0, "comm": 0.0, "amplification": 0.0}
    args.update(kw)
    return dyn.resolve_incident(c, 0.5, draw, p=P, **args)


def test_incident_interdiction_and_harm() -> None:
    coeffs = default_threat_coefficients()
    terror = coeffs["terrorism"]
    stopped = resolve(terror, 0.1, capacity=0.8)
    assert stopped.outcome == "interdicted" and stopped.stability == 0 and stopped.harm == 0
    hit = resolve(terror, 0.99, capacity=0.8)
    assert hit.outcome == "succeeded" and hit.harm == 0.5
    assert hit.stability == pytest.approx(-terror.stability_harm * 0.5)
    # Intelligence raises the interdiction probability.
    assert dyn.interdiction_probability(terror, 0.3, 0, 0.25, P) > (
        dyn.interdiction_probability(terror, 0.3, 0, 0.0, P)
    )
    # Resilience matters for cyber, not for terrorism.
    cyber = coeffs["cyber"]
    assert dyn.interdiction_probability(cyber, 0.1, 0.9, 0, P) > (
        dyn.interdiction_probability(cyber, 0.1, 0.1, 0, P)
    )
    assert dyn.interdiction_probability(terror, 0.1, 0.9, 0, P) == (
        dyn.interdiction_probability(terror, 0.1, 0.1, 0, P)
    )


def test_strategic_communication_counters_incidents_that_get_through() -> None:
    disinfo = default_threat_coefficients()["disinformation"]
    plain = resolve(disinfo, 0.5)
    assert plain.outcome == "succeeded" and plain.trust == pytest.approx(-0.06 * 0.5)
    # comm 0.6: the lower 60% of the draw (above interdiction) is countered, doing no harm.
    assert resolve(disinfo, 0.5, comm=0.6) == dyn.Impact("mitigated")
    assert resolve(disinfo, 0.7, comm=0.6).outcome == "succeeded"


@pytest.mark.parametrize("kind", [k for k in THREAT_KINDS if k != "terrorism"])
def test_every_kind_with_a_comm_weight_can_be_mitigated(kind: str) -> None:
    c = default_threat_coefficients()[kind]
    if c.comm_weight == 0:
        return
    outcomes = {resolve(c, d / 100, comm=1.0).outcome for d in range(100)}
    assert "mitigated" in outcomes


def test_footprint_amplifies_disinformation_harm() -> None:
    disinfo = default_threat_coefficients()["disinformation"]
    plain = resolve(disinfo, 0.99)
    amplified = resolve(disinfo, 0.99, amplification=0.5)
    assert amplified.harm == pytest.approx(0.5 * (1 + disinfo.footprint_amplification * 0.5))
    assert amplified.trust < plain.trust


def test_proliferation_raises_tension() -> None:
    prolif = default_threat_coefficients()["proliferation"]
    assert resolve(prolif, 0.99).tension > 0


@settings(max_examples=200, deadline=None)
@given(
    s=st.builds(dyn.PartnerState, unit, unit, unit, unit, unit),
    baseline=unit,
    sensitivity=unit,
    f=st.builds(dyn.Pressures, st.floats(0, 5), st.floats(0, 5), unit, unit, unit, st.floats(0, 3)),
)
def test_drift_stays_in_unit_interval(
    s: dyn.PartnerState, baseline: float, sensitivity: float, f: dyn.Pressures
) -> None:
    new = dyn.drift(s, baseline, sensitivity, f, P)
    assert all(0.0 <= v <= 1.0 for v in new)
    learned = dyn.learn_baseline(baseline, f.engagement, sensitivity, P)
    assert 0.0 <= learned <= 1.0


@settings(max_examples=200, deadline=None)
@given(value=unit, delta=st.floats(-5, 5), eff=st.floats(0, 2), gain=unit)
def test_updates_stay_in_unit_interval(value: float, delta: float, eff: float, gain: float) -> None:
    assert 0 <= dyn.apply_delta(value, delta, None) <= 1
    assert 0 <= dyn.converge(value, eff, gain) <= 1
    assert 0 <= dyn.train(value, eff, gain, gain, value) <= 1
    assert 0 <= dyn.drift_tension(value, gain, eff, P) <= 1


def test_cyber_attacks_that_get_through_wear_down_resilience() -> None:
    coeffs = default_threat_coefficients()
    hit = resolve(coeffs["cyber"], 0.99)
    assert hit.outcome == "succeeded"
    assert hit.resilience == pytest.approx(-coeffs["cyber"].resilience_harm * 0.5) != 0
    assert resolve(coeffs["terrorism"], 0.99).resilience == 0
    assert resolve(coeffs["cyber"], 0.0, capacity=0.9, resilience=0.9).resilience == 0
