"""Running an exploration: common seeds, ttx run's numbers, checkpoints and resume, progress."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from factories import make_scenario
from sim.explore import execute as execute_module
from sim.explore.checkpoint import ExploreCheckpointError
from sim.explore.design import draw
from sim.explore.execute import (
    ExploreFailed,
    ExploreSpec,
    PointTask,
    build_spec,
    explore,
    work_estimate,
)
from sim.explore.store import PointResult, load_points
from sim.runs.executors import ProcessExecutor
from sim.runs.runner import run
from sim.runs.spec import RunSpec, UnknownPolicy
from sim.scenario.exploration import apply_point
from sim.scenario.ranges import Uncertainty

SPACE = (
    Uncertainty(target="model.footprint_trust", low=0.01, high=0.05),
    Uncertainty(target="threats.cells.rate", low=0.2, high=1.5, mode=0.5),
)


def small_spec(points: int = 5, replications: int = 3, **scenario: object) -> ExploreSpec:
    s = make_scenario(
        horizon=12,
        objectives=[{"id": "hold", "condition": "alpha.stability > 0.45"}],
        **scenario,
    )
    return ExploreSpec(s, ("none", "full"), draw(SPACE, "lhs", points, 3), replications, seed=11)


class Stop(Exception):
    """Stands in for an interruption (Ctrl-C, a killed job) after some points."""


def test_points_summarise_what_ttx_run_computes(tmp_path: Path) -> None:
    spec = small_spec()
    done = explore(spec, tmp_path / "p.parquet")
    data = load_points(done.path)
    assert data.policies == ["none", "full"]
    assert data.params == [u.target for u in SPACE]
    np.testing.assert_array_equal(data.X, spec.design.X)
    assert set(data.kpis) == set(spec.kpis) and set(data.objectives) == {"hold"}
    for i in (0, 4):
        at = apply_point(spec.scenario, spec.design.point(i))
        for j, policy in enumerate(spec.policies):
            report = run(RunSpec.of(at, policy, replications=3, seed=11))
            for name in spec.kpis:
                expected = report.results["kpis"][name]["mean"]
                assert data.kpis[name][i, j] == pytest.approx(expected, rel=1e-12, abs=1e-15)
            assert data.objectives["hold"][i, j] == report.results["objectives"]["hold"]["p"]
    assert data.design["replications"] == 3 and data.design["seed"] == 11
    assert data.design["policies"] == ["none", "full"]


def test_common_seeds_two_identical_policies_agree_at_every_point(tmp_path: Path) -> None:
    spec = small_spec(
        policies=[
            {"id": "none", "levers": {"train": 1.0}},
            {"id": "full", "levers": {"train": 1.0}},
        ]
    )
    data = load_points(explore(spec, tmp_path / "p.parquet").path)
    for values in data.kpis.values():
        np.testing.assert_array_equal(values[:, 0], values[:, 1])
    # ... while the points differ from each other (the numbers, not the dice).
    assert len(set(data.kpis["final_trust"][:, 0].tolist())) == spec.design.points


def test_interrupted_exploration_resumes_to_identical_results(tmp_path: Path) -> None:
    spec = small_spec(points=6)
    whole = explore(spec, tmp_path / "whole.parquet").path.read_bytes()
    ckpt = tmp_path / "ckpt"
    out = tmp_path / "resumed.parquet"
    seen: list[tuple[int, int]] = []

    def stop_after_two(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 2 * 2 * 3:
            raise Stop

    with pytest.raises(Stop):
        explore(spec, out, checkpoint=ckpt, progress=stop_after_two)
    assert not out.exists() and not list(tmp_path.glob(".resumed*"))
    assert seen[0] == (0, 6 * 2 * 3)
    calls: list[int] = []
    real = execute_module.run_point

    def counted(task: PointTask) -> PointResult | execute_module.PointFailure:
        calls.append(task.point)
        return real(task)

    progress: list[tuple[int, int]] = []
    execute_module.run_point = counted  # type: ignore[assignment]
    try:
        again = explore(spec, out, checkpoint=ckpt, progress=lambda d, t: progress.append((d, t)))
    finally:
        execute_module.run_point = real  # type: ignore[assignment]
    assert again.resumed == 2 and calls == [2, 3, 4, 5]
    assert progress[0] == (12, 36) and progress[-1] == (36, 36)
    assert out.read_bytes() == whole


def test_a_finished_checkpoint_rewrites_the_file_without_running(tmp_path: Path) -> None:
    spec = small_spec(points=3)
    first = explore(spec, tmp_path / "a.parquet", checkpoint=tmp_path / "c")
    second = explore(spec, tmp_path / "b.parquet", checkpoint=tmp_path / "c")
    assert second.resumed == 3
    assert first.path.read_bytes() == second.path.read_bytes()


def test_a_checkpoint_of_another_exploration_is_refused(tmp_path: Path) -> None:
    explore(small_spec(points=2), tmp_path / "a.parquet", checkpoint=tmp_path / "c")
    other = small_spec(points=2, replications=4)
    with pytest.raises(ExploreCheckpointError, match=r"replications 3 \(this exploration: 4\)"):
        explore(other, tmp_path / "b.parquet", checkpoint=tmp_path / "c")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x").write_text("x")
    with pytest.raises(ExploreCheckpointError, match="not empty"):
        explore(other, tmp_path / "b.parquet", checkpoint=tmp_path / "junk")


def test_a_damaged_point_file_names_itself(tmp_path: Path) -> None:
    spec = small_spec(points=2)
    explore(spec, tmp_path / "a.parquet", checkpoint=tmp_path / "c")
    (tmp_path / "c" / "point-000001.json").write_text("{")
    with pytest.raises(ExploreCheckpointError, match=r"point-000001\.json"):
        explore(spec, tmp_path / "a.parquet", checkpoint=tmp_path / "c")
    (tmp_path / "c" / "manifest.json").write_text("[]")
    with pytest.raises(ExploreCheckpointError, match="not a JSON object"):
        explore(spec, tmp_path / "a.parquet", checkpoint=tmp_path / "c")


def test_a_failed_replication_names_point_policy_and_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = small_spec(points=3)
    real = execute_module.simulate
    bad = spec.design.point(1)["model.footprint_trust"]

    def flaky(plan, seed):  # type: ignore[no-untyped-def]
        if plan.params.footprint_trust == bad and plan.policy_id == "full":
            raise RuntimeError("boom")
        return real(plan, seed)

    monkeypatch.setattr(execute_module, "simulate", flaky)
    with pytest.raises(ExploreFailed, match=r"point 1, policy 'full': replication 0 .*boom"):
        explore(spec, tmp_path / "a.parquet", checkpoint=tmp_path / "c")
    assert not (tmp_path / "a.parquet").exists()
    # The points that finished are kept for a resume.
    assert sorted(p.name for p in (tmp_path / "c").glob("point-*")) == [
        "point-000000.json",
        "point-000002.json",
    ]


def test_work_estimate_is_known_before_starting() -> None:
    work = work_estimate(small_spec(points=4, replications=5))
    assert (work.points, work.policies, work.replications) == (4, 2, 5)
    assert work.runs == 40 and work.replication_months == 40 * 12


@pytest.mark.slow
def test_process_pool_gives_the_serial_file(tmp_path: Path) -> None:
    spec = small_spec(points=6)
    serial = explore(spec, tmp_path / "s.parquet").path.read_bytes()
    with ProcessExecutor(2) as ex:
        pooled = explore(spec, tmp_path / "p.parquet", executor=ex)
    assert pooled.executor == "processes" and pooled.workers == 2
    assert pooled.path.read_bytes() == serial


def test_build_spec_resolves_defaults_once() -> None:
    s = make_scenario(seed=9)
    spec = build_spec(s, SPACE, samples=4)
    assert spec.policies == ("none", "full")
    assert spec.seed == 9 and spec.design.seed == 9 and spec.design.points == 4
    assert spec.replications == 20
    chosen = build_spec(s, SPACE, policies=["full", "full"], samples=3, seed=2, replications=2)
    assert chosen.policies == ("full",) and chosen.seed == 2
    with pytest.raises(UnknownPolicy, match="no policy 'ful'"):
        build_spec(s, SPACE, policies=["ful"])
    with pytest.raises(ValueError, match="at least 1"):
        build_spec(s, SPACE, replications=0)
