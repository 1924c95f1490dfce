"""Golden values: the engine's output for fixed seeds is pinned.

Speed work on :mod:`sim.model.engine` must not change results; this test fails on
any change to KPIs, monthly series, the event log, decisions or the event
count of these replications.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.scenario.loader import load_scenario

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "iraq_training_mission.yaml"
GOLDEN = {
    ("supportive", 0): ("52e70b7d41b0938527a117d91868afeb", 611),
    ("supportive", 3): ("5eb79f4a29a9b6c1e7f02bc8d5c318fc", 598),
    ("expanded", 0): ("6bcc5eb44090cb5f2869d6c0741fab1b", 611),
    ("expanded", 3): ("81c4a2db7e88133d13b6d60656aef898", 598),
}


@pytest.mark.parametrize(("policy", "index"), sorted(GOLDEN))
def test_engine_output_is_pinned(policy: str, index: int) -> None:
    plan = compile_plan(load_scenario(FLAGSHIP), policy)
    r = simulate(plan, replication_seed(42, index))
    digest = hashlib.sha256(
        json.dumps(r.kpis, sort_keys=True).encode()
        + r.series.tobytes()
        + repr(r.log).encode()
        + repr(r.decisions).encode()
    ).hexdigest()
    assert (digest[:32], r.events) == GOLDEN[(policy, index)]


def test_pinned_kpis() -> None:
    plan = compile_plan(load_scenario(FLAGSHIP), "supportive")
    k = simulate(plan, replication_seed(42, 3)).kpis
    assert k["final_stability"] == 0.512244127737493
    assert k["final_trust"] == 0.4399641170801916
    assert k["incidents.harmful"] == 108.0
    assert k["cost"] == 242.00000000000017
