"""The explore checkpoint folder: manifest checks, point files, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from factories import make_scenario
from sim.explore import checkpoint as checkpoint_module
from sim.explore.checkpoint import ExploreCheckpointError, PointCheckpoint
from sim.explore.execute import _Tasks
from sim.explore.store import ExploreData, PointResult, PolicySummary
from sim.scenario.exploration import Target, resolve_target


def _point(i: int) -> PointResult:
    return PointResult(i, [0.1 * i], [PolicySummary("a", {"cost": 1.0 / 3}, {"keep": 0.5})])


def test_points_round_trip_exactly_and_stray_files_are_ignored(tmp_path: Path) -> None:
    store = PointCheckpoint(tmp_path / "c", {"seed": 1})
    for i in (0, 2, 1):
        store.save(_point(i))
    (tmp_path / "c" / "point-notes.json").write_text("{}")
    assert store.finished() == {0, 1, 2}
    assert list(store.in_order(3)) == [_point(0), _point(1), _point(2)]


def test_unreadable_manifest_and_long_differences(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(ExploreCheckpointError, match="cannot read checkpoint"):
        PointCheckpoint(tmp_path / "bad", {})
    PointCheckpoint(tmp_path / "c", {"design": {"ranges": list(range(100))}})
    with pytest.raises(ExploreCheckpointError, match=r"design .*\.\.\. \(this exploration"):
        PointCheckpoint(tmp_path / "c", {"design": {"ranges": list(range(101))}})


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PointCheckpoint(tmp_path / "c", {})

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        store.save(_point(0))
    assert os.listdir(tmp_path / "c") == ["manifest.json"]


def test_explore_data_numbers_points_when_not_given() -> None:
    data = ExploreData(["x"], np.zeros((3, 1)), ["a"], {}, {})
    np.testing.assert_array_equal(data.points, [0, 1, 2])


def test_task_list_slices() -> None:
    from sim.explore.design import draw
    from sim.explore.execute import ExploreSpec
    from sim.scenario.ranges import Uncertainty

    space = [Uncertainty(target="model.coop_rate", low=0.05, high=0.1)]
    spec = ExploreSpec(make_scenario(), ("none",), draw(space, "lhs", 4, 0), 1, 0)
    tasks = _Tasks(spec, [1, 3])
    assert [t.point for t in tasks[0:2]] == [1, 3]


def test_a_range_below_the_bound_is_refused() -> None:
    from sim.scenario.exploration import check_uncertainties
    from sim.scenario.ranges import Uncertainty

    entry = Uncertainty(target="model.coop_rate", low=-0.1, high=0.1)
    found = resolve_target(make_scenario(), entry.target)
    assert isinstance(found, Target)
    problems = list(check_uncertainties(make_scenario(), [entry]))
    assert problems == [
        (
            ("uncertainties", 0, "low"),
            "-0.1 is below 0.0, the lowest value model.coop_rate may take",
        )
    ]
