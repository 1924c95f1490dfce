"""Where the recommendation breaks: scenario discovery with a classification tree.

Given the points where something went wrong (the most robust policy missed
an objective, or lost to another policy), find one box of the uncertainty
space - a few bounds on a few parameters - that holds most of those cases
and few others, and say it in words with its two figures of merit (Bryant
& Lempert 2010):

* **density** - the share of points inside the box where it goes wrong;
* **coverage** - the share of all the cases that go wrong which fall inside.

The box is a leaf of a CART tree (Breiman et al. 1984; scikit-learn's
``DecisionTreeClassifier``, seeded, so the same points give the same box).
A shallow tree keeps the box to a few conditions a participant can read;
the leaf with the best density x coverage among those where most points go
wrong is the box. PRIM (Friedman & Fisher 1999) peels boxes more gently;
docs/DESIGN-NOTES.md says why CART was chosen over its packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

MAX_DEPTH = 3
MIN_LEAF_SHARE = 0.05
MIN_LEAF = 3


@dataclass(frozen=True)
class Bound:
    """One parameter's limits inside the box (None: unbounded on that side)."""

    param: str
    low: float | None
    high: float | None

    def words(self, label: str) -> str:
        if self.low is not None and self.high is not None:
            return f"{label} is between {_num(self.low)} and {_num(self.high)}"
        if self.low is not None:
            return f"{label} > {_num(self.low)}"
        return f"{label} <= {_num(self.high or 0.0)}"

    def contains(self, x: Array) -> NDArray[np.bool_]:
        inside = np.ones(len(x), bool)
        if self.low is not None:
            inside &= x > self.low
        if self.high is not None:
            inside &= x <= self.high
        return inside


@dataclass(frozen=True)
class Region:
    """A box of the uncertainty space and how well it captures the cases of interest."""

    bounds: list[Bound]
    density: float
    coverage: float
    points: int  # points inside the box
    cases: int  # cases of interest inside the box
    total_cases: int

    def condition(self, labels: dict[str, str] | None = None) -> str:
        """``footprint_trust > 0.045 and Iraq's sensitivity > 0.7``."""
        names = labels or {}
        return " and ".join(b.words(names.get(b.param, b.param)) for b in self.bounds)


def _num(v: float) -> str:
    return f"{v:.3g}"


def discover(
    X: Array, params: Sequence[str], cases: NDArray[np.bool_], *, seed: int = 0
) -> Region | None:
    """The box where ``cases`` (one flag per point) concentrate; None if there are none.

    When every point is a case the box is the whole space (no bounds,
    density 1). The tree is fitted with balanced class weights so a rare
    failure still gets its own leaf.
    """
    from sklearn.tree import DecisionTreeClassifier

    X = np.asarray(X, float)
    y = np.asarray(cases, bool)
    total = int(y.sum())
    if total == 0:
        return None
    n = len(y)
    if total == n:
        return Region([], 1.0, 1.0, n, n, n)
    tree = DecisionTreeClassifier(
        max_depth=MAX_DEPTH,
        min_samples_leaf=max(MIN_LEAF, int(MIN_LEAF_SHARE * n)),
        class_weight="balanced",
        random_state=seed,
    ).fit(X, y)
    t = tree.tree_
    names = list(params)
    best: Region | None = None
    best_key = (-1.0, 0)

    def walk(node: int, limits: dict[int, tuple[float | None, float | None]]) -> None:
        nonlocal best, best_key
        if t.children_left[node] == -1:
            bounds = [Bound(names[i], lo, hi) for i, (lo, hi) in sorted(limits.items())]
            region = _simplify(_measure(bounds, X, names, y, total), X, names, y)
            key = (region.density * region.coverage, -len(bounds))
            if region.density > 0.5 and key > best_key:
                best, best_key = region, key
            return
        i, cut = int(t.feature[node]), float(t.threshold[node])
        lo, hi = limits.get(i, (None, None))
        walk(int(t.children_left[node]), {**limits, i: (lo, cut if hi is None else min(hi, cut))})
        walk(int(t.children_right[node]), {**limits, i: (cut if lo is None else max(lo, cut), hi)})

    walk(0, {})
    return best


def _simplify(region: Region, X: Array, names: list[str], y: NDArray[np.bool_]) -> Region:
    """Drop each bound whose removal does not lower the density, one at a time.

    A tree splits where it helps the fit, not the reader: a bound that only
    separates cases from cases (both sides go wrong) says nothing, and
    removing it widens the box to hold more of the cases.
    """
    while region.bounds:
        wider = [
            _measure([b for b in region.bounds if b is not drop], X, names, y, region.total_cases)
            for drop in region.bounds
        ]
        best = max(wider, key=lambda r: (r.density, r.coverage))
        if best.density < region.density - 1e-12:
            return region
        region = best
    return region


def _measure(
    bounds: list[Bound], X: Array, names: list[str], y: NDArray[np.bool_], total: int
) -> Region:
    inside = np.ones(len(y), bool)
    for b in bounds:
        inside &= b.contains(X[:, names.index(b.param)])
    points, hits = int(inside.sum()), int((inside & y).sum())
    density = hits / points if points else 0.0
    return Region(bounds, density, hits / total, points, hits, total)
