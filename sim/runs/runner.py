"""Run replications of a scenario under a policy and build the run report.

``run_replication`` is the one picklable unit of work (scenario, policy,
seed) -> result. The runner splits a run's replication indices into chunks
whose size depends on the replication count only (:func:`default_chunk_size`),
hands chunks to an executor (:mod:`sim.runs.executors`: serial, a local process
pool or Dask), and merges the chunks' partial aggregates in chunk order
(:mod:`sim.runs.aggregate`). Replication ``k`` always gets the seed derived from
the run seed and ``k``, so ``results`` are byte-identical whatever executor
or worker count computed them; only ``meta`` says how they were computed.

A replication that raises does not stop the run: the other chunks finish,
and the run then raises :class:`RunFailed` naming each failed replication's
index and seed and the command that reproduces it alone, carrying a partial
report of what finished. With a checkpoint (:mod:`sim.runs.checkpoint`) every
complete chunk is stored as it arrives, and rerunning resumes.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import TtxError
from sim.model.engine import Decider, ReplicationResult, simulate
from sim.model.plan import Plan, compile_plan
from sim.model.streams import replication_seed
from sim.runs.aggregate import Aggregator, ChunkFolder, ChunkPartial, sample_stride
from sim.runs.checkpoint import Checkpoint, content_hash
from sim.runs.executors import Executor, make_executor
from sim.scenario.models import Policy, Scenario

SCHEMA_VERSION = 1
Progress = Callable[[int, int], None]
#: Test hook: when set to K, replication K raises (to exercise failure reporting).
FAIL_ENV = "TTX_FAIL_REPLICATION"
MIN_CHUNK, MAX_CHUNK = 20, 100


class ReplicationFailed(TtxError):
    """A replication raised; says how to reproduce it alone."""

    def __init__(
        self,
        scenario: str,
        policy: str,
        index: int,
        seed: int,
        run_seed: int,
        cause: BaseException | str,
        source: str = "FILE",
    ) -> None:
        self.index, self.seed = index, seed
        what = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
        super().__init__(
            f"replication {index} (seed {seed}) of scenario '{scenario}', policy '{policy}' "
            f"failed: {what}. Reproduce it alone with: ttx run {source} "
            f"--policy {policy} --seed {run_seed} --replication {index}"
        )


class RunFailed(TtxError):
    """Some replications of a run raised; the others finished.

    Attributes:
        failures: One :class:`ReplicationFailed` per failed replication.
        partial: A report over the replications that finished (``None`` if none did).
    """

    def __init__(
        self, failures: list[ReplicationFailed], partial: RunReport | None, note: str
    ) -> None:
        self.failures, self.partial = failures, partial
        lines = [str(f) for f in failures[:10]]
        if len(failures) > 10:
            lines.append(f"... and {len(failures) - 10} more")
        done = partial.results["replications"] if partial else 0
        super().__init__(
            f"{len(failures)} replication(s) failed; {done} finished{note}.\n" + "\n".join(lines)
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


def _fail_index() -> int | None:
    value = os.environ.get(FAIL_ENV, "").strip()
    return int(value) if value.isdigit() else None


def _simulate(plan: Plan, index: int, seed: int, fail_index: int | None) -> ReplicationResult:
    if index == fail_index:
        raise RuntimeError(f"forced failure ({FAIL_ENV}={index}, a test hook)")
    return simulate(plan, seed)


def replicate(plan: Plan, index: int, run_seed: int) -> ReplicationResult:
    """Replication ``index`` of a run seeded ``run_seed``, with a reproducible error."""
    seed = replication_seed(run_seed, index)
    try:
        return _simulate(plan, index, seed, _fail_index())
    except Exception as exc:
        raise ReplicationFailed(
            plan.scenario_id, plan.policy_id, index, seed, run_seed, exc
        ) from exc


@dataclass(frozen=True)
class Job:
    """What every chunk of a run shares (picklable: pydantic models pickle)."""

    scenario: Scenario
    policy: Policy
    run_seed: int
    stride: int
    fail_index: int | None = None


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of a run: replications ``indices`` of ``job``."""

    job: Job
    chunk: int
    indices: range


def run_chunk(task: ChunkTask) -> ChunkPartial:
    """Run one chunk (in a worker) and fold it into a partial aggregate.

    The plan is compiled once per chunk. A replication that raises is recorded
    as a failure and the chunk goes on, so one bad seed costs one replication.
    """
    job = task.job
    plan = compile_plan(job.scenario, job.policy)
    folder = ChunkFolder(task.chunk, job.stride)
    for k in task.indices:
        seed = replication_seed(job.run_seed, k)
        try:
            result = _simulate(plan, k, seed, job.fail_index)
        except Exception as exc:
            folder.fail(k, seed, f"{type(exc).__name__}: {exc}")
            continue
        folder.add(k, result)
    return folder.partial()


def default_chunk_size(replications: int) -> int:
    """Replications per chunk: about 40 chunks, within ``MIN_CHUNK..MAX_CHUNK``.

    Depends on the replication count only: the chunking fixes the order of
    floating-point merges, so it must not depend on the number of workers.
    At least 20 per chunk keeps per-chunk overhead (plan compilation, task
    transfer) negligible; at most 100 keeps progress and checkpoints fine-grained.
    """
    return min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(replications / 40)))


def chunks_of(todo: range, size: int) -> list[range]:
    """Split ``todo`` into consecutive ranges of ``size``."""
    return [todo[i : i + size] for i in range(0, len(todo), size)]


class _InOrder:
    """Merges chunk partials in chunk order, whatever order they arrive in.

    Out-of-order arrivals wait in a buffer (bounded by the executor's tasks in
    flight); chunks found in the checkpoint are read from disk when their turn
    comes, so a resumed run never holds them all at once.
    """

    def __init__(
        self, agg: Aggregator, total: int, stored: set[int], store: Checkpoint | None
    ) -> None:
        self.agg, self.total, self.stored, self.store = agg, total, stored, store
        self.buffer: dict[int, ChunkPartial] = {}
        self.next = 0

    def arrive(self, part: ChunkPartial) -> None:
        self.buffer[part.chunk] = part
        self.drain()

    def drain(self) -> None:
        while self.next < self.total:
            c = self.next
            if c in self.buffer:
                part = self.buffer.pop(c)
            elif c in self.stored and self.store is not None:
                part = self.store.load(c)
            else:
                return
            self.agg.merge(part)
            self.next += 1


def _meta(ex: Executor, started: float, chunks: int, resumed: int) -> dict[str, Any]:
    """How the results were computed (never part of ``results``)."""
    meta: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "ttx_version": __version__,
        "duration_s": round(time.perf_counter() - started, 3),
        "host": platform.node(),
        "python": platform.python_version(),
        "executor": ex.name,
        "workers": ex.workers,
        "chunks": chunks,
        "resumed_chunks": resumed,
    }
    scheduler = getattr(ex, "scheduler", None)
    if scheduler:
        meta["scheduler"] = scheduler
    return meta


def run(
    scenario: Scenario,
    policy: Policy | str | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    scenario_hash: str = "",
    progress: Progress | None = None,
    indices: range | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    checkpoint: Path | str | None = None,
    kpi_values: bool = True,
    source: str = "FILE",
) -> RunReport:
    """Run replications and aggregate them into a :class:`RunReport`.

    Args:
        scenario: The validated scenario.
        policy: A policy, a policy id of the scenario, or None for its default.
        replications: Replication count (default: the scenario's).
        seed: Run seed (default: the scenario's).
        scenario_hash: Hash of the scenario file, recorded in the results.
        progress: Called with ``(done, total)`` replications as chunks finish.
        indices: Run only these replication indices (to reproduce one).
        executor: ``"serial"``, ``"processes"``, ``"dask"``, an :class:`Executor`
            (not closed here), or None: serial for one worker, else processes.
        workers: Worker count for processes / a local Dask cluster.
        scheduler: Dask scheduler address (no address: a local cluster).
        chunk_size: Replications per chunk (default :func:`default_chunk_size`).
            Changes the last bits of series means, so it is part of ``results``.
        checkpoint: Folder to store finished chunks in and resume from.
        kpi_values: Keep per-replication KPI values and objective outcomes in
            ``results`` (needed for paired comparisons; large for huge runs).
        source: How to name the scenario file in reproduce commands.

    Raises:
        RunFailed: Some replications raised; the others finished.
        CheckpointError: The checkpoint belongs to another run.
    """
    started = time.perf_counter()
    pol = policy if isinstance(policy, Policy) else scenario.policy(policy)
    plan = compile_plan(scenario, pol)
    n = scenario.replications if replications is None else replications
    run_seed = scenario.seed if seed is None else seed
    todo = range(n) if indices is None else indices
    size = chunk_size or default_chunk_size(len(todo))
    if size < 1:
        raise TtxError(f"--chunk-size must be at least 1, got {size}")
    stride = sample_stride(len(todo))
    job = Job(scenario, pol, run_seed, stride, _fail_index())
    tasks = [ChunkTask(job, c, r) for c, r in enumerate(chunks_of(todo, size))]
    store = None
    if checkpoint is not None:
        store = Checkpoint(
            Path(checkpoint),
            {
                "scenario": scenario.id,
                "scenario_content": content_hash(scenario),
                "policy": pol.id,
                "policy_content": content_hash(pol),
                "seed": run_seed,
                "replications": n,
                "indices": None if indices is None else [todo.start, todo.stop],
                "chunk_size": size,
                "ttx_version": __version__,
            },
        )
    stored = store.finished() & {t.chunk for t in tasks} if store else set()
    missing = [t for t in tasks if t.chunk not in stored]
    agg = Aggregator(scenario, plan, stride, keep_values=kpi_values)
    merger = _InOrder(agg, len(tasks), stored, store)
    failures: list[ReplicationFailed] = []
    ex = executor if isinstance(executor, Executor) else make_executor(executor, workers, scheduler)
    try:
        done = sum(len(tasks[c].indices) for c in stored)
        if progress is not None:  # the first call: what a resumed checkpoint already holds
            progress(done, len(todo))
        merger.drain()
        for position, part in ex.map(run_chunk, missing):
            if part.complete and store is not None:
                store.save(part)  # before merging: an interruption keeps it
            failures += [
                ReplicationFailed(scenario.id, pol.id, k, s, run_seed, message, source)
                for k, s, message in part.failures
            ]
            merger.arrive(part)
            done += len(missing[position].indices)
            if progress is not None:
                progress(done, len(todo))
    finally:
        if ex is not executor:
            ex.close()
    meta = _meta(ex, started, len(tasks), len(stored))

    def report(partial: bool) -> RunReport:
        results = agg.results(seed=run_seed, scenario_hash=scenario_hash)
        if size != default_chunk_size(len(todo)):
            results["chunk_size"] = size  # it fixes the merge order, hence the last bits
        if indices is not None or partial:
            results["replication_indices"] = agg.indices.tolist()
        return RunReport(results, meta)

    if failures:
        failures.sort(key=lambda f: f.index)
        note = f"; the finished chunks are saved in {store.directory}" if store else ""
        raise RunFailed(failures, report(True) if agg.count else None, note)
    return report(False)
