"""The random sources beyond threats: political events, programme effect and cost, rival drift.

Each source can be switched off to give back the deterministic core; each one
on makes trust and cooperation vary across replications; each draws from its
own stream the same numbers whatever the policy (common random numbers).
"""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import base_data
from sim.errors import InputError
from sim.model import politics as pol
from sim.model.engine import Replication, ReplicationResult, simulate
from sim.model.plan import Plan, compile_plan
from sim.model.streams import replication_seed
from sim.model.uncertainty import POLITICAL, Sources
from sim.scenario.loader import load_scenario, loads_scenario
from sim.scenario.models import Scenario
from sim.scenario.uncertainty import MAX_POLITICAL_RISK, UncertaintySettings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("counter_proliferation", "core_vs_local_priorities")
SHIPPED = tuple(sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")))
OFF = UncertaintySettings(enabled=False)
ONLY: dict[str, dict[str, Any]] = {
    "political": {
        "programme_sd": 0.0,
        "overrun_probability": 0.0,
        "rival_drift": {"enabled": False},
    },
    "programme": {
        "political_events": {"enabled": False},
        "overrun_probability": 0.0,
        "rival_drift": {"enabled": False},
    },
    "overrun": {
        "political_events": {"enabled": False},
        "programme_sd": 0.0,
        "rival_drift": {"enabled": False},
    },
    "rival": {
        "political_events": {"enabled": False},
        "programme_sd": 0.0,
        "overrun_probability": 0.0,
    },
}
EACH_OFF = {
    "political_events": {"enabled": False},
    "programme_sd": 0.0,
    "overrun_probability": 0.0,
    "rival_drift": {"enabled": False},
}


def shipped(name: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml")


def with_settings(plan: Plan, settings: UncertaintySettings | dict[str, Any]) -> Plan:
    if isinstance(settings, dict):
        settings = UncertaintySettings.model_validate(settings)
    return dataclasses.replace(plan, uncertainty=settings)


def run(plan: Plan, reps: int = 8, seed: int = 11) -> list[ReplicationResult]:
    return [simulate(plan, replication_seed(seed, k)) for k in range(reps)]


def same(a: ReplicationResult, b: ReplicationResult) -> bool:
    return a.kpis == b.kpis and a.log == b.log and a.series.tobytes() == b.series.tobytes()


def political(r: ReplicationResult) -> list[Any]:
    return [e for e in r.log if e.kind == POLITICAL]


# --------------------------------------------------------------------------- switches


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_source_switched_off_is_the_deterministic_core(name: str) -> None:
    plan = compile_plan(shipped(name))
    core = run(with_settings(plan, OFF), reps=3)
    each_off = run(with_settings(plan, EACH_OFF), reps=3)
    master_off = run(with_settings(plan, {**EACH_OFF, "enabled": False}), reps=3)
    master_over_defaults = run(with_settings(plan, {"enabled": False, "programme_sd": 0.9}), reps=3)
    for a, b, c, d in zip(core, each_off, master_off, master_over_defaults, strict=True):
        assert same(a, b) and same(a, c) and same(a, d)
        assert not political(a)


def without_threats(scenario: Scenario) -> Scenario:
    """The scenario with every threat's rate at 0 (its id stays, so a lever on it still loads)."""
    quiet = [t.model_copy(update={"rate": 0.0}) for t in scenario.threats]
    return scenario.model_copy(update={"threats": quiet})


@pytest.mark.parametrize("name", SHIPPED)
def test_without_threats_and_uncertainty_nothing_is_left_to_chance(name: str) -> None:
    # Threats are the deterministic core's only chance: conditional injects may
    # hang on incidents, so with threats on even trust may vary.
    plan = compile_plan(without_threats(shipped(name)))
    core = run(with_settings(plan, OFF), reps=3)
    assert all(same(core[0], r) for r in core[1:])
    assert not all(same(a, b) for a, b in zip(core, run(plan, reps=3), strict=True))


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("source", ["political", "programme", "rival"])
def test_each_source_makes_trust_and_cooperation_vary(name: str, source: str) -> None:
    if source == "rival" and not shipped(name).rivals:
        pytest.skip("no rival in this scenario")
    results = run(with_settings(compile_plan(shipped(name)), ONLY[source]))
    for kpi in ("final_trust", "final_cooperation"):
        assert statistics.stdev(r.kpis[kpi] for r in results) > 1e-4, kpi


@pytest.mark.parametrize("name", SCENARIOS)
def test_overruns_make_cost_vary(name: str) -> None:
    plan = compile_plan(shipped(name))
    results = run(with_settings(plan, ONLY["overrun"]))
    core = run(with_settings(plan, OFF), reps=1)[0]
    costs = [r.kpis["cost"] for r in results]
    assert statistics.stdev(costs) > 0
    assert min(costs) >= core.kpis["cost"] - 1e-9  # an overrun never makes a cycle cheaper


def test_defaults_are_on_and_the_scenario_block_switches_them_off() -> None:
    assert compile_plan(shipped("counter_proliferation")).uncertainty.political_on
    data = base_data(uncertainty={"enabled": False})
    plan = compile_plan(Scenario.model_validate(data))
    assert not (plan.uncertainty.political_on or plan.uncertainty.programme_on)
    assert not (plan.uncertainty.overrun_on or plan.uncertainty.rival_on)


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_same_result_other_seed_differs() -> None:
    plan = compile_plan(shipped("core_vs_local_priorities"))
    a, b = simulate(plan, 123), simulate(plan, 123)
    assert same(a, b)
    assert not same(a, simulate(plan, 124))


@pytest.mark.parametrize("name", SCENARIOS)
def test_political_events_are_the_same_whatever_the_policy(name: str) -> None:
    scenario = shipped(name)
    logs = [
        [political(r) for r in run(compile_plan(scenario, p.id), reps=4)] for p in scenario.policies
    ]
    assert any(any(log) for log in logs[0])
    assert all(log == logs[0] for log in logs[1:])


def test_programme_and_overrun_draws_are_the_same_whatever_the_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lever that switches a programme off (or starves the budget) leaves every draw in place."""
    seen: list[tuple[str, Any]] = []
    cycle_draws = Sources.cycle_draws

    def recording(self: Sources, ini: Any) -> Any:
        draw = cycle_draws(self, ini)

        def record() -> Any:
            out = draw()
            seen.append((ini.id, out))
            return out

        return record

    monkeypatch.setattr(Sources, "cycle_draws", recording)
    scenario = shipped("counter_proliferation")
    draws = []
    for policy in scenario.policies:
        seen.clear()
        simulate(compile_plan(scenario, policy.id), 99)
        draws.append(sorted(seen, key=lambda x: x[0]))
    assert draws[0] and all(d == draws[0] for d in draws[1:])


def test_threat_candidates_stay_aligned_with_every_source_on() -> None:
    scenario = shipped("counter_proliferation")
    # Stability differs between policies, so accepted incidents may differ; the
    # uncertainty sources must not shift the threat streams themselves.
    a = simulate(with_settings(compile_plan(scenario), OFF), 5)
    b = simulate(compile_plan(scenario), 5)
    assert a.events == b.events


# --------------------------------------------------------------------------- political risk


def _risk_scenario(effect: dict[str, Any] | None) -> Scenario:
    injects = []
    if effect is not None:
        injects = [{"id": "election", "title": "Election year", "at": 1, "effects": [effect]}]
    return Scenario.model_validate(
        base_data(
            horizon=60, injects=injects, uncertainty={"political_events": {"risk_decay": 0.0}}
        )
    )


def test_an_inject_raising_political_risk_raises_event_counts_paired() -> None:
    base = compile_plan(_risk_scenario(None))
    raised = compile_plan(_risk_scenario({"target": "alpha.political_risk", "delta": 2.0}))
    pairs = [
        (len(political(simulate(base, s))), len(political(simulate(raised, s))))
        for s in (replication_seed(3, k) for k in range(20))
    ]
    # Same candidates, higher acceptance: never fewer events, more in total.
    assert all(hi >= lo for lo, hi in pairs)
    assert sum(hi for _, hi in pairs) > 1.5 * sum(lo for lo, _ in pairs)


def test_political_risk_at_zero_silences_events_and_every_partner_target_works() -> None:
    quiet = compile_plan(_risk_scenario({"target": "partners.political_risk", "set": 0.0}))
    for k in range(10):
        assert not [e for e in political(simulate(quiet, k)) if e.time > 1]


def test_political_risk_fades_back_to_one() -> None:
    scenario = _risk_scenario({"target": "alpha.political_risk", "set": 4.0})
    plan = with_settings(compile_plan(scenario), {"political_events": {"risk_decay": 0.5}})
    sources = Sources(plan, 1)
    sources.apply(plan.injects[0].effects)
    assert sources.risk == [4.0]
    from sim.model.world import World

    world = World(plan)
    for m in range(1, 30):
        sources.month(world, m)
    assert sources.risk[0] == pytest.approx(1.0, abs=1e-6)


def test_political_risk_is_an_effect_target_only_for_partners() -> None:
    text = _risk_yaml("alpha.political_risk")
    assert loads_scenario(text).injects[0].effects[0].target == "alpha.political_risk"
    with pytest.raises(InputError, match="political_risk"):
        loads_scenario(_risk_yaml("nato.political_risk"))


def _risk_yaml(target: str) -> str:
    return f"""
id: risk
title: Risk
sources: [Political sensitivities and regional complexities]
horizon: 24
partners:
  - {{id: alpha, name: Alpha, capacity: 0.3, trust: 0.5, cooperation: 0.4,
      stability: 0.5, resilience: 0.3}}
policies: [{{id: none}}]
injects:
  - id: election
    title: Election
    at: 3
    effects: [{{target: {target}, delta: 1.0}}]
"""


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("{programme_sd: 2.0}", "programme_sd"),
        ("{politcal_events: {}}", "politcal_events"),
        ("{political_events: {rates: {coup: 0.1}}}", "coup"),
        ("{rival_drift: {volatility: -1}}", "volatility"),
        ("{enabled: 'no'}", "enabled"),
    ],
)
def test_bad_settings_are_clear_errors(block: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as info:
        loads_scenario(_risk_yaml("alpha.trust") + f"uncertainty: {block}\n")
    assert "uncertainty" in str(info.value)


# --------------------------------------------------------------------------- pure functions


def test_lognormal_has_mean_one_and_the_given_sd() -> None:
    n = 20_000
    normal = statistics.NormalDist()
    values = [pol.lognormal(normal.inv_cdf((k + 0.5) / n), 0.25) for k in range(n)]
    assert statistics.fmean(values) == pytest.approx(1.0, abs=1e-3)
    assert statistics.pstdev(values) == pytest.approx(0.25, abs=5e-3)
    assert pol.lognormal(0.3, 0.0) == 1.0


def test_overrun_multiplier() -> None:
    assert pol.overrun(0.5, 0.1, 0.3) == 1.0
    assert pol.overrun(0.0, 0.1, 0.3) == pytest.approx(1.15)
    assert pol.overrun(0.05, 0.1, 0.3) == pytest.approx(1.3)
    assert pol.overrun(0.0999999, 0.1, 0.3) == pytest.approx(1.45)
    assert pol.overrun(0.0, 0.0, 0.3) == 1.0


def test_rival_step_reverts_reacts_and_clips() -> None:
    assert pol.rival_step(0.3, 0.1, 0.4, 0.4, 0.0, 0.02, 0.1, 0.2) == pytest.approx(0.28)
    pushed = pol.rival_step(0.1, 0.1, 0.9, 0.4, 0.0, 0.02, 0.1, 0.2)
    assert pushed == pytest.approx(0.1 + 0.1 * 0.2 * 0.5)
    assert pol.rival_step(0.01, 0.01, 0.4, 0.4, -5.0, 0.5, 0.1, 0.2) == 0.0


def test_shocks() -> None:
    start = pol.Politics(0.9, 0.5, 0.6, 0.8, 0.5, 1.0)
    change = pol.apply_shock(start, pol.shock("government_change", 1.0, 1.0))
    assert change.trust == pytest.approx(0.9 + 0.3 * (0.5 - 0.9))
    assert change.baseline_trust == pytest.approx(0.8 + 0.2 * (0.5 - 0.8))
    assert change.sensitivity == pytest.approx(0.6)
    protest = pol.apply_shock(start, pol.shock("protest_wave", 0.5, 1.0))
    assert protest.stability == pytest.approx(0.55) and protest.cooperation == pytest.approx(0.47)
    crisis = pol.apply_shock(start, pol.shock("economic_crisis", 0.5, 1.0))
    assert crisis.absorption == pytest.approx(0.7)
    assert pol.shock("contested_election", 0.5, 0.0) == pol.Shock()
    with pytest.raises(ValueError, match="coup"):
        pol.shock("coup", 0.5, 1.0)


def test_thinning_and_pick() -> None:
    assert pol.accepts(0.1, 1.0) and not pol.accepts(0.3, 1.0)
    assert pol.accepts(0.99, MAX_POLITICAL_RISK) and not pol.accepts(0.0, 0.0)
    assert [pol.pick(u, [1.0, 0.0, 3.0], 4.0) for u in (0.1, 0.3, 0.99)] == [0, 2, 2]
    assert pol.set_risk(4.0, 3.0, None) == MAX_POLITICAL_RISK
    assert pol.set_risk(1.0, None, -1.0) == 0.0
    assert pol.toward_one(3.0, 0.25) == pytest.approx(2.5)


@settings(max_examples=25)
@given(
    scale=st.floats(0, 3),
    rate=st.floats(0, 1),
    sd=st.floats(0, 1),
    overrun_p=st.floats(0, 1),
    overrun_size=st.floats(0, 5),
    volatility=st.floats(0, 0.5),
    reaction=st.floats(0, 2),
    seed=st.integers(0, 2**32),
)
def test_state_stays_in_unit_interval_whatever_the_settings(
    scale: float,
    rate: float,
    sd: float,
    overrun_p: float,
    overrun_size: float,
    volatility: float,
    reaction: float,
    seed: int,
) -> None:
    data = base_data(
        rivals=[{"id": "rival", "name": "Rival", "influence": {"alpha": 0.3}}],
        uncertainty={
            "political_events": {"scale": scale, "rates": {"protest_wave": rate}},
            "programme_sd": sd,
            "overrun_probability": overrun_p,
            "overrun_size": overrun_size,
            "rival_drift": {"volatility": volatility, "reaction": reaction},
        },
    )
    plan = compile_plan(Scenario.model_validate(data), "full")
    replication = Replication(plan, seed)
    result = replication.run()
    partner_columns = result.series[:, :-2]  # all but funds and spending
    assert ((partner_columns >= 0) & (partner_columns <= 1)).all()
    assert (result.series[:, -2] >= 0).all()
    assert all(0 <= v <= 1 for row in replication.world.influence_of for v in row)
    sources = replication.sources
    assert all(0 <= v <= 1 for v in (*sources.baseline_trust, *sources.sensitivity))
    assert all(0 < a <= 1 for a in sources.absorption)
