"""Benchmark 3: peak memory (RSS) of ``ttx run`` for 1,000, 10,000 and 100,000 replications.

Each count runs in a fresh subprocess that calls the ``ttx run`` command in
process and reports its own peak RSS (``ru_maxrss`` of itself: the parent,
which aggregates; workers fold one chunk at a time and hand it back, so
their memory does not grow with the run). The default scenario is ``bench/short_horizon.yaml`` (the
flagship cut to 12 months) so that 100,000 replications take minutes, not
hours; memory per replication in the parent does not depend on the horizon
except through the percentile sample, which is capped at 1,000 replications.

Per-replication KPI values grow linearly with the count, so the report keeps
them only with ``--kpi-values`` (default here: left out, as ``ttx run
--no-kpi-values``). Target: RSS at 100,000 <= 1.3x RSS at 1,000.

    python bench/memory.py [--counts 1000 10000 100000] [--workers 2] [--kpi-values]
                           [--format md]
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
    from sim.cli import main

    with tempfile.TemporaryDirectory() as out:
        argv = [
            "run",
            str(args.scenario),
            "--replications",
            str(args.child),
            "--quiet",
            "--out",
            out,
            "--workers",
            str(args.workers),
            "--kpi-values" if args.kpi_values else "--no-kpi-values",
        ]
        if args.format:
            argv += ["--format", args.format]
        start = time.perf_counter()
        try:
            main(argv)
        except SystemExit as exc:
            if exc.code:
                raise
        seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "seconds": seconds,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "bench" / "short_horizon.yaml")
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kpi-values", action="store_true")
    parser.add_argument(
        "--format", help="renderings besides report.json (ttx run --format; default: all)"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(
        f"scenario {args.scenario.name}, workers {args.workers}, kpi values {args.kpi_values}, "
        f"formats {args.format or 'md (ttx run default)'}"
    )
    print(f"{'replications':>12} {'peak RSS MB':>12} {'seconds':>8} {'vs first':>8}")
    first = None
    for n in args.counts:
        cmd = [sys.executable, __file__, "--child", str(n), "--scenario", str(args.scenario)]
        cmd += ["--workers", str(args.workers)] + (["--kpi-values"] if args.kpi_values else [])
        cmd += ["--format", args.format] if args.format else []
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            sys.exit(f"run of {n} failed:\n{proc.stderr}")
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        parent = m["self_kb"] / 1024
        first = first or parent
        print(f"{n:>12,} {parent:>12.1f} {m['seconds']:>8.1f} {parent / first:>7.2f}x")
    print(f"load average (1m) {os.getloadavg()[0]:.2f}; target: 100,000 <= 1.3x 1,000")


if __name__ == "__main__":
    main()
