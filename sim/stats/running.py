"""Online mean and variance of fixed-shape arrays, mergeable across workers.

Methods in ``docs/statistics.md`` (Welford 1962; Chan, Golub & LeVeque 1979).
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
        """Element-wise sample variance (ddof=1).

        Zeros when ``n == 1``, as in :func:`sim.stats.summarize`.
        """
        _, m2 = self._require_data()
        if self._n < 2:
            return np.zeros_like(m2)
        variance: np.ndarray = np.maximum(m2, 0.0) / (self._n - 1)
        return variance

    @property
    def sd(self) -> np.ndarray:
        """Element-wise sample standard deviation (ddof=1)."""
        sd: np.ndarray = np.sqrt(self.variance)
        return sd

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
