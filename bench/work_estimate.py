"""Benchmark 6: the work estimate against what the engine does, and what a refusal costs.

For each shipped scenario, and for growing versions of the issue's crowded
example (N partners under one threat at rate R), prints the estimated events
of one replication (:mod:`sim.runs.budget`), SimPy's own event count, one
replication's wall time and the implied events/s; then the time ``ttx run``
takes to refuse the 50-partner, rate-30, 240-month scenario (the estimate and
the message, no simulation).

    python bench/work_estimate.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.runs import budget
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[1]


def crowded(partners: int, rate: float, horizon: int) -> dict[str, Any]:
    people = [
        {
            "id": f"p{i}",
            "name": f"P{i}",
            "capacity": 0.3,
            "trust": 0.5,
            "cooperation": 0.4,
            "stability": 0.5,
            "resilience": 0.3,
        }
        for i in range(partners)
    ]
    return {
        "id": "crowded",
        "title": "Crowded",
        "sources": ["Enhancing regional capacity-building efforts"],
        "horizon": horizon,
        "partners": people,
        "threats": [
            {
                "id": "cells",
                "kind": "insurgency",
                "targets": [p["id"] for p in people],
                "rate": rate,
            }
        ],
        "policies": [{"id": "none"}],
    }


def row(name: str, scenario: Scenario) -> None:
    plan = compile_plan(scenario, scenario.policy())
    work = budget.estimate(plan)
    started = time.perf_counter()
    events = simulate(plan, 1).events
    took = time.perf_counter() - started
    print(
        f"{name:28} {work.events:>9,} {events:>9,} {events / work.events:6.2f} "
        f"{took * 1000:9.1f} {events / took:10,.0f}"
    )


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        f"{'scenario':28} {'estimate':>9} {'simpy':>9} {'ratio':>6} {'ms/rep':>9} {'events/s':>10}"
    )
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        row(path.stem, load_scenario(path))
    for partners, rate, horizon in [(5, 3, 120), (10, 5, 120), (20, 10, 120), (50, 30, 24)]:
        data = crowded(partners, rate, horizon)
        row(f"crowded {partners}x{rate}x{horizon}", Scenario.model_validate(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crowded.yaml"
        path.write_text(yaml.safe_dump(crowded(50, 30, 240)))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "sim", "run", str(path), "--out", str(Path(tmp) / "o")],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - started
    print(f"\nrefusing 50 partners x rate 30 x 240 months: exit {done.returncode} in {took:.2f} s")
    print(done.stderr.strip())


if __name__ == "__main__":
    main()
