"""What drives the result: global sensitivity indices with confidence intervals.

Which index depends on the design the points were drawn with, because each
estimator needs its own sample structure:

* **Saltelli design** -> Sobol' first-order and total-order indices
  (``SALib.analyze.sobol``; Sobol' 2001, Saltelli et al. 2010): the share of
  the output's variance due to a parameter alone, and with all its
  interactions. Ranked by the total order.
* **Morris design** -> elementary effects, mu* (mean absolute effect) and
  sigma (non-linearity or interaction) (``SALib.analyze.morris``; Morris
  1991). A screening measure: it ranks, it does not apportion variance.
* **Latin hypercube or quasi-random points** -> a first-order index from the
  given data: the correlation ratio, the share of variance explained by the
  mean of the output within equal-count bins of one parameter (the given-data
  estimator of Plischke, Borgonovo & Smith 2013), adjusted for the
  variance small bins explain by chance (Kelley's epsilon squared). It needs
  no special design, costs one sort per parameter and catches non-monotonic
  effects that a rank correlation would miss. SALib's given-data ``delta``
  was tried first: on 64 points and 8 parameters it took 112 s for one
  output against 0.07 s for this index with its bootstrap
  (``bench/explore_analysis.py``, load average 10), and printed notices.

Every index comes with a bootstrap interval (SALib's own for Sobol' and
Morris; a seeded percentile bootstrap over points for the binned index), so a
report can say when two drivers cannot be told apart.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Method = Literal["saltelli", "morris", "given-data"]

RESAMPLES = 200
CONFIDENCE = 0.95

MEASURES: dict[Method, tuple[str, str | None]] = {
    "saltelli": ("Sobol' total order", "Sobol' first order"),
    "morris": ("Morris mu*", "Morris sigma"),
    "given-data": ("first-order index (binned)", None),
}
"""Per method: the name of the index that ranks, and of the second index shown."""


@dataclass(frozen=True)
class Index:
    """One parameter's index with its interval (and a second index where the method has one)."""

    param: str
    value: float
    low: float
    high: float
    other: float | None = None
    other_low: float | None = None
    other_high: float | None = None


@dataclass(frozen=True)
class Sensitivity:
    """The indices of one output, strongest driver first."""

    output: str
    method: Method
    indices: list[Index]
    varies: bool  # False: the output is the same at every point, nothing drives it

    @property
    def measure(self) -> str:
        return MEASURES[self.method][0]

    @property
    def other_measure(self) -> str | None:
        return MEASURES[self.method][1]

    @property
    def leading(self) -> str | None:
        return self.indices[0].param if self.varies and self.indices else None


def sensitivity(
    output: str,
    X: Array,
    params: Sequence[str],
    y: Array,
    *,
    method: Method = "given-data",
    bounds: Sequence[tuple[float, float]] | None = None,
    seed: int = 0,
    num_levels: int = 4,
    second_order: bool = False,
) -> Sensitivity:
    """Sensitivity indices of ``y`` (one value per point) to each column of ``X``.

    Args:
        output: What ``y`` is, for the report.
        X: (points, parameters) in the order of the design.
        params: Parameter names, one per column.
        y: The output at each point.
        method: ``saltelli`` and ``morris`` need the points in the order SALib
            drew them; ``given-data`` takes any points.
        bounds: The parameters' ranges (default: the range seen in ``X``).
        seed: Seed of the bootstrap; the same seed gives the same intervals.
        num_levels: The Morris design's grid levels.
        second_order: Whether the Saltelli design includes second-order points.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    names = list(params)
    if not np.all(np.isfinite(y)) or np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        zeros = [Index(p, 0.0, 0.0, 0.0) for p in names]
        return Sensitivity(output, method, zeros, varies=False)
    if bounds is None:
        bounds = [(float(lo), float(hi)) for lo, hi in zip(X.min(0), X.max(0), strict=True)]
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}
    if method == "saltelli":
        indices = _sobol(problem, y, seed, second_order)
    elif method == "morris":
        indices = _morris(problem, X, y, seed, num_levels)
    else:
        indices = _binned(names, X, y, seed)
    indices.sort(key=lambda ix: (-ix.value, names.index(ix.param)))
    return Sensitivity(output, method, indices, varies=True)


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    # SALib prints notices for some inputs; a report command must not.
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _sobol(problem: dict[str, Any], y: Array, seed: int, second_order: bool) -> list[Index]:
    from SALib.analyze import sobol

    r = _quiet(
        sobol.analyze,
        problem,
        y,
        calc_second_order=second_order,
        num_resamples=RESAMPLES,
        conf_level=CONFIDENCE,
        seed=seed,
    )
    return [
        Index(
            name,
            float(r["ST"][i]),
            float(r["ST"][i] - r["ST_conf"][i]),
            float(r["ST"][i] + r["ST_conf"][i]),
            float(r["S1"][i]),
            float(r["S1"][i] - r["S1_conf"][i]),
            float(r["S1"][i] + r["S1_conf"][i]),
        )
        for i, name in enumerate(problem["names"])
    ]


def _morris(problem: dict[str, Any], X: Array, y: Array, seed: int, num_levels: int) -> list[Index]:
    from SALib.analyze import morris

    r = _quiet(
        morris.analyze,
        problem,
        X,
        y,
        num_resamples=RESAMPLES,
        conf_level=CONFIDENCE,
        num_levels=num_levels,
        seed=seed,
    )
    return [
        Index(
            name,
            float(r["mu_star"][i]),
            float(r["mu_star"][i] - r["mu_star_conf"][i]),
            float(r["mu_star"][i] + r["mu_star_conf"][i]),
            float(r["sigma"][i]),
        )
        for i, name in enumerate(problem["names"])
    ]


def bins_for(n: int) -> int:
    """Equal-count bins per parameter: about sqrt(n), so each bin holds about as many points."""
    return int(np.clip(round(np.sqrt(n)), 2, 20))


def binned_first_order(x: Array, y: Array, bins: int, weights: Array | None = None) -> float:
    """Adjusted correlation ratio of ``y`` on ``x`` split into ``bins`` equal-count bins.

    ``weights`` (counts per point, for the bootstrap) default to one each.
    """
    n = len(x)
    w = np.ones(n) if weights is None else weights
    b = np.minimum(np.argsort(np.argsort(x, kind="stable"), kind="stable") * bins // n, bins - 1)
    total = w.sum()
    mean = (w * y).sum() / total
    ss_total = (w * (y - mean) ** 2).sum()
    if ss_total <= 0:
        return 0.0
    count = np.bincount(b, weights=w, minlength=bins)
    sums = np.bincount(b, weights=w * y, minlength=bins)
    filled = count > 0
    ss_between = (sums[filled] ** 2 / count[filled]).sum() - total * mean**2
    dof = int(filled.sum()) - 1
    ss_within = ss_total - ss_between
    # Epsilon squared: between-bin variance beyond what dof bins explain by chance.
    # The chance term counts distinct points: a bootstrap's repeated points carry
    # no new information, and counting them would bias its replicates upwards.
    distinct = int(np.count_nonzero(w))
    adjusted = (ss_between - dof * ss_within / max(distinct - dof - 1, 1)) / ss_total
    return float(np.clip(adjusted, 0.0, 1.0))


def _binned(names: list[str], X: Array, y: Array, seed: int) -> list[Index]:
    n = len(y)
    bins = bins_for(n)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(RESAMPLES, n))
    weights = np.stack([np.bincount(d, minlength=n).astype(float) for d in draws])
    alpha = (1 - CONFIDENCE) / 2
    out = []
    for i, name in enumerate(names):
        x = X[:, i]
        boot = np.array([binned_first_order(x, y, bins, w) for w in weights])
        low, high = np.quantile(boot, [alpha, 1 - alpha])
        out.append(Index(name, binned_first_order(x, y, bins), float(low), float(high)))
    return out
