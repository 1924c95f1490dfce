"""Benchmark 5: the cost of the strict checks' trial run on every shipped scenario.

Runs :func:`sim.authoring.informative.run` (what ``ttx validate --strict``
and ``tests/test_library.py`` run) on each scenario: the CPU time of a serial
run, then the wall time of the whole library on a process pool. Target: the
library test under 60 s on 2 cores.

    python bench/strict_trial.py [--replications 60] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sim.authoring import informative
from sim.runs.executors import ProcessExecutor, SerialExecutor, cpu_count
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=60)
    parser.add_argument("--workers", type=int, default=cpu_count())
    args = parser.parse_args()
    scenarios = [load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    print(f"load average {os.getloadavg()[0]:.1f}, {args.replications} replications per arm")
    total = 0.0
    for s in scenarios:
        started = time.process_time()
        trial = informative.run(s, replications=args.replications, executor=SerialExecutor())
        cpu = time.process_time() - started
        total += cpu
        arms = len(trial.policies) + sum(
            t is not trial.policies[trial.default] for t in trial.options.values()
        )
        print(f"{s.id:28} {arms:2} arms  {cpu:6.2f} s CPU (serial)")
    print(f"{'all scenarios':28}          {total:6.2f} s CPU (serial)")
    with ProcessExecutor(args.workers) as ex:
        started = time.perf_counter()
        for s in scenarios:
            informative.run(s, replications=args.replications, executor=ex)
        wall = time.perf_counter() - started
    print(f"{'all scenarios':28}          {wall:6.2f} s wall ({args.workers} workers)")


if __name__ == "__main__":
    main()
