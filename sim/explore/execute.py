"""Run every policy at every point of a design, on common seeds, through the run executors.

One point is one picklable task (:class:`PointTask`, run by :func:`run_point`):
the scenario with the point's values applied, then each policy for
replications ``0..R-1`` seeded exactly as ``ttx run`` seeds them from the
exploration seed. The seeds are the same at every point and for every
policy (common random numbers), so a difference between two policies, or
between two points, is the numbers' doing and not the dice's.

:func:`explore` maps the tasks over any executor of :mod:`sim.runs.executors`
(serial, process pool, Dask), stores each finished point in a checkpoint
folder if given, and writes the results file in point order through a small
reorder buffer, so the file is byte-identical whatever executor, worker
count or interruption produced it, and memory does not grow with the point
count. Progress is counted in replications against a total fixed before the
first task starts (:func:`work_estimate`), so a progress bar can show an ETA.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from sim.analysis.kpis import HEADLINE
from sim.errors import TtxError
from sim.explore.checkpoint import PointCheckpoint
from sim.explore.design import Design, draw
from sim.explore.store import PointResult, PointWriter, PolicySummary
from sim.model.engine import simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs.checkpoint import content_hash
from sim.runs.executors import Executor, SerialExecutor
from sim.runs.spec import scenario_policy
from sim.scenario.exploration import apply_point
from sim.scenario.models import Scenario
from sim.scenario.policies import BLUE
from sim.scenario.ranges import Uncertainty
from sim.version import __version__

Progress = Callable[[int, int], None]
DEFAULT_SAMPLES = 64
DEFAULT_REPLICATIONS = 20


@dataclass(frozen=True)
class ExploreSpec:
    """What an exploration computes.

    Attributes:
        scenario: The validated scenario (its own values; points replace some).
        policies: Policy ids, in the order the results list them.
        design: The points.
        replications: Replications per policy per point.
        seed: The exploration seed: replication ``k`` gets the seed ``ttx run``
            would give it with this run seed, at every point and for every policy.
        scenario_hash: Hash of the scenario file, recorded in the results.
        kpis: KPIs recorded (means over the replications); default the headline KPIs.
    """

    scenario: Scenario
    policies: tuple[str, ...]
    design: Design
    replications: int
    seed: int
    scenario_hash: str = ""
    kpis: tuple[str, ...] = HEADLINE

    @property
    def objectives(self) -> tuple[str, ...]:
        """The scenario's objective ids."""
        return tuple(o.id for o in self.scenario.objectives)

    def metadata(self) -> dict[str, Any]:
        """The results file's design metadata (JSON-ready)."""
        return {
            **self.design.metadata(),
            "replications": self.replications,
            "seed": self.seed,
            "design_seed": self.design.seed,
            "scenario_hash": self.scenario_hash,
            "scenario_id": self.scenario.id,
            "scenario_title": self.scenario.title,
            "horizon": self.scenario.horizon,
            "policies": list(self.policies),
            "kpis": list(self.kpis),
            "objectives": list(self.objectives),
        }

    def identity(self) -> dict[str, Any]:
        """What determines the results: a checkpoint written for anything else is refused."""
        return {
            "scenario": content_hash(self.scenario),
            "policies": list(self.policies),
            "replications": self.replications,
            "seed": self.seed,
            "design": self.design.metadata(),
            "kpis": list(self.kpis),
            "ttx_version": __version__,
        }


def build_spec(
    scenario: Scenario,
    space: Sequence[Uncertainty],
    *,
    policies: Sequence[str] | None = None,
    samples: int = DEFAULT_SAMPLES,
    method: str = "lhs",
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    scenario_hash: str = "",
) -> ExploreSpec:
    """An exploration of ``scenario`` over ``space``, defaults resolved once.

    Args:
        policies: Policy ids (None: every blue policy, in scenario order).
        samples: Points (base points for ``sobol``, trajectories for ``morris``).
        method: The design (:data:`~sim.explore.design.METHODS`).
        replications: Replications per policy per point.
        seed: Seed of the design and of the replications (default: the scenario's).

    Raises:
        UnknownPolicy: A policy id the scenario does not have.
        DesignError: A design that cannot be drawn.
    """
    if policies is None:
        ids = tuple(p.id for p in scenario.policies if p.cell == BLUE)
    else:
        ids = tuple(dict.fromkeys(policies))
        for policy_id in ids:
            scenario_policy(scenario, policy_id)
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    run_seed = scenario.seed if seed is None else seed
    design = draw(space, method, samples, run_seed)
    return ExploreSpec(scenario, ids, design, replications, run_seed, scenario_hash)


@dataclass(frozen=True)
class Work:
    """The size of an exploration, known before it starts."""

    points: int
    policies: int
    replications: int
    horizon: int

    @property
    def runs(self) -> int:
        """Replications in all: points x policies x replications (the progress unit)."""
        return self.points * self.policies * self.replications

    @property
    def replication_months(self) -> int:
        """Simulated months in all."""
        return self.runs * self.horizon


def work_estimate(spec: ExploreSpec) -> Work:
    """How much an exploration computes."""
    return Work(spec.design.points, len(spec.policies), spec.replications, spec.scenario.horizon)


@dataclass(frozen=True)
class PointTask:
    """One point: every policy, replications ``0..replications-1`` (picklable)."""

    scenario: Scenario
    policies: tuple[str, ...]
    point: int
    values: tuple[tuple[str, float], ...]
    replications: int
    seed: int
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class PointFailure:
    """A replication that raised at one point: what reproduces it."""

    point: int
    policy: str
    index: int
    seed: int
    message: str


def run_point(task: PointTask) -> PointResult | PointFailure:
    """Run one point in a worker and summarise it (means over the replications).

    Sums are taken with :func:`math.fsum` in replication order, so a summary
    does not depend on where it was computed.
    """
    scenario = apply_point(task.scenario, dict(task.values))
    objectives = [o.id for o in scenario.objectives]
    summaries = []
    for policy_id in task.policies:
        plan = compile_plan(scenario, scenario.policy(policy_id))
        kpis: dict[str, list[float]] = {k: [] for k in task.kpis}
        met: dict[str, int] = dict.fromkeys(objectives, 0)
        for k in range(task.replications):
            seed = replication_seed(task.seed, k)
            try:
                result = simulate(plan, seed)
            except Exception as exc:
                return PointFailure(task.point, policy_id, k, seed, f"{type(exc).__name__}: {exc}")
            for name, values in kpis.items():
                values.append(float(result.kpis.get(name, math.nan)))
            for o in objectives:
                met[o] += bool(result.objectives.get(o, False))
        n = task.replications
        summaries.append(
            PolicySummary(
                policy_id,
                {name: math.fsum(values) / n for name, values in kpis.items()},
                {o: met[o] / n for o in objectives},
            )
        )
    return PointResult(task.point, [v for _, v in task.values], summaries)


class _Tasks(Sequence[PointTask]):
    """The tasks of the points still to run, made on demand (nothing per point is held)."""

    def __init__(self, spec: ExploreSpec, todo: Sequence[int]) -> None:
        self.spec, self.todo = spec, todo

    def __len__(self) -> int:
        return len(self.todo)

    @overload
    def __getitem__(self, i: int) -> PointTask: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[PointTask]: ...
    def __getitem__(self, i: int | slice) -> PointTask | Sequence[PointTask]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        s, point = self.spec, self.todo[i]
        return PointTask(
            s.scenario,
            s.policies,
            point,
            tuple(s.design.point(point).items()),
            s.replications,
            s.seed,
            s.kpis,
        )


class ExploreFailed(TtxError):
    """Replications raised at some points; the other points finished.

    Attributes:
        failures: One :class:`PointFailure` per failed point, by point.
    """

    def __init__(self, failures: list[PointFailure]) -> None:
        self.failures = sorted(failures, key=lambda f: f.point)
        first = self.failures[0]
        more = f" (and {len(failures) - 1} more points)" if len(failures) > 1 else ""
        super().__init__(
            f"point {first.point}, policy '{first.policy}': replication {first.index} "
            f"(seed {first.seed}) failed: {first.message}{more}"
        )


@dataclass(frozen=True)
class Explored:
    """What :func:`explore` did.

    Attributes:
        path: The results file.
        work: The size of the exploration.
        resumed: Points read back from the checkpoint rather than run.
        executor: Executor name; ``workers`` its worker count.
        duration_s: Wall time.
    """

    path: Path
    work: Work
    resumed: int
    executor: str
    workers: int
    duration_s: float


def explore(
    spec: ExploreSpec,
    out: Path,
    *,
    executor: Executor | None = None,
    checkpoint: Path | None = None,
    progress: Progress | None = None,
) -> Explored:
    """Run the exploration and write its results file ``out`` (Parquet, point order).

    Args:
        spec: What to compute.
        out: The results file; written to a temporary name and renamed when complete.
        executor: Where points run (default: serially here); the caller closes it.
        checkpoint: Folder for finished points; the same call again resumes.
        progress: Called with (replications done, total) - first with what a
            checkpoint already holds, then after each point.

    Raises:
        ExploreFailed: A replication raised (the other points are checkpointed).
        ExploreCheckpointError: The checkpoint belongs to another exploration.
    """
    started = time.perf_counter()
    ex = executor or SerialExecutor()
    work = work_estimate(spec)
    per_point = work.policies * work.replications
    store = PointCheckpoint(checkpoint, spec.identity()) if checkpoint is not None else None
    done = store.finished() if store is not None else set()
    done &= set(range(work.points))
    todo = [i for i in range(work.points) if i not in done]
    if progress is not None:
        progress(len(done) * per_point, work.runs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    failures: list[PointFailure] = []
    arrived: dict[int, PointResult] = {}
    next_point, finished = 0, len(done)
    writer = PointWriter(tmp, spec.design.params, spec.kpis, spec.objectives, spec.metadata())
    try:
        for _, outcome in ex.map(run_point, _Tasks(spec, todo)):
            if isinstance(outcome, PointFailure):
                failures.append(outcome)
                continue
            if store is not None:
                store.save(outcome)
            arrived[outcome.point] = outcome
            finished += 1
            if progress is not None:
                progress(finished * per_point, work.runs)
            while next_point < work.points and not failures:
                if next_point in arrived:
                    writer.write(arrived.pop(next_point))
                elif next_point in done and store is not None:
                    writer.write(store.load(next_point))
                else:
                    break
                next_point += 1
        if failures:
            raise ExploreFailed(failures)
        while next_point < work.points and store is not None and next_point in done:
            writer.write(store.load(next_point))
            next_point += 1
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        writer.abandon()
        tmp.unlink(missing_ok=True)
        raise
    return Explored(
        out,
        work,
        len(done),
        ex.name,
        ex.workers,
        time.perf_counter() - started,
    )
