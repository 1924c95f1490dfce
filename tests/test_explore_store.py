"""The explore results file: one row per (point, policy), readable without ttx."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.explore.store import (
    METADATA_KEY,
    PointResult,
    PointWriter,
    PolicySummary,
    StoreError,
    load_points,
    read_design,
    synthetic,
    write_points,
)


def _result(point: int, x: float) -> PointResult:
    return PointResult(
        point,
        [x, 2 * x],
        [
            PolicySummary("a", {"cost": 10 * x}, {"keep": 0.5}),
            PolicySummary("b", {"cost": 20 * x}, {"keep": 0.25}),
        ],
    )


def test_rows_columns_and_arrays_round_trip(tmp_path: Path) -> None:
    path = write_points(
        tmp_path / "p.parquet",
        [_result(i, i / 10) for i in range(5)],
        ["m.x", "iraq.sensitivity"],
        ["cost"],
        ["keep"],
        {"method": "lhs", "seed": 3},
    )
    table = pq.read_table(path)
    assert table.column_names == [
        "point",
        "m.x",
        "iraq.sensitivity",
        "policy",
        "kpi.cost",
        "objective.keep",
    ]
    assert table.num_rows == 10
    data = load_points(path)
    assert data.params == ["m.x", "iraq.sensitivity"]
    assert data.policies == ["a", "b"]
    assert data.X.shape == (5, 2)
    np.testing.assert_array_equal(data.X[:, 0], [0, 0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(data.kpis["cost"][:, 1], 20 * data.X[:, 0])
    np.testing.assert_array_equal(data.objectives["keep"][3], [0.5, 0.25])
    assert data.design["method"] == "lhs" and data.design["seed"] == 3
    np.testing.assert_array_equal(data.points, np.arange(5))


def test_pandas_and_polars_read_the_file_directly(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    path = synthetic(tmp_path / "s.parquet", points=8)
    assert len(pd.read_parquet(path)) == 16
    assert pl.read_parquet(path).columns[:3] == [
        "point",
        "model.footprint_trust",
        "iraq.sensitivity",
    ]


def test_row_groups_bound_what_the_writer_holds(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    with PointWriter(path, ["m.x", "y"], ["cost"], ["keep"], {}) as writer:
        for i in range(150):
            writer.write(_result(i, float(i)))
            assert len(writer._buffer) < 64
    assert pq.ParquetFile(path).num_row_groups == 3
    assert load_points(path).X.shape == (150, 2)


def test_synthetic_planted_driver(tmp_path: Path) -> None:
    data = load_points(synthetic(tmp_path / "s.parquet", points=40))
    first_better = data.kpis["final_stability"][:, 0] > data.kpis["final_stability"][:, 1]
    np.testing.assert_array_equal(first_better, data.X[:, 0] < 0.5)


def test_point_result_json_round_trip() -> None:
    r = _result(7, 0.1 + 0.2)
    assert PointResult.from_json(json.loads(json.dumps(r.to_json()))) == r


def test_not_an_explore_file(tmp_path: Path) -> None:
    import pyarrow as pa

    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [1]}), plain)
    with pytest.raises(StoreError, match="not a ttx explore results file"):
        read_design(plain)
    junk = tmp_path / "junk.parquet"
    junk.write_text("no")
    with pytest.raises(StoreError, match="not a Parquet file"):
        load_points(junk)


def test_missing_row_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pr = PointResult(1, [0.0, 0.0], [PolicySummary("a", {"cost": 1.0}, {"keep": 1.0})])
    write_points(path, [_result(0, 0.0), pr], ["m.x", "y"], ["cost"], ["keep"], {})
    assert METADATA_KEY in (pq.read_schema(path).metadata or {})
    with pytest.raises(StoreError, match="one row per point and policy"):
        load_points(path)
