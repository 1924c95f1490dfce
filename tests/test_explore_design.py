"""Sampling designs: sizes, ranges, strata, determinism, triangular ranges."""

from __future__ import annotations

import numpy as np
import pytest

from sim.explore.design import METHODS, DesignError, draw, point_count, scale
from sim.scenario.ranges import Uncertainty

SPACE = (
    Uncertainty(target="model.footprint_trust", low=0.01, high=0.05),
    Uncertainty(target="alpha.sensitivity", low=0.2, high=0.9, mode=0.3),
    Uncertainty(target="threats.cells.rate", low=0.1, high=2.0),
)


@pytest.mark.parametrize("method", METHODS)
def test_points_lie_in_the_ranges_and_depend_only_on_the_seed(method: str) -> None:
    d = draw(SPACE, method, 8, seed=5)
    assert d.X.shape == (point_count(method, 8, 3), 3)
    lows = np.array([u.low for u in SPACE])
    highs = np.array([u.high for u in SPACE])
    assert np.all(lows <= d.X) and np.all(highs >= d.X)
    np.testing.assert_array_equal(d.X, draw(SPACE, method, 8, seed=5).X)
    assert not np.array_equal(d.X, draw(SPACE, method, 8, seed=6).X)
    meta = d.metadata()
    assert meta["points"] == d.points and meta["method"] == method
    assert meta["ranges"]["alpha.sensitivity"]["distribution"] == "triangular"
    assert d.point(0) == dict(zip(d.params, d.X[0].tolist(), strict=True))


def test_latin_hypercube_puts_one_point_in_every_stratum() -> None:
    n = 16
    d = draw(SPACE[:1], "lhs", n, seed=1)
    strata = np.floor((d.X[:, 0] - 0.01) / 0.04 * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))


def test_saltelli_and_morris_sizes_follow_salib() -> None:
    assert draw(SPACE, "sobol", 4, 0).points == 4 * (3 + 2)
    assert draw(SPACE, "morris", 4, 0).points == 4 * (3 + 1)


def test_morris_steps_change_one_parameter_at_a_time() -> None:
    d = draw(SPACE, "morris", 3, 2)
    for t in range(3):
        traj = d.X[t * 4 : (t + 1) * 4]
        changed = (np.abs(np.diff(traj, axis=0)) > 1e-12).sum(axis=1)
        assert changed.tolist() == [1, 1, 1]


def test_triangular_ranges_use_the_inverse_cdf() -> None:
    u = Uncertainty(target="x.y", low=0.0, high=1.0, mode=0.25)
    out = scale(np.array([[0.0], [0.25], [1.0]]), [u])
    # The CDF at the mode is (mode - low) / (high - low).
    np.testing.assert_allclose(out[:, 0], [0.0, 0.25, 1.0])
    many = scale(np.linspace(0, 1, 10_001)[:, None], [u])[:, 0]
    assert np.mean(many) == pytest.approx((0 + 1 + 0.25) / 3, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((SPACE, "grid", 8, 0), "unknown method 'grid'"),
        (((), "lhs", 8, 0), "empty"),
        ((SPACE, "lhs", 1, 0), "at least 2 samples"),
    ],
)
def test_bad_designs(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(DesignError, match=message):
        draw(*args)  # type: ignore[arg-type]
