"""Conditions written out as Python source answer exactly as the trees they come from."""

from __future__ import annotations

from typing import Any

from condition_texts import CONDITIONS, SYMBOLS
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.model.world import World
from sim.scenario import condition_nodes as cn
from sim.scenario.condition_source import HELPERS, LISTS, expression
from sim.scenario.conditions import ExprError, compile_condition
from sim.scenario.vocabulary import PARTNER_VARS

# Values that meet at the edges: equal operands, zeros to divide by, both ends of a share.
VALUES = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])


class Lists:
    """A view laid out as the engine's world (lists per variable), answering
    through :class:`World`'s own view methods."""

    partner = World.partner
    partner_values = World.partner_values
    rivalry_tension = World.rivalry_tension
    influence = World.influence
    alliance = World.alliance
    incidents = World.incidents

    def __init__(self) -> None:
        for var in PARTNER_VARS:
            setattr(self, var, [0.5, 0.5])
        self.tension = [0.5]
        self.influence_of = [[0.5, 0.5]]
        self.tally = {"incidents.cyber.succeeded": 2.0, "harm.all": 0.5}
        self.funds, self.spent = 5.0, 5.0
        self.month = 0

    def evaluate(self, node: cn.Node) -> Any:
        """The node's source form, evaluated over this view's lists."""
        text = expression(node)
        assert text is not None
        names = {**HELPERS, **{name: getattr(self, name) for name in LISTS}, "v": self}
        return eval(text, names)


@st.composite
def views(draw: Any) -> Lists:
    view = Lists()
    for var in PARTNER_VARS:
        setattr(view, var, draw(st.lists(VALUES, min_size=2, max_size=2)))
    view.tension = draw(st.lists(VALUES, min_size=1, max_size=1))
    view.influence_of = [draw(st.lists(VALUES, min_size=0, max_size=2))]
    view.tally = {
        "incidents.cyber.succeeded": float(draw(st.integers(0, 4))),
        "harm.all": draw(VALUES),
    }
    view.funds, view.spent = draw(VALUES) * 10, draw(VALUES) * 10
    view.month = draw(st.integers(0, 60))
    return view


@settings(max_examples=500, deadline=None)
@given(texts=st.lists(CONDITIONS, min_size=1, max_size=3), view=views())
def test_source_answers_as_the_tree(texts: list[str], view: Lists) -> None:
    try:
        exprs = [compile_condition(text, SYMBOLS) for text in texts]
    except ExprError:
        assume(False)
        return
    for text, expr in zip(texts, exprs, strict=True):
        try:
            expected: Any = expr.root(view)
        except (TypeError, ZeroDivisionError, ValueError) as error:
            try:
                view.evaluate(expr.root)
            except type(error):
                continue
            raise AssertionError(f"{text}: the tree raised {error!r}, the source did not") from None
        got = view.evaluate(expr.root)
        assert got == expected and type(got) is type(expected), (text, got, expected)


def test_division_by_zero_chains_and_the_empty_influence_keep_their_meaning() -> None:
    view = Lists()
    view.trust[:] = [0.0, 0.0]
    view.influence_of[0][:] = []
    view.month = 5
    texts = (
        "1 / iraq.trust == 0",
        "0 <= iraq.trust < 0.5 <= 1",
        "0 < iraq.trust < 0.5",
        "iran.influence == 0 and month > 4",
    )
    exprs = [compile_condition(t, SYMBOLS) for t in texts]
    got = [view.evaluate(e.root) for e in exprs]
    assert got == [True, True, False, True]
    assert got == [e.root(view) for e in exprs]


class _Flag(cn.Node):
    """A node class the source compiler does not know."""

    __slots__ = ()

    def __call__(self, v: Any) -> Any:
        return True

    def accept(self, visitor: cn.Visitor[Any]) -> Any:
        return visitor.other(self)


def test_an_unknown_node_or_a_number_python_cannot_write_has_no_source() -> None:
    tree = cn.And([cn.Compare([cn.PartnerVar(0, "trust"), cn.Const(0.5)], ["lt"]), _Flag()])
    assert expression(tree) is None
    assert expression(cn.Const(float("inf"))) is None
    assert expression(cn.PartnerVar(0, "political_risk")) is None
