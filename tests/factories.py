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
