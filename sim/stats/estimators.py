"""Estimators for replicated simulation output: means, differences, their intervals.

Every number a run prints is an estimate; these functions return it with its
confidence interval. The methods and their references are in
``docs/statistics.md``. scipy is imported lazily (inside :func:`t_quantile` and
:func:`_z`) so that importing this module keeps CLI start-up fast.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

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
