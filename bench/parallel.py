"""Benchmark 2: replications per second, serial against a local process pool.

Runs the same replications (default: 2,000 of the flagship scenario) with the
serial executor and with ``--workers 2`` (start-up of the pool included, as a
user sees it), checks that both give the same ``results`` bytes, and prints
both rates and the speedup (target >= 1.8x on 2 cores).

    python bench/parallel.py [SCENARIO] [--replications 2000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sim.loader import load_scenario
from sim.report.files import results_bytes
from sim.runner import run

ROOT = Path(__file__).resolve().parents[1]


def timed(**kwargs: object) -> tuple[float, bytes]:
    start = time.perf_counter()
    report = run(**kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - start, results_bytes(report.to_dict())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="?", type=Path, default=ROOT / "scenarios" / "iraq_training_mission.yaml"
    )
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    n = args.replications
    load_before = os.getloadavg()[0]
    serial_s, serial_bytes = timed(scenario=scenario, replications=n, executor="serial")
    pool_s, pool_bytes = timed(
        scenario=scenario, replications=n, executor="processes", workers=args.workers
    )
    print(f"scenario          {args.scenario.name}, {n} replications")
    print(f"serial            {serial_s:6.1f} s  {n / serial_s:7.1f} replications/s")
    print(f"{args.workers} workers         {pool_s:6.1f} s  {n / pool_s:7.1f} replications/s")
    print(f"speedup           {serial_s / pool_s:.2f}x  (target >= 1.8x with 2 workers)")
    print(f"identical results {serial_bytes == pool_bytes}")
    print(f"load average (1m) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
