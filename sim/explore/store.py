"""The explore results file: one Parquet row per (point, policy), and its reader.

The file is the interface between running an exploration and analysing it:
robustness, sensitivity and discovery read :class:`ExploreData` only, and an
analyst can open the same file in pandas or polars without ttx. Columns:

* ``point`` (int64): the point's index in the design;
* one float64 column per uncertain parameter, named by its target
  (``model.footprint_trust``);
* ``policy`` (string);
* ``kpi.<name>`` (float64): the KPI's mean over the replications;
* ``objective.<id>`` (float64): the share of replications meeting the objective.

The design (method, seed, replications, scenario hash, ranges) is stored as
JSON in the file's key-value metadata under :data:`METADATA_KEY`.

Rows are written in point order, a row group at a time
(:class:`PointWriter`), so writing never holds more than one group of points.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import TtxError

METADATA_KEY = b"ttx.explore"
FORMAT_VERSION = 1
KPI_PREFIX, OBJECTIVE_PREFIX = "kpi.", "objective."
#: Points per Parquet row group: large enough for fast scans, small enough to hold.
ROW_GROUP_POINTS = 64


class StoreError(TtxError):
    """An explore results file that cannot be read as one."""


@dataclass(frozen=True)
class PolicySummary:
    """One policy at one point: KPI means and objective probabilities over the replications."""

    policy: str
    kpis: Mapping[str, float]
    objectives: Mapping[str, float]


@dataclass(frozen=True)
class PointResult:
    """Every policy's summary at one point of the design."""

    point: int
    values: Sequence[float]
    policies: Sequence[PolicySummary]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (floats keep their exact value through ``repr``)."""
        return {
            "point": self.point,
            "values": list(self.values),
            "policies": [
                {"policy": p.policy, "kpis": dict(p.kpis), "objectives": dict(p.objectives)}
                for p in self.policies
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PointResult:
        """The inverse of :meth:`to_json`."""
        return cls(
            point=int(data["point"]),
            values=[float(v) for v in data["values"]],
            policies=[
                PolicySummary(p["policy"], dict(p["kpis"]), dict(p["objectives"]))
                for p in data["policies"]
            ],
        )


@dataclass(frozen=True)
class ExploreData:
    """An exploration's results as arrays, the input of every analysis.

    Attributes:
        params: Uncertain parameter targets, in design order.
        X: Parameter values, shape ``(N, k)``: row ``i`` is point ``points[i]``.
        policies: Policy ids, in run order.
        kpis: KPI name -> means, shape ``(N, P)`` (column ``j`` is ``policies[j]``).
        objectives: Objective id -> probability met, shape ``(N, P)``.
        design: The design metadata (method, seed, replications, scenario hash,
            ranges, ...), as written.
        points: Point indices, shape ``(N,)``, ascending.
    """

    params: list[str]
    X: np.ndarray
    policies: list[str]
    kpis: dict[str, np.ndarray]
    objectives: dict[str, np.ndarray]
    design: dict[str, Any] = field(default_factory=dict)
    points: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        if not self.points.size and self.X.shape[0]:
            object.__setattr__(self, "points", np.arange(self.X.shape[0], dtype=np.int64))


def schema(params: Sequence[str], kpis: Sequence[str], objectives: Sequence[str]) -> pa.Schema:
    """The Arrow schema of a results file with these parameters, KPIs and objectives."""
    fields = [pa.field("point", pa.int64())]
    fields += [pa.field(p, pa.float64()) for p in params]
    fields.append(pa.field("policy", pa.string()))
    fields += [pa.field(KPI_PREFIX + k, pa.float64()) for k in kpis]
    fields += [pa.field(OBJECTIVE_PREFIX + o, pa.float64()) for o in objectives]
    return pa.schema(fields)


class PointWriter:
    """Writes point results to a Parquet file in the order given, a row group at a time.

    Use as a context manager; the file is complete only after :meth:`close`.
    """

    def __init__(
        self,
        path: Path,
        params: Sequence[str],
        kpis: Sequence[str],
        objectives: Sequence[str],
        design: Mapping[str, Any],
    ) -> None:
        self.params, self.kpi_names, self.objective_names = (
            list(params),
            list(kpis),
            list(objectives),
        )
        meta = {**design, "format": FORMAT_VERSION, "params": self.params}
        self.schema = schema(params, kpis, objectives).with_metadata(
            {METADATA_KEY: json.dumps(meta, sort_keys=True).encode()}
        )
        self._writer = pq.ParquetWriter(str(path), self.schema)
        self._buffer: list[PointResult] = []

    def write(self, result: PointResult) -> None:
        """Add one point's rows (flushed every :data:`ROW_GROUP_POINTS` points)."""
        self._buffer.append(result)
        if len(self._buffer) >= ROW_GROUP_POINTS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}
        for result in self._buffer:
            for summary in result.policies:
                columns["point"].append(result.point)
                for name, value in zip(self.params, result.values, strict=True):
                    columns[name].append(value)
                columns["policy"].append(summary.policy)
                for k in self.kpi_names:
                    columns[KPI_PREFIX + k].append(summary.kpis.get(k, float("nan")))
                for o in self.objective_names:
                    columns[OBJECTIVE_PREFIX + o].append(summary.objectives.get(o, float("nan")))
        self._writer.write_table(pa.table(columns, schema=self.schema))
        self._buffer.clear()

    def close(self) -> None:
        """Write what is buffered and finish the file."""
        self._flush()
        self._writer.close()

    def abandon(self) -> None:
        """Close without writing what is buffered (the caller deletes the partial file)."""
        self._buffer.clear()
        self._writer.close()

    def __enter__(self) -> PointWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_points(
    path: Path,
    results: Iterable[PointResult],
    params: Sequence[str],
    kpis: Sequence[str],
    objectives: Sequence[str],
    design: Mapping[str, Any],
) -> Path:
    """Write ``results`` (in point order) to ``path``; returns ``path``."""
    with PointWriter(path, params, kpis, objectives, design) as writer:
        for result in results:
            writer.write(result)
    return path


def read_design(path: Path) -> dict[str, Any]:
    """The design metadata of a results file, without reading its rows."""
    try:
        meta = pq.read_schema(str(path)).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise StoreError(f"{path}: not a Parquet file ({exc})") from None
    if METADATA_KEY not in meta:
        raise StoreError(f"{path}: not a ttx explore results file (no {METADATA_KEY.decode()})")
    design: dict[str, Any] = json.loads(meta[METADATA_KEY])
    return design


def load_points(path: Path) -> ExploreData:
    """Read a results file into arrays (points ascending, policies in first-seen order).

    Raises:
        StoreError: The file is not an explore results file, or a (point, policy)
            row is missing.
    """
    design = read_design(path)
    table = pq.read_table(str(path))
    params: list[str] = list(design["params"])
    names = table.column_names
    kpi_names = [n[len(KPI_PREFIX) :] for n in names if n.startswith(KPI_PREFIX)]
    objective_names = [n[len(OBJECTIVE_PREFIX) :] for n in names if n.startswith(OBJECTIVE_PREFIX)]
    point_col = table.column("point").to_numpy()
    policy_col = table.column("policy").to_pylist()
    policies = list(dict.fromkeys(policy_col))
    points = np.unique(point_col)
    n, p = len(points), len(policies)
    row_of = np.searchsorted(points, point_col)
    col_of = np.array([policies.index(name) for name in policy_col], dtype=np.int64)
    cells = set(zip(row_of.tolist(), col_of.tolist(), strict=True))
    if len(point_col) != n * p or len(cells) != n * p:
        raise StoreError(f"{path}: expected one row per point and policy ({n} x {p})")
    X = np.empty((n, len(params)))
    for j, name in enumerate(params):
        X[row_of, j] = table.column(name).to_numpy()

    def grid(column: str) -> np.ndarray:
        out = np.empty((n, p))
        out[row_of, col_of] = table.column(column).to_numpy()
        return out

    return ExploreData(
        params=params,
        X=X,
        policies=policies,
        kpis={k: grid(KPI_PREFIX + k) for k in kpi_names},
        objectives={o: grid(OBJECTIVE_PREFIX + o) for o in objective_names},
        design=design,
        points=points.astype(np.int64),
    )


def synthetic(
    path: Path,
    *,
    points: int = 32,
    params: Sequence[str] = ("model.footprint_trust", "iraq.sensitivity"),
    policies: Sequence[str] = ("supportive", "minimal"),
    seed: int = 0,
) -> Path:
    """A small results file with a known structure, for tests of the analyses.

    The first parameter alone decides the ranking: below 0.5 the first policy
    has the higher ``final_stability`` and meets ``keep_trust`` more often;
    above it, the second does.
    """
    rng = np.random.default_rng(seed)
    X = rng.random((points, len(params)))
    results = []
    for i, x in enumerate(X):
        summaries = []
        for j, policy in enumerate(policies):
            good = (x[0] < 0.5) == (j == 0)
            level = 0.6 + (0.2 if good else 0.0) + 0.01 * float(rng.random())
            summaries.append(
                PolicySummary(
                    policy,
                    {"final_stability": level, "cost": 100.0 + 10 * j},
                    {"keep_trust": 0.9 if good else 0.5},
                )
            )
        results.append(PointResult(i, [float(v) for v in x], summaries))
    design = {
        "method": "lhs",
        "seed": seed,
        "replications": 1,
        "samples": points,
        "scenario_hash": "synthetic",
        "ranges": {p: {"low": 0.0, "high": 1.0, "distribution": "uniform"} for p in params},
    }
    return write_points(path, results, params, ["final_stability", "cost"], ["keep_trust"], design)
