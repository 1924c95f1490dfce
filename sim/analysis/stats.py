"""Honest statistics for simulation output.

A stochastic simulation gives a different answer every run, so any single
number it prints is an estimate. This module turns a batch of replications
into statements that carry their own uncertainty: a mean *with* a confidence
interval, a policy difference *with* an interval and a plain-language verdict
("more than chance" / "could be chance"), and an estimate of how many more
replications a desired precision would cost.

Everything here is deliberately small and dependency-light: numpy for the
arithmetic, plus ``scipy.special`` for the Student-t and normal quantiles.
scipy is imported lazily inside :func:`t_quantile` and :func:`_z`, never at
module import, so ``import sim.analysis.stats`` (and therefore CLI start-up) stays fast.

Methods
-------
Mean of independent replications
    Student-t interval ``mean ± t_{n-1, (1+level)/2} · sd / √n`` with the sample
    standard deviation (``ddof=1``). Replications of a simulation with
    independent seeds are i.i.d. by construction, which is exactly what this
    interval assumes; by the central limit theorem it is accurate for
    moderately non-normal outputs at the replication counts used in practice.
    Law (2015), ch. 9.

Percentiles
    numpy's default (``method="linear"``), i.e. Hyndman & Fan (1996) type 7,
    the same definition as R's and Excel's ``PERCENTILE.INC``. Chosen so the
    numbers match what analysts get when they check them in a spreadsheet.

Paired difference (common random numbers)
    When policy A and policy B are run with the *same* seeds, run ``i`` of A and
    run ``i`` of B share their random shocks, so the per-seed differences
    ``b_i - a_i`` are i.i.d. and the t interval is applied to them. Positive
    correlation between the pair cancels shared noise, giving a much narrower
    interval than treating the two samples as independent. Law (2015), §11.2.

Welch difference (independent samples)
    ``mean(b) - mean(a)`` with standard error ``√(s_a²/n_a + s_b²/n_b)`` and
    Welch–Satterthwaite degrees of freedom. Does not assume equal variances,
    which policies that change volatility routinely violate. Welch (1947);
    Satterthwaite (1946).

Proportions
    Wilson (1927) score interval. Unlike the textbook Wald interval it never
    leaves [0, 1], is sensible at 0/n and n/n, and has close to nominal
    coverage at the small ``n`` typical of expensive simulations (Brown, Cai &
    DasGupta 2001).

Difference of two independent proportions
    Newcombe's (1998) hybrid score interval ("method 10"), built from the two
    Wilson intervals. Good coverage at small ``n`` and never leaves [-1, 1].

Difference of two paired proportions
    The paired t method applied to 0/1 outcomes. This is an *approximation*
    (exact-ish alternatives such as Tango's 1998 score interval exist); it is
    adequate when the number of discordant pairs is not tiny, and it keeps one
    consistent method for everything run under common random numbers.

Online mean / variance over vectors
    Welford's (1962) update for single observations and the Chan, Golub &
    LeVeque (1979) pairwise combination for merging partial results, so
    replications can be folded into fixed-size accumulators (e.g. a monthly
    series of shape ``(months, series)``) in parallel workers and merged later
    without keeping every run in memory. The arithmetic is deterministic: the
    same inputs merged in the same order give bit-identical results.

Relative precision and replications needed
    Relative half-width ``hw / |mean|`` and the classical sequential estimate of
    the smallest ``n`` with ``t_{n-1} · s / √n ≤ precision · |mean|`` using the
    pilot standard deviation ``s``. Law (2015), §9.4.1.

Percentile rank
    The "mean" definition: the average of the strict ``(<)`` and weak ``(<=)``
    ranks, as in ``scipy.stats.percentileofscore(kind="mean")``. Ties split the
    difference, so a value equal to every sample is at the 50th percentile, not
    the 0th or 100th.

References
----------
- Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a
  binomial proportion. *Statistical Science* 16(2), 101–133.
- Chan, T. F., Golub, G. H. & LeVeque, R. J. (1979). Updating formulae and a
  pairwise algorithm for computing sample variances. Stanford CS report
  STAN-CS-79-773.
- Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages.
  *The American Statistician* 50(4), 361–365.
- Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed. McGraw-Hill.
- Newcombe, R. G. (1998). Interval estimation for the difference between
  independent proportions: comparison of eleven methods. *Statistics in
  Medicine* 17, 873–890.
- Satterthwaite, F. E. (1946). An approximate distribution of estimates of
  variance components. *Biometrics Bulletin* 2(6), 110–114.
- Tango, T. (1998). Equivalence test and confidence interval for the
  difference in proportions for the paired-sample design. *Statistics in
  Medicine* 17, 891–908.
- Welch, B. L. (1947). The generalization of "Student's" problem when several
  different population variances are involved. *Biometrika* 34, 28–35.
- Welford, B. P. (1962). Note on a method for calculating corrected sums of
  squares and products. *Technometrics* 4(3), 419–420.
- Wilson, E. B. (1927). Probable inference, the law of succession, and
  statistical inference. *JASA* 22, 209–212.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

import numpy as np

__all__ = [
    "MAX_REPLICATIONS",
    "Difference",
    "Proportion",
    "RunningStats",
    "Summary",
    "describe_difference",
    "paired_difference",
    "paired_proportion_difference",
    "percentile_of",
    "proportion_difference",
    "relative_half_width",
    "replications_needed",
    "summarize",
    "t_quantile",
    "welch_difference",
    "wilson_interval",
]

#: Upper bound returned by :func:`replications_needed`; anything this large
#: means "not achievable in practice" rather than a plan.
MAX_REPLICATIONS = 10_000_000

DifferenceMethod = Literal["paired", "welch", "newcombe"]


# ---------------------------------------------------------------------------
# Quantiles and input validation
# ---------------------------------------------------------------------------


def t_quantile(df: float, q: float) -> float:
    """Return the ``q`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Thin wrapper over ``scipy.special.stdtrit`` so that scipy is only imported
    when a statistic is actually computed, not when the CLI starts. Fractional
    ``df`` is allowed because Welch–Satterthwaite degrees of freedom are
    rarely integers; ``df = inf`` gives the normal quantile.

    Args:
        df: Degrees of freedom, ``> 0`` (``math.inf`` allowed).
        q: Lower-tail probability, strictly between 0 and 1.

    Returns:
        The value ``x`` with ``P(T <= x) = q``.

    Raises:
        ValueError: If ``df <= 0`` / NaN or ``q`` is not in (0, 1).
    """
    df = float(df)
    q = float(q)
    if not df > 0:  # also rejects NaN
        raise ValueError(f"degrees of freedom must be > 0, got {df!r}")
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile probability must be strictly between 0 and 1, got {q!r}")
    if math.isinf(df):
        return _normal_quantile(q)
    from scipy.special import stdtrit

    return float(stdtrit(df, q))


def _normal_quantile(q: float) -> float:
    """Standard normal quantile, lazily importing scipy (see module docstring)."""
    from scipy.special import ndtri

    return float(ndtri(q))


def _check_level(level: float) -> float:
    """Validate a two-sided confidence level and return the upper-tail quantile prob."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level!r}")
    return (1.0 + level) / 2.0


def _z(level: float) -> float:
    """Two-sided normal critical value for ``level``."""
    return _normal_quantile(_check_level(level))


def _as_values(values: Iterable[float] | np.ndarray, what: str = "values") -> np.ndarray:
    """Convert input to a finite 1-D float array, refusing anything we cannot summarise honestly.

    Empty and non-finite inputs are errors rather than NaN results: a NaN mean
    silently propagates into reports, whereas an exception points at the run
    that produced it.
    """
    if not isinstance(values, np.ndarray) and not hasattr(values, "__len__"):
        values = list(values)  # generators / iterators
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"cannot compute statistics of empty {what}: need at least one value")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{what} contain {int(bad.sum())} non-finite value(s) (NaN or inf), "
            f"first at index {int(np.argmax(bad))}"
        )
    return arr


def _mean_sd(x: np.ndarray) -> tuple[float, float]:
    """Mean and sample sd (ddof=1; 0 when n == 1).

    Constant inputs are detected exactly and get ``sd == 0`` and
    ``mean == x[0]``: floating-point summation would otherwise leave a
    ~1e-17 "standard deviation" that turns a deterministic result into a
    spuriously non-zero interval.
    """
    first = x[0]
    if x.size == 1 or bool(np.all(x == first)):
        return float(first), 0.0
    return float(np.mean(x)), float(np.std(x, ddof=1))


def _t_half_width(sd: float, n: int, level: float) -> float:
    """Half-width of the t interval of a mean; 0 when there is no spread or a single value."""
    q = _check_level(level)
    if n < 2 or sd == 0.0:
        return 0.0
    return t_quantile(n - 1, q) * sd / math.sqrt(n)


def _plain(value: Any) -> Any:
    """Coerce numpy scalars to built-in Python types for JSON."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


class _DictMixin:
    """``to_dict`` for the frozen result dataclasses below."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a dict of plain ``int``/``float``/``bool``/``str``/``None``."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# One sample
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary(_DictMixin):
    """Location, spread and a confidence interval for the mean of one KPI across runs.

    Attributes:
        n: Number of values.
        mean: Arithmetic mean.
        sd: Sample standard deviation (ddof=1); 0 when ``n == 1``.
        ci_low: Lower end of the t confidence interval of the mean.
        ci_high: Upper end. Equal to ``ci_low`` (== mean) when ``n == 1`` or
            ``sd == 0``; for ``n == 1`` that means "no interval available",
            not "no uncertainty".
        p5, p25, p50, p75, p95: Percentiles (numpy linear / type 7).
        min: Smallest value.
        max: Largest value.
    """

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    min: float
    max: float


def summarize(values: Iterable[float] | np.ndarray, level: float = 0.95) -> Summary:
    """Summarise one KPI over independent replications.

    The interval describes uncertainty about the *mean* over replications;
    the percentiles describe the spread of *individual runs*. Reports need
    both: "on average +0.08 (0.05 to 0.11)" and "one run in twenty is below
    -0.2" answer different questions.

    Args:
        values: One value per replication (any 1-D iterable of numbers).
        level: Two-sided confidence level of the interval.

    Returns:
        A :class:`Summary`.

    Raises:
        ValueError: If ``values`` is empty, not 1-D, contains NaN/inf, or
            ``level`` is not in (0, 1).
    """
    x = _as_values(values)
    n = int(x.size)
    mean, sd = _mean_sd(x)
    hw = _t_half_width(sd, n, level)
    p5, p25, p50, p75, p95 = (float(v) for v in np.percentile(x, [5, 25, 50, 75, 95]))
    return Summary(
        n=n,
        mean=mean,
        sd=sd,
        ci_low=mean - hw,
        ci_high=mean + hw,
        p5=p5,
        p25=p25,
        p50=p50,
        p75=p75,
        p95=p95,
        min=float(x.min()),
        max=float(x.max()),
    )


# ---------------------------------------------------------------------------
# Two samples
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference(_DictMixin):
    """An estimated difference ``b - a`` with its confidence interval.

    Attributes:
        estimate: Point estimate of ``b - a`` (B minus A: positive means B is higher).
        ci_low: Lower end of the confidence interval.
        ci_high: Upper end.
        method: ``"paired"``, ``"welch"`` or ``"newcombe"``.
        n_a: Sample size of A (number of pairs for ``"paired"``).
        n_b: Sample size of B (number of pairs for ``"paired"``).
        df: Degrees of freedom of the t interval; ``None`` for ``"newcombe"``,
            which is a score (normal-theory) interval.
        significant: ``True`` when the interval excludes zero, i.e. the
            difference is unlikely to be chance at the chosen level.
    """

    estimate: float
    ci_low: float
    ci_high: float
    method: DifferenceMethod
    n_a: int
    n_b: int
    df: float | None
    significant: bool


def _difference(
    estimate: float,
    hw_low: float,
    hw_high: float,
    *,
    method: DifferenceMethod,
    n_a: int,
    n_b: int,
    df: float | None,
    bounds: tuple[float, float] | None = None,
) -> Difference:
    """Build a :class:`Difference` from an estimate and (possibly asymmetric) half-widths."""
    lo, hi = estimate - hw_low, estimate + hw_high
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return Difference(
        estimate=float(estimate),
        ci_low=float(lo),
        ci_high=float(hi),
        method=method,
        n_a=int(n_a),
        n_b=int(n_b),
        df=None if df is None else float(df),
        significant=bool(lo > 0.0 or hi < 0.0),
    )


def _require_two(n: int, what: str) -> None:
    if n < 2:
        raise ValueError(
            f"{what}: need at least 2 values to estimate variability, got {n}; "
            "a single run cannot tell a real difference from chance"
        )


def paired_difference(
    a: Iterable[float] | np.ndarray,
    b: Iterable[float] | np.ndarray,
    level: float = 0.95,
) -> Difference:
    """Difference ``mean(b - a)`` for runs paired by seed (common random numbers).

    Use this whenever ``a[i]`` and ``b[i]`` were produced with the same seed:
    the shared randomness cancels in ``b[i] - a[i]``, so the interval is
    typically far narrower than :func:`welch_difference` on the same data, at
    no cost in honesty. If every pair differs by exactly the same amount the
    interval collapses to that amount (a deterministic effect).

    Args:
        a: Baseline values, one per seed.
        b: Alternative values, same seeds in the same order.
        level: Two-sided confidence level.

    Returns:
        A :class:`Difference` with ``method="paired"``, ``df = n - 1``.

    Raises:
        ValueError: If lengths differ, fewer than 2 pairs, or any input is
            empty / non-finite.
    """
    xa = _as_values(a, "a")
    xb = _as_values(b, "b")
    if xa.size != xb.size:
        raise ValueError(
            f"paired difference needs equal lengths (one value per seed in each), "
            f"got len(a)={xa.size} and len(b)={xb.size}"
        )
    n = int(xa.size)
    _require_two(n, "paired difference")
    mean, sd = _mean_sd(xb - xa)
    hw = _t_half_width(sd, n, level)
    return _difference(mean, hw, hw, method="paired", n_a=n, n_b=n, df=n - 1)


def welch_difference(
    a: Iterable[float] | np.ndarray,
    b: Iterable[float] | np.ndarray,
    level: float = 0.95,
) -> Difference:
    """Difference ``mean(b) - mean(a)`` for independent samples (Welch's t interval).

    Use when the runs of A and B do not share seeds. Unequal variances are
    allowed. Degenerate variances are handled explicitly: if one sample is
    constant the Welch–Satterthwaite formula reduces to the other sample's
    ``n - 1`` degrees of freedom; if both are constant the standard error is
    zero, the interval collapses to the estimate, and ``df`` is reported as
    ``n_a + n_b - 2`` (the pooled value; it does not affect the interval).

    Args:
        a: Baseline values.
        b: Alternative values.
        level: Two-sided confidence level.

    Returns:
        A :class:`Difference` with ``method="welch"``.

    Raises:
        ValueError: If either sample has fewer than 2 values or contains NaN/inf.
    """
    xa = _as_values(a, "a")
    xb = _as_values(b, "b")
    na, nb = int(xa.size), int(xb.size)
    _require_two(na, "welch difference (sample a)")
    _require_two(nb, "welch difference (sample b)")
    q = _check_level(level)
    ma, sa = _mean_sd(xa)
    mb, sb = _mean_sd(xb)
    wa, wb = sa * sa / na, sb * sb / nb
    estimate = mb - ma
    scale = max(wa, wb)
    if scale == 0.0:
        return _difference(estimate, 0.0, 0.0, method="welch", n_a=na, n_b=nb, df=na + nb - 2)
    # Normalise by the larger term before squaring so tiny variances cannot
    # underflow to a 0/0 degrees-of-freedom.
    ra, rb = wa / scale, wb / scale
    df = (ra + rb) ** 2 / (ra * ra / (na - 1) + rb * rb / (nb - 1))
    hw = t_quantile(df, q) * math.sqrt(wa + wb)
    return _difference(estimate, hw, hw, method="welch", n_a=na, n_b=nb, df=df)


# ---------------------------------------------------------------------------
# Proportions
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proportion(_DictMixin):
    """A proportion with its Wilson score interval.

    Attributes:
        successes: Number of runs in which the event happened.
        n: Number of runs.
        p: ``successes / n``.
        ci_low: Lower end of the Wilson interval (``0.0`` exactly when ``successes == 0``).
        ci_high: Upper end (``1.0`` exactly when ``successes == n``).
    """

    successes: int
    n: int
    p: float
    ci_low: float
    ci_high: float


def _count(value: Any, what: str) -> int:
    """Accept ints (and integral floats such as ``8.0``) as counts; reject anything else."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{what} must be an integer count, got a bool")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
    raise ValueError(f"{what} must be an integer count, got {value!r}")


def _wilson_bounds(successes: int, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    z2n = z * z / n
    denom = 1.0 + z2n
    centre = (p + z2n / 2.0) / denom
    half = (z / denom) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    lo = 0.0 if successes == 0 else min(max(centre - half, 0.0), p)
    hi = 1.0 if successes == n else max(min(centre + half, 1.0), p)
    return lo, hi


def wilson_interval(
    successes: int | np.integer[Any], n: int | np.integer[Any], level: float = 0.95
) -> Proportion:
    """Wilson score interval for a binomial proportion.

    Preferred over the Wald interval ``p ± z·√(p(1-p)/n)``, which collapses to
    a zero-width interval at 0/n and n/n ("it never happened, so it never
    will") and under-covers badly at small ``n``.

    Args:
        successes: Count of runs where the event occurred, ``0 <= successes <= n``.
        n: Number of runs, ``> 0``.
        level: Two-sided confidence level.

    Returns:
        A :class:`Proportion`; bounds lie in [0, 1] and always contain ``p``.

    Raises:
        ValueError: If ``n <= 0``, counts are not integers, or ``successes``
            is outside ``[0, n]``.
    """
    s = _count(successes, "successes")
    n = _count(n, "n")
    if n <= 0:
        raise ValueError(f"cannot estimate a proportion from n={n} runs: need n > 0")
    if not 0 <= s <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {s}")
    lo, hi = _wilson_bounds(s, n, _z(level))
    return Proportion(successes=s, n=n, p=s / n, ci_low=lo, ci_high=hi)


def proportion_difference(
    s_a: int | np.integer[Any],
    n_a: int | np.integer[Any],
    s_b: int | np.integer[Any],
    n_b: int | np.integer[Any],
    level: float = 0.95,
) -> Difference:
    """Difference ``p_b - p_a`` of two independent proportions (Newcombe hybrid score).

    Combines the two Wilson intervals (Newcombe 1998, method 10):
    ``L = d - √((p_b - l_b)² + (u_a - p_a)²)``,
    ``U = d + √((u_b - p_b)² + (p_a - l_a)²)``. It inherits Wilson's good
    behaviour at 0/n and small ``n``, where a Wald difference interval is
    unreliable.

    Args:
        s_a: Successes under A.
        n_a: Runs under A.
        s_b: Successes under B.
        n_b: Runs under B.
        level: Two-sided confidence level.

    Returns:
        A :class:`Difference` with ``method="newcombe"`` and ``df=None``.

    Raises:
        ValueError: As for :func:`wilson_interval`.
    """
    pa = wilson_interval(s_a, n_a, level)
    pb = wilson_interval(s_b, n_b, level)
    d = pb.p - pa.p
    below = math.hypot(pb.p - pb.ci_low, pa.ci_high - pa.p)
    above = math.hypot(pb.ci_high - pb.p, pa.p - pa.ci_low)
    return _difference(
        d, below, above, method="newcombe", n_a=pa.n, n_b=pb.n, df=None, bounds=(-1.0, 1.0)
    )


def _as_binary(values: Iterable[Any] | np.ndarray, what: str) -> np.ndarray:
    x = _as_values(values, what)
    if not bool(np.all((x == 0.0) | (x == 1.0))):
        raise ValueError(f"{what} must contain only booleans or 0/1 values")
    return x


def paired_proportion_difference(
    a_bools: Iterable[Any] | np.ndarray,
    b_bools: Iterable[Any] | np.ndarray,
    level: float = 0.95,
) -> Difference:
    """Difference in event rates ``mean(b) - mean(a)`` for outcomes paired by seed.

    An *approximation*: the paired t interval of :func:`paired_difference` on
    0/1 outcomes, clipped to [-1, 1]. It is reasonable when there are more
    than a handful of discordant pairs (seeds where A and B disagree). With
    very few discordant pairs it can be too narrow, and if every pair is
    discordant in the same direction the interval collapses to the estimate;
    a dedicated paired score interval (Tango 1998) would be more accurate
    there.

    Args:
        a_bools: Per-seed outcomes under A (bools or 0/1).
        b_bools: Per-seed outcomes under B, same seeds in the same order.
        level: Two-sided confidence level.

    Returns:
        A :class:`Difference` with ``method="paired"``.

    Raises:
        ValueError: As for :func:`paired_difference`, or if values are not 0/1.
    """
    xa = _as_binary(a_bools, "a_bools")
    xb = _as_binary(b_bools, "b_bools")
    d = paired_difference(xa, xb, level)
    # Clipping to the feasible range cannot change whether zero is excluded.
    return replace(d, ci_low=max(d.ci_low, -1.0), ci_high=min(d.ci_high, 1.0))


# ---------------------------------------------------------------------------
# Online accumulation
# ---------------------------------------------------------------------------


class RunningStats:
    """Online mean and variance of fixed-shape arrays (Welford / Chan et al.).

    Lets each worker fold its replications into one accumulator per KPI
    series instead of keeping every run, and lets the results be merged and
    checkpointed. Order matters only at the level of floating-point rounding:
    any grouping of merges gives the same mean/variance to within tolerance,
    and the same sequence of ``add``/``merge`` calls is bit-for-bit
    reproducible.

    Example:
        >>> rs = RunningStats()
        >>> for run in runs:            # doctest: +SKIP
        ...     rs.add(run.monthly)     # shape (months, series)
        >>> rs.mean, rs.sd              # doctest: +SKIP
    """

    __slots__ = ("_m2", "_mean", "_n", "_shape")

    def __init__(self, shape: tuple[int, ...] | None = None) -> None:
        """Create an empty accumulator.

        Args:
            shape: Expected shape of each observation. If omitted, it is fixed
                by the first :meth:`add` (or :meth:`merge`).
        """
        self._n = 0
        self._shape: tuple[int, ...] | None = None if shape is None else tuple(shape)
        self._mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None

    # -- updates -----------------------------------------------------------

    def _check_shape(self, shape: tuple[int, ...], what: str) -> None:
        if self._shape is not None and shape != self._shape:
            raise ValueError(f"{what} has shape {shape}, expected {self._shape}")

    def add(self, x: Any) -> RunningStats:
        """Fold in one observation (Welford's update).

        Args:
            x: Array-like of the accumulator's shape.

        Returns:
            ``self``, for chaining.

        Raises:
            ValueError: On shape mismatch or non-finite values.
        """
        arr = np.array(x, dtype=float)  # copy: we keep a reference on first add
        self._check_shape(arr.shape, "observation")
        if not np.isfinite(arr).all():
            raise ValueError("observation contains non-finite values (NaN or inf)")
        if self._n == 0 or self._mean is None or self._m2 is None:
            self._shape = arr.shape
            self._n = 1
            self._mean = arr
            self._m2 = np.zeros_like(arr)
            return self
        self._n += 1
        delta = arr - self._mean
        self._mean = self._mean + delta / self._n
        self._m2 = self._m2 + delta * (arr - self._mean)
        return self

    def merge(self, other: RunningStats) -> RunningStats:
        """Combine another accumulator into this one (Chan, Golub & LeVeque).

        ``other`` is not modified. Merging is deterministic, so the same merge
        sequence gives bit-identical results; different groupings agree to
        floating-point tolerance.

        Args:
            other: Accumulator over observations of the same shape.

        Returns:
            ``self``, for chaining.

        Raises:
            ValueError: On shape mismatch.
        """
        if not isinstance(other, RunningStats):
            raise TypeError(f"can only merge RunningStats, got {type(other).__name__}")
        if other._shape is not None:
            self._check_shape(other._shape, "merged accumulator")
        if other._n == 0 or other._mean is None or other._m2 is None:
            if self._shape is None:
                self._shape = other._shape
            return self
        if self._n == 0 or self._mean is None or self._m2 is None:
            self._n = other._n
            self._shape = other._shape
            self._mean = other._mean.copy()
            self._m2 = other._m2.copy()
            return self
        na, nb = self._n, other._n
        n = na + nb
        delta = other._mean - self._mean
        self._mean = self._mean + delta * (nb / n)
        self._m2 = self._m2 + other._m2 + delta * delta * (na * nb / n)
        self._n = n
        return self

    # -- results -----------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of observations folded in."""
        return self._n

    @property
    def shape(self) -> tuple[int, ...] | None:
        """Shape of each observation, or ``None`` before the first one."""
        return self._shape

    def _require_data(self) -> tuple[np.ndarray, np.ndarray]:
        if self._n == 0 or self._mean is None or self._m2 is None:
            raise ValueError("RunningStats is empty: add at least one observation first")
        return self._mean, self._m2

    @property
    def mean(self) -> np.ndarray:
        """Element-wise mean (a copy). Raises ValueError when empty."""
        mean, _ = self._require_data()
        return mean.copy()

    @property
    def variance(self) -> np.ndarray:
        """Element-wise sample variance (ddof=1); zeros when ``n == 1``, as in :func:`summarize`."""
        _, m2 = self._require_data()
        if self._n < 2:
            return np.zeros_like(m2)
        return np.maximum(m2, 0.0) / (self._n - 1)

    @property
    def sd(self) -> np.ndarray:
        """Element-wise sample standard deviation (ddof=1)."""
        return np.sqrt(self.variance)

    # -- checkpointing -----------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Return a JSON-serialisable snapshot (plain lists and ints).

        Floats survive a JSON round trip exactly (Python writes the shortest
        repr that parses back to the same double), so restoring a checkpoint
        and continuing gives bit-identical results.
        """
        return {
            "n": self._n,
            "shape": None if self._shape is None else list(self._shape),
            "mean": None if self._mean is None else self._mean.tolist(),
            "m2": None if self._m2 is None else self._m2.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RunningStats:
        """Rebuild an accumulator from :meth:`to_state` output.

        Raises:
            ValueError: If the snapshot is inconsistent.
        """
        shape = state.get("shape")
        rs = cls(None if shape is None else tuple(int(s) for s in shape))
        n = int(state["n"])
        if n < 0:
            raise ValueError(f"invalid RunningStats state: n={n}")
        if n == 0:
            return rs
        if state.get("mean") is None or state.get("m2") is None:
            raise ValueError("invalid RunningStats state: n > 0 but mean/m2 missing")
        mean = np.asarray(state["mean"], dtype=float)
        m2 = np.asarray(state["m2"], dtype=float)
        if rs._shape is None:
            rs._shape = mean.shape
        if mean.shape != rs._shape or m2.shape != rs._shape:
            raise ValueError(
                f"invalid RunningStats state: shape {rs._shape}, mean {mean.shape}, m2 {m2.shape}"
            )
        rs._n, rs._mean, rs._m2 = n, mean, m2
        return rs

    def __repr__(self) -> str:
        return f"RunningStats(n={self._n}, shape={self._shape})"


# ---------------------------------------------------------------------------
# Precision and replication planning
# ---------------------------------------------------------------------------


def relative_half_width(values: Iterable[float] | np.ndarray, level: float = 0.95) -> float:
    """Half-width of the t interval of the mean, relative to ``|mean|``.

    The usual stopping rule for replications: stop when this falls below,
    say, 0.05 ("mean known to ±5 %").

    Args:
        values: One value per replication.
        level: Two-sided confidence level.

    Returns:
        ``hw / |mean|``; ``0.0`` when ``hw == 0`` (constant output);
        ``inf`` when ``mean == 0`` and ``hw > 0``. With a single value the
        precision is unknown, so ``inf`` is returned rather than 0 — a
        stopping rule must never stop after one run.

    Raises:
        ValueError: As for :func:`summarize`.
    """
    x = _as_values(values)
    if x.size < 2:
        _check_level(level)
        return math.inf
    mean, sd = _mean_sd(x)
    hw = _t_half_width(sd, int(x.size), level)
    if hw == 0.0:
        return 0.0
    if mean == 0.0:
        return math.inf
    return hw / abs(mean)


def replications_needed(
    values: Iterable[float] | np.ndarray, precision: float, level: float = 0.95
) -> int:
    """Estimate the total number of replications for a target relative precision.

    Returns the smallest ``n >= max(len(values), 2)`` such that
    ``t_{n-1} · s / √n <= precision · |mean|``, with ``s`` and ``mean`` taken
    from the pilot ``values`` (Law 2015, §9.4.1). The left side decreases in
    ``n``, so a bisection finds the same ``n`` as stepping up one at a time.
    It is an estimate: ``s`` and ``mean`` will move as runs are added, so
    re-check with the new data.

    Args:
        values: Pilot replications.
        precision: Target relative half-width, e.g. ``0.05`` for ±5 %.
        level: Two-sided confidence level.

    Returns:
        The total number of replications (not the number of *additional*
        ones). ``len(values)`` when the values are constant; ``2`` when only
        one value is available (variability cannot be estimated from one
        run); :data:`MAX_REPLICATIONS` when the target is unreachable
        (e.g. ``mean == 0``) or would need more than that.

    Raises:
        ValueError: If ``precision`` is not a positive finite number, or as
            for :func:`summarize`.
    """
    x = _as_values(values)
    precision = float(precision)
    if not (precision > 0.0 and math.isfinite(precision)):
        raise ValueError(f"precision must be a positive finite number, got {precision!r}")
    q = _check_level(level)
    n0 = int(x.size)
    if n0 < 2:
        return 2
    mean, sd = _mean_sd(x)
    if sd == 0.0:
        return n0
    target = precision * abs(mean)
    if target == 0.0:
        return MAX_REPLICATIONS

    def ok(n: int) -> bool:
        return t_quantile(n - 1, q) * sd / math.sqrt(n) <= target

    if ok(n0):
        return n0
    if not ok(MAX_REPLICATIONS):
        return MAX_REPLICATIONS
    lo, hi = n0, MAX_REPLICATIONS  # invariant: not ok(lo), ok(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


# ---------------------------------------------------------------------------
# Presentation helpers
# ---------------------------------------------------------------------------


def percentile_of(value: float, values: Iterable[float] | np.ndarray) -> float:
    """Percentile rank of ``value`` among ``values``, in [0, 100].

    Uses the mean of the strict rank ``#(values < value)`` and the weak rank
    ``#(values <= value)`` (``percentileofscore(kind="mean")``), so ties are
    split evenly: "this run was at the 82nd percentile" then means it beat
    82 % of runs, counting ties as half.

    Args:
        value: The value to locate (e.g. the KPI of one highlighted run).
        values: The reference distribution (e.g. all replications).

    Returns:
        A percentage between 0 and 100.

    Raises:
        ValueError: If ``values`` is empty / non-finite or ``value`` is NaN.
    """
    x = _as_values(values)
    v = float(value)
    if math.isnan(v):
        raise ValueError("value must not be NaN")
    below = int(np.count_nonzero(x < v))
    at_or_below = int(np.count_nonzero(x <= v))
    return 100.0 * (below + at_or_below) / (2.0 * x.size)


def describe_difference(label: str, kpi_label: str, diff: Difference, decimals: int = 2) -> str:
    """One plain-language sentence describing a :class:`Difference`.

    Written for a briefing slide, not a journal: a direction verb, the size of
    the effect, the interval of ``b - a`` and whether it could be chance
    (whether the interval includes zero). For example::

        Policy B raises final trust in Iraq by 0.08 (0.05 to 0.11); more than chance.
        Policy B lowers final trust in Iraq by 0.03 (-0.06 to 0.00); could be chance.
        Policy B makes no difference to final trust in Iraq.

    The verb follows the sign of the estimate and the magnitude is its
    absolute value; an estimate of exactly zero with a non-degenerate
    interval is reported as "changes ... by 0.00". Negative zero is printed
    as ``0.00``.

    Args:
        label: Who/what causes the difference, e.g. ``"Policy B"``.
        kpi_label: What is measured, e.g. ``"final trust in Iraq"``.
        diff: The difference (``b - a``) to describe.
        decimals: Decimal places for the numbers.

    Returns:
        The sentence, ending with a full stop.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    est, lo, hi = diff.estimate, diff.ci_low, diff.ci_high
    if est == 0.0 and lo == 0.0 and hi == 0.0:
        return f"{label} makes no difference to {kpi_label}."

    # A significant interval must not *read* as touching zero ("-0.20 to 0.00;
    # more than chance"), nor a non-zero effect as "by 0.00": add decimals
    # (up to 4) until every number that is not zero shows as non-zero.
    shown = (est, lo, hi) if diff.significant else (est,)
    nonzero = [v for v in shown if v != 0.0]
    while decimals < 4 and any(round(v, decimals) == 0 for v in nonzero):
        decimals += 1

    def fmt(v: float) -> str:
        return f"{v:z.{decimals}f}"

    verb = "raises" if est > 0 else "lowers" if est < 0 else "changes"
    verdict = "more than chance" if diff.significant else "could be chance"
    return f"{label} {verb} {kpi_label} by {fmt(abs(est))} ({fmt(lo)} to {fmt(hi)}); {verdict}."
