"""Fold replication results into the ``results`` part of a run report.

The report keeps, per KPI, every replication's value (a few floats each), so
two runs on the same seeds can later be compared pair by pair; monthly
series are reduced to a mean and percentile bands. Folding happens in
replication-index order, so the result is the same however replications
were computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine import OUTCOMES, ReplicationResult, series_names
from sim.plan import Plan
from sim.schema import Scenario
from sim.stats import RunningStats, summarize, wilson_interval

BANDS = (5, 25, 50, 75, 95)
PERCENTILE_METHOD = "exact: numpy 'linear' (Hyndman-Fan type 7) over all replications"


class Aggregator:
    """Accumulates replications (added in index order) into report results."""

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.scenario = scenario
        self.plan = plan
        self.names = series_names(plan)
        self.kpi_values: dict[str, list[float]] = {}
        self.objective_values: dict[str, list[bool]] = {o.id: [] for o in scenario.objectives}
        self.decisions: dict[str, dict[str, int]] = {}
        self.running = RunningStats()
        self.series: list[np.ndarray] = []
        self.count = 0

    def add(self, result: ReplicationResult) -> None:
        self.count += 1
        for name, value in result.kpis.items():
            self.kpi_values.setdefault(name, []).append(value)
        for oid, ok in result.objectives.items():
            self.objective_values[oid].append(ok)
        for inject, option, _month in result.decisions:
            counts = self.decisions.setdefault(inject, {})
            counts[option] = counts.get(option, 0) + 1
        self.running.add(result.series)
        self.series.append(result.series.astype(np.float32))

    def results(self, *, seed: int, scenario_hash: str) -> dict[str, Any]:
        if not self.count:
            raise ValueError("no replications to aggregate")
        s, plan = self.scenario, self.plan
        kpis = {
            name: {**summarize(values).to_dict(), "values": values}
            for name, values in sorted(self.kpi_values.items())
        }
        objectives = {}
        for o in s.objectives:
            values = self.objective_values[o.id]
            prop = wilson_interval(sum(values), len(values)).to_dict()
            objectives[o.id] = {
                "description": o.description,
                "condition": o.condition,
                "check": o.check,
                "month": o.month,
                **prop,
                "values": [int(v) for v in values],
            }
        stack = np.stack(self.series)
        bands = np.percentile(stack, BANDS, axis=0)
        mean = self.running.mean
        series = {}
        for j, name in enumerate(self.names):
            entry = {"mean": [float(x) for x in mean[:, j]]}
            for b, band in zip(BANDS, bands, strict=True):
                entry[f"p{b}"] = [float(x) for x in band[:, j]]
            series[name] = entry
        incidents = {
            kind: {o: kpis[f"incidents.{kind}.{o}"]["mean"] for o in OUTCOMES}
            for kind in plan.threat_kinds
        }
        return {
            "scenario": {
                "id": s.id,
                "title": s.title,
                "hash": scenario_hash,
                "horizon": s.horizon,
                "partners": {p.id: p.name for p in s.partners},
                "rivalries": [r.id for r in s.rivalries],
            },
            "policy": {"id": plan.policy_id, "title": _policy_title(s, plan.policy_id)},
            "seed": seed,
            "replications": self.count,
            "kpis": kpis,
            "objectives": objectives,
            "months": list(range(s.horizon + 1)),
            "series": series,
            "incidents": incidents,
            "decisions": {k: dict(sorted(v.items())) for k, v in sorted(self.decisions.items())},
            "percentile_method": PERCENTILE_METHOD,
        }


def _policy_title(s: Scenario, policy_id: str) -> str:
    for p in s.policies:
        if p.id == policy_id:
            return p.title or p.id
    return policy_id
