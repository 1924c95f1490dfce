"""Interval analysis of conditions: sound (never calls a possible outcome impossible)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.authoring.intervals import Domain, Interval, truth, value_range
from sim.scenario.conditions import Symbols, compile_condition

SYMBOLS = Symbols(partners=("a", "b"), rivalries=("ab",), rivals=("r",))
DOM = Domain(horizon=24)


class FakeView:
    """A world state with every variable inside its documented range."""

    def __init__(self, month: int, values: dict[str, float], incidents: float) -> None:
        self._month, self.values, self.count = month, values, incidents

    @property
    def month(self) -> int:
        return self._month

    def partner(self, index: int, var: str) -> float:
        return self.values[f"{'ab'[index]}.{var}"]

    def partner_values(self, var: str) -> Sequence[float]:
        return [self.values[f"a.{var}"], self.values[f"b.{var}"]]

    def rivalry_tension(self, index: int) -> float:
        return self.values["tension"]

    def influence(self, index: int) -> float:
        return self.values["influence"]

    def alliance(self, var: str) -> float:
        return self.count * 3

    def incidents(self, kind: str) -> float:
        return self.count


def _truth(text: str) -> tuple[bool, bool]:
    t = truth(compile_condition(text, SYMBOLS).root, DOM)
    return t.can_true, t.can_false


def test_simple_verdicts() -> None:
    assert _truth("a.trust > 1.2") == (False, True)
    assert _truth("a.trust <= 1") == (True, False)
    assert _truth("month >= 0 and a.trust >= 0") == (True, False)
    assert _truth("month < 6 and month >= 6") == (False, True)
    assert _truth("6 > month and month > 5") == (True, True)
    assert _truth("0.5 < a.trust < 0.4") == (True, True)  # chains of variables are not merged
    assert _truth("a.trust == 2") == (False, True)
    assert _truth("a.trust != 2") == (True, False)
    assert _truth("abs(a.trust - b.trust) > 1") == (False, True)
    assert _truth("mean(partners.capacity) * 2 > 1.5") == (True, True)
    assert _truth("false") == (False, True)


def test_value_ranges() -> None:
    def rng(text: str) -> Interval:
        return value_range(compile_condition(text, SYMBOLS).root, DOM)

    assert rng("month * 2") == Interval(0, 48)
    assert rng("-a.trust") == Interval(-1, 0)
    assert rng("abs(a.trust - 2)") == Interval(1, 2)
    assert rng("a.trust / 2") == Interval(0, 0.5)
    assert rng("incidents.total * 0") == Interval(0, 0)


VARS = ["month", "a.trust", "b.capacity", "ab.tension", "r.influence", "incidents.total"]
arith = st.recursive(
    st.one_of(
        st.sampled_from(VARS),
        st.sampled_from(["0", "0.5", "1", "1.2", "-1", "12", "30"]),
        st.sampled_from(["mean(partners.trust)", "max(partners.capacity)"]),
    ),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda x: f"abs({x})"),
        inner.map(lambda x: f"-{x}"),
    ),
    max_leaves=4,
)
comparison = st.tuples(arith, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), arith).map(
    " ".join
)
condition = st.recursive(
    comparison,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda x: f"not ({x})"),
    ),
    max_leaves=4,
)
unit = st.floats(0, 1)
state = st.fixed_dictionaries(
    {
        "month": st.integers(0, 24),
        "values": st.fixed_dictionaries(
            dict.fromkeys(
                [
                    *(f"{p}.{v}" for p in "ab" for v in ("trust", "capacity")),
                    "tension",
                    "influence",
                ],
                unit,
            )
        ),
        "incidents": st.integers(0, 50).map(float),
    }
)


@settings(max_examples=150, deadline=None)
@given(text=condition, states=st.lists(state, min_size=1, max_size=5))
def test_analysis_is_sound(text: str, states: list[dict]) -> None:
    """Whatever a state in range makes of a condition, the analysis allowed for it."""
    expr = compile_condition(text, SYMBOLS)
    verdict = truth(expr.root, DOM)
    for s in states:
        value = expr(FakeView(s["month"], s["values"], s["incidents"]))
        if value:
            assert verdict.can_true, (text, s)
        else:
            assert verdict.can_false, (text, s)
