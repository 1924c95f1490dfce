"""How precise an estimate is, and how many replications a precision would cost.

Methods in ``docs/statistics.md`` (Law 2015, section 9.4.1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from sim.stats.estimators import (
    MAX_REPLICATIONS,
    _as_values,
    _check_level,
    _mean_sd,
    _t_half_width,
    t_quantile,
)

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
        ValueError: As for :func:`sim.stats.summarize`.
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
            for :func:`sim.stats.summarize`.
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
