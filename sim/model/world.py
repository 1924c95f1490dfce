"""The state of one replication, and what the engine observes of it each month.

:class:`World` holds the partner variables, tensions, influence, funds and the
pressures the running initiatives exert; it is also what compiled conditions
read (:class:`sim.scenario.condition_nodes.View`). The SimPy processes that
change it live in :mod:`sim.model.engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sim.model import dynamics as dyn
from sim.model.initiatives import Exerted
from sim.scenario.vocabulary import PARTNER_VARS, incident_names

if TYPE_CHECKING:
    from sim.model.plan import EffectPlan, Plan


class Event(NamedTuple):
    """A notable event in one replication (for play screens and debugging).

    A NamedTuple rather than a frozen dataclass: as immutable, and several
    times cheaper to create on the engine's hot path.
    """

    time: float
    kind: str  # incident, inject, decision, political, declined, withheld, unfunded
    source: str
    partner: str = ""
    detail: str = ""


class World:
    """Mutable state of one replication; also the conditions' view of it
    (:class:`sim.scenario.condition_nodes.View`).

    The partner variables are one list per variable (``self.trust[i]``), named
    as in :data:`sim.scenario.vocabulary.PARTNER_VARS`, so the engine's hot
    loops index plain lists."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.month = 0
        n = len(plan.partner_ids)
        cols = list(zip(*plan.initial, strict=True))
        self.capacity, self.trust, self.cooperation, self.stability, self.resilience = (
            list(c) for c in cols
        )
        self.tension = [r.tension for r in plan.rivalries]
        # The partner variables in PARTNER_VARS order (the lists change in place, never rebound).
        self._columns = tuple(getattr(self, v) for v in PARTNER_VARS)
        self.influence_of = [list(row) for row in plan.influence]
        self.funds = plan.reserve
        self.spent = 0.0
        self.levers = dict(plan.levers)
        # id -> (intensity, effective intensity, the partners taking part this cycle)
        self.running: dict[str, tuple[float, float, tuple[int, ...]]] = {}
        # What running initiatives exert (see refresh): rebound, never changed in place.
        self.footprint: Sequence[float] = (0.0,) * n
        self.deterrence: Sequence[float] = (0.0,) * n
        self.comm: Sequence[float] = (0.0,) * n
        self.alignment: Sequence[float] = (0.0,) * n
        self.engagement: Sequence[float] = (0.0,) * n
        # The trust each partner relaxes toward; raised by sustained engagement.
        self.baseline = list(plan.baseline_trust)
        # Incident counts and harm by their condition/KPI names (incidents.cyber, harm.total, ...).
        # Speed: the names depend on the plan alone, so they are worked out once per plan.
        names = plan.memo.get("incident_names")
        if names is None:
            names = plan.memo["incident_names"] = tuple(incident_names(plan.threat_kinds))
        self.tally: dict[str, float] = dict.fromkeys(names, 0.0)
        self.log: list[Event] = []
        self.decisions: list[tuple[str, str, int]] = []
        self.intel_sources: Sequence[Sequence[tuple[float, float]]] = ((),) * n
        # Speed: which rivalries expose each partner, and pressures already computed
        # for a given state of the running initiatives (they depend on nothing else).
        self.exposing = [
            tuple(k for k, r in enumerate(plan.rivalries) if i in r.exposed) for i in range(n)
        ]
        # The other side of each two-partner rivalry a partner is a side of, in rivalry
        # order; each rival's influence row with the lever scaling it (rows change in place).
        self._opposite = [
            tuple(
                r.partner_sides[0] if r.partner_sides[1] == i else r.partner_sides[1]
                for r in plan.rivalries
                if i in r.partner_sides and len(r.partner_sides) == 2
            )
            for i in range(n)
        ]
        self._influences = list(zip(self.influence_of, plan.rival_levers, strict=False))
        self._pressure_key: tuple[Any, ...] | None = None
        # Shared by every replication of the plan: pressures depend on the plan and the key only.
        self._pressure_cache: dict[tuple[Any, ...], tuple[Any, ...]] = plan.memo.setdefault(
            "pressures", {}
        )
        self._initiative_ids = tuple(ini.id for ini in plan.initiatives)

    # -- expr.View -------------------------------------------------------------
    def partner(self, index: int, var: str) -> float:
        value: float = getattr(self, var)[index]
        return value

    def partner_values(self, var: str) -> list[float]:
        values: list[float] = getattr(self, var)
        return values

    def rivalry_tension(self, index: int) -> float:
        return self.tension[index]

    def influence(self, index: int) -> float:
        row = self.influence_of[index]
        return sum(row) / len(row) if row else 0.0

    def alliance(self, var: str) -> float:
        return self.funds if var == "funds" else self.spent

    def incidents(self, name: str) -> float:
        return self.tally.get(name, 0.0)

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

    def note(
        self, time: float, kind: str, source: str, partner: str = "", detail: str = ""
    ) -> None:
        """Add an event to the log."""
        self.log.append(Event(time, kind, source, partner, detail))

    # -- derived pressures -----------------------------------------------------
    def refresh(self) -> None:
        """Recompute what running initiatives exert on each partner.

        The result depends only on which initiatives run at what intensity, which
        rarely changes between cycles, so it is memoised on that key (speed only).
        """
        key = tuple(map(self.running.get, self._initiative_ids))
        if key == self._pressure_key:
            return
        self._pressure_key = key
        cached = self._pressure_cache.get(key)
        if cached is None:
            cached = self._pressures_of_running()
            self._pressure_cache[key] = cached
        (
            self.footprint,
            self.deterrence,
            self.comm,
            self.intel_sources,
            self.alignment,
            self.engagement,
        ) = cached

    def _pressures_of_running(self) -> tuple[Any, ...]:
        plan, p = self.plan, self.plan.params
        n = len(plan.partner_ids)
        on = Exerted.none(n)
        for ini in plan.initiatives:
            running = self.running.get(ini.id)
            if running is None or running[1] <= 0:
                continue
            intensity, eff, participants = running
            for i in participants:
                on.footprint[i] += ini.footprint * intensity
                on.focus[i].append((ini.profile, eff))
                ini.exert(on, i, eff)
        # Tuples: the memo shares them between replications, so nothing may change them.
        return (
            tuple(on.footprint),
            tuple(min(d, p.max_deterrence) for d in on.deterrence),
            tuple(min(c, 1.0) for c in on.comm),
            tuple(tuple(sources) for sources in on.intel),
            tuple(
                dyn.alignment(dyn.focus_of(on.focus[i]), plan.priorities[i], p.alignment_need)
                for i in range(n)
            ),
            tuple(on.engagement),
        )

    def exposure(self, i: int) -> float:
        """The highest tension of the rivalries partner ``i`` is exposed to (0 if none)."""
        exposing, tension = self.exposing[i], self.tension
        if len(exposing) == 1:
            return tension[exposing[0]]
        return max((tension[k] for k in exposing), default=0.0)

    def pressures(self, i: int) -> dyn.Pressures:
        cooperation, levers = self.cooperation, self.levers
        side_gap = 0.0
        for other in self._opposite[i]:
            side_gap = max(side_gap, cooperation[other] - cooperation[i])
        rival = 0.0
        for row, lever in self._influences:
            rival += row[i] * levers.get(lever, 1.0) if lever else row[i]  # red lever
        return dyn.Pressures(
            self.footprint[i],
            rival,
            side_gap,
            self.alignment[i],
            self.exposure(i),
            self.engagement[i],
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
        tension = self.tension
        for k in self.exposing[i]:
            tension[k] = dyn.clip(tension[k] + amount)

    def row(self) -> list[float]:
        """The observation recorded each month (see :func:`series_names`)."""
        columns = self._columns
        capacity, trust, cooperation, stability, resilience = columns
        n = len(capacity)
        if n == 1:
            # Speed: the common one-partner case in one list display. The mean of one
            # value, sum([x]) / 1, is 0.0 + x to the bit (a -0.0 comes out as 0.0 both ways).
            c, t, co, s, r = capacity[0], trust[0], cooperation[0], stability[0], resilience[0]
            return [
                0.0 + c,
                0.0 + t,
                0.0 + co,
                0.0 + s,
                0.0 + r,
                c,
                t,
                co,
                s,
                r,
                *self.tension,
                self.funds,
                self.spent,
            ]
        out = [
            sum(capacity) / n,
            sum(trust) / n,
            sum(cooperation) / n,
            sum(stability) / n,
            sum(resilience) / n,
        ]
        for values in zip(*columns, strict=True):
            out += values
        out += self.tension
        out += (self.funds, self.spent)
        return out


def series_names(plan: Plan) -> list[str]:
    """Names of the monthly series, in the order of :meth:`World.row`."""
    names = list(PARTNER_VARS)
    for pid in plan.partner_ids:
        names += [f"{pid}.{v}" for v in PARTNER_VARS]
    names += [f"{r.id}.tension" for r in plan.rivalries]
    return [*names, "nato.funds", "nato.spent"]
