"""One month of drift for every partner and rivalry, as the engine's monthly process calls it.

The equations are :mod:`sim.model.dynamics`' (bound to the plan's
coefficients); this module only wires them to a replication's state. Every
pressure is taken from the state at the start of the month, then every
partner moves, then every rivalry. The engine calls the result once a month,
so it is built once per replication as a closure over the state's lists (which
change in place and are never rebound): the month itself then does only the
arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.model import dynamics as dyn

if TYPE_CHECKING:
    from sim.model.plan import Plan
    from sim.model.world import World


def month_of_drift(plan: Plan, world: World, sensitivity: list[float]) -> Callable[[], None]:
    """The function that drifts ``world`` by one month.

    ``sensitivity`` is the uncertainty sources' (a government change shifts it).
    """
    p = plan.params
    step, learn, drift_tension = (
        dyn.drift_for(p),
        dyn.learn_baseline_for(p),
        dyn.drift_tension_for(p),
    )
    capacity, trust, cooperation = world.capacity, world.trust, world.cooperation
    stability, resilience, baseline = world.stability, world.resilience, world.baseline
    tension, initial, levers = world.tension, plan.baseline_trust, world.levers
    # Per partner: its index, the other sides of its two-partner rivalries and the
    # rivalries exposing it (what World.pressures reads, written out below).
    partners = [(i, world._opposite[i], world.exposing[i]) for i in range(len(plan.partner_ids))]
    # Each rival's influence row (changed in place) with the red lever scaling it, if any.
    influences = world._influences
    # Per rivalry: its initial tension, and the partners whose cooperation provokes it
    # (when a rival is one of its sides).
    provoking = [(r.tension, r.partner_sides, bool(r.rival_sides)) for r in plan.rivalries]
    coop_of = cooperation.__getitem__

    def drift() -> None:
        # World.pressures for every partner first, from the state at the start of the
        # month (same expressions, same order); the exerted pressures are rebound by
        # World.refresh, so they are read from ``world`` each month.
        footprint, alignment, engagement = world.footprint, world.alignment, world.engagement
        acting = []
        for i, opposite, exposing in partners:
            side_gap = 0.0
            for other in opposite:
                side_gap = max(side_gap, cooperation[other] - cooperation[i])
            rival = 0.0
            for row, lever in influences:
                rival += row[i] * levers.get(lever, 1.0) if lever else row[i]  # red lever
            if len(exposing) == 1:
                exposure = tension[exposing[0]]
            else:
                exposure = max((tension[k] for k in exposing), default=0.0)
            acting.append((i, footprint[i], rival, side_gap, alignment[i], exposure, engagement[i]))
        provocations = [
            sum(map(coop_of, sides)) if provokes else 0.0 for _, sides, provokes in provoking
        ]
        for i, footprint_i, rival, side_gap, alignment_i, exposure, engagement_i in acting:
            capacity[i], trust[i], cooperation[i], stability[i], resilience[i] = step(
                capacity[i],
                trust[i],
                cooperation[i],
                stability[i],
                resilience[i],
                baseline[i],
                sensitivity[i],
                footprint_i,
                rival,
                side_gap,
                alignment_i,
                exposure,
            )
            baseline[i] = learn(baseline[i], engagement_i, initial[i])
        for k, provocation in enumerate(provocations):
            tension[k] = drift_tension(tension[k], provoking[k][0], provocation)

    return drift
