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
from itertools import chain
from typing import cast

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
    """A numpy generator for the stream ``name`` of a replication seeded ``seed``:
    PCG64 seeded by ``SeedSequence(seed, spawn_key=<name's key>)``.

    Speed: a replication seeds a dozen or more streams, and numpy's SeedSequence
    took about 20 us each (two thirds of it array handling around a few dozen
    32-bit operations). :func:`_pcg64_seed` computes the same four words in plain
    integers; the test suite checks them against numpy's for many seeds and names.
    """
    if type(seed) is int and 0 <= seed < _SEED_LIMIT:
        words = np.array(_pcg64_seed(seed, _name_mixes(name)), dtype=np.uint64)
        # PCG64 accepts any registered ISeedSequence; its stubs name only SeedSequence.
        return np.random.Generator(np.random.PCG64(cast(np.random.SeedSequence, _Seeded(words))))
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=_name_key(name)))
    )


# -- numpy's SeedSequence in plain integers ------------------------------------------
# SeedSequence (numpy.random.bit_generator) hashes its entropy into a pool of four
# 32-bit words, then hashes the pool into the words asked for. With a spawn key, the
# entropy is the seed's 32-bit words (least significant first) padded with zeros to
# the pool size, then the key's words. Every hashmix call multiplies a running hash
# constant, whatever the data, so the constants of call k are fixed: _A[k] (xor) and
# _A[k + 1] (multiplier). A seed below 2**128 fills the pool (4 + 12 calls); each key
# word then takes 4 more calls, one per pool word.
_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_SEED_LIMIT = 1 << (32 * _POOL)  # larger seeds overflow the pool: numpy's own path
_A = [_INIT_A]
for _ in range(_POOL + _POOL * (_POOL - 1) + 4 * _POOL + 1):
    _A.append(_A[-1] * _MULT_A & _M32)
_B = [_INIT_B]
for _ in range(2 * 4):  # four 64-bit words out: eight 32-bit ones
    _B.append(_B[-1] * _MULT_B & _M32)
(_X0, _X1, _X2, _X3, _X4, _X5, _X6, _X7), (_Y0, _Y1, _Y2, _Y3, _Y4, _Y5, _Y6, _Y7) = (
    _B[:8],
    _B[1:9],
)


class _Seeded:
    """A seed sequence that hands PCG64 the state words already computed."""

    __slots__ = ("_words",)

    def __init__(self, words: np.ndarray) -> None:
        self._words = words

    def generate_state(self, n_words: int, dtype: object = np.uint32) -> np.ndarray:
        return self._words


np.random.bit_generator.ISeedSequence.register(_Seeded)


def _hashmix(value: int, k: int) -> int:
    """SeedSequence's hashmix as call ``k`` makes it."""
    value = (value ^ _A[k]) * _A[k + 1] & _M32
    return value ^ (value >> 16)


@functools.lru_cache(maxsize=64)
def _seed_pool(seed: int) -> tuple[int, int, int, int]:
    """The pool after the seed's words (cached: a replication's streams share the seed)."""
    run = [(seed >> (32 * i)) & _M32 for i in range(_POOL)]
    mixer = [_hashmix(w, k) for k, w in enumerate(run)]
    k = _POOL
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                mixed = (_MIX_L * mixer[dst] - _MIX_R * _hashmix(mixer[src], k)) & _M32
                mixer[dst] = mixed ^ (mixed >> 16)
                k += 1
    a, b, c, d = mixer
    return a, b, c, d


@functools.lru_cache(maxsize=4096)
def _name_mixes(name: str) -> tuple[int, ...]:
    """What each word of the name's key mixes into each pool word (times _MIX_R),
    in call order: it depends on the name alone, so every replication reuses it."""
    k = _POOL + _POOL * (_POOL - 1)
    out = []
    for word in _name_key(name):
        for _ in range(_POOL):
            out.append(_MIX_R * _hashmix(word, k))
            k += 1
    return tuple(out)


def _pcg64_seed(seed: int, mixes: tuple[int, ...]) -> list[int]:
    """``SeedSequence(seed, spawn_key=key).generate_state(4, np.uint64)`` as ints,
    given the key's :func:`_name_mixes` (0 <= seed < 2**128)."""
    a, b, c, d = _seed_pool(seed)
    mask, left = _M32, _MIX_L
    for i in range(0, len(mixes), 4):
        r = (left * a - mixes[i]) & mask
        a = r ^ (r >> 16)
        r = (left * b - mixes[i + 1]) & mask
        b = r ^ (r >> 16)
        r = (left * c - mixes[i + 2]) & mask
        c = r ^ (r >> 16)
        r = (left * d - mixes[i + 3]) & mask
        d = r ^ (r >> 16)
    # generate_state: the pool cycled, each word hashed; 32-bit pairs, little end first.
    w0, w1 = (a ^ _X0) * _Y0 & mask, (b ^ _X1) * _Y1 & mask
    w2, w3 = (c ^ _X2) * _Y2 & mask, (d ^ _X3) * _Y3 & mask
    w4, w5 = (a ^ _X4) * _Y4 & mask, (b ^ _X5) * _Y5 & mask
    w6, w7 = (c ^ _X6) * _Y6 & mask, (d ^ _X7) * _Y7 & mask
    return [
        w0 ^ (w0 >> 16) | (w1 ^ (w1 >> 16)) << 32,
        w2 ^ (w2 >> 16) | (w3 ^ (w3 >> 16)) << 32,
        w4 ^ (w4 >> 16) | (w5 ^ (w5 >> 16)) << 32,
        w6 ^ (w6 >> 16) | (w7 ^ (w7 >> 16)) << 32,
    ]


def served(more: Callable[[], list[float]]) -> Callable[[], float]:
    """A stream's draws one at a time, from its blocks (``more``): the same values in
    the same order as calling the stream, at the cost of a step of C iterators (the
    blocks, called for one after another, chained) instead of a method call. The
    stream must serve nothing itself afterwards."""
    blocks: Iterator[list[float]] = iter(more, None)  # more() never returns None: endless
    return chain.from_iterable(blocks).__next__


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
    """Beta draws given by mean and sd (method of moments); constant when sd is 0.

    A beta draw costs several uniform ones, so a stream drawn a hundred times a
    run is worth a block of its own size (``block``; numpy draws a block one value
    after another, so the block size changes the cost, never the values).
    """

    __slots__ = ("_a", "_b", "_block", "_buf", "_gen", "_i", "_mean")

    def __init__(self, seed: int, name: str, mean: float, sd: float, block: int = BLOCK) -> None:
        self._mean = mean
        self._gen = generator(seed, name) if sd > 0 else None
        if sd > 0:
            common = mean * (1 - mean) / (sd * sd) - 1
            self._a, self._b = mean * common, (1 - mean) * common
        self._block = block
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._gen is None:
            return self._mean
        if self._i >= len(self._buf):
            self._buf = self._gen.beta(self._a, self._b, self._block).tolist()
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
            return [self._mean] * self._block
        rest = self._buf[self._i :]
        self._buf, self._i = [], 0
        block: list[float] = self._gen.beta(self._a, self._b, self._block).tolist()
        return rest + block


def block_for(expected: float, per_draw: int = 1, most: int = BLOCK) -> int:
    """A block size for a stream drawn ``per_draw`` values at a time, about
    ``expected`` times a run (a Poisson count): enough for the count three standard
    deviations up in one block, at most ``most``. Speed only: any size serves the
    same values."""
    if not expected > 0:
        return per_draw
    return min(most, per_draw * (int(expected + 3.0 * math.sqrt(expected)) + 2))


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
