"""Sampling designs: which points of the uncertainty space an exploration runs.

Every design first draws points in the unit cube, one column per uncertain
number, then maps each column onto its range: linearly for a uniform range,
by the inverse CDF for a triangular one (so a design's structure, such as
the Saltelli matrices or a Morris trajectory's one-at-a-time steps, holds in
the mapped space too). The points depend only on the method, the sample
count, the number of parameters and the seed.

Methods (``--method``):

* ``lhs`` - Latin hypercube (McKay et al. 1979, ``scipy.stats.qmc``):
  ``samples`` points, each range cut into ``samples`` equal-probability
  strata, one point per stratum in every column.
* ``qmc`` - scrambled quasi-random Sobol' sequence (``scipy.stats.qmc``):
  ``samples`` points spread more evenly than random ones.
* ``sobol`` - the Saltelli design that Sobol' indices need
  (``SALib.sample.sobol``; Saltelli et al. 2010): ``samples`` base points
  give ``samples x (k + 2)`` runs, in the order SALib's analysis expects.
* ``morris`` - Morris trajectories (``SALib.sample.morris``; Morris 1991):
  ``samples`` trajectories of ``k + 1`` points on a 4-level grid.

LHS and ``qmc`` points suit any given-data analysis; ``sobol`` and ``morris``
points must stay in the order drawn, which the results file keeps (``point``).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from sim.errors import TtxError
from sim.scenario.ranges import Uncertainty

Method = Literal["lhs", "qmc", "sobol", "morris"]
METHODS: tuple[str, ...] = ("lhs", "qmc", "sobol", "morris")
#: What each method's points support: the sensitivity analysis they were drawn for.
ANALYSIS: dict[str, str] = {
    "lhs": "given-data",
    "qmc": "given-data",
    "sobol": "saltelli",
    "morris": "morris",
}
MORRIS_LEVELS = 4


class DesignError(TtxError):
    """A design that cannot be drawn (unknown method, too few samples, no parameters)."""


@dataclass(frozen=True)
class Design:
    """The points of an exploration and how they were drawn.

    Attributes:
        method: One of :data:`METHODS`.
        samples: The sample count asked for (base points or trajectories for
            ``sobol`` and ``morris``).
        seed: The seed the points were drawn with.
        space: The uncertain numbers, one per column.
        X: The points, shape ``(points, k)``, in the order drawn.
    """

    method: str
    samples: int
    seed: int
    space: tuple[Uncertainty, ...]
    X: NDArray[np.float64]

    @property
    def params(self) -> list[str]:
        """The targets, one per column of :attr:`X`."""
        return [u.target for u in self.space]

    @property
    def points(self) -> int:
        """How many points the design has."""
        return int(self.X.shape[0])

    def point(self, i: int) -> dict[str, float]:
        """Point ``i`` as ``{target: value}`` (what :func:`~sim.scenario.exploration.apply_point`
        takes)."""
        return {t: float(v) for t, v in zip(self.params, self.X[i], strict=True)}

    def metadata(self) -> dict[str, Any]:
        """What the results file records about the design (JSON-ready)."""
        return {
            "method": self.method,
            "analysis": ANALYSIS[self.method],
            "samples": self.samples,
            "points": self.points,
            "seed": self.seed,
            "num_levels": MORRIS_LEVELS,
            "second_order": False,
            "ranges": {
                u.target: {
                    "low": u.low,
                    "high": u.high,
                    "mode": u.mode,
                    "distribution": u.distribution,
                }
                for u in self.space
            },
        }


def point_count(method: str, samples: int, k: int) -> int:
    """How many points ``method`` draws for ``samples`` and ``k`` parameters."""
    if method == "sobol":
        return samples * (k + 2)
    if method == "morris":
        return samples * (k + 1)
    return samples


def scale(unit: NDArray[np.float64], space: Sequence[Uncertainty]) -> NDArray[np.float64]:
    """Map unit-cube points onto the ranges (inverse CDF; triangular where a mode is given)."""
    from scipy.stats import triang

    out = np.empty_like(unit, dtype=np.float64)
    for j, u in enumerate(space):
        width = u.high - u.low
        if u.mode is None:
            out[:, j] = u.low + unit[:, j] * width
        else:
            out[:, j] = triang.ppf(unit[:, j], (u.mode - u.low) / width, loc=u.low, scale=width)
    return out


def _unit(method: str, samples: int, k: int, seed: int) -> NDArray[np.float64]:
    from scipy.stats import qmc

    if method == "lhs":
        lhs = qmc.LatinHypercube(d=k, rng=np.random.default_rng(seed)).random(samples)
        return np.asarray(lhs, dtype=np.float64)
    if method == "qmc":
        sampler = qmc.Sobol(d=k, scramble=True, rng=np.random.default_rng(seed))
        with warnings.catch_warnings():
            # Balance is best at powers of two; other counts are allowed, said in the docs.
            warnings.simplefilter("ignore", UserWarning)
            return np.asarray(sampler.random(samples), dtype=np.float64)
    problem = {"num_vars": k, "names": [f"x{j}" for j in range(k)], "bounds": [[0.0, 1.0]] * k}
    # SALib prints notices (e.g. about sample counts) that a command must not show.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.sample import sobol

            unit = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
        else:
            from SALib.sample import morris

            unit = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    return np.clip(np.asarray(unit, dtype=np.float64), 0.0, 1.0)


def draw(space: Sequence[Uncertainty], method: str, samples: int, seed: int) -> Design:
    """Draw a design over ``space``.

    Raises:
        DesignError: Unknown method, no parameters, or fewer than 2 samples.
    """
    if method not in METHODS:
        raise DesignError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    if not space:
        raise DesignError("the uncertainty space is empty: nothing to explore")
    if samples < 2:
        raise DesignError(f"an exploration needs at least 2 samples, got {samples}")
    unit = _unit(method, samples, len(space), seed)
    return Design(method, samples, seed, tuple(space), scale(unit, space))
