"""Run replications of a scenario under a policy and build the run report.

What to run is a :class:`~sim.runs.spec.RunSpec`; where to run it is an
executor object (:mod:`sim.runs.executors`: serial, a local process pool or
Dask) that the caller builds and closes. The runner splits a run's replication
indices into chunks whose size depends on the replication count only
(:func:`default_chunk_size`), hands the chunks to the executor, and merges the
chunks' partial aggregates in chunk order (:mod:`sim.runs.aggregate`).
Replication ``k`` always gets the seed derived from the run seed and ``k``, so
``results`` are byte-identical whatever executor or worker count computed
them; only ``meta`` says how they were computed.

A replication that raises does not stop the run: the other chunks finish,
and the run then raises :class:`RunFailed` naming each failed replication's
index and seed (what a caller needs to reproduce it alone), carrying a
partial report of what finished. With a checkpoint (:mod:`sim.runs.checkpoint`)
every complete chunk is stored as it arrives, and rerunning resumes.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sim.errors import TtxError
from sim.model.engine import ReplicationResult, simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs import budget, signals
from sim.runs.aggregate import Aggregator, ChunkFolder, ChunkPartial, sample_stride
from sim.runs.checkpoint import Checkpoint, content_hash
from sim.runs.contract import SCHEMA_VERSION, RunDocument, RunMeta, RunResults
from sim.runs.executors import Executor, SerialExecutor
from sim.runs.spec import RunSpec
from sim.scenario.models import Policy, Scenario
from sim.version import __version__

Progress = Callable[[int, int], None]
MIN_CHUNK, MAX_CHUNK = 20, 100


class ReplicationFailed(TtxError):
    """A replication raised.

    Carries what reproduces it alone: the run seed and the replication index
    (its own seed is derived from both), with the scenario and policy ids.
    """

    def __init__(
        self,
        scenario: str,
        policy: str,
        index: int,
        seed: int,
        run_seed: int,
        cause: BaseException | str,
    ) -> None:
        self.scenario, self.policy = scenario, policy
        self.index, self.seed, self.run_seed = index, seed, run_seed
        self.cause = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
        super().__init__(
            f"replication {index} (seed {seed}) of scenario '{scenario}', policy '{policy}' "
            f"failed: {self.cause}"
        )


class ReplicationOutOfRange(TtxError):
    """Replication indices asked for that are not in the run (nothing ran)."""

    def __init__(self, indices: range, replications: int) -> None:
        self.indices, self.replications = indices, replications
        first = indices.start if indices else 0
        super().__init__(
            f"replication {first} is not in the run: it has {replications} replication"
            f"{'' if replications == 1 else 's'}, numbered 0 to {replications - 1}"
        )


class RunFailed(TtxError):
    """Some replications of a run raised; the others finished.

    Attributes:
        failures: One :class:`ReplicationFailed` per failed replication, by index.
        partial: A report over the replications that finished (``None`` if none did).
        checkpoint: The checkpoint folder holding the finished chunks, if any.
        partial_file: Where a caller saved ``partial`` (set by that caller).
    """

    def __init__(
        self,
        failures: list[ReplicationFailed],
        partial: RunReport | None,
        checkpoint: Path | None = None,
    ) -> None:
        self.failures, self.partial, self.checkpoint = failures, partial, checkpoint
        self.partial_file: Path | None = None
        super().__init__(self.describe(str))

    @property
    def finished(self) -> int:
        """How many replications finished."""
        return self.partial.results["replications"] if self.partial else 0

    def describe(self, failure: Callable[[ReplicationFailed], str], limit: int = 10) -> str:
        """The summary line, then one line per failure (at most ``limit``) worded by ``failure``."""
        note = f"; the finished chunks are saved in {self.checkpoint}" if self.checkpoint else ""
        lines = [failure(f) for f in self.failures[:limit]]
        if len(self.failures) > limit:
            lines.append(f"... and {len(self.failures) - limit} more")
        head = f"{len(self.failures)} replication(s) failed; {self.finished} finished{note}."
        return "\n".join([head, *lines])


@dataclass
class RunReport:
    """A run report: reproducible ``results`` and incidental ``meta``."""

    results: RunResults
    meta: RunMeta

    def to_dict(self) -> RunDocument:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "run",
            "results": self.results,
            "meta": self.meta,
        }


def replicate(spec: RunSpec, index: int = 0) -> ReplicationResult:
    """Replication ``index`` of the run ``spec``, alone: the same result as in the whole run.

    Raises:
        ReplicationFailed: The replication raised; the error names its seeds.
    """
    seed = replication_seed(spec.seed, index)
    plan = compile_plan(spec.scenario, spec.policy)
    try:
        return simulate(plan, seed)
    except Exception as exc:
        raise ReplicationFailed(
            plan.scenario_id, plan.policy_id, index, seed, spec.seed, exc
        ) from exc


@dataclass(frozen=True)
class Job:
    """What every chunk of a run shares (picklable: pydantic models pickle)."""

    scenario: Scenario
    policy: Policy
    run_seed: int
    stride: int


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
            result = simulate(plan, seed)
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


def _meta(ex: Executor, started: float, chunks: int, resumed: int) -> RunMeta:
    """How the results were computed (never part of ``results``)."""
    meta: RunMeta = {
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
    spec: RunSpec,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    indices: range | None = None,
    chunk_size: int | None = None,
    checkpoint: Path | str | None = None,
    kpi_values: bool = True,
    max_work: int | None = None,
    spill: Path | None = None,
) -> RunReport:
    """Run the replications of ``spec`` and aggregate them into a :class:`RunReport`.

    Args:
        spec: What to run: scenario, policy, replications, seed.
        executor: Where the chunks run (the caller's to close); default serial,
            in this process.
        progress: Called with ``(done, total)`` replications as chunks finish.
        indices: Run only these replication indices (to reproduce one).
        chunk_size: Replications per chunk (default :func:`default_chunk_size`).
            Changes the last bits of series means, so it is part of ``results``.
        checkpoint: Folder to store finished chunks in and resume from.
        kpi_values: Keep per-replication KPI values and objective outcomes in
            ``results`` (needed for paired comparisons; large for huge runs).
        max_work: Limit on the estimated events of one replication (default:
            ``TTX_MAX_WORK`` or :data:`sim.runs.budget.MAX_WORK`).
        spill: An existing folder (the output folder) where a large run keeps
            its per-replication KPI values and objective outcomes in an
            unlinked scratch file while it aggregates, instead of in memory
            (:mod:`sim.runs.spill`); the report's ``values`` then read from
            that file, which lasts as long as they do. ``None``: in memory.

    Raises:
        WorkTooLarge: The estimated work is above the limit; nothing ran.
        ReplicationOutOfRange: ``indices`` reach outside the run; nothing ran.
        RunFailed: Some replications raised; the others finished.
        CheckpointError: The checkpoint belongs to another run.
        SpillFailed: The scratch file could not be written (a full disk).
    """
    started = time.perf_counter()
    scenario, pol, run_seed = spec.scenario, spec.policy, spec.seed
    plan = compile_plan(scenario, pol)
    todo = range(spec.replications) if indices is None else indices
    if todo.start < 0 or todo.stop > spec.replications:
        raise ReplicationOutOfRange(todo, spec.replications)
    budget.check(budget.estimate(plan), len(todo), max_work)
    size = chunk_size or default_chunk_size(len(todo))
    if size < 1:
        raise TtxError(f"the chunk size must be at least 1, got {size}")
    stride = sample_stride(len(todo))
    job = Job(scenario, pol, run_seed, stride)
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
                "cells": getattr(pol, "cells", None),
                "objectives": [o.id for o in scenario.objectives],
                "seed": run_seed,
                "replications": spec.replications,
                "indices": None if indices is None else [todo.start, todo.stop],
                "chunk_size": size,
                "ttx_version": __version__,
            },
        )
    stored = store.finished() & {t.chunk for t in tasks} if store else set()
    missing = [t for t in tasks if t.chunk not in stored]
    agg = Aggregator(
        scenario, plan, stride, keep_values=kpi_values, expected=len(todo), spill=spill
    )
    merger = _InOrder(agg, len(tasks), stored, store)
    failures: list[ReplicationFailed] = []
    ex = SerialExecutor() if executor is None else executor
    done = sum(len(tasks[c].indices) for c in stored)
    try:
        if progress is not None:  # the first call: what a resumed checkpoint already holds
            progress(done, len(todo))
        merger.drain()
        resumed_to, signalled = merger.next, False  # merged from the checkpoint before any run
        for position, part in ex.map(run_chunk, missing):
            if part.complete and store is not None:
                store.save(part)  # before merging: an interruption keeps it
            failures += [
                ReplicationFailed(scenario.id, pol.id, k, s, run_seed, message)
                for k, s, message in part.failures
            ]
            merger.arrive(part)
            if not signalled and merger.next > resumed_to:
                # The first chunk this run merged (in chunk order: an early arrival
                # waits for its turn), so what merging sets up - a spill file - exists.
                signals.ready("chunk")
                signalled = True
            done += len(missing[position].indices)
            if progress is not None:
                progress(done, len(todo))
    except BaseException:
        agg.close()  # no report will read the spilled values: free the file now
        raise
    meta = _meta(ex, started, len(tasks), len(stored))

    def report(partial: bool) -> RunReport:
        results = agg.results(seed=run_seed, scenario_hash=spec.scenario_hash)
        if size != default_chunk_size(len(todo)):
            results["chunk_size"] = size  # it fixes the merge order, hence the last bits
        if indices is not None or partial:
            results["replication_indices"] = agg.indices.tolist()
        return RunReport(results, meta)

    if failures:
        failures.sort(key=lambda f: f.index)
        saved = store.directory if store else None
        raise RunFailed(failures, report(True) if agg.count else None, saved)
    return report(False)
