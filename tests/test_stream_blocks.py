"""A stream's block size changes its cost, never its values.

The threat streams are drawn in blocks sized to the candidates a threat expects
(:func:`sim.model.streams.block_for`); numpy draws a block one value after
another, so any block size serves the one sequence of the stream.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.streams import BLOCK, Betas, Uniforms, block_for


@settings(max_examples=60, deadline=None)
@given(
    block=st.integers(1, 300),
    mean=st.floats(0.05, 0.95),
    sd=st.one_of(st.just(0.0), st.floats(0.01, 0.2)),
    takes=st.lists(st.integers(0, 40), max_size=6),
)
def test_any_block_serves_the_same_values(
    block: int, mean: float, sd: float, takes: list[int]
) -> None:
    sd = min(sd, 0.9 * (mean * (1 - mean)) ** 0.5)  # a valid beta
    reference, sized = Betas(3, "s", mean, sd), Betas(3, "s", mean, sd, block)
    got: list[float] = []
    for k, n in enumerate(takes):
        got += sized.more() if k % 2 else [sized() for _ in range(n)]
    assert got == [reference() for _ in got]
    uniforms, reference_u = Uniforms(3, "u", block), Uniforms(3, "u")
    drawn = uniforms.more() + uniforms.more() + [uniforms()]
    assert drawn == [reference_u() for _ in drawn]


def test_block_for() -> None:
    assert block_for(0.0) == 1 and block_for(0.0, 3) == 3 and block_for(float("nan")) == 1
    assert block_for(100.0) == 132 and block_for(100.0, 3) == BLOCK
    assert block_for(1e9) == BLOCK and block_for(4.0, 3) == 3 * 12
