"""What the engine's shortcuts give is what the plain computation gives, to the bit.

The threat loop writes the rate multiplier, the incident's outcome and harm and the
harm deltas out (``dynamics.*_for`` hold the equations), the cycle draws are
specialised by kind (a kind whose effect does not vary draws only its overrun), and
:func:`sim.model.engine.kpis` takes every column's mean in one call; each is checked
here against the plain computation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Generator
from heapq import heappush
from itertools import repeat
from math import exp
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from simpy.events import NORMAL

from sim.model import dynamics as dyn
from sim.model import politics as pol
from sim.model.engine import Replication
from sim.model.plan import LEVER_MAX, ThreatPlan, compile_plan
from sim.model.streams import Betas, Normals, Uniforms, block_for, served
from sim.model.uncertainty import SMALL_BLOCK, VARYING_KINDS, Sources
from sim.model.world import Event
from sim.scenario.loader import load_scenario
from sim.scenario.uncertainty import UncertaintySettings
from sim.scenario.vocabulary import (
    ALL_INCIDENTS,
    ATTEMPTED,
    OUTCOMES,
    PARTNER_VARS,
    PER_PARTNER_VARS,
    harm_name,
    incident_name,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


@settings(max_examples=25, deadline=None)
@given(
    probability=st.floats(0.0, 1.0),
    size=st.floats(0.0, 5.0),
    sd=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**63 - 1),
)
def test_cycle_draws_are_the_named_functions_of_the_streams(
    probability: float, size: float, sd: float, seed: int
) -> None:
    scenario = load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml")
    plan = compile_plan(scenario, None)
    u = UncertaintySettings.model_validate(
        {"overrun_probability": probability, "overrun_size": size, "programme_sd": sd}
    )
    plan = dataclasses.replace(plan, uncertainty=u)
    sources = Sources(plan, seed)
    # An absorption lost to an economic crisis scales every partner's multiplier.
    sources.absorption = [0.7] * len(plan.partner_ids)
    mu, sigma = pol.lognormal_params(sd)
    for ini in plan.initiatives:
        draws = sources.cycle_draws(ini)
        overruns = Uniforms(seed, f"overrun:{ini.id}", SMALL_BLOCK)
        normals = {
            i: Normals(seed, f"programme:{ini.id}:{plan.partner_ids[i]}", SMALL_BLOCK)
            for i in ini.partners
        }
        for _ in range(70):  # past a block of the streams
            varies, overrun = draws()
            if ini.kind in VARYING_KINDS:
                expected = [0.7] * len(plan.partner_ids)
                if u.programme_on:
                    for i in ini.partners:
                        expected[i] *= exp(mu + sigma * normals[i]())
                assert varies == expected
            else:
                assert varies is None
            want = pol.overrun(overruns(), probability, size) if u.overrun_on else 1.0
            assert overrun == want


def _kpis(plan: Any, world: Any, series: np.ndarray) -> dict[str, float]:
    """kpis() as first written: one mean per column."""
    out: dict[str, float] = {}
    final, months = series[-1], series[1:]
    for j, var in enumerate(PARTNER_VARS):
        out[f"final_{var}"] = float(final[j])
        out[f"mean_{var}"] = float(months[:, j].mean())
    for i, pid in enumerate(plan.partner_ids):
        for var in PER_PARTNER_VARS:
            out[f"{pid}.final_{var}"] = float(getattr(world, var)[i])
    for k, r in enumerate(plan.rivalries):
        out[f"{r.id}.final_tension"] = float(world.tension[k])
    out.update((name, float(value)) for name, value in world.tally.items())
    out["cost"] = float(world.spent)
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_kpis_are_the_column_by_column_values(name: str) -> None:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    for policy in scenario.policies[:2]:
        plan = compile_plan(scenario, policy.id)
        for seed in (1, 2):
            rep = Replication(plan, seed)
            result = rep.run()
            expected = _kpis(plan, rep.world, result.series)
            assert list(result.kpis.items()) == list(expected.items())
            assert all(type(v) is float for v in result.kpis.values())


class _Reference(Replication):
    """The engine with the threat loop calling the named equations
    (``dynamics.rate_multiplier_for``, ``resolver_for``, ``harm_deltas_for``, ``clip``),
    as it was before they were written out in it."""

    def threat(self, t: ThreatPlan, target: int) -> Generator[simpy.Event, Any, None]:
        plan, world, p = self.plan, self.world, self.plan.params
        # A red lever scales the rate up to LEVER_MAX: thin from the highest rate it allows.
        top = dyn.max_rate_multiplier(p) * (LEVER_MAX if t.lever else 1.0)
        rate_max = t.rate * top
        if rate_max <= 0:
            return
        pid = plan.partner_ids[target]
        # Speed: blocks sized to the candidates expected (a beta draw is dear).
        expected = rate_max * (t.end - t.start)
        draw = Uniforms(self.seed, f"threat:{t.id}:{pid}", block_for(expected, 3))
        severity = Betas(
            self.seed,
            f"severity:{t.id}:{pid}",
            t.severity_mean,
            t.severity_sd,
            block_for(expected),
        )
        env = self.env
        wake = env.timeout(t.start)
        yield wake
        queue, eid = env._queue, env._eid  # see _rearm
        # Speed: this loop runs for every candidate arrival, so it reads locals and
        # serves its draws from lists (the streams' own values in their order). The
        # partner-state lists are updated in place, never rebound; footprint,
        # deterrence, comm and intel_sources are rebound by World.refresh, so they
        # are read from ``world`` each time. Sensitivity is the sources' (a
        # government change shifts it), as in drift.
        end, tid, deters, lever = t.end, t.id, t.coeffs.deterrence_weight, t.lever
        multiplier = dyn.rate_multiplier_for(p)
        resolve = dyn.resolver_for(t.coeffs, p)
        deltas = dyn.harm_deltas_for(t.coeffs)
        stability, trust, capacity = world.stability, world.trust, world.capacity
        resilience, tension, levers = world.resilience, world.tension, world.levers
        tally, log, sensitivity = world.tally, world.log, self.sources.sensitivity
        exposing = world.exposing[target]
        only = exposing[0] if len(exposing) == 1 else None
        clip, intel_bonus, log_ = dyn.clip, dyn.intel_bonus, math.log
        new_tuple = tuple.__new__  # an Event without its Python-level __new__: half the cost
        # The tally's keys per outcome, for this kind and for the total (condition/KPI names).
        counted = {o: (incident_name(t.kind, o), incident_name(ALL_INCIDENTS, o)) for o in OUTCOMES}
        kind_tried = incident_name(t.kind, ATTEMPTED)
        all_tried = incident_name(ALL_INCIDENTS, ATTEMPTED)
        kind_harm, all_harm = harm_name(t.kind), harm_name(ALL_INCIDENTS)
        # Each candidate draws (wait, accept, resolve) from ``draw`` and one severity;
        # the triples are taken from the stream's blocks in order, a partial one carried.
        fixed = severity.constant
        next_severity = repeat(fixed).__next__ if fixed is not None else served(severity.more)
        # SimPy resumes a timeout at the time it was made plus its delay: keep the sum here.
        now, carried = env.now, list[float]()
        while True:
            block = carried + draw.more()
            whole = len(block) - len(block) % 3
            carried = block[whole:]
            triples = iter(block[:whole])
            for first, accept, chance in zip(triples, triples, triples, strict=True):
                wait = -log_(1.0 - first) / rate_max
                sev = next_severity()
                # _rearm written out: the next candidate's wake-up, as env.timeout(wait).
                now = now + wait
                wake.callbacks, wake._delay = [], wait
                heappush(queue, (now, NORMAL, next(eid), wake))
                yield wake
                if now >= end:
                    return
                if only is not None:
                    exposure = tension[only]
                else:
                    exposure = max((tension[k] for k in exposing), default=0.0)
                mult = multiplier(exposure, stability[target], world.deterrence[target] * deters)
                if lever:
                    mult *= levers.get(lever, 1.0)
                if accept * top >= mult:
                    continue
                sources = world.intel_sources[target]
                outcome, harm = resolve(
                    sev,
                    chance,
                    capacity[target],
                    resilience[target],
                    intel_bonus(trust[target], sources) if sources else 0,
                    world.comm[target],
                    world.footprint[target] * sensitivity[target],
                )
                kind_key, total_key = counted[outcome]
                tally[kind_key] += 1
                tally[total_key] += 1
                tally[kind_tried] += 1
                tally[all_tried] += 1
                log.append(new_tuple(Event, (now, "incident", tid, pid, outcome)))
                if not harm:
                    continue
                tally[kind_harm] += harm
                tally[all_harm] += harm
                d_stability, d_trust, d_capacity, d_resilience, d_tension = deltas(harm)
                stability[target] = clip(stability[target] + d_stability)
                trust[target] = clip(trust[target] + d_trust)
                capacity[target] = clip(capacity[target] + d_capacity)
                resilience[target] = clip(resilience[target] + d_resilience)
                if d_tension:
                    world.raise_tension_around(target, d_tension)


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_threat_loop_is_the_named_equations(name: str) -> None:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    for policy in scenario.policies:
        plan = compile_plan(scenario, policy.id)
        for seed in (3, 4):
            got, want = Replication(plan, seed).run(), _Reference(plan, seed).run()
            assert got.log == want.log and got.events == want.events
            assert got.kpis == want.kpis and got.series.tobytes() == want.series.tobytes()


def _plain_month(sources: Sources, world: Any, m: int) -> None:
    """``Sources.month`` as the named functions compute it (the reference)."""
    decay = sources.settings.political_events.risk_decay
    if sources._risk_raised:
        sources.risk = [pol.toward_one(r, decay) for r in sources.risk]
        sources._risk_raised = sources.risk != sources._ones
    if sources._absorption_lost:
        recovery = pol.ABSORPTION_RECOVERY
        sources.absorption = [pol.toward_one(a, recovery) for a in sources.absorption]
        sources._absorption_lost = sources.absorption != sources._ones
    d = sources.settings.rival_drift
    step = pol.rival_step_for(d.volatility, d.reversion, d.reaction)
    for r, i, initial, normals in sources._rival:
        row = world.influence_of[r]
        row[i] = step(row[i], initial, world.cooperation[i], sources._coop0[i], normals())
    max_rate = sources._max_rate
    for i, (stream, upcoming) in enumerate(sources._political):
        while upcoming[0] <= m:
            kind_draw, accept, shape = stream(), stream(), stream()
            upcoming[0] += -math.log(1.0 - stream()) / max_rate
            if pol.accepts(accept, sources.risk[i]):
                kind = pol.pick(kind_draw, sources._rates, sources._total)
                sources._event(world, i, m, kind, shape)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    scenario=st.sampled_from(SCENARIOS),
    risk=st.floats(0.0, 3.0),
    absorption=st.floats(0.1, 1.0),
    coop=st.floats(0.0, 1.0),
    influence=st.floats(0.0, 1.0),
    volatility=st.floats(0.0, 2.0),
)
def test_the_sources_month_is_the_named_functions(
    seed: int,
    scenario: str,
    risk: float,
    absorption: float,
    coop: float,
    influence: float,
    volatility: float,
) -> None:
    """Recoveries, rival drift (large volatilities reach both clips) and political
    candidates, written out in ``Sources.month``, against the named functions."""
    s = load_scenario(ROOT / "scenarios" / f"{scenario}.yaml")
    u = s.uncertainty
    u = u.model_copy(
        update={"rival_drift": u.rival_drift.model_copy(update={"volatility": volatility})}
    )
    plan = dataclasses.replace(compile_plan(s, None), uncertainty=u)
    worlds, sources = [], []
    for _ in range(2):
        rep = Replication(plan, seed)
        src, world = rep.sources, rep.world
        src.risk = [risk] * len(src.risk)
        src._risk_raised = True
        src.absorption = [absorption] * len(src.absorption)
        src._absorption_lost = absorption != 1.0
        world.cooperation[:] = [coop] * len(world.cooperation)
        for row in world.influence_of:
            row[:] = [influence if x > 0 else x for x in row]
        worlds.append(world)
        sources.append(src)
    for m in range(1, 25):
        sources[0].month(worlds[0], m)
        _plain_month(sources[1], worlds[1], m)
        a, b = sources
        assert (a.risk, a.absorption, a._risk_raised, a._absorption_lost) == (
            b.risk,
            b.absorption,
            b._risk_raised,
            b._absorption_lost,
        )
        assert worlds[0].influence_of == worlds[1].influence_of
        assert worlds[0].log == worlds[1].log
        assert (worlds[0].trust, worlds[0].stability) == (worlds[1].trust, worlds[1].stability)
