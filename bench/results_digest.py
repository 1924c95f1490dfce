"""Guard for speed work: a digest of what every shipped scenario computes.

Runs every scenario in ``scenarios/`` under each of its policies (fixed seed,
a few dozen replications, serially) and prints, per (scenario, policy), a
sha256 of the canonical JSON of the run's ``results`` and a sha256 of the
engine's raw output for the first replications (KPIs, objectives, monthly
series bytes, event log, decisions, SimPy event count), then one digest over
everything. Speed work must leave every line unchanged: record the output
before a change and diff it after.

    python bench/results_digest.py [--replications 30] [--seed 20261130] > digests.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _plain(value: Any) -> Any:
    """JSON for numpy values, so the digest does not depend on how results hold numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def canonical(results: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, numbers as Python writes them."""
    return json.dumps(results, sort_keys=True, default=_plain).encode()


def engine_digest(plan: Any, run_seed: int, count: int) -> str:
    """The raw output of the first ``count`` replications, hashed."""
    h = hashlib.sha256()
    for k in range(count):
        r = simulate(plan, replication_seed(run_seed, k))
        h.update(json.dumps(r.kpis, sort_keys=True).encode())
        h.update(json.dumps(r.objectives, sort_keys=True).encode())
        h.update(r.series.tobytes())
        h.update(repr(r.log).encode())
        h.update(repr(r.decisions).encode())
        h.update(str(r.events).encode())
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--engine-replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    total = hashlib.sha256()
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        for policy in scenario.policies:
            spec = RunSpec.of(scenario, policy.id, replications=args.replications, seed=args.seed)
            results = run(spec).results
            r_digest = hashlib.sha256(canonical(results)).hexdigest()
            plan = compile_plan(scenario, spec.policy)
            e_digest = engine_digest(plan, args.seed, args.engine_replications)
            total.update(f"{r_digest}{e_digest}".encode())
            print(f"{path.stem:28} {policy.id:24} results {r_digest[:16]}  engine {e_digest[:16]}")
    print(f"{'all':53} {total.hexdigest()}")


if __name__ == "__main__":
    main()
