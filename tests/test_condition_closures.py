"""Conditions compiled to closures answer exactly as the trees they come from."""

from __future__ import annotations

import pickle
from typing import Any

from condition_texts import CONDITIONS, SYMBOLS
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.scenario import condition_nodes as cn
from sim.scenario.condition_closures import closure
from sim.scenario.conditions import Expr, ExprError, compile_condition


class ListView:
    """A view whose values come from a list, read in order, so reads are recorded."""

    def __init__(self, values: list[float], month: int) -> None:
        self.values, self.month, self.reads = values, month, 0

    def _next(self) -> float:
        value = self.values[self.reads % len(self.values)]
        self.reads += 1
        return value

    def partner(self, index: int, var: str) -> float:
        return self._next()

    def partner_values(self, var: str) -> list[float]:
        return [self._next(), self._next()]

    def rivalry_tension(self, index: int) -> float:
        return self._next()

    def influence(self, index: int) -> float:
        return self._next()

    def alliance(self, var: str) -> float:
        return self._next() * 10

    def incidents(self, name: str) -> float:
        return float(int(self._next() * 5))


@settings(max_examples=400, deadline=None)
@given(
    text=CONDITIONS,
    values=st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=8),
    month=st.integers(0, 60),
)
def test_closure_reads_and_answers_as_the_tree(text: str, values: list[float], month: int) -> None:
    try:
        expr = compile_condition(text, SYMBOLS)
    except ExprError:
        assume(False)
        return
    by_tree, by_closure = ListView(values, month), ListView(values, month)
    expected = expr.root(by_tree)
    got = expr.run(by_closure)
    assert got == expected and type(got) is type(expected), text
    assert by_closure.reads == by_tree.reads, text  # same reads: same short-circuits
    assert expr(ListView(values, month)) is bool(expected)


def test_division_by_zero_and_chains_keep_their_meaning() -> None:
    view = ListView([0.0], 5)
    assert compile_condition("1 / iraq.trust == 0", SYMBOLS)(view)
    assert compile_condition("0 <= iraq.trust < 0.5 <= 1", SYMBOLS)(view)
    assert not compile_condition("0 < iraq.trust < 0.5", SYMBOLS)(view)


class _Flag(cn.Node):
    """A node class the closure compiler does not know: it must be called as it is."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, v: Any) -> Any:
        self.calls += 1
        return True

    def accept(self, visitor: cn.Visitor[Any]) -> Any:
        return visitor.other(self)


def test_an_unknown_node_evaluates_itself() -> None:
    flag = _Flag()
    expr = Expr("", flag, frozenset())
    assert expr(ListView([0.5], 0)) is True
    assert flag.calls == 1


def test_a_pickled_condition_rebuilds_its_closure() -> None:
    expr = compile_condition("iraq.trust < 0.3 and month >= 12", SYMBOLS)
    again = pickle.loads(pickle.dumps(expr))
    assert (again.source, again.names) == (expr.source, expr.names)
    assert again.run is not expr.run
    for values, month in (([0.2], 12), ([0.2], 11), ([0.4], 12)):
        assert again(ListView(values, month)) == expr(ListView(values, month))
    assert closure(cn.Const(0.5))(ListView([0.0], 0)) == 0.5
