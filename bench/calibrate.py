"""Calibration helper for scenario authors: is this scenario a meaningful exercise?

Runs every policy of a scenario over the same replication seeds (common random
numbers) and prints, per headline KPI and objective, each policy's mean and
the paired differences between policies with their 95% CIs. It then says
which policy pairs trade off (each better somewhere) and whether any policy
dominates another. Usage::

    python bench/calibrate.py scenarios/gulf_partnership.yaml [-n 100]

Not a test: a quick look while tuning numbers (a few seconds per scenario).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

import numpy as np

from sim.analysis.kpis import JUDGED, direction
from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.scenario.loader import load_scenario
from sim.scenario.vocabulary import THREAT_KINDS, incident_name
from sim.stats import paired_difference

HEADLINE = {k: direction(k) for k in JUDGED}  # +1 higher is better, -1 lower


#: Incidents that succeeded, per threat kind (``incidents.KIND``): the counts worth a look.
SUCCEEDED_BY_KIND = frozenset(incident_name(kind) for kind in THREAT_KINDS)


def extra(kpi: str) -> bool:
    """Further KPIs shown (not judged): per-partner finals, tensions, incidents that succeeded."""
    return ".final_" in kpi or kpi in SUCCEEDED_BY_KIND


def per_replication(path: str, n: int) -> tuple[dict[str, dict[str, np.ndarray]], list[str]]:
    """Values of each headline KPI and objective per policy, one per seed."""
    scenario = load_scenario(path)
    seeds = [replication_seed(scenario.seed, k) for k in range(n)]
    out: dict[str, dict[str, np.ndarray]] = {}
    for policy in scenario.policies:
        plan = compile_plan(scenario, policy.id)
        results = [simulate(plan, s) for s in seeds]
        names = [*HEADLINE, *(k for k in results[0].kpis if k not in HEADLINE and extra(k))]
        values = {k: np.array([r.kpis[k] for r in results]) for k in names}
        for obj in scenario.objectives:
            values[f"obj:{obj.id}"] = np.array([float(r.objectives[obj.id]) for r in results])
        out[policy.id] = values
    return out, [p.id for p in scenario.policies]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("-n", type=int, default=100, help="replications per policy")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    values, policies = per_replication(args.scenario, args.n)
    metrics = list(next(iter(values.values())))
    print(f"{args.scenario}: {args.n} replications x {len(policies)} policies")
    print(f"{'metric':28}" + "".join(f"{p:>18}" for p in policies))
    for m in metrics:
        print(f"{m:28}" + "".join(f"{values[p][m].mean():>18.3f}" for p in policies))
    print()
    for a, b in itertools.combinations(policies, 2):
        a_wins, b_wins, sig = [], [], []
        for m in (m for m in metrics if m in HEADLINE or m.startswith("obj:")):
            direction = HEADLINE.get(m, +1)
            d = paired_difference(values[a][m], values[b][m])
            if d.significant:
                sig.append(f"{m} {d.estimate:+.3f} [{d.ci_low:+.3f},{d.ci_high:+.3f}]")
            delta = direction * (values[b][m].mean() - values[a][m].mean())
            if delta > 0:
                b_wins.append(m)
            elif delta < 0:
                a_wins.append(m)
        verdict = "trade-off" if a_wins and b_wins else "DOMINATED"
        print(f"{a} vs {b}: {verdict}")
        print(f"   {a} better on: {', '.join(a_wins) or '-'}")
        print(f"   {b} better on: {', '.join(b_wins) or '-'}")
        print(f"   significant (b - a): {'; '.join(sig) or 'none'}")
    print(f"\n{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
