"""Time the explore analyses on synthetic results: sensitivity estimators, discovery, the report.

    python bench/explore_analysis.py [--points 64] [--params 8]

Prints the load average, then the best of three wall times (one for delta) of: the binned
first-order index with its bootstrap (what the report uses for Latin
hypercube points), SALib's given-data ``delta`` on the same points (the
alternative considered), CART discovery, and the whole analysis
(``sim.explore.findings.analyse``) for two policies and seven KPIs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
from collections.abc import Callable

import numpy as np

from sim.explore.discovery import discover
from sim.explore.findings import analyse
from sim.explore.sensitivity import sensitivity
from sim.explore.store import ExploreData

KPIS = (
    "final_stability",
    "mean_stability",
    "final_capacity",
    "final_trust",
    "final_cooperation",
    "incidents.total",
    "cost",
)


def best_of(fn: Callable[[], object], n: int = 3) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--params", type=int, default=8)
    args = parser.parse_args()
    n, k = args.points, args.params
    rng = np.random.default_rng(0)
    X = rng.random((n, k))
    y = np.where(X[:, 0] > 0.5, 0.2, 0.0) + rng.normal(0, 0.01, n)
    names = [f"model.x{i}" for i in range(k)]
    print(f"load average {os.getloadavg()[0]:.2f}; {n} points, {k} parameters")

    binned = best_of(lambda: sensitivity("y", X, names, y))
    print(f"binned first-order index + bootstrap   {binned:8.3f} s")

    def delta() -> None:
        from SALib.analyze import delta as salib_delta

        problem = {"num_vars": k, "names": names, "bounds": [[0.0, 1.0]] * k}
        with contextlib.redirect_stdout(io.StringIO()):
            salib_delta.analyze(problem, X, y, seed=1, method="delta")

    # One run: it takes seconds to minutes, and prints notices of its own on stderr.
    print(f"SALib delta (method='delta')           {best_of(delta, 1):8.3f} s")
    cart = best_of(lambda: discover(X, names, y > 0.1))
    print(f"CART discovery                         {cart:8.3f} s")
    kpis = {name: np.column_stack([y, 0.1 - y]) + i for i, name in enumerate(KPIS)}
    data = ExploreData(names, X, ["a", "b"], kpis, {"o": np.column_stack([y > 0.1, y < 0.1]) * 1.0})
    print(f"whole analysis (2 policies, 7 KPIs)    {best_of(lambda: analyse(data)):8.3f} s")


if __name__ == "__main__":
    main()
