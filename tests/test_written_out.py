"""What the engine's shortcuts give is what the plain computation gives, to the bit.

The cycle draws are specialised by kind (a kind whose effect does not vary
draws only its overrun), and :func:`sim.model.engine.kpis` takes every column's
mean in one call; each is checked here against the plain computation.
"""

from __future__ import annotations

import dataclasses
from math import exp
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import politics as pol
from sim.model.engine import Replication
from sim.model.plan import compile_plan
from sim.model.streams import Normals, Uniforms
from sim.model.uncertainty import SMALL_BLOCK, VARYING_KINDS, Sources
from sim.scenario.loader import load_scenario
from sim.scenario.uncertainty import UncertaintySettings
from sim.scenario.vocabulary import PARTNER_VARS, PER_PARTNER_VARS

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
                expected = [1.0] * len(plan.partner_ids)
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
