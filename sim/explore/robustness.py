"""Robustness of each policy across the uncertainty space: best share, regret, satisficing.

A point of the space is one set of illustrative numbers; the question is
whether a policy's standing survives when they change. Three views, all
computed from per-point summaries only (analysis reads results, never runs):

* **best share** - the share of points where a policy is best on a measure.
  Two policies closer than the measure's smallest meaningful difference are
  tied and both count as best, so noise between near-equal policies does not
  hand out wins.
* **regret** - at each point, how far a policy falls short of the best policy
  at that same point, in the measure's units (0 where it is best). Common
  seeds make this a paired difference, so the distribution is not inflated by
  replication noise.
* **satisficing** - the share of points where an objective's probability of
  being met stays at or above a threshold (``--satisfice``, default 0.8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.analysis import kpis

Array = NDArray[np.float64]

DEFAULT_SATISFICE = 0.8
OBJECTIVE_MIN_DIFFERENCE = 0.05
"""Smallest meaningful difference between two probabilities of meeting an objective."""


def min_difference(kpi: str, values: Array) -> float:
    """The smallest difference in ``kpi`` worth calling a difference, for ties.

    Uses the KPI catalogue's own figure when it has one; otherwise a default
    by unit: 0.02 on a 0-1 index, one incident on a count, 5% of the mean for
    cost and harm (they scale with the scenario).
    """
    catalogue = getattr(kpis, "min_difference", None)
    if callable(catalogue):  # (kpi, mean of the values) -> size, when the catalogue has it
        return float(catalogue(kpi, float(np.mean(values)) if values.size else 0.0))
    unit = kpis.kpi_unit(kpi)
    if unit == kpis.SHARE:
        return 0.02
    if unit == kpis.COUNT:
        return 1.0
    return 0.05 * float(abs(np.mean(values))) if values.size else 0.0


@dataclass(frozen=True)
class Measure:
    """One thing policies are judged on: a headline KPI or an objective.

    ``values`` is (points, policies); ``sign`` is +1 when higher is better;
    ``tolerance`` is the smallest meaningful difference (ties below it).
    """

    name: str
    kind: str  # "kpi" or "objective"
    values: Array
    sign: int
    tolerance: float

    def score(self) -> Array:
        """Values turned so that higher is always better."""
        return self.sign * self.values

    def regret(self) -> Array:
        """(points, policies): shortfall against the best policy at the same point (>= 0)."""
        score = self.score()
        regret: Array = score.max(axis=1, keepdims=True) - score
        return regret

    def best(self) -> NDArray[np.bool_]:
        """(points, policies): whether each policy is best, or tied with the best, there."""
        return self.regret() <= self.tolerance + 1e-12


@dataclass(frozen=True)
class MeasureRobustness:
    """A measure's verdict per policy (each dict keyed by policy id)."""

    name: str
    kind: str
    tolerance: float
    best_share: dict[str, float]
    regret: dict[str, Array]  # the distribution over points, in the measure's units
    satisfice_share: dict[str, float] | None  # objectives only


@dataclass(frozen=True)
class Robustness:
    """Every measure's robustness, and the policy that holds up best overall."""

    policies: list[str]
    measures: list[MeasureRobustness]
    threshold: float
    ranking: list[str]  # most robust first

    @property
    def most_robust(self) -> str:
        return self.ranking[0]

    def measure(self, name: str) -> MeasureRobustness:
        return next(m for m in self.measures if m.name == name)


def measures(
    kpi_values: Mapping[str, Array], objective_values: Mapping[str, Array]
) -> list[Measure]:
    """The measures to judge on: objectives first (the exercise's own aims), then KPIs."""
    out = [
        Measure(name, "objective", np.asarray(v, float), +1, OBJECTIVE_MIN_DIFFERENCE)
        for name, v in objective_values.items()
    ]
    for name, v in kpi_values.items():
        arr = np.asarray(v, float)
        out.append(Measure(name, "kpi", arr, kpis.direction(name), min_difference(name, arr)))
    return out


def robustness(
    policies: Sequence[str],
    kpi_values: Mapping[str, Array],
    objective_values: Mapping[str, Array],
    threshold: float = DEFAULT_SATISFICE,
) -> Robustness:
    """Best share, regret and satisficing share of every policy on every measure.

    Args:
        policies: Policy ids, in the column order of the value arrays.
        kpi_values: KPI name -> (points, policies) means over replications.
        objective_values: Objective id -> (points, policies) probabilities met.
        threshold: The probability an objective must reach to count as satisficed.

    The ranking puts first the policy that satisfices its objectives over the
    largest share of the space; ties (or no objectives) go to the larger mean
    best share, then the smaller mean regret relative to each measure's tolerance.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"satisfice threshold must be between 0 and 1, got {threshold}")
    ids = list(policies)
    results: list[MeasureRobustness] = []
    for m in measures(kpi_values, objective_values):
        best, regret = m.best(), m.regret()
        satisfice = None
        if m.kind == "objective":
            ok = m.values >= threshold
            satisfice = {p: float(ok[:, i].mean()) for i, p in enumerate(ids)}
        results.append(
            MeasureRobustness(
                m.name,
                m.kind,
                m.tolerance,
                {p: float(best[:, i].mean()) for i, p in enumerate(ids)},
                {p: regret[:, i] for i, p in enumerate(ids)},
                satisfice,
            )
        )

    def key(p: str) -> tuple[float, float, float]:
        sat = [m.satisfice_share[p] for m in results if m.satisfice_share is not None]
        best = [m.best_share[p] for m in results]
        rel = [float(m.regret[p].mean()) / (m.tolerance or 1.0) for m in results]
        return (
            -float(np.mean(sat)) if sat else 0.0,
            -float(np.mean(best)) if best else 0.0,
            float(np.mean(rel)) if rel else 0.0,
        )

    ranking = sorted(ids, key=lambda p: (key(p), ids.index(p)))
    return Robustness(ids, results, threshold, ranking)
