"""Small scenario builders for tests: a valid base scenario with overrides."""

from __future__ import annotations

import copy
from typing import Any

from sim.scenario.models import Scenario


def base_data(**overrides: Any) -> dict[str, Any]:
    """A minimal valid scenario as plain data: one partner, one threat, one training mission."""
    data: dict[str, Any] = {
        "id": "test_scenario",
        "title": "Test scenario",
        "sources": ["Enhancing regional capacity-building efforts"],
        "horizon": 36,
        "seed": 7,
        "replications": 20,
        "alliance": {"budget": 20.0},
        "partners": [
            {
                "id": "alpha",
                "name": "Alpha",
                "capacity": 0.3,
                "trust": 0.5,
                "cooperation": 0.4,
                "stability": 0.5,
                "resilience": 0.3,
            }
        ],
        "threats": [{"id": "cells", "kind": "insurgency", "targets": ["alpha"], "rate": 0.5}],
        "initiatives": [
            {"id": "train", "kind": "training_mission", "partners": ["alpha"], "cycle": 3}
        ],
        "policies": [
            {"id": "none", "levers": {"train": 0.0}},
            {"id": "full", "levers": {"train": 1.0}},
        ],
    }
    data.update(copy.deepcopy(overrides))
    return data


def make_scenario(**overrides: Any) -> Scenario:
    """A validated scenario built from :func:`base_data` with top-level overrides."""
    return Scenario.model_validate(base_data(**overrides))


def planted_driver_data(**overrides: Any) -> dict[str, Any]:
    """A scenario where one uncertain coefficient alone decides which policy keeps trust.

    ``engaged`` runs a strategic dialogue (trust up) with a military presence
    (a footprint: trust down by ``footprint_trust`` x footprint x sensitivity
    each month); ``aloof`` does nothing. Below ``footprint_trust`` of about
    0.0037 the dialogue wins and ``engaged`` ends with more trust and meets
    ``keep_trust``; above it the footprint wins and it does neither. The other
    two uncertainties do not act on trust at all.
    """
    return base_data(
        horizon=24,
        replications=2,
        partners=[
            {
                "id": "alpha",
                "name": "Alpha",
                "capacity": 0.3,
                "trust": 0.6,
                "cooperation": 0.4,
                "stability": 0.5,
                "resilience": 0.3,
                "sensitivity": 0.9,
            }
        ],
        initiatives=[
            {"id": "presence", "kind": "military_presence", "partners": ["alpha"], "cycle": 1},
            {"id": "talks", "kind": "strategic_dialogue", "partners": ["alpha"], "cycle": 3},
        ],
        policies=[
            {"id": "engaged", "levers": {"presence": 1.0, "talks": 1.0}},
            {"id": "aloof", "levers": {"presence": 0.0, "talks": 0.0}},
        ],
        objectives=[
            {
                "id": "keep_trust",
                "description": "Alpha trusts the alliance at least as much as at the start.",
                "condition": "alpha.trust >= 0.6",
                "check": "end",
            }
        ],
        uncertainties=[
            {"target": "model.footprint_trust", "low": 0.0, "high": 0.008},
            {"target": "model.coop_rate", "low": 0.04, "high": 0.12},
            {"target": "alpha.resilience", "low": 0.2, "high": 0.4},
        ],
        **overrides,
    )
