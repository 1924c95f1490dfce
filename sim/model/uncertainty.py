"""The random sources beyond threats, for one replication (MODEL.md §3.3.7).

Each source draws from its own named stream, and draws the same numbers
whatever the policy does, so two policies on one seed meet the same political
events, the same programme and cost draws and the same rival shocks (common
random numbers):

* ``politics:<partner>`` — the partner's political events: candidates of the
  superposed Poisson processes of every event kind at the maximum political
  risk; each candidate draws four numbers (waiting time, kind, acceptance,
  shape) whatever its fate. Events depend on the state only through the
  political risk, which only injects raise.
* ``programme:<initiative>:<partner>`` — one draw per scheduled cycle per
  listed partner (a standard normal), before the engine knows whether the
  cycle runs, is paid for or the partner takes part.
* ``overrun:<initiative>`` — one draw per scheduled cycle.
* ``rival:<rival>:<partner>`` — one standard normal per month per rival and
  partner it has influence on.

The engine calls :meth:`Sources.month` once a month, the function
:meth:`Sources.cycle_draws` gives once per scheduled cycle, and :meth:`Sources.apply`
for inject effects on ``PARTNER.political_risk``; the rules themselves are
the pure functions of :mod:`sim.model.politics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import exp, log
from typing import TYPE_CHECKING, NamedTuple

from sim.model import politics as pol
from sim.model.streams import Normals, Uniforms, served
from sim.scenario.uncertainty import MAX_POLITICAL_RISK, POLITICAL_EVENT_KINDS, POLITICAL_RISK
from sim.scenario.vocabulary import PARTNER_VARS, InitiativeKind

if TYPE_CHECKING:
    from sim.model.initiatives import InitiativePlan
    from sim.model.plan import EffectPlan, Plan
    from sim.model.world import World

POLITICAL = "political"
"""Kind of the political events in the replication's event log."""

VARYING_KINDS = frozenset(
    k.value
    for k in (
        InitiativeKind.training_mission,
        InitiativeKind.strategic_dialogue,
        InitiativeKind.joint_exercise,
        InitiativeKind.cyber_response,
        InitiativeKind.strategic_communication,
    )
)
"""Initiative kinds whose cycle effect varies with the partner's circumstances
(programmes that build something in the partner); presence and shared
intelligence act the same every cycle."""

_COOPERATION = PARTNER_VARS.index("cooperation")
SMALL_BLOCK = 64
"""Draws fetched at a time by these streams: most are drawn a few dozen times a run."""


class Sources:
    """Streams and per-replication partner traits of the uncertainty sources.

    ``baseline_trust`` and ``sensitivity`` start as the scenario's and are changed
    by government changes; ``absorption`` multiplies programme effects (economic
    crises lower it) and ``risk`` multiplies political event rates (injects raise it).
    """

    def __init__(self, plan: Plan, seed: int) -> None:
        u = plan.uncertainty
        self.settings = u
        n = len(plan.partner_ids)
        self.partner_ids = plan.partner_ids
        self.baseline_trust = list(plan.baseline_trust)
        self.sensitivity = list(plan.sensitivity)
        self.absorption = [1.0] * n
        self._ones = [1.0] * n  # what recovered risks and absorptions come back to
        self.risk = [1.0] * n
        # Speed: the monthly recovery is skipped while nothing is raised or lost.
        self._risk_raised = self._absorption_lost = False
        self._sd, self._overrun_p, self._overrun_size = (
            u.programme_sd,
            u.overrun_probability,
            u.overrun_size,
        )
        layout = _layout(plan)
        self._rates, self._total = layout.rates, layout.total
        # Speed: every stream below is drawn through served() (the same values in the
        # same order, an iterator step per draw instead of a method call).
        self._political: list[tuple[Callable[[], float], list[float]]] = []
        for name in layout.political:
            stream = Uniforms(seed, name, SMALL_BLOCK)
            self._political.append((served(stream.more), [stream.exponential(self._max_rate)]))
        self._programme: dict[str, list[tuple[int, Callable[[], float]]]] = {
            key: [(i, served(Normals(seed, name, SMALL_BLOCK).more)) for i, name in streams]
            for key, streams in layout.programme
        }
        self._overrun: dict[str, Callable[[], float]] = {
            key: served(Uniforms(seed, name, SMALL_BLOCK).more) for key, name in layout.overrun
        }
        self._rival: list[tuple[int, int, float, Callable[[], float]]] = [
            (r, i, initial, served(Normals(seed, name, SMALL_BLOCK).more))
            for r, i, initial, name in layout.rival
        ]
        self._coop0 = layout.coop0
        d = u.rival_drift
        # pol.rival_step_for's settings: month() writes the step out.
        self._drift = (d.volatility, d.reversion, d.reaction)
        self._varies = layout.varies
        self._rival_world: World | None = None
        self._rival_bound: list[tuple[list[float], int, float, float, Callable[[], float]]] = []
        # The earliest month any partner's next political candidate falls in (or after).
        self._next_candidate = min(
            (upcoming[0] for _, upcoming in self._political), default=math.inf
        )

    @property
    def _max_rate(self) -> float:
        return self._total * MAX_POLITICAL_RISK

    # -- monthly ---------------------------------------------------------------
    def month(self, world: World, m: int) -> None:
        """Month ``m`` (> 0): risks and absorption recover, rivals drift, and the
        political events of (m - 1, m] happen."""
        # pol.toward_one written out (x + rate * (1 - x)): the recoveries run every
        # month once something is raised or lost.
        if self._risk_raised:
            decay = self.settings.political_events.risk_decay
            self.risk = [r + decay * (1.0 - r) for r in self.risk]
            self._risk_raised = self.risk != self._ones
        if self._absorption_lost:
            recovery = pol.ABSORPTION_RECOVERY
            self.absorption = [a + recovery * (1.0 - a) for a in self.absorption]
            self._absorption_lost = self.absorption != self._ones
        # Speed: each influence row is bound once per world (rows change in place,
        # never rebound), with its partner's initial cooperation.
        rival = self._rival_bound if self._rival_world is world else self._bind_rival(world)
        if rival:
            # pol.rival_step_for's step and its clip, written out (the same operations
            # in the same order; tests/test_written_out.py holds them to it).
            coop = world.cooperation
            volatility, reversion, reaction = self._drift
            for row, i, initial, coop0, normals in rival:
                influence = row[i]
                target = initial + reaction * (coop[i] - coop0)
                value = influence + reversion * (target - influence) + volatility * normals()
                row[i] = 0.0 if value < 0.0 else 1.0 if value > 1.0 else value
        # Speed: nothing to look at before the earliest partner's next candidate.
        if self._next_candidate <= m:
            self._candidates(world, m)

    def _candidates(self, world: World, m: int) -> None:
        """The political candidates of every partner up to month ``m``, in partner order."""
        max_rate, risk = self._max_rate, self.risk
        for i, (stream, upcoming) in enumerate(self._political):
            while upcoming[0] <= m:
                kind_draw, accept, shape = stream(), stream(), stream()
                # Uniforms.exponential, written out for the served stream.
                upcoming[0] += -log(1.0 - stream()) / max_rate
                # pol.accepts written out.
                if accept * MAX_POLITICAL_RISK < risk[i]:
                    self._event(world, i, m, pol.pick(kind_draw, self._rates, self._total), shape)
        self._next_candidate = min([upcoming[0] for _, upcoming in self._political])

    def _bind_rival(
        self, world: World
    ) -> list[tuple[list[float], int, float, float, Callable[[], float]]]:
        rows, coop0 = world.influence_of, self._coop0
        self._rival_bound = [
            (rows[r], i, initial, coop0[i], normals) for r, i, initial, normals in self._rival
        ]
        self._rival_world = world
        return self._rival_bound

    def _event(self, world: World, i: int, m: int, j: int, shape: float) -> None:
        kind = POLITICAL_EVENT_KINDS[j]
        before = pol.Politics(
            world.trust[i],
            world.cooperation[i],
            world.stability[i],
            self.baseline_trust[i],
            self.sensitivity[i],
            self.absorption[i],
        )
        after = pol.apply_shock(
            before, pol.shock(kind, shape, self.settings.political_events.scale)
        )
        (
            world.trust[i],
            world.cooperation[i],
            world.stability[i],
            self.baseline_trust[i],
            self.sensitivity[i],
            self.absorption[i],
        ) = after
        self._absorption_lost = self._absorption_lost or after.absorption != 1.0
        pid = self.partner_ids[i]
        world.note(float(m), POLITICAL, kind, pid, f"{kind.replace('_', ' ')} in {pid}")

    # -- per cycle ---------------------------------------------------------------
    def cycle_draws(self, ini: InitiativePlan) -> Callable[[], tuple[list[float] | None, float]]:
        """What each scheduled cycle of ``ini`` draws: its effect multiplier per
        partner, by partner index (None: nominal for all; only listed partners'
        entries matter) and its cost multiplier (1 unless it overruns).

        The engine calls the result once per scheduled cycle, before it looks at the
        lever, the funds or who takes part, so the draws never depend on the policy.
        """
        varies = self._varies and ini.kind in VARYING_KINDS
        normals = self._programme.get(ini.id, [])
        overruns = self._overrun.get(ini.id)
        mu, sigma = pol.lognormal_params(self._sd)
        p, size = self._overrun_p, self._overrun_size
        overrun = pol.overrun
        # Speed: a kind whose effect does not vary draws only its overrun, if any.
        if not varies:
            if overruns is None:
                nominal = (None, 1.0)
                return lambda: nominal
            return lambda: (None, overrun(overruns(), p, size))

        if len(self.absorption) == 1 and len(normals) == 1 and overruns is not None:
            # Speed: one partner (the flagship's case), without the copy and the loop:
            # [a * m] is the copy [a] with out[0] *= m, to the bit.
            z = normals[0][1]

            def draw_one() -> tuple[list[float] | None, float]:
                return [self.absorption[0] * exp(mu + sigma * z())], overrun(overruns(), p, size)

            return draw_one

        def draw() -> tuple[list[float] | None, float]:
            out = self.absorption.copy()
            for i, z in normals:
                out[i] *= exp(mu + sigma * z())
            return out, 1.0 if overruns is None else overrun(overruns(), p, size)

        return draw

    # -- effects -----------------------------------------------------------------
    def apply(self, effects: tuple[EffectPlan, ...]) -> None:
        """Apply the effects on ``PARTNER.political_risk`` (others are the world's)."""
        for e in effects:
            t = e.target
            if t.var != POLITICAL_RISK:
                continue
            for i in range(len(self.risk)) if t.scope == "partners" else (t.index,):
                self.risk[i] = pol.set_risk(self.risk[i], e.delta, e.set_to)
                self._risk_raised = True


class _Layout(NamedTuple):
    """What :class:`Sources` takes from the plan alone: the same for every
    replication, so worked out once per plan (``plan.memo``; plain values, so a
    pickled plan carries it)."""

    rates: tuple[float, ...]
    total: float
    political: tuple[str, ...]
    """The political streams' names, by partner (none when political events are off)."""
    programme: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    """Per initiative of a varying kind: (its id, (listed partner, stream name) ...)."""
    overrun: tuple[tuple[str, str], ...]
    """Per initiative, when overruns are on: (its id, stream name)."""
    rival: tuple[tuple[int, int, float, str], ...]
    """Per rival and partner it has influence on: (rival, partner, initial, stream name)."""
    coop0: tuple[float, ...]
    varies: bool


def _layout(plan: Plan) -> _Layout:
    """The plan's :class:`_Layout`, worked out on first use (settings' properties
    and stream names cost more than a replication's draws from some of them)."""
    layout: _Layout | None = plan.memo.get("sources")
    if layout is not None:
        return layout
    u = plan.uncertainty
    rates = tuple(u.political_events.rate(k) for k in POLITICAL_EVENT_KINDS)
    political_on, programme_on = u.political_on, u.programme_on
    ids = plan.partner_ids
    programme = tuple(
        (ini.id, tuple((i, f"programme:{ini.id}:{ids[i]}") for i in ini.partners))
        for ini in plan.initiatives
        if programme_on and ini.kind in VARYING_KINDS
    )
    overrun_on = u.overrun_on
    overrun = tuple((ini.id, f"overrun:{ini.id}") for ini in plan.initiatives if overrun_on)
    rival = tuple(
        (r, i, initial, f"rival:{plan.rival_ids[r]}:{ids[i]}")
        for r, row in enumerate(plan.influence)
        for i, initial in enumerate(row)
        if u.rival_on and initial > 0
    )
    layout = plan.memo["sources"] = _Layout(
        rates=rates,
        total=sum(rates),
        political=tuple(f"politics:{pid}" for pid in ids) if political_on else (),
        programme=programme,
        overrun=overrun,
        rival=rival,
        coop0=tuple(row[_COOPERATION] for row in plan.initial),
        varies=political_on or programme_on,
    )
    return layout
