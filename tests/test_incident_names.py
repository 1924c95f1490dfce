"""Incident names mean the same in conditions and in KPIs.

A scenario author writes ``incidents.disinformation < 10`` in an objective and
reads ``incidents.disinformation`` in the report; both must count the same
incidents, so every name the condition language accepts is checked against
the KPI of that name at the end of a replication.
"""

from __future__ import annotations

import pytest

from factories import base_data
from sim.model.engine import Replication
from sim.model.plan import compile_plan
from sim.scenario.conditions import compile_condition
from sim.scenario.models import Scenario
from sim.scenario.references import symbols_of
from sim.scenario.vocabulary import THREAT_KINDS, incident_names


def _every_kind() -> Scenario:
    return Scenario.model_validate(
        base_data(
            horizon=48,
            threats=[
                {"id": f"t_{k}", "kind": k, "targets": ["alpha"], "rate": 1.0} for k in THREAT_KINDS
            ],
            initiatives=[
                {"id": "comms", "kind": "strategic_communication", "partners": ["alpha"]},
                {"id": "train", "kind": "training_mission", "partners": ["alpha"]},
            ],
            policies=[{"id": "all", "levers": {"comms": 1, "train": 1}}],
        )
    )


def test_every_incident_name_of_conditions_is_the_kpi_with_the_same_value() -> None:
    s = _every_kind()
    rep = Replication(compile_plan(s, "all"), 11)
    result = rep.run()
    symbols = symbols_of(s)
    names = incident_names()
    assert "incidents.disinformation.mitigated" in names and "harm.total" in names
    for name in names:
        (leaf,) = compile_condition(f"{name} >= 0", symbols).root.children()[:1]
        assert leaf(rep.world) == result.kpis[name], name
    # Succeeded, mitigated and interdicted make up every attempt, kind by kind.
    for kind in (*THREAT_KINDS, "total"):
        parts = [f"incidents.{kind}", f"incidents.{kind}.mitigated"]
        parts.append(f"incidents.{kind}.interdicted")
        total = sum(result.kpis[p] for p in parts)
        assert total == result.kpis[f"incidents.{kind}.attempted"] > 0, kind
    assert result.kpis["incidents.disinformation.mitigated"] > 0


@pytest.mark.parametrize("kind", THREAT_KINDS)
def test_harm_is_done_only_by_incidents_that_succeed(kind: str) -> None:
    s = _every_kind()
    result = Replication(compile_plan(s, "all"), 3).run()
    assert (result.kpis[f"harm.{kind}"] > 0) == (result.kpis[f"incidents.{kind}"] > 0)
