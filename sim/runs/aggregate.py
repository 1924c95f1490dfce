"""Fold replication results into the ``results`` part of a run report, chunk by chunk.

Replications are computed in *chunks* of consecutive indices. A worker folds
its chunk, in index order, into a :class:`ChunkPartial`: the chunk's KPI
values and objective outcomes (a few numbers per replication, kept for paired
comparisons), decision counts, a Welford accumulator of the monthly series,
and the monthly series of the replications that belong to the percentile
sample. The parent merges partials **in chunk-index order** with an
:class:`Aggregator`, so it never holds every replication's monthly series and
the floating-point result depends only on the chunking, which is a function
of the replication count, never of the executor or the number of workers.

Percentile bands of the monthly series (see :func:`sample_stride`) are exact
over all replications up to :data:`EXACT_LIMIT` replications; beyond that
they are computed over a systematic sample: every ``stride``-th replication
by index, at most :data:`EXACT_LIMIT` of them, so memory stays flat.
Replication seeds are independent draws, so a systematic sample by index is
a simple random sample of replications, and it is the same whatever the
chunking. ``results["percentile_method"]`` says which applied.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from sim.model.engine import ReplicationResult, series_names
from sim.model.plan import Plan
from sim.runs.contract import (
    InjectInfo,
    Kpi,
    Objective,
    PolicyInfo,
    RunResults,
    ScenarioInfo,
    Series,
    interval,
    kpi_summary,
)
from sim.runs.spill import Spill, SpilledColumn, wanted
from sim.scenario.models import Inject, Scenario
from sim.scenario.vocabulary import OUTCOMES, incident_name
from sim.stats import RunningStats, summarize, t_quantile, wilson_interval

BANDS = (5, 25, 50, 75, 95)
EXACT_LIMIT = 1000


def sample_stride(n: int) -> int:
    """Every how many replications one enters the percentile sample (1 = all)."""
    return max(1, math.ceil(n / EXACT_LIMIT))


def percentile_method(stride: int, size: int) -> str:
    """How series percentile bands are made with sample ``stride`` and ``size`` sampled runs."""
    if stride == 1:
        return "exact: numpy 'linear' (Hyndman-Fan type 7) over all replications"
    return (
        f"sampled: numpy 'linear' (Hyndman-Fan type 7) over a systematic sample of {size} "
        f"replications (indices 0, {stride}, {2 * stride}, ...; every {stride}th), because "
        f"the run has more than {EXACT_LIMIT} replications; means and KPI statistics use "
        "all replications"
    )


@dataclass
class ChunkPartial:
    """What one chunk of replications contributes to a run's results.

    Attributes:
        chunk: Position of the chunk in the run (merge order).
        indices: Replication indices that finished, ascending.
        kpi_names: Column names of ``kpis``.
        kpis: KPI values, one row per finished replication (float64).
        objective_ids: Column names of ``objectives``.
        objectives: Objective outcomes, one row per finished replication.
        decisions: inject -> option -> count.
        running: :meth:`RunningStats.to_state` of the chunk's monthly series.
        sample_indices: Replications of the chunk in the percentile sample.
        sample: Their monthly series (float32, shape [k, months, series]).
        failures: (index, seed, message) of replications that raised.
        objective_months: Per month and objective, how many of the chunk's
            replications stood met (int64, shape [months, objectives]; empty
            when not recorded).
    """

    chunk: int
    indices: list[int] = field(default_factory=list)
    kpi_names: list[str] = field(default_factory=list)
    kpis: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    objective_ids: list[str] = field(default_factory=list)
    objectives: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    decisions: dict[str, dict[str, int]] = field(default_factory=dict)
    running: dict[str, Any] = field(default_factory=lambda: RunningStats().to_state())
    sample_indices: list[int] = field(default_factory=list)
    sample: np.ndarray = field(default_factory=lambda: np.zeros((0,), dtype=np.float32))
    failures: list[tuple[int, int, str]] = field(default_factory=list)
    objective_months: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    @property
    def complete(self) -> bool:
        """True when no replication of the chunk failed."""
        return not self.failures


class ChunkFolder:
    """Folds the replications of one chunk, in index order, into a :class:`ChunkPartial`."""

    def __init__(self, chunk: int, stride: int) -> None:
        self.chunk, self.stride = chunk, stride
        self.indices: list[int] = []
        self.kpi_names: list[str] | None = None
        self.kpi_rows: list[list[float]] = []
        self.objective_ids: list[str] | None = None
        self.objective_rows: list[list[bool]] = []
        self.decisions: dict[str, dict[str, int]] = {}
        self.running = RunningStats()
        self.sample_indices: list[int] = []
        self.sample: list[np.ndarray] = []
        self.failures: list[tuple[int, int, str]] = []
        self.objective_months: np.ndarray | None = None

    def add(self, index: int, result: ReplicationResult) -> None:
        """Fold replication ``index`` (indices must ascend)."""
        if self.kpi_names is None:
            self.kpi_names = list(result.kpis)
            self.objective_ids = list(result.objectives)
        self.indices.append(index)
        self.kpi_rows.append([result.kpis[name] for name in self.kpi_names])
        self.objective_rows.append([result.objectives[o] for o in self.objective_ids or ()])
        for inject, option, _month in result.decisions:
            counts = self.decisions.setdefault(inject, {})
            counts[option] = counts.get(option, 0) + 1
        self.running.add(result.series)
        trace = result.objective_trace
        if trace is not None:
            met = trace.astype(np.int64)
            self.objective_months = (
                met if self.objective_months is None else self.objective_months + met
            )
        if index % self.stride == 0:
            self.sample_indices.append(index)
            self.sample.append(result.series.astype(np.float32))

    def fail(self, index: int, seed: int, message: str) -> None:
        """Record that replication ``index`` raised."""
        self.failures.append((index, seed, message))

    def partial(self) -> ChunkPartial:
        """The chunk's contribution."""
        kpi_names = self.kpi_names or []
        objective_ids = self.objective_ids or []
        return ChunkPartial(
            chunk=self.chunk,
            indices=self.indices,
            kpi_names=kpi_names,
            kpis=np.array(self.kpi_rows, dtype=np.float64).reshape(
                len(self.kpi_rows), len(kpi_names)
            ),
            objective_ids=objective_ids,
            objectives=np.array(self.objective_rows, dtype=bool).reshape(
                len(self.objective_rows), len(objective_ids)
            ),
            decisions=self.decisions,
            running=_state(self.running),
            sample_indices=self.sample_indices,
            sample=np.stack(self.sample) if self.sample else np.zeros((0,), dtype=np.float32),
            failures=self.failures,
            objective_months=(
                np.zeros((0, 0), dtype=np.int64)
                if self.objective_months is None
                else self.objective_months
            ),
        )


class IndexRuns:
    """Replication indices in merge order, held as runs of consecutive numbers.

    A run's indices are one range, or a few around failed replications, so a
    few pairs stand for what an array held at 8 bytes per replication.
    """

    def __init__(self) -> None:
        self.runs: list[list[int]] = []  # [start, stop) pairs

    def extend(self, indices: Iterable[int]) -> None:
        for k in indices:
            if self.runs and self.runs[-1][1] == k:
                self.runs[-1][1] = k + 1
            else:
                self.runs.append([k, k + 1])

    def __len__(self) -> int:
        return sum(stop - start for start, stop in self.runs)

    def __iter__(self) -> Iterator[int]:
        for start, stop in self.runs:
            yield from range(start, stop)

    def tolist(self) -> list[int]:
        return list(self)


class StreamedKpis:
    """KPI summaries without keeping per-replication values (for ``kpi_values=False``).

    Mean and sd come from a Welford accumulator over the KPI vector (folded
    within a chunk, merged in chunk order), min and max are exact, and the
    percentiles use the same replications as the series bands (all of them up
    to :data:`EXACT_LIMIT`, else the systematic sample). Means and sds agree
    with the exact two-pass values to rounding.
    """

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.names: list[str] = []
        self.running = RunningStats()
        self.lo: np.ndarray | None = None
        self.hi: np.ndarray | None = None
        self.sample: list[np.ndarray] = []

    def merge(self, part: ChunkPartial) -> None:
        if not part.indices:
            return
        self.names = part.kpi_names
        chunk = RunningStats()
        for row in part.kpis:
            chunk.add(row)
        self.running.merge(chunk)
        lo, hi = part.kpis.min(axis=0), part.kpis.max(axis=0)
        self.lo = lo if self.lo is None else np.minimum(self.lo, lo)
        self.hi = hi if self.hi is None else np.maximum(self.hi, hi)
        # Copies: a row view would keep the chunk's whole KPI matrix alive.
        self.sample.extend(
            row.copy()
            for k, row in zip(part.indices, part.kpis, strict=True)
            if k % self.stride == 0
        )

    def summaries(self) -> dict[str, Kpi]:
        n = self.running.n
        mean, sd = self.running.mean, self.running.sd
        p5, p25, p50, p75, p95 = np.percentile(np.stack(self.sample), BANDS, axis=0)
        assert self.lo is not None and self.hi is not None
        out: dict[str, Kpi] = {}
        for j, name in enumerate(self.names):
            lo, hi = float(self.lo[j]), float(self.hi[j])
            m, d = (lo, 0.0) if lo == hi else (float(mean[j]), float(sd[j]))
            hw = t_quantile(n - 1, 0.975) * d / math.sqrt(n) if n > 1 and d > 0 else 0.0
            out[name] = {
                "n": n,
                "mean": m,
                "sd": d,
                "ci_low": m - hw,
                "ci_high": m + hw,
                "p5": float(p5[j]),
                "p25": float(p25[j]),
                "p50": float(p50[j]),
                "p75": float(p75[j]),
                "p95": float(p95[j]),
                "min": lo,
                "max": hi,
            }
        return out


class Aggregator:
    """Merges chunk partials (in chunk order) into report results.

    Holds per replication only KPI values and objective outcomes (as compact
    arrays), or with ``keep_values=False`` not even those (:class:`StreamedKpis`);
    monthly series live in one Welford accumulator plus the bounded
    percentile sample. Given a ``spill`` folder and enough ``expected``
    replications (:func:`sim.runs.spill.wanted`), the KPI values and objective
    outcomes go to a scratch file there as chunks arrive
    (:class:`sim.runs.spill.Spill`), so not even they grow the process's
    memory; ``results`` then holds :class:`~sim.runs.spill.SpilledColumn`
    values, read back where needed.
    """

    def __init__(
        self,
        scenario: Scenario,
        plan: Plan,
        stride: int = 1,
        keep_values: bool = True,
        expected: int = 0,
        spill: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.plan = plan
        self.stride = stride
        self.streamed = None if keep_values else StreamedKpis(stride)
        self.successes: dict[str, int] = {o.id: 0 for o in scenario.objectives}
        self.names = series_names(plan)
        # Per-replication KPI values, one row per replication in merge order (float64),
        # allocated for exactly ``expected`` replications (grown by doubling only if more
        # arrive). Column-major, so each KPI's values are a contiguous view handed out
        # as ``results`` values without a copy.
        self.kpi_names: list[str] = []
        self._kpis = np.zeros((0, 0))
        self._expected = expected
        self._spill_folder = spill if keep_values else None
        self.spill: Spill | None = None
        self.objective_values: dict[str, array[int]] = {
            o.id: array("b") for o in scenario.objectives
        }
        self.decisions: dict[str, dict[str, int]] = {}
        self.running = RunningStats()
        self.sample: list[np.ndarray] = []
        self.indices = IndexRuns()
        self.count = 0
        self._open: ChunkFolder | None = None
        # None until a chunk brings counts; False once a chunk without them came.
        self.objective_months: np.ndarray | bool | None = None

    def add(self, result: ReplicationResult) -> None:
        """Fold one replication (the next index) — for callers that run replications themselves."""
        if self._open is None:
            self._open = ChunkFolder(-1, self.stride)
        self._open.add(self.count + _pending(self._open), result)

    def merge(self, part: ChunkPartial) -> None:
        """Merge the next chunk's partial (chunks must arrive in order)."""
        self._flush()
        self._merge(part)

    def _flush(self) -> None:
        if self._open is not None and self._open.indices:
            folder, self._open = self._open, None
            self._merge(folder.partial())

    def _merge(self, part: ChunkPartial) -> None:
        if self.streamed is not None:
            self.streamed.merge(part)
        elif part.indices:
            self._keep(part)
        for j, oid in enumerate(part.objective_ids):
            self.successes[oid] += int(part.objectives[:, j].sum())
            if self.streamed is None and self.spill is None:
                outcomes = part.objectives[:, j].astype(np.int8)
                self.objective_values[oid].frombytes(outcomes.tobytes())
        if self.spill is not None and self.spill.flags and part.indices:
            order = [part.objective_ids.index(oid) for oid in self.objective_values]
            self.spill.write(self.count, part.objectives[:, order], flags=True)
        for inject, counts in part.decisions.items():
            mine = self.decisions.setdefault(inject, {})
            for option, c in counts.items():
                mine[option] = mine.get(option, 0) + c
        self.running.merge(RunningStats.from_state(part.running))
        self.sample.extend(part.sample[i].copy() for i in range(len(part.sample_indices)))
        self.indices.extend(part.indices)
        self.count += len(part.indices)
        self._merge_objective_months(part)

    def _merge_objective_months(self, part: ChunkPartial) -> None:
        if not part.indices or self.objective_months is False:
            return
        if part.objective_months.size == 0 and part.objective_ids:
            self.objective_months = False  # e.g. a chunk from an older checkpoint
        elif self.objective_months is None:
            self.objective_months = part.objective_months.copy()
        elif isinstance(self.objective_months, np.ndarray):
            self.objective_months += part.objective_months

    def _keep(self, part: ChunkPartial) -> None:
        """Copy a chunk's KPI rows into the preallocated block or the spill file.

        No Python float per value either way; which of the two is decided at the
        first chunk, when the number of KPIs is known.
        """
        if not self.kpi_names:
            self.kpi_names = list(part.kpi_names)
            width = len(self.kpi_names)
            if self._spill_folder is not None and wanted(self._expected, width):
                flags = len(self.objective_values)  # objective outcomes, in scenario order
                self.spill = Spill(self._spill_folder, width, self._expected, flags)
            else:
                rows_needed = max(self._expected, len(part.indices))
                self._kpis = np.empty((rows_needed, width), order="F")
        if part.kpi_names != self.kpi_names:
            columns = [part.kpi_names.index(name) for name in self.kpi_names]
            rows = part.kpis[:, columns]
        else:
            rows = part.kpis
        end = self.count + len(rows)
        if self.spill is not None:
            self.spill.write(self.count, rows)  # more rows than expected: ValueError
            return
        if end > len(self._kpis):
            grown = np.empty((max(end, 2 * len(self._kpis)), len(self.kpi_names)), order="F")
            grown[: self.count] = self._kpis[: self.count]
            self._kpis = grown
        self._kpis[self.count : end] = rows

    @property
    def kpi_values(self) -> dict[str, np.ndarray | SpilledColumn[float]]:
        """Each KPI's per-replication values so far.

        Contiguous views of the kept block, or columns of the spill file.
        """
        if self.spill is not None:
            spill, n = self.spill, self.count
            return {
                name: SpilledColumn[float](spill, j, n) for j, name in enumerate(self.kpi_names)
            }
        block = self._kpis[: self.count]
        return {name: block[:, j] for j, name in enumerate(self.kpi_names)}

    def close(self) -> None:
        """Free the spill file now, if any (a run that ends in an error has no report to write)."""
        if self.spill is not None:
            self.spill.close()

    def results(self, *, seed: int, scenario_hash: str) -> RunResults:
        """The ``results`` dict (per-replication values only when they were kept)."""
        self._flush()
        if not self.count:
            raise ValueError("no replications to aggregate")
        s, plan = self.scenario, self.plan
        kpi_values = self.streamed is None
        kpis: dict[str, Kpi] = {}
        if self.streamed is not None:
            kpis = dict(sorted(self.streamed.summaries().items()))
        for name, values in sorted(self.kpi_values.items()):
            # A spilled column is read whole for its summary, one KPI at a time.
            whole = values.read() if isinstance(values, SpilledColumn) else values
            entry = cast(Kpi, kpi_summary(summarize(whole)))  # a fresh dict
            del whole
            # The array (or spilled column) itself, not a list: a Python float per value
            # would cost about 32 bytes each at 100,000 replications; the report writer
            # streams it.
            entry["values"] = values
            kpis[name] = entry
        objectives: dict[str, Objective] = {}
        for o in s.objectives:
            outcomes = self.objective_values[o.id]
            prop = interval(wilson_interval(self.successes[o.id], self.count))
            objectives[o.id] = cast(
                Objective,
                {
                    "description": o.description,
                    "condition": o.condition,
                    "check": o.check,
                    "month": o.month,
                    **prop,
                },
            )
            if kpi_values and self.spill is not None:
                column = self.spill.columns + list(self.objective_values).index(o.id)
                objectives[o.id]["values"] = SpilledColumn[int](self.spill, column, self.count)
            elif kpi_values:
                objectives[o.id]["values"] = outcomes.tolist()
            if isinstance(self.objective_months, np.ndarray):
                j = [op.id for op in plan.objectives].index(o.id)
                objectives[o.id]["met_by_month"] = [int(c) for c in self.objective_months[:, j]]
        p5, p25, p50, p75, p95 = np.percentile(np.stack(self.sample), BANDS, axis=0)
        mean = self.running.mean
        series: dict[str, Series] = {}
        for j, name in enumerate(self.names):
            series[name] = {
                "mean": [float(x) for x in mean[:, j]],
                "p5": [float(x) for x in p5[:, j]],
                "p25": [float(x) for x in p25[:, j]],
                "p50": [float(x) for x in p50[:, j]],
                "p75": [float(x) for x in p75[:, j]],
                "p95": [float(x) for x in p95[:, j]],
            }
        incidents = {
            kind: {o: kpis[incident_name(kind, o)]["mean"] for o in OUTCOMES}
            for kind in plan.threat_kinds
        }
        scenario: ScenarioInfo = {
            "id": s.id,
            "title": s.title,
            "hash": scenario_hash,
            "horizon": s.horizon,
            "partners": {p.id: p.name for p in s.partners},
            "rivalries": [r.id for r in s.rivalries],
            "rivalry_names": _rivalry_names(s),
            "injects": [_inject_info(i) for i in s.injects],
        }
        if s.reporting.min_difference:  # only when set: other reports keep their bytes
            scenario["min_difference"] = dict(sorted(s.reporting.min_difference.items()))
        return {
            "scenario": scenario,
            "policy": _policy_info(plan),
            "seed": seed,
            "replications": self.count,
            "kpis": kpis,
            "objectives": objectives,
            "months": list(range(s.horizon + 1)),
            "series": series,
            "incidents": incidents,
            "decisions": {k: dict(sorted(v.items())) for k, v in sorted(self.decisions.items())},
            "percentile_method": percentile_method(self.stride, len(self.sample))
            + ("" if kpi_values else _STREAMED_NOTE),
        }


def _inject_info(i: Inject) -> InjectInfo:
    return {"id": i.id, "title": i.title, "month": i.at, "decision": i.decision is not None}


def _rivalry_names(s: Scenario) -> dict[str, str]:
    """Rivalry id -> "Iran and Iraq": its two sides by name (partners or rivals)."""
    names = {p.id: p.name for p in s.partners} | {r.id: r.name for r in s.rivals}
    return {r.id: " and ".join(names.get(a, a) for a in r.between) for r in s.rivalries}


def _policy_info(plan: Plan) -> PolicyInfo:
    info: PolicyInfo = {"id": plan.policy_id, "title": plan.policy_title}
    if plan.cells:
        info["cells"] = dict(plan.cells)
    return info


def _state(rs: RunningStats) -> dict[str, Any]:
    """Like :meth:`RunningStats.to_state` but with arrays, not lists (cheaper to pickle)."""
    state = rs.to_state() if rs.n == 0 else {"n": rs.n, "shape": list(rs.shape or ())}
    if rs.n:
        state["mean"], state["m2"] = rs._mean, rs._m2  # read-only hand-over of a finished chunk
    return state


_STREAMED_NOTE = (
    "; per-replication KPI values not kept: KPI mean and sd are streamed (Welford, chunk "
    "order), KPI percentiles use the same replications as the series bands"
)


def _pending(folder: ChunkFolder) -> int:
    return len(folder.indices)
