"""Third round of engine speed devices: streams served through a generator, the
month's drift with its pressures written out, the collector paused for a run.
Each changes no values (the golden test and ``bench/results_digest.py`` pin the whole)."""

from __future__ import annotations

import gc
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import dynamics as dyn
from sim.model.engine import Replication, simulate
from sim.model.month import month_of_drift
from sim.model.plan import compile_plan
from sim.model.streams import Normals, Uniforms, served
from sim.model.world import World
from sim.scenario.loader import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
FLAGSHIP = next(p for p in SCENARIOS if p.name == "iraq_training_mission.yaml")


@settings(max_examples=40, deadline=None)
@given(before=st.integers(0, 150), count=st.integers(0, 400), block=st.sampled_from([7, 64]))
def test_served_draws_continue_the_stream(before: int, count: int, block: int) -> None:
    """Draws called first, then served, are the stream's one sequence, across blocks."""
    for kind in (Uniforms, Normals):
        reference, stream = kind(3, "s", block), kind(3, "s", block)
        got = [stream() for _ in range(before)]
        serve = served(stream.more)
        got += [serve() for _ in range(count)]
        assert got == [reference() for _ in got]


def test_exponential_written_out_matches_the_stream() -> None:
    reference, stream = Uniforms(9, "p", 8), Uniforms(9, "p", 8)
    serve = served(stream.more)
    for _ in range(30):
        assert -math.log(1.0 - serve()) / 0.7 == reference.exponential(0.7)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_drift_reads_the_same_pressures_as_the_world(path: Path) -> None:
    """The written-out pressures equal World.pressures, partner by partner, every month."""
    plan = compile_plan(load_scenario(path), None)
    world, twin = World(plan), World(plan)
    sensitivity = list(plan.sensitivity)
    drift = month_of_drift(plan, world, sensitivity)
    p = plan.params
    step, learn = dyn.drift_for(p), dyn.learn_baseline_for(p)
    for _ in range(24):
        provocations = [
            sum(twin.cooperation[j] for j in r.partner_sides) if r.rival_sides else 0.0
            for r in plan.rivalries
        ]
        acting = [twin.pressures(i) for i in range(len(plan.partner_ids))]
        for i, pr in enumerate(acting):
            new = step(
                twin.capacity[i],
                twin.trust[i],
                twin.cooperation[i],
                twin.stability[i],
                twin.resilience[i],
                twin.baseline[i],
                sensitivity[i],
                pr.footprint,
                pr.rival_influence,
                pr.side_gap,
                pr.alignment,
                pr.exposure,
            )
            twin.set_state(i, dyn.PartnerState(*new))
            twin.baseline[i] = learn(twin.baseline[i], pr.engagement, plan.baseline_trust[i])
        for k, r in enumerate(plan.rivalries):
            tension = dyn.drift_tension_for(p)(twin.tension[k], r.tension, provocations[k])
            twin.tension[k] = tension
        drift()
        for var in ("capacity", "trust", "cooperation", "stability", "resilience", "baseline"):
            assert getattr(world, var) == getattr(twin, var)
        assert world.tension == twin.tension


@pytest.mark.parametrize("enabled", [True, False])
def test_a_run_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    plan = compile_plan(load_scenario(FLAGSHIP), None)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        simulate(plan, 1)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_the_collector_resumes_when_a_run_fails() -> None:
    plan = compile_plan(load_scenario(FLAGSHIP), None)

    def refuse(inject: object, world: object) -> str:
        raise RuntimeError("no")

    rep = Replication(plan, 1, refuse)
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        rep.run()
    assert gc.isenabled()
