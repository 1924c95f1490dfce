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
    tension, pressures, initial = world.tension, world.pressures, plan.baseline_trust
    partners = range(len(plan.partner_ids))
    # Per rivalry: its initial tension, and the partners whose cooperation provokes it
    # (when a rival is one of its sides).
    provoking = [(r.tension, r.partner_sides, bool(r.rival_sides)) for r in plan.rivalries]
    coop_of = cooperation.__getitem__

    def drift() -> None:
        acting = list(map(pressures, partners))
        provocations = [
            sum(map(coop_of, sides)) if provokes else 0.0 for _, sides, provokes in provoking
        ]
        for i, (footprint, rival, side_gap, alignment, exposure, engagement) in enumerate(acting):
            capacity[i], trust[i], cooperation[i], stability[i], resilience[i] = step(
                capacity[i],
                trust[i],
                cooperation[i],
                stability[i],
                resilience[i],
                baseline[i],
                sensitivity[i],
                footprint,
                rival,
                side_gap,
                alignment,
                exposure,
            )
            baseline[i] = learn(baseline[i], engagement, initial[i])
        for k, provocation in enumerate(provocations):
            tension[k] = drift_tension(tension[k], provoking[k][0], provocation)

    return drift
