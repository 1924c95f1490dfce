"""Interval analysis of compiled conditions: can a condition ever hold?

A condition is a tree of :mod:`sim.scenario.condition_nodes` nodes. Every leaf has a known range
(partner variables, tensions and influence lie in [0, 1], ``month`` in
[0, horizon], counts and funds are non-negative), so ranges propagate up the
tree and each comparison is classified as possibly true and/or possibly false.
Conjunctions also intersect the bounds they put on the same variable, which
catches ``month < 6 and month > 12``.

The analysis is conservative in one direction only: when it says a condition
can never hold, that is certain; it may miss some impossible conditions
(``a > b and b > a``). That is the right way round for a lint that should
never cry wolf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.scenario import condition_nodes as cn

INF = math.inf


@dataclass(frozen=True)
class Interval:
    """A closed range of numbers ``[lo, hi]`` (infinite ends allowed)."""

    lo: float
    hi: float

    def describe(self) -> str:
        return f"between {_num(self.lo)} and {_num(self.hi)}"


@dataclass(frozen=True)
class Truth:
    """Whether a condition can be true, and whether it can be false."""

    can_true: bool
    can_false: bool


def _num(x: float) -> str:
    if math.isinf(x):
        return "infinity" if x > 0 else "minus infinity"
    return f"{x:g}"


def _mul(a: float, b: float) -> float:
    # 0 x infinity: the zero factor is exact, so the product is 0.
    return 0.0 if a == 0 or b == 0 else a * b


@dataclass(frozen=True)
class Domain:
    """The ranges of the leaves: what the analysis knows about the model."""

    horizon: int

    def leaf(self, node: cn.Leaf) -> Interval:
        return Interval(*node.bounds(self.horizon))


class _Range(cn.Visitor[Interval]):
    """The range of values a numeric sub-expression can take."""

    def __init__(self, dom: Domain) -> None:
        self.dom = dom

    def leaf(self, node: cn.Leaf) -> Interval:
        return self.dom.leaf(node)

    def const(self, node: cn.Const) -> Interval:
        v = node.constant()
        return Interval(v, v)

    def neg(self, node: cn.Neg) -> Interval:
        r = node.arg.accept(self)
        return Interval(-r.hi, -r.lo)

    def abs(self, node: cn.Abs) -> Interval:
        r = node.arg.accept(self)
        if r.lo >= 0:
            return r
        if r.hi <= 0:
            return Interval(-r.hi, -r.lo)
        return Interval(0, max(-r.lo, r.hi))

    def binop(self, node: cn.BinOp) -> Interval:
        return _binop(node.op, node.left.accept(self), node.right.accept(self))

    def other(self, node: cn.Node) -> Interval:
        # A comparison or and/or/not used as a number is 0 or 1.
        return Interval(0, 1)


def value_range(node: cn.Node, dom: Domain) -> Interval:
    """The range of values a numeric sub-expression can take."""
    return node.accept(_Range(dom))


def _binop(op: str, a: Interval, b: Interval) -> Interval:
    if op == "add":
        return Interval(a.lo + b.lo, a.hi + b.hi)
    if op == "sub":
        return Interval(a.lo - b.hi, a.hi - b.lo)
    if op == "mul":
        products = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return Interval(min(products), max(products))
    # Division: the engine treats x/0 as 0; a divisor range that touches 0
    # makes the quotient unbounded, so give up precision there.
    if b.lo <= 0 <= b.hi:
        return Interval(-INF, INF)
    quotients = [
        x / y if math.isfinite(x) or math.isfinite(y) else 0.0
        for x in (a.lo, a.hi)
        for y in (b.lo, b.hi)
    ]
    return Interval(min(quotients), max(quotients))


def _compare(op: str, a: Interval, b: Interval) -> Truth:
    if op == "lt":
        return Truth(a.lo < b.hi, a.hi >= b.lo)
    if op == "le":
        return Truth(a.lo <= b.hi, a.hi > b.lo)
    if op == "gt":
        return Truth(a.hi > b.lo, a.lo <= b.hi)
    if op == "ge":
        return Truth(a.hi >= b.lo, a.lo < b.hi)
    overlap = a.lo <= b.hi and b.lo <= a.hi
    fixed = a.lo == a.hi == b.lo == b.hi
    return Truth(overlap, not fixed) if op == "eq" else Truth(not fixed, overlap)


@dataclass(frozen=True)
class _Bound:
    """A bound on one variable with open or closed ends (for conjunctions)."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def meet(self, other: _Bound) -> _Bound:
        lo, lo_open = max((self.lo, self.lo_open), (other.lo, other.lo_open))
        hi, hi_open = min((self.hi, not self.hi_open), (other.hi, not other.hi_open))
        return _Bound(lo, hi, lo_open, not hi_open)

    @property
    def empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))


_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


class _Bounds(cn.Visitor[list[tuple[tuple[object, ...], _Bound]]]):
    """Bounds a comparison of a variable with a constant puts on that variable."""

    def compare(self, node: cn.Compare) -> list[tuple[tuple[object, ...], _Bound]]:
        found = []
        for pair in zip(node.ops, node.operands, node.operands[1:], strict=False):
            op, var, const = pair
            if var.constant() is not None and const.constant() is None:
                op, var, const = _FLIP[op], const, var
            key, c = var.key(), const.constant()
            if key is None or c is None:
                continue
            bound = {
                "lt": _Bound(-INF, c, hi_open=True),
                "le": _Bound(-INF, c),
                "gt": _Bound(c, INF, lo_open=True),
                "ge": _Bound(c, INF),
                "eq": _Bound(c, c),
            }.get(op)
            if bound is not None:
                found.append((key, bound))
        return found

    def other(self, node: cn.Node) -> list[tuple[tuple[object, ...], _Bound]]:
        return []


class _Truth(cn.Visitor[Truth]):
    """Whether a condition can be true and whether it can be false."""

    def __init__(self, dom: Domain) -> None:
        self.dom = dom

    def const(self, node: cn.Const) -> Truth:
        v = bool(node.value)
        return Truth(v, not v)

    def not_(self, node: cn.Not) -> Truth:
        t = node.arg.accept(self)
        return Truth(t.can_false, t.can_true)

    def and_(self, node: cn.And) -> Truth:
        parts = [a.accept(self) for a in node.args]
        can_true = all(p.can_true for p in parts) and not _contradictory(node.args)
        return Truth(can_true, any(p.can_false for p in parts))

    def or_(self, node: cn.Or) -> Truth:
        parts = [a.accept(self) for a in node.args]
        return Truth(any(p.can_true for p in parts), all(p.can_false for p in parts))

    def compare(self, node: cn.Compare) -> Truth:
        ranges = [value_range(x, self.dom) for x in node.operands]
        pairs = [_compare(op, a, b) for op, a, b in zip(node.ops, ranges, ranges[1:], strict=False)]
        return Truth(all(p.can_true for p in pairs), any(p.can_false for p in pairs))

    def other(self, node: cn.Node) -> Truth:
        r = value_range(node, self.dom)  # a number used as a condition: true unless 0
        return Truth(not (r.lo == r.hi == 0), r.lo <= 0 <= r.hi)


def truth(node: cn.Node, dom: Domain) -> Truth:
    """Whether ``node`` (a condition) can be true and whether it can be false."""
    return node.accept(_Truth(dom))


def _contradictory(args: tuple[cn.Node, ...]) -> bool:
    merged: dict[tuple[object, ...], _Bound] = {}
    for arg in args:
        for key, bound in arg.accept(_Bounds()):
            merged[key] = merged[key].meet(bound) if key in merged else bound
    return any(b.empty for b in merged.values())
