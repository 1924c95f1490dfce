"""One replication as a SimPy discrete-event simulation.

Processes stay thin: they decide *when* things happen and call the pure
functions of :mod:`sim.model.dynamics` for *what* happens.

* the monthly process (integer months): budget, drift, policy rules,
  injects and decisions, observation, objectives;
* one process per initiative: a cycle every ``cycle`` months, at mid-month
  (t = m + 0.5) so a cycle never races the monthly tick;
* one process per (threat, target): Poisson candidate arrivals at the
  maximum rate, thinned to the current modulated rate (Lewis-Shedler).

Every candidate arrival draws the same four numbers from its own stream
whatever happens to it, so two policies on one seed see the same candidates
(common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import simpy

from sim.model import dynamics as dyn
from sim.model.plan import EffectPlan, InitiativePlan, InjectPlan, Plan, ThreatPlan
from sim.model.streams import Betas, Uniforms
from sim.scenario.vocabulary import (
    ALL_INCIDENTS,
    INTERDICTED,
    OUTCOMES,
    PARTNER_VARS,
    PER_PARTNER_VARS,
)

Decider = Callable[[InjectPlan, "World"], str]


class Event(NamedTuple):
    """A notable event in one replication (for play screens and debugging).

    A NamedTuple rather than a frozen dataclass: as immutable, and several
    times cheaper to create on the engine's hot path.
    """

    time: float
    kind: str  # incident, inject, decision, declined, withheld, unfunded
    source: str
    partner: str = ""
    detail: str = ""


class World:
    """Mutable state of one replication; also the conditions' view of it
    (:class:`sim.scenario.conditions.View`)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.month = 0
        n = len(plan.partner_ids)
        cols = list(zip(*plan.initial, strict=True))
        self.capacity, self.trust, self.cooperation, self.stability, self.resilience = (
            list(c) for c in cols
        )
        self.tension = [r.tension for r in plan.rivalries]
        self.influence_of = [list(row) for row in plan.influence]
        self.funds = plan.reserve
        self.spent = 0.0
        self.levers = dict(plan.levers)
        self.running: dict[str, tuple[float, float]] = {}  # id -> (intensity, effective)
        self.footprint = [0.0] * n
        self.deterrence = [0.0] * n
        self.comm = [0.0] * n
        self.alignment = [0.0] * n
        self.harmful = dict.fromkeys((*plan.threat_kinds, ALL_INCIDENTS), 0)
        self.outcomes: dict[tuple[str, str], int] = {}
        self.log: list[Event] = []
        self.decisions: list[tuple[str, str, int]] = []
        self.intel_sources: list[list[tuple[float, float]]] = [[] for _ in range(n)]
        # Speed: which rivalries expose each partner, and pressures already computed
        # for a given state of the running initiatives (they depend on nothing else).
        self._exposing = [
            tuple(k for k, r in enumerate(plan.rivalries) if i in r.exposed) for i in range(n)
        ]
        self._pressure_key: tuple[tuple[float, float] | None, ...] | None = None
        self._pressure_cache: dict[tuple[tuple[float, float] | None, ...], tuple[Any, ...]] = {}

    # -- expr.View -------------------------------------------------------------
    def partner(self, index: int, var: str) -> float:
        return getattr(self, var)[index]

    def partner_values(self, var: str) -> list[float]:
        return getattr(self, var)

    def rivalry_tension(self, index: int) -> float:
        return self.tension[index]

    def influence(self, index: int) -> float:
        row = self.influence_of[index]
        return sum(row) / len(row) if row else 0.0

    def alliance(self, var: str) -> float:
        return self.funds if var == "funds" else self.spent

    def incidents(self, kind: str) -> float:
        return self.harmful.get(kind, 0)

    def state(self, i: int) -> dyn.PartnerState:
        return dyn.PartnerState(
            self.capacity[i],
            self.trust[i],
            self.cooperation[i],
            self.stability[i],
            self.resilience[i],
        )

    def set_state(self, i: int, s: dyn.PartnerState) -> None:
        (
            self.capacity[i],
            self.trust[i],
            self.cooperation[i],
            self.stability[i],
            self.resilience[i],
        ) = s

    # -- derived pressures -----------------------------------------------------
    def refresh(self) -> None:
        """Recompute what running initiatives exert on each partner.

        The result depends only on which initiatives run at what intensity, which
        rarely changes between cycles, so it is memoised on that key (speed only).
        """
        running = self.running
        key = tuple(running.get(ini.id) for ini in self.plan.initiatives)
        if key == self._pressure_key:
            return
        self._pressure_key = key
        cached = self._pressure_cache.get(key)
        if cached is None:
            cached = self._pressures_of_running()
            self._pressure_cache[key] = cached
        self.footprint, self.deterrence, self.comm, self.intel_sources, self.alignment = cached

    def _pressures_of_running(self) -> tuple[Any, ...]:
        plan, p = self.plan, self.plan.params
        n = len(plan.partner_ids)
        footprint, deterrence, comm = [0.0] * n, [0.0] * n, [0.0] * n
        intel: list[list[tuple[float, float]]] = [[] for _ in range(n)]
        focus: list[list[tuple[dict[str, float], float]]] = [[] for _ in range(n)]
        for ini in plan.initiatives:
            intensity, eff = self.running.get(ini.id, (0.0, 0.0))
            if eff <= 0:
                continue
            for i in ini.partners:
                footprint[i] += ini.footprint * intensity
                focus[i].append((ini.profile, eff))
                if ini.kind == "military_presence":
                    deterrence[i] += ini.deterrence * eff
                elif ini.kind == "strategic_communication":
                    comm[i] += ini.counter * eff
                elif ini.kind == "intelligence_sharing":
                    intel[i].append((ini.min_trust, ini.interdiction * eff))
        return (
            footprint,
            [min(d, p.max_deterrence) for d in deterrence],
            [min(c, 1.0) for c in comm],
            intel,
            [dyn.alignment(dyn.focus_of(focus[i]), plan.priorities[i]) for i in range(n)],
        )

    def exposure(self, i: int) -> float:
        tension = self.tension
        return max((tension[k] for k in self._exposing[i]), default=0.0)

    def pressures(self, i: int) -> dyn.Pressures:
        side_gap = 0.0
        for r in self.plan.rivalries:
            if i in r.partner_sides and len(r.partner_sides) == 2:
                other = r.partner_sides[0] if r.partner_sides[1] == i else r.partner_sides[1]
                side_gap = max(side_gap, self.cooperation[other] - self.cooperation[i])
        rival = sum(row[i] for row in self.influence_of)
        return dyn.Pressures(
            self.footprint[i], rival, side_gap, self.alignment[i], self.exposure(i)
        )

    # -- effects -----------------------------------------------------------------
    def apply(self, effects: tuple[EffectPlan, ...]) -> None:
        for e in effects:
            t = e.target
            if t.scope in ("partner", "partners"):
                values = getattr(self, t.var)
                for i in range(len(values)) if t.scope == "partners" else (t.index,):
                    values[i] = dyn.apply_delta(values[i], e.delta, e.set_to)
            elif t.scope == "rivalry":
                self.tension[t.index] = dyn.apply_delta(self.tension[t.index], e.delta, e.set_to)
            elif t.scope == "rival":
                row = self.influence_of[t.index]
                row[:] = [dyn.apply_delta(v, e.delta, e.set_to) for v in row]
            else:  # alliance funds are not a share: no clipping at 1
                self.funds = max(
                    0.0, e.set_to if e.set_to is not None else self.funds + (e.delta or 0.0)
                )

    def set_levers(self, levers: tuple[tuple[str, float], ...]) -> None:
        for name, value in levers:
            self.levers[name] = value

    def raise_tension_around(self, i: int, amount: float) -> None:
        for k, r in enumerate(self.plan.rivalries):
            if i in r.exposed:
                self.tension[k] = dyn.clip(self.tension[k] + amount)

    def row(self) -> list[float]:
        """The observation recorded each month (see :func:`series_names`)."""
        n = len(self.capacity)
        out = [sum(getattr(self, v)) / n for v in PARTNER_VARS]
        for i in range(n):
            out += [
                self.capacity[i],
                self.trust[i],
                self.cooperation[i],
                self.stability[i],
                self.resilience[i],
            ]
        out += self.tension
        out += [self.funds, self.spent]
        return out


def series_names(plan: Plan) -> list[str]:
    """Names of the monthly series, in the order of :meth:`World.row`."""
    names = list(PARTNER_VARS)
    for pid in plan.partner_ids:
        names += [f"{pid}.{v}" for v in PARTNER_VARS]
    names += [f"{r.id}.tension" for r in plan.rivalries]
    return [*names, "nato.funds", "nato.spent"]


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
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.state: dict[str, bool] = {o.id: o.check == "throughout" for o in plan.objectives}

    def observe(self, world: World) -> None:
        m = world.month
        for o in self.plan.objectives:
            if o.check == "by":
                if not self.state[o.id] and m <= (o.month or 0) and o.condition(world):
                    self.state[o.id] = True
            elif o.check == "throughout":
                if (
                    self.state[o.id]
                    and m <= (o.month if o.month is not None else m)
                    and not o.condition(world)
                ):
                    self.state[o.id] = False
            elif m == self.plan.horizon:
                self.state[o.id] = bool(o.condition(world))


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
        plan, world, p = self.plan, self.world, self.plan.params
        pressures = [world.pressures(i) for i in range(len(plan.partner_ids))]
        for i, f in enumerate(pressures):
            world.set_state(
                i, dyn.drift(world.state(i), plan.baseline_trust[i], plan.sensitivity[i], f, p)
            )
        for k, r in enumerate(plan.rivalries):
            provocation = (
                sum(world.cooperation[i] for i in r.partner_sides) if r.rival_sides else 0.0
            )
            world.tension[k] = dyn.drift_tension(world.tension[k], r.tension, provocation, 0.0, p)

    def fire(self, inj: InjectPlan) -> None:
        world = self.world
        self.fired.add(inj.id)
        world.log.append(Event(self.env.now, "inject", inj.id, detail=inj.title))
        world.apply(inj.effects)
        if inj.has_decision:
            choice = self.decide(inj, world)
            option = next((o for o in inj.options if o.id == choice), None)
            if option is None:
                raise ValueError(
                    f"decision at inject '{inj.id}' answered '{choice}', "
                    f"which is not one of its options"
                )
            world.apply(option.effects)
            world.set_levers(option.levers)
            world.decisions.append((inj.id, option.id, world.month))
            world.log.append(Event(self.env.now, "decision", inj.id, detail=option.id))

    def initiative(self, ini: InitiativePlan) -> Generator[simpy.Event, Any, None]:
        world, p = self.world, self.plan.params
        yield self.env.timeout(ini.start + 0.5)
        running, levers, env = world.running, world.levers, self.env
        while env.now < ini.end:
            intensity = levers.get(ini.id, 0.0)
            before = running.pop(ini.id, None)
            if intensity > 0:
                self.cycle(ini, intensity, dyn.effective_intensity(intensity, p.returns_exponent))
            # Speed: pressures depend only on ``running``; skip when this cycle left it as it was.
            if running.get(ini.id) != before or world._pressure_key is None:
                world.refresh()
            yield env.timeout(ini.cycle)
        world.running.pop(ini.id, None)
        world.refresh()

    def cycle(self, ini: InitiativePlan, intensity: float, eff: float) -> None:
        world, now = self.world, self.env.now
        names = self.plan.partner_ids
        members = list(ini.partners)
        if ini.kind == "joint_exercise":
            members = [i for i in ini.partners if dyn.takes_part(world.trust[i], ini.min_trust)]
            for i in set(ini.partners) - set(members):
                world.log.append(Event(now, "declined", ini.id, names[i]))
        cost = ini.cost * intensity * len(members)
        if cost > world.funds + 1e-12:
            world.log.append(Event(now, "unfunded", ini.id, detail=f"{cost:.2f}"))
            return
        world.funds -= cost
        world.spent += cost
        if not members:
            return
        world.running[ini.id] = (intensity, eff)
        for i in members:
            if ini.kind == "training_mission":
                world.capacity[i] = dyn.train(
                    world.capacity[i], eff, ini.gain, self.plan.absorption[i], world.cooperation[i]
                )
            elif ini.kind == "strategic_dialogue":
                world.trust[i] = dyn.converge(world.trust[i], eff, ini.gain)
            elif ini.kind == "joint_exercise":
                world.cooperation[i] = dyn.converge(world.cooperation[i], eff, ini.gain)
                world.capacity[i] = dyn.converge(world.capacity[i], eff, ini.capacity_gain)
            elif ini.kind == "cyber_response":
                world.resilience[i] = dyn.converge(world.resilience[i], eff, ini.gain)
            elif ini.kind == "strategic_communication":
                world.trust[i] = dyn.converge(world.trust[i], eff, ini.trust_gain)
            elif ini.kind == "military_presence":
                world.raise_tension_around(i, ini.tension_gain * eff)
            elif ini.kind == "intelligence_sharing" and not dyn.takes_part(
                world.trust[i], ini.min_trust
            ):
                world.log.append(Event(now, "withheld", ini.id, names[i]))

    def threat(self, t: ThreatPlan, target: int) -> Generator[simpy.Event, Any, None]:
        plan, world, p = self.plan, self.world, self.plan.params
        top = dyn.max_rate_multiplier(p)
        rate_max = t.rate * top
        if rate_max <= 0:
            return
        pid = plan.partner_ids[target]
        draw = Uniforms(self.seed, f"threat:{t.id}:{pid}")
        severity = Betas(self.seed, f"severity:{t.id}:{pid}", t.severity_mean, t.severity_sd)
        env = self.env
        yield env.timeout(t.start)
        # Speed: locals for the hot loop. The partner-state lists are updated in
        # place, never rebound; deterrence, comm and intel_sources are rebound by
        # World.refresh, so they are read from ``world`` each time.
        end, kind, tid, coeffs = t.end, t.kind, t.id, t.coeffs
        stability, trust, capacity = world.stability, world.trust, world.capacity
        resilience, outcomes, harmful, log = (
            world.resilience,
            world.outcomes,
            world.harmful,
            world.log,
        )
        exposure, rate_multiplier, clip = world.exposure, dyn.rate_multiplier, dyn.clip
        timeout, exponential = env.timeout, draw.exponential
        while True:
            wait, accept, resolve, sev = exponential(rate_max), draw(), draw(), severity()
            yield timeout(wait)
            now = env.now
            if now >= end:
                return
            mult = rate_multiplier(exposure(target), stability[target], world.deterrence[target], p)
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
                p,
            )
            key = (kind, impact.outcome)
            outcomes[key] = outcomes.get(key, 0) + 1
            log.append(Event(now, "incident", tid, pid, impact.outcome))
            if impact.outcome == INTERDICTED:
                continue
            harmful[kind] += 1
            harmful[ALL_INCIDENTS] += 1
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
    total = 0
    for kind in plan.threat_kinds:
        for outcome in OUTCOMES:
            count = world.outcomes.get((kind, outcome), 0)
            out[f"incidents.{kind}.{outcome}"] = float(count)
            total += count
    out["incidents.total"] = float(total)
    out["incidents.harmful"] = float(world.harmful[ALL_INCIDENTS])
    out["cost"] = float(world.spent)
    return out


def simulate(plan: Plan, seed: int, decider: Decider | None = None) -> ReplicationResult:
    """Run one replication of a compiled plan with the given replication seed."""
    return Replication(plan, seed, decider).run()
