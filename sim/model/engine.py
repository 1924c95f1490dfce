"""One replication as a SimPy discrete-event simulation.

Processes stay thin: they decide *when* things happen and call the pure
functions of :mod:`sim.model.dynamics` for *what* happens, on the state of
:mod:`sim.model.world`; what an initiative does is its own plan class's
business (:mod:`sim.model.initiatives`).

* the monthly process (integer months): budget, drift, the month's
  political events and rival drift (:mod:`sim.model.uncertainty`), policy
  rules, injects and decisions, observation, objectives;
* one process per initiative: a cycle every ``cycle`` months, at mid-month
  (t = m + 0.5) so a cycle never races the monthly tick;
* one process per (threat, target): Poisson candidate arrivals at the
  maximum rate, thinned to the current modulated rate (Lewis-Shedler).

Every candidate arrival draws the same four numbers from its own stream
whatever happens to it, so two policies on one seed see the same candidates
(common random numbers); the uncertainty sources keep the same discipline
(each scheduled cycle draws its programme and overrun numbers first).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.model import dynamics as dyn
from sim.model.initiatives import InitiativePlan
from sim.model.plan import LEVER_MAX, EffectPlan, InjectPlan, Plan, ThreatPlan
from sim.model.streams import Betas, Uniforms
from sim.model.uncertainty import Sources
from sim.model.world import Event, World, series_names
from sim.scenario.uncertainty import POLITICAL_RISK
from sim.scenario.vocabulary import (
    ALL_INCIDENTS,
    ATTEMPTED,
    OUTCOMES,
    PARTNER_VARS,
    PER_PARTNER_VARS,
    harm_name,
    incident_name,
)

__all__ = [
    "Decider",
    "Event",
    "InjectPlan",
    "Replication",
    "ReplicationResult",
    "World",
    "default_decider",
    "kpis",
    "series_names",
    "simulate",
]

Decider = Callable[[InjectPlan, World], str]


@dataclass
class ReplicationResult:
    """What one replication produces; reports are built from these only."""

    seed: int
    kpis: dict[str, float]
    objectives: dict[str, bool]
    series: np.ndarray
    decisions: list[tuple[str, str, int]]
    log: list[Event] = field(default_factory=list)
    events: int = 0


class _Objectives:
    """Each objective's outcome so far, observed once a month.

    A ``by`` objective is met once its condition holds in a month up to its
    month; a ``throughout`` one fails once it does not hold in such a month;
    any other is judged at the horizon. Conditions are asked only while the
    answer can still change (in objective order, as trial probes expect).
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.state: dict[str, bool] = {o.id: o.check == "throughout" for o in plan.objectives}
        # (id, check, last month asked, condition); a month-less throughout runs to the end.
        self._checks = tuple(
            (
                o.id,
                o.check,
                (o.month or 0) if o.check == "by" else plan.horizon if o.month is None else o.month,
                o.condition,
            )
            for o in plan.objectives
        )

    def observe(self, world: World) -> None:
        m, state = world.month, self.state
        for oid, check, last, condition in self._checks:
            if check == "by":
                if not state[oid] and m <= last and condition(world):
                    state[oid] = True
            elif check == "throughout":
                if state[oid] and m <= last and not condition(world):
                    state[oid] = False
            elif m == self.plan.horizon:
                state[oid] = bool(condition(world))


def default_decider(plan: Plan) -> Decider:
    """Answer each decision from the policy, else the decision's default."""

    def decide(inject: InjectPlan, world: World) -> str:
        return plan.answers.get(inject.id, inject.default or inject.options[0].id)

    return decide


class Replication:
    """The SimPy processes of one replication over a shared :class:`World`."""

    def __init__(self, plan: Plan, seed: int, decider: Decider | None = None) -> None:
        self.plan = plan
        self.seed = seed
        self.env = simpy.Environment()
        self.world = World(plan)
        self.sources = Sources(plan, seed)
        # One baseline trust: engagement teaches it (world), government changes reset it (sources).
        self.sources.baseline_trust = self.world.baseline
        self.decide = decider or default_decider(plan)
        self.objectives = _Objectives(plan)
        self.rows: list[list[float]] = []
        self.fired: set[str] = set()
        self.timed: dict[int, list[InjectPlan]] = {}
        for inj in plan.injects:
            if inj.at is not None:
                self.timed.setdefault(inj.at, []).append(inj)
        self.conditional = [inj for inj in plan.injects if inj.when is not None]
        # Speed: the equations with their coefficients bound once per replication.
        p = plan.params
        self._partners = range(len(plan.partner_ids))
        self._drift = dyn.drift_for(p)
        self._learn = dyn.learn_baseline_for(p)
        self._drift_tension = dyn.drift_tension_for(p)

    def run(self) -> ReplicationResult:
        env = self.env
        env.process(self.monthly())
        for ini in self.plan.initiatives:
            env.process(self.initiative(ini))
        for threat in self.plan.threats:
            for target in threat.targets:
                env.process(self.threat(threat, target))
        env.run(until=self.plan.horizon + 0.75)
        events = next(env._eid)  # SimPy's running event id: events scheduled so far
        series = np.asarray(self.rows, dtype=np.float64)
        return ReplicationResult(
            seed=self.seed,
            kpis=kpis(self.plan, self.world, series),
            objectives=dict(self.objectives.state),
            series=series,
            decisions=list(self.world.decisions),
            log=self.world.log,
            events=events,
        )

    # -- processes ---------------------------------------------------------------
    def monthly(self) -> Generator[simpy.Event, Any, None]:
        plan, world = self.plan, self.world
        for m in range(plan.horizon + 1):
            if m:
                yield self.env.timeout(1)
            world.month = m
            world.funds += plan.budget
            if m:
                self.drift()
                self.sources.month(world, m)
            for rule in plan.rules:
                if rule.when(world):
                    world.set_levers(rule.levers)
            for inj in self.timed.get(m, ()):
                self.fire(inj)
            for inj in self.conditional:
                if inj.id not in self.fired and inj.when is not None and inj.when(world):
                    self.fire(inj)
            self.rows.append(world.row())
            self.objectives.observe(world)

    def drift(self) -> None:
        """One month of drift, every pressure taken from the state at the start of the month."""
        plan, world, sensitivity = self.plan, self.world, self.sources.sensitivity
        pressures = [world.pressures(i) for i in self._partners]
        cooperation = world.cooperation
        provocations = [
            sum(cooperation[i] for i in r.partner_sides) if r.rival_sides else 0.0
            for r in plan.rivalries
        ]
        capacity, trust, stability, resilience = (
            world.capacity,
            world.trust,
            world.stability,
            world.resilience,
        )
        baseline, initial, step, learn = (
            world.baseline,
            plan.baseline_trust,
            self._drift,
            self._learn,
        )
        for i, f in enumerate(pressures):
            capacity[i], trust[i], cooperation[i], stability[i], resilience[i] = step(
                capacity[i],
                trust[i],
                cooperation[i],
                stability[i],
                resilience[i],
                baseline[i],
                sensitivity[i],
                f.footprint,
                f.rival_influence,
                f.side_gap,
                f.alignment,
                f.exposure,
            )
            baseline[i] = learn(baseline[i], f.engagement, initial[i])
        tension, drift_tension = world.tension, self._drift_tension
        for k, r in enumerate(plan.rivalries):
            tension[k] = drift_tension(tension[k], r.tension, provocations[k])

    def fire(self, inj: InjectPlan) -> None:
        world = self.world
        self.fired.add(inj.id)
        world.log.append(Event(self.env.now, "inject", inj.id, detail=inj.title))
        self.apply(inj.effects)
        if inj.has_decision:
            choice = self.decide(inj, world)
            option = next((o for o in inj.options if o.id == choice), None)
            if option is None:
                raise ValueError(
                    f"decision at inject '{inj.id}' answered '{choice}', "
                    f"which is not one of its options"
                )
            self.apply(option.effects)
            world.set_levers(option.levers)
            world.decisions.append((inj.id, option.id, world.month))
            world.log.append(Event(self.env.now, "decision", inj.id, detail=option.id))

    def apply(self, effects: tuple[EffectPlan, ...]) -> None:
        """Apply inject or option effects; political risk is the uncertainty sources'."""
        self.world.apply(tuple(e for e in effects if e.target.var != POLITICAL_RISK))
        self.sources.apply(effects)

    def initiative(self, ini: InitiativePlan) -> Generator[simpy.Event, Any, None]:
        world, p = self.world, self.plan.params
        draws = self.sources.cycle_draws(ini)
        yield self.env.timeout(ini.start + 0.5)
        running, levers, env = world.running, world.levers, self.env
        while env.now < ini.end:
            intensity = levers.get(ini.id, 0.0)
            before = running.pop(ini.id, None)
            # Drawn every scheduled cycle, before anything policy-dependent (common random numbers).
            varies, overrun = draws()
            if intensity > 0:
                eff = dyn.effective_intensity(intensity, p.returns_exponent)
                self.cycle(ini, intensity, eff, varies, overrun)
            # Speed: pressures depend only on ``running``; skip when this cycle left it as it was.
            if running.get(ini.id) != before or world._pressure_key is None:
                world.refresh()
            yield env.timeout(ini.cycle)
        world.running.pop(ini.id, None)
        world.refresh()

    def cycle(
        self,
        ini: InitiativePlan,
        intensity: float,
        eff: float,
        varies: dict[int, float] | None = None,
        overrun: float = 1.0,
    ) -> None:
        """One paid cycle; ``varies`` scales its effect per partner, ``overrun`` its cost."""
        world, now = self.world, self.env.now
        members = ini.members(world, now)
        cost = ini.cost * intensity * len(members) * overrun
        if cost > world.funds + 1e-12:
            world.log.append(Event(now, "unfunded", ini.id, detail=f"{cost:.2f}"))
            return
        world.funds -= cost
        world.spent += cost
        participants = tuple(i for i in members if ini.takes_part(world, i, now))
        if not participants:
            return
        world.running[ini.id] = (intensity, eff, participants)
        for i in participants:
            ini.act(world, i, eff if varies is None else eff * varies[i], now)

    def threat(self, t: ThreatPlan, target: int) -> Generator[simpy.Event, Any, None]:
        plan, world, p = self.plan, self.world, self.plan.params
        # A red lever scales the rate up to LEVER_MAX: thin from the highest rate it allows.
        top = dyn.max_rate_multiplier(p) * (LEVER_MAX if t.lever else 1.0)
        rate_max = t.rate * top
        if rate_max <= 0:
            return
        pid = plan.partner_ids[target]
        draw = Uniforms(self.seed, f"threat:{t.id}:{pid}")
        severity = Betas(self.seed, f"severity:{t.id}:{pid}", t.severity_mean, t.severity_sd)
        env = self.env
        yield env.timeout(t.start)
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
        clip, intel_bonus, log_, timeout = dyn.clip, dyn.intel_bonus, math.log, env.timeout
        # The tally's keys per outcome, for this kind and for the total (condition/KPI names).
        counted = {o: (incident_name(t.kind, o), incident_name(ALL_INCIDENTS, o)) for o in OUTCOMES}
        kind_tried = incident_name(t.kind, ATTEMPTED)
        all_tried = incident_name(ALL_INCIDENTS, ATTEMPTED)
        kind_harm, all_harm = harm_name(t.kind), harm_name(ALL_INCIDENTS)
        # Each candidate draws (wait, accept, resolve) from ``draw`` and one severity.
        uniforms, u = draw.more(), 0
        fixed = severity.constant
        severities, v = ([], 0)
        while True:
            if u + 3 > len(uniforms):
                uniforms, u = uniforms[u:] + draw.more(), 0
            wait = -log_(1.0 - uniforms[u]) / rate_max
            accept, chance = uniforms[u + 1], uniforms[u + 2]
            u += 3
            if fixed is None:
                if v >= len(severities):
                    severities, v = severity.more(), 0
                sev = severities[v]
                v += 1
            else:
                sev = fixed
            yield timeout(wait)
            now = env.now
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
            log.append(Event(now, "incident", tid, pid, outcome))
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


def kpis(plan: Plan, world: World, series: np.ndarray) -> dict[str, float]:
    """Per-replication key performance indicators (see MODEL.md, Observation)."""
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
    # The incident names of the condition language, with the same meaning
    # (incidents.KIND succeeded, .mitigated, .interdicted, .attempted; harm.KIND).
    out.update((name, float(value)) for name, value in world.tally.items())
    out["cost"] = float(world.spent)
    return out


def simulate(plan: Plan, seed: int, decider: Decider | None = None) -> ReplicationResult:
    """Run one replication of a compiled plan with the given replication seed."""
    return Replication(plan, seed, decider).run()
