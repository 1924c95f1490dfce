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
    objective_trace: np.ndarray | None = None
    """Per month (rows) and objective (columns, plan order): whether it stood met that month."""


class _Objectives:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.state: dict[str, bool] = {o.id: o.check == "throughout" for o in plan.objectives}
        self.trace: list[list[bool]] = []

    def observe(self, world: World) -> None:
        m = world.month
        state = self.state
        # Each objective's standing this month, for the "chance met by month" chart.
        row: list[bool] = []
        for o in self.plan.objectives:
            if o.check == "by":
                if not state[o.id] and m <= (o.month or 0) and o.condition(world):
                    state[o.id] = True
            elif o.check == "throughout":
                if (
                    state[o.id]
                    and m <= (o.month if o.month is not None else m)
                    and not o.condition(world)
                ):
                    state[o.id] = False
            else:
                # An end-of-run objective stands met in a month when its condition
                # holds then; at the horizon that is its verdict.
                met = bool(o.condition(world))
                if m == self.plan.horizon:
                    state[o.id] = met
                row.append(met)
                continue
            row.append(state[o.id])
        self.trace.append(row)


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
            objective_trace=np.asarray(self.objectives.trace, dtype=bool).reshape(
                len(self.objectives.trace), len(self.plan.objectives)
            ),
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
        plan, world, p, traits = self.plan, self.world, self.plan.params, self.sources
        pressures = [world.pressures(i) for i in range(len(plan.partner_ids))]
        provocations = [
            sum(world.cooperation[i] for i in r.partner_sides) if r.rival_sides else 0.0
            for r in plan.rivalries
        ]
        baseline = world.baseline
        for i, f in enumerate(pressures):
            world.set_state(i, dyn.drift(world.state(i), baseline[i], traits.sensitivity[i], f, p))
            baseline[i] = dyn.learn_baseline(baseline[i], f.engagement, plan.baseline_trust[i], p)
        for k, r in enumerate(plan.rivalries):
            world.tension[k] = dyn.drift_tension(world.tension[k], r.tension, provocations[k], p)

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
        # Speed: locals for the hot loop. The partner-state lists are updated in
        # place, never rebound; footprint, deterrence, comm and intel_sources are
        # rebound by World.refresh, so they are read from ``world`` each time.
        # Sensitivity is the sources' (a government change shifts it), as in drift.
        end, tid, coeffs = t.end, t.id, t.coeffs
        deters = coeffs.deterrence_weight
        stability, trust, capacity = world.stability, world.trust, world.capacity
        resilience, tally, log = world.resilience, world.tally, world.log
        sensitivity = self.sources.sensitivity
        exposure, rate_multiplier, clip = world.exposure, dyn.rate_multiplier, dyn.clip
        timeout, exponential = env.timeout, draw.exponential
        # The tally's keys per outcome, for this kind and for the total (condition/KPI names).
        counted = {o: (incident_name(t.kind, o), incident_name(ALL_INCIDENTS, o)) for o in OUTCOMES}
        attempted = (incident_name(t.kind, ATTEMPTED), incident_name(ALL_INCIDENTS, ATTEMPTED))
        harmed = (harm_name(t.kind), harm_name(ALL_INCIDENTS))
        while True:
            wait, accept, resolve, sev = exponential(rate_max), draw(), draw(), severity()
            yield timeout(wait)
            now = env.now
            if now >= end:
                return
            mult = rate_multiplier(
                exposure(target), stability[target], world.deterrence[target] * deters, p
            )
            if t.lever:
                mult *= world.levers.get(t.lever, 1.0)
            if accept * top >= mult:
                continue
            intel = dyn.intel_bonus(trust[target], world.intel_sources[target])
            impact = dyn.resolve_incident(
                coeffs,
                sev,
                resolve,
                capacity[target],
                resilience[target],
                intel,
                world.comm[target],
                world.footprint[target] * sensitivity[target],
                p,
            )
            kind_key, total_key = counted[impact.outcome]
            tally[kind_key] += 1
            tally[total_key] += 1
            tally[attempted[0]] += 1
            tally[attempted[1]] += 1
            log.append(Event(now, "incident", tid, pid, impact.outcome))
            if not impact.harm:
                continue
            tally[harmed[0]] += impact.harm
            tally[harmed[1]] += impact.harm
            stability[target] = clip(stability[target] + impact.stability)
            trust[target] = clip(trust[target] + impact.trust)
            capacity[target] = clip(capacity[target] + impact.capacity)
            resilience[target] = clip(resilience[target] + impact.resilience)
            if impact.tension:
                world.raise_tension_around(target, impact.tension)


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
