"""Random condition texts for property tests: every kind of name the condition
language reads, literals at the edges, and every operator, nested a few deep.

Shared by the tests that hold each compiled form of a condition (closures,
Python source) to the tree it comes from.
"""

from __future__ import annotations

from hypothesis import strategies as st

from sim.scenario.conditions import Symbols
from sim.scenario.vocabulary import PARTNER_VARS

SYMBOLS = Symbols(partners=("iraq", "jordan"), rivalries=("iran_saudi",), rivals=("iran",))

ATOMS = st.one_of(
    st.sampled_from(
        [
            "month",
            "true",
            "false",
            "iran_saudi.tension",
            "iran.influence",
            "nato.funds",
            "nato.spent",
            "incidents.cyber",
            "incidents.total.mitigated",
            "harm.total",
            "mean(partners.trust)",
            "min(partners.capacity)",
            "max(partners.stability)",
            "0",
            "0.5",
            "-0.25",
            "2",
        ]
    ),
    st.tuples(st.sampled_from(SYMBOLS.partners), st.sampled_from(PARTNER_VARS)).map(".".join),
)
OPS = st.sampled_from(
    [" + ", " - ", " * ", " / ", " < ", " <= ", " > ", " >= ", " == ", " != ", " and ", " or "]
)


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, OPS, inner).map("".join),
        st.tuples(inner, OPS, inner, OPS, inner).map("".join),
        inner.map(lambda s: f"({s})"),
        inner.map(lambda s: f"(not ({s}))"),
        inner.map(lambda s: f"-({s})"),
        inner.map(lambda s: f"abs({s})"),
    )


CONDITIONS = st.recursive(ATOMS, _grow, max_leaves=8)
