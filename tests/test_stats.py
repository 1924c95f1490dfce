"""Tests for sim.stats: known values, coverage sanity, properties, wording."""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.analysis.wording import describe_difference
from sim.stats import (
    MAX_REPLICATIONS,
    Difference,
    Proportion,
    RunningStats,
    Summary,
    paired_difference,
    paired_proportion_difference,
    percentile_of,
    proportion_difference,
    relative_half_width,
    replications_needed,
    summarize,
    t_quantile,
    welch_difference,
    wilson_interval,
)

ROOT = Path(__file__).resolve().parents[1]
# Hypothesis deadlines would trip on the first (lazy) scipy import.
FAST = settings(max_examples=60, deadline=None)


def _diff(est: float, lo: float, hi: float, method: str = "paired") -> Difference:
    return Difference(
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        method=method,  # type: ignore[arg-type]
        n_a=10,
        n_b=10,
        df=9.0,
        significant=lo > 0 or hi < 0,
    )


# --------------------------------------------------------------------------- quantiles


def test_t_quantile_known_values() -> None:
    assert t_quantile(10, 0.975) == pytest.approx(2.228139, abs=1e-6)
    assert t_quantile(1, 0.975) == pytest.approx(12.706205, abs=1e-6)
    assert t_quantile(3, 0.975) == pytest.approx(3.182446, abs=1e-6)
    assert t_quantile(math.inf, 0.975) == pytest.approx(1.959964, abs=1e-6)
    assert t_quantile(5, 0.5) == pytest.approx(0.0, abs=1e-12)
    assert t_quantile(5, 0.025) == pytest.approx(-t_quantile(5, 0.975))
    assert t_quantile(7, 0.975) < t_quantile(6.5, 0.975) < t_quantile(6, 0.975)  # fractional df
    assert isinstance(t_quantile(10, 0.975), float)


@pytest.mark.parametrize(("df", "q"), [(0, 0.5), (-1, 0.5), (math.nan, 0.5), (5, 0.0), (5, 1.0)])
def test_t_quantile_rejects_bad_input(df: float, q: float) -> None:
    with pytest.raises(ValueError):
        t_quantile(df, q)


# --------------------------------------------------------------------------- summarize


def test_summarize_known_values() -> None:
    s = summarize(range(1, 11))
    assert s.n == 10
    assert s.mean == 5.5
    assert s.sd == pytest.approx(math.sqrt(55 / 6))
    hw = 2.262157 * math.sqrt(55 / 6) / math.sqrt(10)
    assert s.ci_low == pytest.approx(5.5 - hw, abs=1e-5)
    assert s.ci_high == pytest.approx(5.5 + hw, abs=1e-5)
    # numpy default linear (type 7) percentiles
    assert (s.p5, s.p25, s.p50, s.p75, s.p95) == pytest.approx((1.45, 3.25, 5.5, 7.75, 9.55))
    assert (s.min, s.max) == (1.0, 10.0)


def test_summarize_single_and_constant_values_collapse() -> None:
    one = summarize([3.5])
    assert (one.n, one.mean, one.sd, one.ci_low, one.ci_high) == (1, 3.5, 0.0, 3.5, 3.5)
    const = summarize([0.1] * 7)  # float summation must not invent a tiny sd
    assert const.sd == 0.0
    assert const.ci_low == const.ci_high == const.mean == 0.1


def test_summarize_accepts_generators_and_arrays() -> None:
    assert summarize(x for x in [1.0, 2.0, 3.0]).mean == 2.0
    assert summarize(np.array([1, 2, 3])).mean == 2.0


def test_summarize_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarize([])
    with pytest.raises(ValueError, match="non-finite"):
        summarize([1.0, math.nan])
    with pytest.raises(ValueError, match="non-finite"):
        summarize([1.0, math.inf])
    with pytest.raises(ValueError, match="one-dimensional"):
        summarize([[1.0, 2.0], [3.0, 4.0]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="level"):
        summarize([1.0, 2.0], level=1.0)


def test_to_dict_is_plain_json() -> None:
    objs = [
        summarize(np.array([1.0, 2.0, 4.0])),
        paired_difference([1, 2, 3], [2, 4, 5]),
        welch_difference([1, 2, 3], [2, 4, 7]),
        proportion_difference(3, 10, 7, 10),
        wilson_interval(np.int64(3), np.int64(10)),
    ]
    for obj in objs:
        d = obj.to_dict()
        json.dumps(d, allow_nan=False)
        for v in d.values():
            assert v is None or type(v) in (int, float, bool, str)
    assert objs[1].to_dict()["significant"] is True
    assert objs[3].to_dict()["df"] is None


def test_results_are_frozen_and_slotted() -> None:
    s = summarize([1.0, 2.0])
    for cls in (Summary, Difference, Proportion):
        assert hasattr(cls, "__slots__")
    assert not hasattr(s, "__dict__")
    with pytest.raises(AttributeError):
        s.mean = 3.0  # type: ignore[misc]


def test_t_interval_coverage_is_nominal() -> None:
    # 2000 normal samples of n=10 with a fixed seed: the 95% interval should
    # cover the true mean about 95% of the time. Deterministic, cannot flake.
    rng = np.random.default_rng(20240607)
    samples = rng.normal(loc=3.0, scale=2.0, size=(2000, 10))
    covered = 0
    for row in samples:
        s = summarize(row)
        covered += s.ci_low <= 3.0 <= s.ci_high
    assert 0.93 <= covered / 2000 <= 0.97


# --------------------------------------------------------------------------- differences


def test_paired_difference_by_hand() -> None:
    # d = b - a = [1, 2, 2, 1]: mean 1.5, sd sqrt(1/3), t_{3,0.975} = 3.182446
    d = paired_difference([1, 2, 3, 4], [2, 4, 5, 5])
    hw = 3.182446305284263 * math.sqrt(1 / 3) / 2
    assert d.estimate == 1.5
    assert d.ci_low == pytest.approx(1.5 - hw, abs=1e-9)
    assert d.ci_high == pytest.approx(1.5 + hw, abs=1e-9)
    assert (d.method, d.n_a, d.n_b, d.df, d.significant) == ("paired", 4, 4, 3.0, True)


def test_paired_difference_sign_is_b_minus_a() -> None:
    assert paired_difference([5, 6, 7], [4, 4, 6]).estimate < 0


def test_paired_constant_difference_collapses() -> None:
    d = paired_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert d.ci_low == d.ci_high == d.estimate == 0.5
    assert d.significant
    same = paired_difference([1.0, 2.0], [1.0, 2.0])
    assert (same.estimate, same.ci_low, same.ci_high, same.significant) == (0, 0, 0, False)


def test_paired_difference_errors() -> None:
    with pytest.raises(ValueError, match=r"equal lengths.*len\(a\)=3.*len\(b\)=2"):
        paired_difference([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        paired_difference([1.0], [2.0])
    with pytest.raises(ValueError, match="empty"):
        paired_difference([], [])


def test_welch_known_values() -> None:
    # Cross-checked against scipy.stats.ttest_ind(b, a, equal_var=False).
    d = welch_difference([1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12])
    assert d.estimate == 4.0
    assert d.df == pytest.approx(6.972255729794934)
    assert d.ci_low == pytest.approx(0.016531304371169675, abs=1e-9)
    assert d.ci_high == pytest.approx(7.98346869562883, abs=1e-9)
    assert (d.method, d.n_a, d.n_b, d.significant) == ("welch", 5, 6, True)


def test_welch_zero_variances() -> None:
    both = welch_difference([2.0, 2.0, 2.0], [3.0, 3.0])
    assert both.ci_low == both.ci_high == both.estimate == 1.0
    assert both.df == 3.0
    assert both.significant
    equal = welch_difference([2.0, 2.0], [2.0, 2.0, 2.0])
    assert (equal.estimate, equal.ci_low, equal.ci_high, equal.significant) == (0, 0, 0, False)
    # One constant sample: df reduces to the other sample's n - 1.
    one = welch_difference([0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    assert one.df == pytest.approx(2.0)
    assert one.ci_low == pytest.approx(2.0 - t_quantile(2, 0.975) * 1 / math.sqrt(3))
    # Tiny variances must not underflow into a 0/0 df.
    tiny = welch_difference([0.0, 1e-200], [0.0, 1e-200, 2e-200])
    assert math.isfinite(tiny.df or math.nan)


def test_welch_errors() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        welch_difference([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        welch_difference([1.0, 2.0], [])


def test_paired_is_narrower_than_welch_on_correlated_data() -> None:
    rng = np.random.default_rng(7)
    shared = rng.normal(0.0, 1.0, size=40)  # common random numbers
    a = shared + rng.normal(0.0, 0.1, size=40)
    b = shared + 0.1 + rng.normal(0.0, 0.1, size=40)
    p = paired_difference(a, b)
    w = welch_difference(a, b)
    assert p.estimate == pytest.approx(w.estimate)
    assert (p.ci_high - p.ci_low) < 0.25 * (w.ci_high - w.ci_low)
    assert p.significant and not w.significant


# --------------------------------------------------------------------------- proportions


def test_wilson_known_values() -> None:
    p = wilson_interval(8, 10)
    assert p.p == 0.8
    assert p.ci_low == pytest.approx(0.4902, abs=5e-4)
    assert p.ci_high == pytest.approx(0.9433, abs=5e-4)
    zero = wilson_interval(0, 10)
    assert zero.ci_low == 0.0
    assert zero.ci_high == pytest.approx(0.2775, abs=5e-4)
    full = wilson_interval(10, 10)
    assert full.ci_high == 1.0
    assert full.ci_low == pytest.approx(0.7225, abs=5e-4)
    assert wilson_interval(8.0, 10).successes == 8  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("s", "n", "match"),
    [
        (0, 0, "n > 0"),
        (1, -3, "n > 0"),
        (11, 10, "between 0 and n"),
        (-1, 10, "between"),
        (2.5, 10, "integer"),
        (True, 10, "integer"),
    ],
)
def test_wilson_errors(s: float, n: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        wilson_interval(s, n)  # type: ignore[arg-type]


@FAST
@given(
    n=st.integers(1, 10_000),
    frac=st.floats(0, 1),
    level=st.floats(0.01, 0.9999),
)
def test_wilson_bounds_property(n: int, frac: float, level: float) -> None:
    s = round(frac * n)
    p = wilson_interval(s, n, level)
    assert 0.0 <= p.ci_low <= p.p <= p.ci_high <= 1.0


def test_newcombe_matches_published_values() -> None:
    # Newcombe (1998), Table II, method 10: 56/70 - 48/80 -> (0.0524, 0.3339)
    d = proportion_difference(48, 80, 56, 70)
    assert d.estimate == pytest.approx(0.2)
    assert d.ci_low == pytest.approx(0.0524, abs=1e-4)
    assert d.ci_high == pytest.approx(0.3339, abs=1e-4)
    assert (d.method, d.n_a, d.n_b, d.df, d.significant) == ("newcombe", 80, 70, None, True)
    # 9/10 - 3/10 -> (0.1705, 0.8090)
    d2 = proportion_difference(3, 10, 9, 10)
    assert (d2.ci_low, d2.ci_high) == pytest.approx((0.1705, 0.8090), abs=1e-4)
    # Sign follows b - a
    assert proportion_difference(9, 10, 3, 10).ci_high == pytest.approx(-0.1705, abs=1e-4)


@FAST
@given(
    n_a=st.integers(1, 500),
    n_b=st.integers(1, 500),
    fa=st.floats(0, 1),
    fb=st.floats(0, 1),
)
def test_newcombe_bounds_property(n_a: int, n_b: int, fa: float, fb: float) -> None:
    d = proportion_difference(round(fa * n_a), n_a, round(fb * n_b), n_b)
    assert -1.0 <= d.ci_low <= d.estimate <= d.ci_high <= 1.0


def test_paired_proportion_difference() -> None:
    a = [True, False, False, True, False, False, True, False, False, False]
    b = [True, True, False, True, True, False, True, True, False, True]
    d = paired_proportion_difference(a, b)
    ref = paired_difference(np.array(a, float), np.array(b, float))
    assert d == ref  # identical method on 0/1 values (no clipping needed here)
    assert d.method == "paired"
    assert d.estimate == pytest.approx(0.4)
    # All pairs switched the same way: collapses, stays inside [-1, 1].
    flip = paired_proportion_difference([0, 0, 0], [1, 1, 1])
    assert flip.ci_low == flip.ci_high == 1.0
    with pytest.raises(ValueError, match="0/1"):
        paired_proportion_difference([0, 2], [1, 1])
    with pytest.raises(ValueError, match="equal lengths"):
        paired_proportion_difference([0, 1, 1], [1, 1])


# --------------------------------------------------------------------------- RunningStats


def test_running_stats_matches_numpy_on_series() -> None:
    rng = np.random.default_rng(3)
    runs = rng.normal(size=(25, 12, 3))  # 25 replications of a (months, series) array
    rs = RunningStats()
    for run in runs:
        rs.add(run)
    assert rs.n == 25
    assert rs.shape == (12, 3)
    np.testing.assert_allclose(rs.mean, runs.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rs.variance, runs.var(axis=0, ddof=1), rtol=1e-10)
    np.testing.assert_allclose(rs.sd, runs.std(axis=0, ddof=1), rtol=1e-10)


def test_running_stats_edge_cases() -> None:
    rs = RunningStats()
    with pytest.raises(ValueError, match="empty"):
        _ = rs.mean
    rs.add(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(rs.variance, [0.0, 0.0])
    with pytest.raises(ValueError, match="shape"):
        rs.add([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="non-finite"):
        rs.add([1.0, math.nan])
    with pytest.raises(ValueError, match="shape"):
        rs.merge(RunningStats().add([1.0]))
    # Mutating the input or the returned mean must not corrupt the accumulator.
    x = np.array([5.0, 5.0])
    rs2 = RunningStats().add(x)
    x[:] = 0.0
    rs2.mean[:] = 0.0
    np.testing.assert_array_equal(rs2.mean, [5.0, 5.0])
    # Merging with empty accumulators is a no-op either way round.
    empty = RunningStats()
    empty.merge(rs2)
    rs2.merge(RunningStats())
    np.testing.assert_array_equal(empty.mean, rs2.mean)
    assert empty.n == rs2.n == 1


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@FAST
@given(
    data=hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 4)), elements=finite)
)
def test_running_stats_property_matches_numpy(data: np.ndarray) -> None:
    rs = RunningStats()
    for row in data:
        rs.add(row)
    scale = float(np.max(np.abs(data))) + 1.0
    np.testing.assert_allclose(rs.mean, data.mean(axis=0), rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(
        rs.variance, data.var(axis=0, ddof=1), rtol=1e-7, atol=1e-9 * scale * scale
    )


def _chunked(data: np.ndarray, cuts: list[int]) -> list[RunningStats]:
    bounds = [0, *sorted(set(cuts)), len(data)]
    chunks = []
    for lo, hi in itertools.pairwise(bounds):
        rs = RunningStats(data.shape[1:])
        for row in data[lo:hi]:
            rs.add(row)
        chunks.append(rs)
    return chunks


@FAST
@given(
    data=hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.just(3)), elements=finite),
    cuts=st.lists(st.integers(0, 30), max_size=6),
    perm_seed=st.integers(0, 2**32 - 1),
)
def test_running_stats_merge_order_invariance(
    data: np.ndarray, cuts: list[int], perm_seed: int
) -> None:
    cuts = [c for c in cuts if c <= len(data)]
    sequential = RunningStats()
    for row in data:
        sequential.add(row)

    # Left fold in chunk order, and again in a shuffled order, and as a tree.
    left = RunningStats()
    for c in _chunked(data, cuts):
        left.merge(c)
    shuffled = _chunked(data, cuts)
    np.random.default_rng(perm_seed).shuffle(shuffled)
    perm = RunningStats()
    for c in shuffled:
        perm.merge(c)
    tree = _chunked(data, cuts)
    while len(tree) > 1:
        tree = [
            tree[i].merge(tree[i + 1]) if i + 1 < len(tree) else tree[i]
            for i in range(0, len(tree), 2)
        ]

    scale = float(np.max(np.abs(data))) + 1.0
    for other in (left, perm, tree[0]):
        assert other.n == sequential.n
        np.testing.assert_allclose(other.mean, sequential.mean, rtol=1e-9, atol=1e-9 * scale)
        np.testing.assert_allclose(
            other.variance, sequential.variance, rtol=1e-7, atol=1e-9 * scale * scale
        )

    # Same order -> bit-identical.
    again = RunningStats()
    for c in _chunked(data, cuts):
        again.merge(c)
    assert again.n == left.n
    np.testing.assert_array_equal(again.mean, left.mean)
    np.testing.assert_array_equal(again.variance, left.variance)


def test_running_stats_checkpoint_round_trip_is_exact() -> None:
    rng = np.random.default_rng(11)
    runs = rng.normal(size=(20, 6, 2))
    full = RunningStats()
    for run in runs:
        full.add(run)

    half = RunningStats()
    for run in runs[:10]:
        half.add(run)
    state = json.loads(json.dumps(half.to_state()))
    assert state["n"] == 10 and state["shape"] == [6, 2]
    restored = RunningStats.from_state(state)
    for run in runs[10:]:
        restored.add(run)
    assert restored.n == full.n
    np.testing.assert_array_equal(restored.mean, full.mean)
    np.testing.assert_array_equal(restored.variance, full.variance)

    empty = RunningStats.from_state(RunningStats().to_state())
    assert empty.n == 0 and empty.shape is None
    with pytest.raises(ValueError, match="invalid"):
        RunningStats.from_state({"n": 2, "shape": [2], "mean": [1.0], "m2": [0.0]})


# --------------------------------------------------------------------------- precision


def test_relative_half_width() -> None:
    vals = [9.0, 10.0, 11.0]
    hw = t_quantile(2, 0.975) * 1.0 / math.sqrt(3)
    assert relative_half_width(vals) == pytest.approx(hw / 10.0)
    assert relative_half_width([-9.0, -10.0, -11.0]) == pytest.approx(hw / 10.0)
    assert relative_half_width([2.0, 2.0, 2.0]) == 0.0
    assert relative_half_width([0.0, 0.0]) == 0.0
    assert relative_half_width([-1.0, 1.0]) == math.inf
    assert relative_half_width([5.0]) == math.inf  # one run says nothing about precision


def test_replications_needed() -> None:
    rng = np.random.default_rng(5)
    vals = rng.normal(10.0, 3.0, size=20)
    mean, sd = float(np.mean(vals)), float(np.std(vals, ddof=1))
    n = replications_needed(vals, 0.02)

    def hw(k: int) -> float:
        return t_quantile(k - 1, 0.975) * sd / math.sqrt(k)

    assert n > 20
    assert hw(n) <= 0.02 * abs(mean) < hw(n - 1)  # smallest such n
    assert replications_needed(vals, 0.5) == 20  # already precise enough
    assert replications_needed([3.0, 3.0, 3.0], 0.01) == 3  # no variability
    assert replications_needed([3.0], 0.01) == 2  # at least two
    assert replications_needed([-1.0, 1.0], 0.1) == MAX_REPLICATIONS  # mean 0: unreachable
    assert replications_needed([1.0, 1e9], 1e-12) == MAX_REPLICATIONS  # capped
    with pytest.raises(ValueError, match="precision"):
        replications_needed(vals, 0.0)


# --------------------------------------------------------------------------- presentation


def test_percentile_of() -> None:
    vals = [1.0, 2.0, 3.0, 4.0]
    assert percentile_of(3.0, vals) == 62.5  # (2 strictly below + 3 at-or-below) / 2 / 4
    assert percentile_of(0.0, vals) == 0.0
    assert percentile_of(9.0, vals) == 100.0
    assert percentile_of(2.5, vals) == 50.0
    assert percentile_of(5.0, [5.0, 5.0, 5.0]) == 50.0
    with pytest.raises(ValueError, match="empty"):
        percentile_of(1.0, [])
    with pytest.raises(ValueError, match="NaN"):
        percentile_of(math.nan, vals)


@FAST
@given(value=finite, values=st.lists(finite, min_size=1, max_size=50))
def test_percentile_of_in_range(value: float, values: list[float]) -> None:
    assert 0.0 <= percentile_of(value, values) <= 100.0


def test_describe_difference_wording() -> None:
    kpi = "final trust in Iraq"
    assert (
        describe_difference("Policy B", kpi, _diff(0.08, 0.05, 0.11))
        == "Policy B raises final trust in Iraq by 0.08 (0.05 to 0.11); more than chance."
    )
    assert (
        describe_difference("Policy B", kpi, _diff(-0.03, -0.06, 0.001))
        == "Policy B lowers final trust in Iraq by 0.03 (-0.06 to 0.00); could be chance."
    )
    assert (
        describe_difference("Policy B", kpi, _diff(-0.03, -0.06, -0.0004))
        == "Policy B lowers final trust in Iraq by 0.0300 (-0.0600 to -0.0004); more than chance."
    )
    assert (
        describe_difference("Policy B", kpi, _diff(0.0, 0.0, 0.0))
        == "Policy B makes no difference to final trust in Iraq."
    )
    assert (
        describe_difference("Policy B", kpi, _diff(0.0, -0.02, 0.02))
        == "Policy B changes final trust in Iraq by 0.00 (-0.02 to 0.02); could be chance."
    )
    assert (
        describe_difference("Policy B", kpi, _diff(1.23456, 1.0, 1.5), decimals=3)
        == "Policy B raises final trust in Iraq by 1.235 (1.000 to 1.500); more than chance."
    )


def test_describe_difference_on_real_result() -> None:
    d = proportion_difference(48, 80, 56, 70)
    text = describe_difference("Surge", "the chance of a ceasefire", d)
    assert (
        text == "Surge raises the chance of a ceasefire by 0.20 (0.05 to 0.33); more than chance."
    )


# --------------------------------------------------------------------------- import cost


@pytest.mark.slow
def test_import_does_not_pull_in_scipy_or_matplotlib() -> None:
    code = (
        "import sys, sim.stats; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('scipy', 'matplotlib')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_describe_difference_never_shows_a_significant_interval_touching_zero() -> None:
    diff = Difference(
        estimate=0.004,
        ci_low=0.001,
        ci_high=0.007,
        method="paired",
        n_a=30,
        n_b=30,
        df=29.0,
        significant=True,
    )
    assert describe_difference("B", "stability", diff) == (
        "B raises stability by 0.004 (0.001 to 0.007); more than chance."
    )
