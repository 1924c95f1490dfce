"""Benchmark 4: wall time of ``ttx validate`` on a shipped scenario, as a subprocess.

Runs the command several times (a new interpreter each time, as a user
would) and prints the best and median wall times (target < 0.4 s), next to
two floors: an empty interpreter, and one importing typer and pydantic (which
any ttx command needs to parse arguments and validate a scenario).

    python bench/validate_time.py [SCENARIO] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command() -> list[str]:
    script = Path(sys.executable).with_name("ttx")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="?", type=Path, default=ROOT / "scenarios" / "iraq_training_mission.yaml"
    )
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    runs = {
        "ttx validate": [*command(), "validate", str(args.scenario)],
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "import typer, pydantic (floor)": [sys.executable, "-c", "import typer, pydantic"],
    }
    print(f"ttx validate {args.scenario.name}; best and median of {args.repeats} runs")
    for label, cmd in runs.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        print(f"{label:32} best {min(times):.3f} s  median {statistics.median(times):.3f} s")
    print("target: ttx validate < 0.4 s")
    print(f"load average (1m) {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
