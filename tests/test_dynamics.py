"""The pure update functions, one mechanic at a time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import dynamics as dyn
from sim.scenario.params import ModelParameters, default_threat_coefficients

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


def test_capacity_erodes_without_training() -> None:
    assert dyn.drift(state(capacity=0.5), 0.5, 0.5, dyn.Pressures(), P).capacity == (
        pytest.approx(0.5 * (1 - P.capacity_decay))
    )


def test_training_has_diminishing_returns() -> None:
    low = dyn.train(0.2, 1.0, 0.1, 1.0, 1.0) - 0.2
    high = dyn.train(0.8, 1.0, 0.1, 1.0, 1.0) - 0.8
    assert low == pytest.approx(4 * high)
    assert dyn.effective_intensity(2.0, 0.7) < 2 * dyn.effective_intensity(1.0, 0.7)
    assert dyn.effective_intensity(0.0, 0.7) == 0.0


def test_training_scales_with_absorption_and_cooperation() -> None:
    assert dyn.train(0.3, 1, 0.1, 0.2, 0.5) < dyn.train(0.3, 1, 0.1, 0.8, 0.5)
    assert dyn.train(0.3, 1, 0.1, 0.5, 0.0) < dyn.train(0.3, 1, 0.1, 0.5, 1.0)


def test_alignment_is_overlap_of_focus_and_priorities() -> None:
    assert dyn.alignment({"cyber": 1}, {"cyber": 2}) == pytest.approx(1.0)
    assert dyn.alignment({"cyber": 1}, {"terrorism": 1}) == 0.0
    assert dyn.alignment({"cyber": 1, "terrorism": 1}, {"terrorism": 1}) == pytest.approx(0.5)
    assert dyn.alignment({}, {"terrorism": 1}) == 0.0


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


def test_incident_interdiction_and_harm() -> None:
    coeffs = default_threat_coefficients()
    terror = coeffs["terrorism"]
    stopped = dyn.resolve_incident(terror, 0.5, 0.1, 0.8, 0.0, 0.0, 0.0, P)
    assert stopped.outcome == "interdicted" and stopped.stability == 0
    hit = dyn.resolve_incident(terror, 0.5, 0.99, 0.8, 0.0, 0.0, 0.0, P)
    assert hit.outcome == "succeeded"
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


def test_strategic_communication_mitigates_disinformation() -> None:
    disinfo = default_threat_coefficients()["disinformation"]
    plain = dyn.resolve_incident(disinfo, 0.5, 0.99, 0, 0, 0, 0.0, P)
    countered = dyn.resolve_incident(disinfo, 0.5, 0.99, 0, 0, 0, 0.6, P)
    assert plain.outcome == "succeeded" and countered.outcome == "mitigated"
    assert countered.trust == pytest.approx(0.4 * plain.trust)


def test_proliferation_raises_tension() -> None:
    prolif = default_threat_coefficients()["proliferation"]
    assert dyn.resolve_incident(prolif, 0.5, 0.99, 0, 0, 0, 0, P).tension > 0


@settings(max_examples=200, deadline=None)
@given(
    s=st.builds(dyn.PartnerState, unit, unit, unit, unit, unit),
    baseline=unit,
    sensitivity=unit,
    f=st.builds(dyn.Pressures, st.floats(0, 5), st.floats(0, 5), unit, unit, unit),
)
def test_drift_stays_in_unit_interval(
    s: dyn.PartnerState, baseline: float, sensitivity: float, f: dyn.Pressures
) -> None:
    new = dyn.drift(s, baseline, sensitivity, f, P)
    assert all(0.0 <= v <= 1.0 for v in new)


@settings(max_examples=200, deadline=None)
@given(value=unit, delta=st.floats(-5, 5), eff=st.floats(0, 2), gain=unit)
def test_updates_stay_in_unit_interval(value: float, delta: float, eff: float, gain: float) -> None:
    assert 0 <= dyn.apply_delta(value, delta, None) <= 1
    assert 0 <= dyn.converge(value, eff, gain) <= 1
    assert 0 <= dyn.train(value, eff, gain, gain, value) <= 1
    assert 0 <= dyn.drift_tension(value, gain, eff, delta / 10, P) <= 1


def test_cyber_attacks_that_get_through_wear_down_resilience() -> None:
    coeffs = default_threat_coefficients()
    hit = dyn.resolve_incident(coeffs["cyber"], 0.5, 0.99, 0.0, 0.0, 0.0, 0.0, P)
    assert hit.outcome == "succeeded"
    assert hit.resilience == pytest.approx(-coeffs["cyber"].resilience_harm * 0.5) != 0
    assert dyn.resolve_incident(coeffs["terrorism"], 0.5, 0.99, 0, 0, 0, 0, P).resilience == 0
    assert dyn.resolve_incident(coeffs["cyber"], 0.5, 0.0, 0.9, 0.9, 0, 0, P).resilience == 0
