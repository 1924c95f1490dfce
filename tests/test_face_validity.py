"""Face validity: each mechanic moves outcomes in the direction the source document says.

Every comparison is paired over the same replication seeds (common random
numbers) and must be decisive: the 95% CI of the difference excludes zero.
"""

from __future__ import annotations

from typing import Any

from factories import base_data
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.models import Scenario
from sim.stats import paired_difference

N = 40


def values(s: Scenario, policy: str, kpi: str, seed: int = 5) -> list[float]:
    return run(RunSpec.of(s, policy, replications=N, seed=seed)).results["kpis"][kpi]["values"]


def diff(s: Scenario, a: str, b: str, kpi: str) -> Any:
    return paired_difference(values(s, a, kpi), values(s, b, kpi))


def test_training_mission_raises_capacity() -> None:
    s = Scenario.model_validate(base_data())
    d = diff(s, "none", "full", "final_capacity")
    assert d.significant and d.estimate > 0.05


def test_footprint_costs_more_trust_for_sensitive_partners() -> None:
    partner = {
        "name": "P",
        "capacity": 0.4,
        "trust": 0.6,
        "cooperation": 0.4,
        "stability": 0.6,
        "resilience": 0.3,
    }
    s = Scenario.model_validate(
        base_data(
            partners=[
                {"id": "touchy", "sensitivity": 0.9, **partner},
                {"id": "calm", "sensitivity": 0.1, **partner},
            ],
            threats=[{"id": "t", "kind": "terrorism", "targets": ["touchy", "calm"], "rate": 0.3}],
            initiatives=[
                {
                    "id": "troops",
                    "kind": "military_presence",
                    "partners": ["touchy", "calm"],
                    "cycle": 1,
                }
            ],
            policies=[
                {"id": "none", "levers": {"troops": 0}},
                {"id": "large", "levers": {"troops": 2}},
            ],
        )
    )
    loss = {}
    for who in ("touchy", "calm"):
        kpi = f"{who}.final_trust"
        loss[who] = [
            a - b for a, b in zip(values(s, "none", kpi), values(s, "large", kpi), strict=True)
        ]
    d = paired_difference(loss["calm"], loss["touchy"])
    assert d.significant and d.estimate > 0.1


def _intel(trust: float) -> Scenario:
    return Scenario.model_validate(
        base_data(
            partners=[
                {
                    "id": "alpha",
                    "name": "A",
                    "capacity": 0.3,
                    "trust": trust,
                    "baseline_trust": trust,
                    "cooperation": 0.3,
                    "stability": 0.5,
                    "resilience": 0.3,
                }
            ],
            threats=[{"id": "t", "kind": "terrorism", "targets": ["alpha"], "rate": 1.0}],
            initiatives=[
                {
                    "id": "intel",
                    "kind": "intelligence_sharing",
                    "partners": ["alpha"],
                    "min_trust": 0.5,
                    "cost": 0.0,
                    "cycle": 1,
                }
            ],
            policies=[
                {"id": "none", "levers": {"intel": 0}},
                {"id": "share", "levers": {"intel": 1}},
            ],
        )
    )


def test_intelligence_sharing_does_nothing_below_its_trust_threshold() -> None:
    below = _intel(0.2)
    for kpi in ("final_stability", "incidents.terrorism.interdicted"):
        assert values(below, "none", kpi) == values(below, "share", kpi)
    above = _intel(0.8)
    d = diff(above, "none", "share", "incidents.terrorism.interdicted")
    assert d.significant and d.estimate > 0


def test_strategic_communication_reduces_disinformation_trust_loss() -> None:
    s = Scenario.model_validate(
        base_data(
            threats=[{"id": "lies", "kind": "disinformation", "targets": ["alpha"], "rate": 1.5}],
            initiatives=[
                {
                    "id": "comms",
                    "kind": "strategic_communication",
                    "partners": ["alpha"],
                    "trust_gain": 0.0,
                    "cycle": 1,
                }
            ],
            policies=[
                {"id": "none", "levers": {"comms": 0}},
                {"id": "comms", "levers": {"comms": 1}},
            ],
        )
    )
    d = diff(s, "none", "comms", "final_trust")
    assert d.significant and d.estimate > 0.02


def test_higher_threat_rate_lowers_stability() -> None:
    def scenario(rate: float) -> Scenario:
        return Scenario.model_validate(
            base_data(
                threats=[{"id": "cells", "kind": "insurgency", "targets": ["alpha"], "rate": rate}]
            )
        )

    low = values(scenario(0.3), "full", "final_stability")
    high = values(scenario(1.2), "full", "final_stability")
    d = paired_difference(low, high)
    assert d.significant and d.estimate < -0.05
