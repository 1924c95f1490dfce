"""Benchmark: peak memory (RSS) of an exploration at 64 and 512 points.

Each point count runs in a fresh subprocess that runs the exploration in
process (:func:`sim.explore.execute.explore`: every policy at every point,
per-point checkpoint files, the Parquet results file written in point order)
and reports its own peak RSS (``ru_maxrss``). Per-point summaries are
streamed to disk, so memory should not grow with the point count. The
default scenario is ``bench/short_horizon.yaml`` (the flagship cut to 12
months) with few replications, so 512 points take about a minute; memory per
point in the parent does not depend on the horizon or the replication count.
Target: RSS at 512 points <= 1.3x RSS at 64.

    python bench/explore_memory.py [--points 64 512] [--replications 2] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(args: argparse.Namespace) -> None:
    from sim.explore.execute import build_spec, explore
    from sim.runs.executors import make_executor
    from sim.scenario.exploration import uncertainties_of
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(args.scenario)
    spec = build_spec(
        scenario,
        uncertainties_of(scenario),
        samples=args.child,
        replications=args.replications,
        seed=1,
    )
    with tempfile.TemporaryDirectory() as out, make_executor(None, args.workers) as ex:
        start = time.perf_counter()
        done = explore(spec, Path(out) / "points.parquet", executor=ex, checkpoint=Path(out) / "c")
        seconds = time.perf_counter() - start
        size = done.path.stat().st_size
    print(
        json.dumps(
            {
                "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "seconds": seconds,
                "runs": done.work.runs,
                "file_kb": size / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "bench" / "short_horizon.yaml")
    parser.add_argument("--points", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(
        f"scenario {args.scenario.name}, replications {args.replications}, workers {args.workers}"
    )
    head = ("points", "runs", "peak RSS MB", "file KB", "seconds", "vs first")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, (8, 8, 12, 8, 8, 8), strict=True)))
    first = None
    for n in args.points:
        cmd = [sys.executable, __file__, "--child", str(n), "--scenario", str(args.scenario)]
        cmd += ["--replications", str(args.replications), "--workers", str(args.workers)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            sys.exit(f"exploration of {n} points failed:\n{proc.stderr}")
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        parent = m["self_kb"] / 1024
        first = first or parent
        print(
            f"{n:>8,} {m['runs']:>8,} {parent:>12.1f} {m['file_kb']:>8.1f} "
            f"{m['seconds']:>8.1f} {parent / first:>7.2f}x"
        )
    print(f"load average (1m) {os.getloadavg()[0]:.2f}; target: 512 points <= 1.3x 64")


if __name__ == "__main__":
    main()
