"""Robustness, sensitivity and discovery on explore results with a planted driver.

The synthetic results (``sim.explore.store.synthetic`` and :func:`planted`
below) are built so that one parameter alone decides which policy is best,
flipping at 0.5; every analysis must find that parameter and that boundary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.explore.discovery import Bound, discover
from sim.explore.robustness import min_difference, robustness
from sim.explore.sensitivity import binned_first_order, bins_for, sensitivity
from sim.explore.store import ExploreData, load_points, synthetic

PARAMS = ["model.footprint_trust", "iraq.sensitivity", "threats.cells.rate", "model.x"]


def planted(n: int = 96, seed: int = 3, noise: float = 0.01) -> ExploreData:
    """Two policies; ``model.footprint_trust`` < 0.5 favours ``a``, above it ``b``."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(PARAMS)))
    a_wins = X[:, 0] < 0.5
    stability = np.column_stack([0.6 + 0.1 * a_wins, 0.6 + 0.1 * ~a_wins]) + rng.normal(
        0, noise, (n, 2)
    )
    keep = np.column_stack([np.where(a_wins, 0.9, 0.6), np.where(a_wins, 0.7, 0.85)])
    cost = np.column_stack([np.full(n, 100.0), np.full(n, 102.0)])
    return ExploreData(
        params=PARAMS,
        X=X,
        policies=["a", "b"],
        kpis={"final_stability": stability, "cost": cost},
        objectives={"keep_trust": keep},
        design={"method": "lhs", "seed": seed},
    )


def test_best_share_follows_the_planted_boundary() -> None:
    data = planted()
    r = robustness(data.policies, data.kpis, data.objectives)
    share_a = float((data.X[:, 0] < 0.5).mean())
    stability = r.measure("final_stability")
    assert stability.best_share["a"] == pytest.approx(share_a)
    assert stability.best_share["b"] == pytest.approx(1 - share_a)


def test_ties_within_the_smallest_meaningful_difference_count_as_best_for_both() -> None:
    data = planted()
    r = robustness(data.policies, data.kpis, data.objectives)
    cost = r.measure("cost")  # 100 vs 102: within 5% of the mean
    assert cost.best_share == {"a": 1.0, "b": 1.0}
    assert cost.tolerance == pytest.approx(0.05 * 101)


def test_regret_is_the_shortfall_against_the_best_at_the_same_point() -> None:
    data = planted(noise=0.0)
    r = robustness(data.policies, data.kpis, data.objectives)
    regret = r.measure("final_stability").regret
    a_wins = data.X[:, 0] < 0.5
    np.testing.assert_allclose(regret["a"], np.where(a_wins, 0.0, 0.1), atol=1e-12)
    np.testing.assert_allclose(regret["b"], np.where(a_wins, 0.1, 0.0), atol=1e-12)
    assert all((v >= 0).all() for v in regret.values())


def test_lower_is_better_kpis_are_turned_before_regret() -> None:
    data = planted()
    cost = np.column_stack([np.full(len(data.X), 100.0), np.full(len(data.X), 200.0)])
    r = robustness(data.policies, {"cost": cost}, {})
    assert r.measure("cost").best_share == {"a": 1.0, "b": 0.0}
    assert r.measure("cost").regret["b"] == pytest.approx(100.0)
    assert r.most_robust == "a"


def test_satisficing_share_uses_the_threshold() -> None:
    data = planted()
    a_wins = float((data.X[:, 0] < 0.5).mean())
    r = robustness(data.policies, data.kpis, data.objectives, threshold=0.8)
    assert r.measure("keep_trust").satisfice_share == pytest.approx({"a": a_wins, "b": 1 - a_wins})
    low = robustness(data.policies, data.kpis, data.objectives, threshold=0.6)
    assert low.measure("keep_trust").satisfice_share == {"a": 1.0, "b": 1.0}
    with pytest.raises(ValueError, match="between 0 and 1"):
        robustness(data.policies, data.kpis, data.objectives, threshold=1.5)


def test_ranking_puts_the_policy_that_satisfices_more_of_the_space_first() -> None:
    data = planted(n=101)  # odd: one policy satisfices on more points than the other
    r = robustness(data.policies, data.kpis, data.objectives)
    a_share = float((data.X[:, 0] < 0.5).mean())
    assert r.ranking[0] == ("a" if a_share > 0.5 else "b")
    assert sorted(r.ranking) == ["a", "b"]


def test_min_difference_uses_the_catalogue_when_it_has_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.analysis import kpis

    monkeypatch.setattr(kpis, "min_difference", lambda kpi, values: 0.5, raising=False)
    assert min_difference("final_stability", np.array([1.0])) == 0.5


def test_min_difference_defaults_by_unit() -> None:
    v = np.array([100.0, 300.0])
    assert min_difference("final_stability", v) == 0.02
    assert min_difference("incidents.total", v) == 1.0
    assert min_difference("cost", v) == pytest.approx(10.0)
    assert min_difference("cost", np.array([])) == 0.0


def test_sensitivity_ranks_the_planted_driver_first_with_a_separate_interval() -> None:
    data = planted()
    diff = data.kpis["final_stability"][:, 0] - data.kpis["final_stability"][:, 1]
    s = sensitivity("regret", data.X, data.params, diff, seed=1)
    assert s.leading == "model.footprint_trust"
    first, second = s.indices[0], s.indices[1]
    assert first.low > second.high  # the driver is told apart, not just ahead
    assert all(ix.low <= ix.value <= ix.high for ix in s.indices)


def test_sensitivity_of_a_constant_output_names_no_driver() -> None:
    data = planted()
    s = sensitivity("cost", data.X, data.params, np.full(len(data.X), 3.0))
    assert not s.varies and s.leading is None
    assert all(ix.value == 0 for ix in s.indices)


def test_sensitivity_is_reproducible_from_its_seed() -> None:
    data = planted()
    y = data.kpis["final_stability"][:, 0]
    assert sensitivity("y", data.X, data.params, y, seed=4) == sensitivity(
        "y", data.X, data.params, y, seed=4
    )


def test_binned_index_is_near_zero_for_noise_and_one_for_a_function_of_x() -> None:
    rng = np.random.default_rng(0)
    x = rng.random(400)
    assert binned_first_order(x, rng.normal(size=400), bins_for(400)) < 0.05
    assert binned_first_order(x, np.sin(6 * x), bins_for(400)) > 0.9  # not monotonic
    assert binned_first_order(x, np.zeros(400), 5) == 0.0


def test_sobol_indices_from_a_saltelli_design_rank_the_driver() -> None:
    from SALib.sample import sobol as saltelli

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    X = saltelli.sample(problem, 64, calc_second_order=False, seed=2)
    y = 4 * X[:, 1] + 0.5 * X[:, 0]
    s = sensitivity("y", X, problem["names"], y, method="saltelli", seed=1)
    assert s.leading == "b" and s.measure == "Sobol' total order"
    assert s.indices[0].other is not None  # first order shown beside the total


def test_morris_screening_ranks_the_driver() -> None:
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    X = morris_sample.sample(problem, 20, num_levels=4, seed=2)
    y = np.where(X[:, 2] > 0.5, 1.0, 0.0) + 0.1 * X[:, 0]
    s = sensitivity("y", X, problem["names"], y, method="morris", seed=1)
    assert s.leading == "c" and s.measure == "Morris mu*"


def test_discovery_bounds_the_planted_driver_near_its_threshold() -> None:
    data = planted()
    r = robustness(data.policies, data.kpis, data.objectives)
    best = r.measure("final_stability").best_share
    leader = r.most_robust
    loses = r.measure("final_stability").regret[leader] > 0.02
    region = discover(data.X, data.params, loses)
    assert region is not None
    assert [b.param for b in region.bounds] == ["model.footprint_trust"]
    (bound,) = region.bounds
    edge = bound.low if bound.low is not None else bound.high
    assert edge == pytest.approx(0.5, abs=0.05)
    assert region.density > 0.9 and region.coverage > 0.9
    assert region.cases == int(loses.sum()) * region.coverage
    assert best[leader] > 0


def test_discovery_in_words_states_the_bounds() -> None:
    region = discover(*_step(0.3))
    assert region is not None
    assert region.condition({"x": "the x"}) == "the x > " + f"{region.bounds[0].low:.3g}"
    assert Bound("x", 0.1, 0.2).words("x") == "x is between 0.1 and 0.2"
    assert Bound("x", None, 0.2).words("x") == "x <= 0.2"


def test_discovery_with_no_cases_or_only_cases() -> None:
    X, names, _ = _step(0.3)
    assert discover(X, names, np.zeros(len(X), bool)) is None
    everywhere = discover(X, names, np.ones(len(X), bool))
    assert everywhere is not None and everywhere.bounds == []
    assert everywhere.density == 1.0 and everywhere.coverage == 1.0


def _step(edge: float) -> tuple[np.ndarray, list[str], np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.random((80, 2))
    return X, ["x", "y"], X[:, 0] > edge


def test_analyses_read_the_results_file(tmp_path: Path) -> None:
    data = load_points(synthetic(tmp_path / "points.parquet", points=48))
    r = robustness(data.policies, data.kpis, data.objectives)
    y = data.kpis["final_stability"][:, 0] - data.kpis["final_stability"][:, 1]
    s = sensitivity("d", data.X, data.params, y)
    assert s.leading == data.params[0]
    assert r.measure("keep_trust").satisfice_share is not None
