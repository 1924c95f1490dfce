"""Proportions (objectives met or not): Wilson intervals and their differences.

Methods in ``docs/statistics.md``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim.stats.estimators import (
    Difference,
    _as_values,
    _DictMixin,
    _difference,
    _z,
    paired_difference,
)

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
