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

import gc
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from heapq import heappush
from itertools import repeat
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.model import dynamics as dyn
from sim.model.initiatives import InitiativePlan, asks
from sim.model.month import bound_conditions, month_of_drift, month_tick
from sim.model.plan import LEVER_MAX, EffectPlan, InjectPlan, Plan, ThreatPlan
from sim.model.streams import Betas, Uniforms, block_for, served
from sim.model.uncertainty import Sources
from sim.model.world import Event, World, series_names
from sim.scenario.conditions import Expr
from sim.scenario.uncertainty import POLITICAL_RISK
from sim.scenario.vocabulary import (
    ALL_INCIDENTS,
    ATTEMPTED,
    INTERDICTED,
    MITIGATED,
    OUTCOMES,
    PARTNER_VARS,
    PER_PARTNER_VARS,
    SUCCEEDED,
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
    """Each objective's outcome so far, observed once a month.

    A ``by`` objective is met once its condition holds in a month up to its
    month; a ``throughout`` one fails once it does not hold in such a month;
    any other is judged at the horizon. Conditions are asked only while the
    answer can still change (in objective order, as trial probes expect).
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._horizon = plan.horizon
        self._ids = tuple(o.id for o in plan.objectives)
        # Speed: each objective's outcome so far by column (a list copies in one step).
        self._now = [o.check == "throughout" for o in plan.objectives]
        # Every month's row, one after another (months x objectives, row-major).
        self.trace: list[bool] = []
        self.months = 0
        self._arrange([_closure(o.condition) for o in plan.objectives])
        self._trace_row: Callable[[World, list[bool]], list[bool]] | None = None

    def _arrange(self, conditions: list[Callable[[World], Any]]) -> None:
        """Lay out each objective's condition (by column) for the checks below."""
        plan = self.plan
        # End-of-run objectives are judged at the horizon, but the "chance met by
        # month" chart wants their standing every month: (column, condition).
        self._ends = tuple(
            (j, conditions[j])
            for j, o in enumerate(plan.objectives)
            if o.check not in ("by", "throughout")
        )
        # (column, check, last month asked, condition); a month-less throughout runs to the end.
        self._checks = tuple(
            (
                j,
                o.check,
                (o.month or 0) if o.check == "by" else plan.horizon if o.month is None else o.month,
                conditions[j],
            )
            for j, o in enumerate(plan.objectives)
        )
        # Speed: before the horizon only by/throughout objectives still open are asked:
        # (column, is a by objective, last month asked, condition).
        self._open = [
            (j, check == "by", last, condition)
            for j, check, last, condition in self._checks
            if check in ("by", "throughout") and last >= 0
        ]
        self._closing = min((e[2] for e in self._open), default=plan.horizon)

    def bind(
        self,
        conditions: list[Callable[[World], Any]],
        trace_row: Callable[[World, list[bool]], list[bool]],
    ) -> None:
        """Ask ``conditions`` (by column) instead, and take each month's record from
        ``trace_row(world, outcomes so far)``: the same answers, cheaper (the engine's
        source-compiled conditions, bound to its world). Before the first month only."""
        if self.months:
            raise RuntimeError("objectives are bound before the first month is observed")
        self._arrange(conditions)
        self._trace_row = trace_row

    @property
    def state(self) -> dict[str, bool]:
        """Each objective's outcome so far, by id."""
        return dict(zip(self._ids, self._now, strict=True))

    def observe(self, world: World) -> None:
        m, now = world.month, self._now
        self.months += 1
        if m == self._horizon:
            self._judge(world, m)
            self.trace.extend(now)
            return
        changed = False
        for j, by, _last, condition in self._open:
            if by:
                if condition(world):
                    now[j] = changed = True
            elif not condition(world):
                now[j], changed = False, True
        if changed or m >= self._closing:
            # A by objective is open while unmet, a throughout one while unbroken.
            self._open = [e for e in self._open if now[e[0]] != e[1] and m < e[2]]
            self._closing = min((e[2] for e in self._open), default=self._horizon)
        # Each objective's standing this month, for the "chance met by month" chart.
        if self._trace_row is not None:
            self.trace.extend(self._trace_row(world, now))
        elif self._ends:
            row = now.copy()
            for j, condition in self._ends:
                row[j] = bool(condition(world))
            self.trace.extend(row)
        else:
            self.trace.extend(now)

    def rows(self) -> np.ndarray:
        """The month-by-month record as a months x objectives array of bools."""
        return np.asarray(self.trace, dtype=bool).reshape(self.months, len(self._ids))

    def _judge(self, world: World, m: int) -> None:
        """The horizon month: every objective in order, as the rules say."""
        now = self._now
        for j, check, last, condition in self._checks:
            if check == "by":
                if not now[j] and m <= last and condition(world):
                    now[j] = True
            elif check == "throughout":
                if now[j] and m <= last and not condition(world):
                    now[j] = False
            else:
                now[j] = bool(condition(world))


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
        # Every month's row, one after another (months x columns, row-major): one flat
        # list turns into the series array in half the time a list of rows takes.
        self.flat: list[float] = []
        self._width = len(series_names(plan))
        self.fired: set[str] = set()
        self.timed: dict[int, list[InjectPlan]] = {}
        for inj in plan.injects:
            if inj.at is not None:
                self.timed.setdefault(inj.at, []).append(inj)
        self.conditional = [inj for inj in plan.injects if inj.when is not None]
        self._month_of_drift = month_of_drift(plan, self.world, self.sources.sensitivity)
        self._asks = {ini.id: asks(ini) for ini in plan.initiatives}

    def run(self) -> ReplicationResult:
        env, plan = self.env, self.plan
        processes = [
            self.monthly(),
            *(self.initiative(ini) for ini in plan.initiatives),
            *(self.threat(threat, target) for threat in plan.threats for target in threat.targets),
        ]
        for process in processes:
            env.process(process)
        # Speed: a replication makes thousands of small objects that live until it ends
        # (pending events, log entries, rows), and the cyclic collector would walk them
        # over and over (about 5% of a replication). The run makes no garbage cycles
        # that need collecting before it ends, so the collector waits until then.
        collecting = gc.isenabled()
        gc.disable()
        try:
            env.run(until=plan.horizon + 0.75)
            events = next(env._eid)  # SimPy's running event id: events scheduled so far
            series = np.array(self.flat, dtype=np.float64).reshape(-1, self._width)
            return ReplicationResult(
                seed=self.seed,
                kpis=kpis(self.plan, self.world, series),
                objectives=dict(self.objectives.state),
                series=series,
                decisions=list(self.world.decisions),
                log=self.world.log,
                events=events,
                objective_trace=self.objectives.rows(),
            )
        finally:
            # Speed: a process still waiting at the end (a threat whose next candidate
            # falls after the horizon) holds the replication in its generator's frame,
            # and SimPy holds the process in a cycle (its timeout's callback, its
            # target), so the whole replication stayed alive until the collector found
            # it, after walking it young and again in the middle generation (about a
            # tenth of a replication). Closing the generators lets reference counting
            # free the replication as soon as the caller lets go of it.
            for process in processes:
                process.close()
            if collecting:
                gc.enable()

    @property
    def rows(self) -> list[list[float]]:
        """The months recorded so far, a row each (see :func:`series_names`)."""
        flat, width = self.flat, self._width
        return [flat[k : k + width] for k in range(0, len(flat), width)]

    # -- processes ---------------------------------------------------------------
    def monthly(self) -> Generator[simpy.Event, Any, None]:
        plan, world, env = self.plan, self.world, self.env
        # The month's conditions, compiled to source over this world's lists (same answers).
        asked, trace_row = bound_conditions(plan, world)
        self.objectives.bind(asked[len(asked) - len(plan.objectives) :], trace_row)
        # The month itself, written out once per plan (same steps in the same order).
        month = month_tick(
            plan,
            world,
            drift=self._month_of_drift,
            sources_month=self.sources.month,
            flat=self.flat,
            observe=self.objectives.observe,
            fire=self.fire,
            fired=self.fired,
            timed=self.timed,
        )
        month(0)
        if plan.horizon < 1:
            return
        # Month 1's wake-up is SimPy's own; every later one re-arms it (see _rearm),
        # written out: the same queue entry as env.timeout(1), without the new event.
        wake = env.timeout(1)
        yield wake
        queue, eid, now = env._queue, env._eid, 1
        for m in range(1, plan.horizon):
            month(m)
            now += 1
            wake.callbacks, wake._delay = [], 1
            heappush(queue, (now, NORMAL, next(eid), wake))
            yield wake
        month(plan.horizon)

    def drift(self) -> None:
        """One month of drift, every pressure taken from the state at the start of the month."""
        self._month_of_drift()

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
        world, env = self.world, self.env
        draws = self.sources.cycle_draws(ini)
        wake = env.timeout(ini.start + 0.5)
        yield wake
        running, levers, refresh, log = world.running, world.levers, world.refresh, world.log
        key, end, every, exponent = ini.id, ini.end, ini.cycle, self.plan.params.returns_exponent
        cycle, effective = self.cycle, dyn.effective_intensity
        queue, eid = env._queue, env._eid  # see _rearm
        # Speed: a kind whose listed partners are all paid for and all take part (most
        # kinds; see asks()) has its cycle written out below, without the call.
        members_vary, part_varies, acts = self._asks[key]
        general = members_vary or part_varies
        partners, unit_cost, act = ini.partners, ini.cost, ini.act
        listed = len(partners)
        # Speed: the lever rarely moves, so the last intensity's effective value is kept.
        last, eff = math.nan, 0.0
        now = env.now
        while now < end:
            intensity = levers.get(key, 0.0)
            before = running.pop(key, None)
            # Drawn every scheduled cycle, before anything policy-dependent (common random numbers).
            varies, overrun = draws()
            if intensity > 0:
                if intensity != last:
                    last, eff = intensity, effective(intensity, exponent)
                if general:
                    cycle(ini, intensity, eff, varies, overrun)
                else:
                    # cycle(), written out for members = participants = ini.partners.
                    cost = unit_cost * intensity * listed * overrun
                    if cost > world.funds + 1e-12:
                        log.append(Event(now, "unfunded", key, detail=f"{cost:.2f}"))
                    else:
                        world.funds -= cost
                        world.spent += cost
                        if partners:
                            running[key] = (intensity, eff, partners)
                        if acts:
                            for i in partners:
                                act(world, i, eff if varies is None else eff * varies[i], now)
            # Speed: pressures depend only on ``running``; skip when this cycle left it as it was.
            if running.get(key) != before or world._pressure_key is None:
                refresh()
            # _rearm written out: the next cycle's wake-up, exactly as env.timeout(every).
            now = now + every
            wake.callbacks, wake._delay = [], every
            heappush(queue, (now, NORMAL, next(eid), wake))
            yield wake
        running.pop(key, None)
        refresh()

    def cycle(
        self,
        ini: InitiativePlan,
        intensity: float,
        eff: float,
        varies: list[float] | None = None,
        overrun: float = 1.0,
    ) -> None:
        """One paid cycle; ``varies`` scales its effect per partner, ``overrun`` its cost."""
        world, now = self.world, self.env.now
        # Speed: a kind that keeps the base class's answer is not asked (see asks()).
        members_vary, part_varies, acts = self._asks[ini.id]
        members = ini.members(world, now) if members_vary else ini.partners
        cost = ini.cost * intensity * len(members) * overrun
        if cost > world.funds + 1e-12:
            world.log.append(Event(now, "unfunded", ini.id, detail=f"{cost:.2f}"))
            return
        world.funds -= cost
        world.spent += cost
        participants = (
            tuple(i for i in members if ini.takes_part(world, i, now))
            if part_varies
            else tuple(members)
        )
        if not participants:
            return
        world.running[ini.id] = (intensity, eff, participants)
        if acts:
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
        # dyn.rate_multiplier_for's coefficients: the loop writes the multiplier out.
        rate_tension, rate_instability, most = p.rate_tension, p.rate_instability, p.max_deterrence
        # dyn.resolver_for's and dyn.harm_deltas_for's coefficients: the loop writes the
        # outcome, the harm, the deltas and the clips out.
        c = t.coeffs
        capacity_weight, resilience_weight, intel_weight = (
            c.capacity_weight,
            c.resilience_weight,
            c.intel_weight,
        )
        comm_weight, amplifies, most_stopped = (
            c.comm_weight,
            c.footprint_amplification,
            p.max_interdiction,
        )
        stability_harm, trust_harm, capacity_harm = (
            -c.stability_harm,
            -c.trust_harm,
            -c.capacity_harm,
        )
        resilience_harm, tension_harm = -c.resilience_harm, c.tension_harm
        stability, trust, capacity = world.stability, world.trust, world.capacity
        resilience, tension, levers = world.resilience, world.tension, world.levers
        tally, log, sensitivity = world.tally, world.log, self.sources.sensitivity
        exposing = world.exposing[target]
        only = exposing[0] if len(exposing) == 1 else None
        intel_bonus, log_ = dyn.intel_bonus, math.log
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
                # dyn.rate_multiplier, the same operations in the same order.
                deterrence = world.deterrence[target] * deters
                mult = (
                    (1 + rate_tension * exposure)
                    * (1 + rate_instability * (1 - stability[target]))
                    * (1 - (most if most < deterrence else deterrence))
                )
                if lever:
                    mult *= levers.get(lever, 1.0)
                if accept * top >= mult:
                    continue
                # dyn.resolver_for's resolve, the same operations in the same order.
                sources = world.intel_sources[target]
                intel = intel_bonus(trust[target], sources) if sources else 0
                raw = (
                    capacity_weight * capacity[target]
                    + resilience_weight * resilience[target]
                    + intel_weight * intel
                )
                stop = raw if raw < most_stopped else most_stopped
                harm = 0.0
                if chance < stop:
                    outcome = INTERDICTED
                else:
                    counter = comm_weight * world.comm[target]
                    if (chance - stop) < (counter if counter < 1.0 else 1.0) * (1 - stop):
                        outcome = MITIGATED
                    else:
                        outcome = SUCCEEDED
                        amplification = world.footprint[target] * sensitivity[target]
                        harm = sev * (1 + amplifies * amplification)
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
                # dyn.harm_deltas and dyn.clip, written out.
                value = stability[target] + stability_harm * harm
                stability[target] = 0.0 if value < 0.0 else 1.0 if value > 1.0 else value
                value = trust[target] + trust_harm * harm
                trust[target] = 0.0 if value < 0.0 else 1.0 if value > 1.0 else value
                value = capacity[target] + capacity_harm * harm
                capacity[target] = 0.0 if value < 0.0 else 1.0 if value > 1.0 else value
                value = resilience[target] + resilience_harm * harm
                resilience[target] = 0.0 if value < 0.0 else 1.0 if value > 1.0 else value
                d_tension = tension_harm * harm
                if d_tension:
                    world.raise_tension_around(target, d_tension)


def _rearm(wake: simpy.Timeout, delay: float) -> simpy.Timeout:
    """The processed timeout ``wake`` scheduled again, ``delay`` from now: the same
    queue entry as ``env.timeout(delay)`` would push (time, NORMAL priority, the next
    event id), for the same timeout the process waits on again.

    Speed: a process waits on timeouts one after another, and ``env.timeout`` costs a
    class call, ``Timeout.__init__`` and ``Environment.schedule`` for each: reusing the
    one it has just been woken by costs a list and a heap push. The monthly, threat
    and initiative processes write these lines out in their loops (a call per
    wake-up would take back a third of the gain). It relies on SimPy's internals
    (``_queue``, ``_eid``, ``_now``, the entry's shape; pinned to SimPy 4 in
    pyproject.toml), and tests/test_engine_simpy.py fails if they change.
    """
    env = wake.env
    wake.callbacks, wake._delay = [], delay
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), wake))
    return wake


def _closure(condition: Callable[[World], Any]) -> Callable[[World], Any]:
    """A compiled condition's own closure (the same answers, truthy as its bool,
    without the wrapper's call); any other callable as it is."""
    return condition.run if type(condition) is Expr else condition


def kpis(plan: Plan, world: World, series: np.ndarray) -> dict[str, float]:
    """Per-replication key performance indicators (see MODEL.md, Observation)."""
    names = plan.memo.get("kpi_names")
    if names is None:
        names = plan.memo["kpi_names"] = _kpi_names(plan)
    width = len(PARTNER_VARS)
    finals = series[-1, :width].tolist()
    # Each column's mean as numpy takes it of that column alone (pairwise summation
    # along it): one contiguous copy of the columns, reduced row by row, gives the
    # same bits in one call instead of one per column.
    means = np.ascontiguousarray(series[1:, :width].T).mean(axis=1).tolist()
    values = [x for pair in zip(finals, means, strict=True) for x in pair]
    for i in range(len(plan.partner_ids)):
        values += (float(getattr(world, var)[i]) for var in PER_PARTNER_VARS)
    values += (float(t) for t in world.tension[: len(plan.rivalries)])
    # The incident names of the condition language, with the same meaning
    # (incidents.KIND succeeded, .mitigated, .interdicted, .attempted; harm.KIND).
    values += (float(v) for v in world.tally.values())
    values.append(float(world.spent))
    return dict(zip((*names, *world.tally, "cost"), values, strict=True))


def _kpi_names(plan: Plan) -> tuple[str, ...]:
    """The names :func:`kpis` gives, in its order, up to the incident names."""
    names: list[str] = []
    for var in PARTNER_VARS:
        names += (f"final_{var}", f"mean_{var}")
    for pid in plan.partner_ids:
        names += (f"{pid}.final_{var}" for var in PER_PARTNER_VARS)
    names += (f"{r.id}.final_tension" for r in plan.rivalries)
    return tuple(names)


def simulate(plan: Plan, seed: int, decider: Decider | None = None) -> ReplicationResult:
    """Run one replication of a compiled plan with the given replication seed."""
    return Replication(plan, seed, decider).run()
