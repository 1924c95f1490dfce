"""Streams are seeded exactly as numpy's SeedSequence would seed them.

:func:`sim.model.streams.generator` computes the PCG64 seed words in plain
integers (a speed device); every draw of every stream depends on them being
numpy's words to the bit, for any seed and any name.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.streams import _name_key, generator


def _numpy(seed: int, name: str) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=_name_key(name)))
    )


@settings(max_examples=300, deadline=None)
@given(
    seed=st.one_of(
        st.integers(0, 2**32),
        st.integers(0, 2**63 - 1),
        st.integers(0, 2**130),
        st.sampled_from([0, 1, 2**32 - 1, 2**32, 2**64 - 1, 2**64, 2**128 - 1, 2**128]),
    ),
    name=st.text(max_size=40),
)
def test_seeded_like_numpy(seed: int, name: str) -> None:
    ours, theirs = generator(seed, name), _numpy(seed, name)
    assert ours.bit_generator.state == theirs.bit_generator.state
    assert ours.random(4).tolist() == theirs.random(4).tolist()


def test_replication_seeds_and_stream_names_of_the_engine() -> None:
    """The seeds and names the engine uses, many streams of one seed in a row
    (the seed's part of the pool is cached), then the seed again."""
    names = [f"threat:t{i}:p{j}" for i in range(5) for j in range(4)] + ["overrun:x"]
    for seed in (7, 4_611_686_018_427_387_903, 123_456_789_012_345_678):
        for name in [*names, names[0]]:
            assert generator(seed, name).random(2).tolist() == _numpy(seed, name).random(2).tolist()


def test_other_seeds_take_numpy_s_path() -> None:
    """A numpy integer seeds the same stream; a negative seed is refused as numpy refuses it."""
    assert generator(np.int64(12), "a").random(3).tolist() == generator(12, "a").random(3).tolist()
    with pytest.raises(ValueError):
        generator(-1, "a")
