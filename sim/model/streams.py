"""Seeded named random streams (common random numbers).

A run has one root seed. Replication ``k`` gets a child seed derived from the
root seed and ``k`` alone, so results do not depend on how replications are
spread over workers. Inside a replication each random source (each threat
against each target; each source of :mod:`sim.model.uncertainty`) draws from
its own stream, named by the source's id,
so adding an initiative or changing a policy does not shift anyone else's
draws: two policies run on the same seed face the same threat candidates.

Streams draw from numpy's PCG64 in blocks and serve scalars from the block;
a block is a fixed function of the stream's seed, so buffering changes speed,
never values.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterator

import numpy as np

BLOCK = 256


def replication_seed(run_seed: int, index: int) -> int:
    """Seed of replication ``index`` of a run (a 63-bit integer)."""
    seq = np.random.SeedSequence(entropy=run_seed, spawn_key=(index,))
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> tuple[int, ...]:
    # Cached: every replication of a plan names the same streams.
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def generator(seed: int, name: str) -> np.random.Generator:
    """A numpy generator for the stream ``name`` of a replication seeded ``seed``."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=_name_key(name)))
    )


def served(more: Callable[[], list[float]]) -> Callable[[], float]:
    """A stream's draws one at a time, from its blocks (``more``): the same values in
    the same order as calling the stream, at the cost of a generator step instead
    of a method call. The stream must serve nothing itself afterwards."""

    def serve() -> Iterator[float]:
        while True:
            yield from more()

    return serve().__next__


class Uniforms:
    """Uniform(0, 1) draws of one named stream, served one at a time."""

    __slots__ = ("_block", "_buf", "_gen", "_i")

    def __init__(self, seed: int, name: str, block: int = BLOCK) -> None:
        self._gen = generator(seed, name)
        self._block = block  # a stream drawn a few dozen times needs no 256-draw block
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._gen.random(self._block).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value

    def exponential(self, rate: float) -> float:
        """An exponential waiting time with the given rate (inverse transform)."""
        return -math.log(1.0 - self()) / rate

    def more(self) -> list[float]:
        """The draws not served yet, then a fresh block: for a hot loop that serves
        itself from a list. The stream serves none of these itself afterwards, so
        mixing calls and blocks keeps the one sequence of values."""
        rest = self._buf[self._i :]
        self._buf, self._i = [], 0
        block: list[float] = self._gen.random(self._block).tolist()
        return rest + block


class Betas:
    """Beta draws given by mean and sd (method of moments); constant when sd is 0."""

    __slots__ = ("_a", "_b", "_buf", "_gen", "_i", "_mean")

    def __init__(self, seed: int, name: str, mean: float, sd: float) -> None:
        self._mean = mean
        self._gen = generator(seed, name) if sd > 0 else None
        if sd > 0:
            common = mean * (1 - mean) / (sd * sd) - 1
            self._a, self._b = mean * common, (1 - mean) * common
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._gen is None:
            return self._mean
        if self._i >= len(self._buf):
            self._buf = self._gen.beta(self._a, self._b, BLOCK).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value

    @property
    def constant(self) -> float | None:
        """The value every draw returns when sd is 0, else None."""
        return self._mean if self._gen is None else None

    def more(self) -> list[float]:
        """The draws not served yet, then a fresh block (see :meth:`Uniforms.more`)."""
        if self._gen is None:
            return [self._mean] * BLOCK
        rest = self._buf[self._i :]
        self._buf, self._i = [], 0
        block: list[float] = self._gen.beta(self._a, self._b, BLOCK).tolist()
        return rest + block


class Normals:
    """Standard normal draws of one named stream, served one at a time."""

    __slots__ = ("_block", "_buf", "_gen", "_i")

    def __init__(self, seed: int, name: str, block: int = BLOCK) -> None:
        self._gen = generator(seed, name)
        self._block = block
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._gen.standard_normal(self._block).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value

    def more(self) -> list[float]:
        """The draws not served yet, then a fresh block (see :meth:`Uniforms.more`)."""
        rest = self._buf[self._i :]
        self._buf, self._i = [], 0
        block: list[float] = self._gen.standard_normal(self._block).tolist()
        return rest + block
