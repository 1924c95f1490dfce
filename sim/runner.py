"""Run replications of a scenario under a policy and build the run report.

``run_replication`` is the one picklable unit of work (scenario, policy,
seed) -> result; the runner maps it over replication indices, each with a
seed derived from the run seed and its index only, and folds results in
index order.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sim import __version__
from sim.aggregate import Aggregator
from sim.engine import Decider, ReplicationResult, simulate
from sim.errors import TtxError
from sim.plan import Plan, compile_plan
from sim.rng import replication_seed
from sim.schema import Policy, Scenario

SCHEMA_VERSION = 1
Progress = Callable[[int, int], None]


class ReplicationFailed(TtxError):
    """A replication raised; says how to reproduce it alone."""

    def __init__(
        self, scenario: str, policy: str, index: int, seed: int, run_seed: int, cause: BaseException
    ) -> None:
        self.index, self.seed = index, seed
        super().__init__(
            f"replication {index} (seed {seed}) of scenario '{scenario}', policy '{policy}' "
            f"failed: {type(cause).__name__}: {cause}. Reproduce it alone with: ttx run FILE "
            f"--policy {policy} --seed {run_seed} --replication {index}"
        )


def run_replication(
    scenario: Scenario, policy: Policy | str | None, seed: int, decider: Decider | None = None
) -> ReplicationResult:
    """One replication of ``scenario`` under ``policy`` with replication seed ``seed``."""
    return simulate(compile_plan(scenario, policy), seed, decider)


@dataclass
class RunReport:
    """A run report: reproducible ``results`` and incidental ``meta``."""

    results: dict[str, Any]
    meta: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "run",
            "results": self.results,
            "meta": self.meta,
        }


def replicate(plan: Plan, index: int, run_seed: int) -> ReplicationResult:
    """Replication ``index`` of a run seeded ``run_seed``, with a reproducible error."""
    seed = replication_seed(run_seed, index)
    try:
        return simulate(plan, seed)
    except Exception as exc:
        raise ReplicationFailed(
            plan.scenario_id, plan.policy_id, index, seed, run_seed, exc
        ) from exc


def run(
    scenario: Scenario,
    policy: Policy | str | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    scenario_hash: str = "",
    progress: Progress | None = None,
    indices: range | None = None,
) -> RunReport:
    """Run replications serially and aggregate them into a :class:`RunReport`."""
    started = time.perf_counter()
    plan = compile_plan(scenario, policy)
    n = scenario.replications if replications is None else replications
    run_seed = scenario.seed if seed is None else seed
    todo = range(n) if indices is None else indices
    agg = Aggregator(scenario, plan)
    for done, k in enumerate(todo, 1):
        agg.add(replicate(plan, k, run_seed))
        if progress is not None:
            progress(done, len(todo))
    results = agg.results(seed=run_seed, scenario_hash=scenario_hash)
    if indices is not None:
        results["replication_indices"] = list(todo)
    meta = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "ttx_version": __version__,
        "duration_s": round(time.perf_counter() - started, 3),
        "host": platform.node(),
        "python": platform.python_version(),
        "executor": "serial",
    }
    return RunReport(results, meta)
