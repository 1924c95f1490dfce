"""Benchmark 1: the engine's SimPy event rate against a bare SimPy timeout loop.

Runs one replication of a scenario (default: the flagship, 120 months) over
and over for a fixed time budget and divides SimPy's event count (the engine
reports ``events``) by the wall time of :func:`sim.engine.simulate` — set-up,
events and KPIs included. In the same process it times a bare SimPy loop of
timeouts, and prints both rates and their ratio (target >= 0.35).

    python bench/engine_rate.py [SCENARIO] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import simpy

from sim.engine import simulate
from sim.loader import load_scenario
from sim.plan import compile_plan
from sim.rng import replication_seed

ROOT = Path(__file__).resolve().parents[1]


def bare_rate(events: int = 200_000, repeats: int = 5) -> float:
    """Best events/s of a bare SimPy process yielding ``events`` timeouts."""
    best = 0.0
    for _ in range(repeats):
        env = simpy.Environment()

        def ticker(env: simpy.Environment = env) -> simpy.events.ProcessGenerator:
            for _ in range(events):
                yield env.timeout(1)

        env.process(ticker())
        start = time.perf_counter()
        env.run()
        elapsed = time.perf_counter() - start
        best = max(best, next(env._eid) / elapsed)
    return best


def engine_rate(scenario_path: Path, seconds: float) -> tuple[float, int, float]:
    """Best events/s of whole replications of the scenario; also events and ms per replication."""
    scenario = load_scenario(scenario_path)
    plan = compile_plan(scenario, None)
    seed = replication_seed(scenario.seed, 0)
    best, events, best_time = 0.0, 0, float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        result = simulate(plan, seed)
        elapsed = time.perf_counter() - start
        events = result.events
        best_time = min(best_time, elapsed)
        best = max(best, events / elapsed)
    return best, events, best_time * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="?", type=Path, default=ROOT / "scenarios" / "iraq_training_mission.yaml"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget per measurement")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    bare = bare_rate()
    rate, events, ms = engine_rate(args.scenario, args.seconds)
    print(f"scenario            {args.scenario.name}")
    print(f"events/replication  {events}")
    print(f"replication time    {ms:.2f} ms (best)")
    print(f"engine rate         {rate:,.0f} events/s")
    print(f"bare SimPy rate     {bare:,.0f} events/s")
    print(f"ratio               {rate / bare:.3f}  (target >= 0.35)")
    print(f"load average (1m)   {load:.2f}")


if __name__ == "__main__":
    main()
