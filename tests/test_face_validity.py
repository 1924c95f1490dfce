"""Face validity: each mechanic moves outcomes in the direction the source document says.

Every comparison is paired over the same replication seeds (common random
numbers) and must be decisive: the 95% CI of the difference excludes zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from factories import base_data
from sim.model.engine import series_names, simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario
from sim.scenario.vocabulary import PARTNER_VARS
from sim.stats import paired_difference

N = 40


def values(s: Scenario, policy: str, kpi: str, seed: int = 5) -> list[float]:
    kept = run(RunSpec.of(s, policy, replications=N, seed=seed)).results["kpis"][kpi]["values"]
    return list(kept)


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


# --------------------------------------------------------------------------- model v2 mechanisms

SERIES_N = 30


def _partner(pid: str, trust: float, sensitivity: float = 0.5, **kw: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "name": pid.title(),
        "capacity": 0.4,
        "trust": trust,
        "cooperation": 0.4,
        "stability": 0.6,
        "resilience": 0.3,
        "sensitivity": sensitivity,
        **kw,
    }


def _within(d: Any, tolerance: float) -> bool:
    """A "no effect" finding: the whole 95% interval lies within +- tolerance."""
    return bool(-tolerance <= d.ci_low and d.ci_high <= tolerance)


def _presence(sensitivity: float, threats: list[dict[str, Any]]) -> Scenario:
    return Scenario.model_validate(
        base_data(
            partners=[_partner("alpha", 0.6, sensitivity)],
            threats=threats,
            initiatives=[
                {"id": "troops", "kind": "military_presence", "partners": ["alpha"], "cycle": 1}
            ],
            policies=[
                {"id": "none", "levers": {"troops": 0}},
                {"id": "present", "levers": {"troops": 1}},
            ],
        )
    )


def test_presence_deters_terrorism_but_not_disinformation() -> None:
    s = _presence(
        0.0,
        [
            {"id": "cells", "kind": "terrorism", "targets": ["alpha"], "rate": 1.0},
            {"id": "lies", "kind": "disinformation", "targets": ["alpha"], "rate": 1.5},
        ],
    )
    none, present = (
        run(RunSpec.of(s, p, replications=N, seed=5)).results["kpis"] for p in ("none", "present")
    )

    def d(kpi: str) -> Any:
        return paired_difference(none[kpi]["values"], present[kpi]["values"])

    terror = d("incidents.terrorism.attempted")
    assert terror.significant and terror.estimate < -3
    lies = d("incidents.disinformation.attempted")
    assert _within(lies, 0.1 * none["incidents.disinformation.attempted"]["mean"]), lies
    # With no sensitivity the presence costs no trust and, deterring no propaganda, buys none.
    assert _within(d("final_trust"), 0.02)


def test_a_visible_footprint_makes_disinformation_more_harmful() -> None:
    lies = {"id": "lies", "kind": "disinformation", "targets": ["alpha"], "rate": 1.5}
    s = _presence(0.8, [lies])
    d = diff(s, "none", "present", "harm.disinformation")
    assert d.significant and d.estimate > 0


def _footprinted(kind: str, trust: float, **kw: Any) -> Scenario:
    return Scenario.model_validate(
        base_data(
            partners=[_partner("alpha", trust, 0.9, baseline_trust=trust)],
            initiatives=[
                {
                    "id": "ini",
                    "kind": kind,
                    "partners": ["alpha"],
                    "cycle": 1,
                    "footprint": 0.5,
                    "min_trust": 0.35,
                    **kw,
                }
            ],
            policies=[
                {"id": "none", "levers": {"ini": 0}},
                {"id": "on", "levers": {"ini": 1}},
            ],
        )
    )


@pytest.mark.parametrize("kind", ["joint_exercise", "intelligence_sharing"])
def test_partners_who_do_not_take_part_bear_no_footprint_and_get_no_focus(kind: str) -> None:
    out = _footprinted(kind, 0.2)
    for kpi in ("final_trust", "final_cooperation"):
        assert values(out, "none", kpi) == values(out, "on", kpi), kpi
    # The same initiative does cost a participating partner trust.
    part = diff(_footprinted(kind, 0.6), "none", "on", "final_trust")
    assert part.significant and part.estimate < 0


def test_adding_intelligence_sharing_aimed_at_priorities_raises_cooperation() -> None:
    s = Scenario.model_validate(
        base_data(
            partners=[_partner("alpha", 0.7, priorities={"terrorism": 1.0, "proliferation": 1.0})],
            threats=[{"id": "cells", "kind": "terrorism", "targets": ["alpha"], "rate": 0.5}],
            initiatives=[
                {"id": "train", "kind": "training_mission", "partners": ["alpha"]},
                {"id": "intel", "kind": "intelligence_sharing", "partners": ["alpha"]},
            ],
            policies=[
                {"id": "train", "levers": {"train": 1, "intel": 0}},
                {"id": "both", "levers": {"train": 1, "intel": 1}},
            ],
        )
    )
    d = diff(s, "train", "both", "final_cooperation")
    assert d.significant and d.estimate > 0


def _trust_series(s: Scenario, policy: str) -> np.ndarray:
    """Each replication's regional trust by month (rows: replications), on common seeds."""
    plan = compile_plan(s, policy)
    col = PARTNER_VARS.index("trust")
    return np.array(
        [simulate(plan, replication_seed(5, k)).series[:, col] for k in range(SERIES_N)]
    )


def test_dialogue_builds_trust_slowly_and_it_outlasts_the_programme() -> None:
    s = Scenario.model_validate(
        base_data(
            horizon=120,
            partners=[_partner("alpha", 0.4)],
            threats=[{"id": "lies", "kind": "disinformation", "targets": ["alpha"], "rate": 0.3}],
            initiatives=[
                {"id": "talks", "kind": "strategic_dialogue", "partners": ["alpha"], "end": 60}
            ],
            policies=[
                {"id": "none", "levers": {"talks": 0}},
                {"id": "talks", "levers": {"talks": 1}},
            ],
        )
    )
    gain = _trust_series(s, "talks") - _trust_series(s, "none")
    # By month 12 a small share of what five years of dialogue build.
    slow = paired_difference(0.35 * gain[:, 60], gain[:, 12])
    assert slow.significant and slow.estimate < 0
    # Three years after the dialogue ends, trust is still above where it would be.
    kept = paired_difference(np.zeros(SERIES_N), gain[:, 96])
    assert kept.significant and kept.estimate > 0.02


def test_cyber_attacks_do_not_pin_resilience_at_zero() -> None:
    s = load_scenario(Path("scenarios/gcc_coordination.yaml"))
    plan = compile_plan(s, s.default_policy)
    names = series_names(plan)
    cols = [j for j, n in enumerate(names) if n.endswith(".resilience")]
    series = [simulate(plan, replication_seed(5, k)).series[1:, cols] for k in range(10)]
    share_at_zero = float(np.mean([np.mean(x <= 1e-9) for x in series]))
    assert share_at_zero < 0.01


def _countered(kind: str) -> Scenario:
    return Scenario.model_validate(
        base_data(
            threats=[{"id": "t", "kind": kind, "targets": ["alpha"], "rate": 1.5}],
            initiatives=[{"id": "comms", "kind": "strategic_communication", "partners": ["alpha"]}],
            policies=[
                {"id": "none", "levers": {"comms": 0}},
                {"id": "comms", "levers": {"comms": 1}},
            ],
        )
    )


def test_communication_cuts_disinformation_that_succeeds() -> None:
    d = diff(_countered("disinformation"), "none", "comms", "incidents.disinformation")
    assert d.significant and d.estimate < 0


def test_hybrid_campaigns_can_be_mitigated() -> None:
    d = diff(_countered("hybrid"), "none", "comms", "incidents.hybrid.mitigated")
    assert d.significant and d.estimate > 0
