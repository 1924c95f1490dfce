"""Compiled conditions as nested closures, for evaluation in the engine's hot loop.

A condition tree (:mod:`sim.scenario.condition_nodes`) evaluates by walking its
nodes: one method call per node, plus a look-up of each operator in a table.
The engine asks every objective, rule and conditional inject each month of
every replication, so :func:`closure` turns a tree once into nested Python
closures that do the same reads, in the same order, with the same
short-circuits, and return the same values - only without the walk.

Trees stay the picklable form (:class:`sim.scenario.conditions.Expr` rebuilds
its closure after unpickling) and the form everything else reads (lints,
intervals, the brief's words). A node this module does not know (a caller's
own node class) is called as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.scenario import condition_nodes as cn
from sim.scenario.condition_nodes import AGGREGATES, COMPARISONS, View

__all__ = ["Closure", "closure"]

Closure = Callable[[View], Any]
"""A compiled condition or sub-expression: call it with a view."""


def closure(node: cn.Node) -> Closure:
    """The closure that evaluates ``node`` exactly as ``node(view)`` does."""
    return node.accept(_Compiler())


def _div(a: Closure, b: Closure) -> Closure:
    def div(v: View) -> Any:
        left, right = a(v), b(v)
        # Division by zero is a modelling slip, not a crash: treat x/0 as 0 (as the tree does).
        return left / right if right else 0.0

    return div


def _binop(op: str, a: Closure, b: Closure, right: Any) -> Closure:
    """Arithmetic; ``right`` is the right operand's value when it is a literal."""
    if op == "div":
        return _div(a, b)
    if right is not None:
        return {
            "add": lambda v: a(v) + right,
            "sub": lambda v: a(v) - right,
            "mul": lambda v: a(v) * right,
        }[op]
    return {
        "add": lambda v: a(v) + b(v),
        "sub": lambda v: a(v) - b(v),
        "mul": lambda v: a(v) * b(v),
    }[op]


def _compare(op: str, a: Closure, b: Closure, right: Any) -> Closure:
    """One comparison. The operator's own answer: for numbers (what every view
    gives) exactly the tree's True or False."""
    if right is not None:
        return {
            "lt": lambda v: a(v) < right,
            "le": lambda v: a(v) <= right,
            "gt": lambda v: a(v) > right,
            "ge": lambda v: a(v) >= right,
            "eq": lambda v: a(v) == right,
            "ne": lambda v: a(v) != right,
        }[op]
    return {
        "lt": lambda v: a(v) < b(v),
        "le": lambda v: a(v) <= b(v),
        "gt": lambda v: a(v) > b(v),
        "ge": lambda v: a(v) >= b(v),
        "eq": lambda v: a(v) == b(v),
        "ne": lambda v: a(v) != b(v),
    }[op]


def _chain(fs: tuple[Closure, ...], ops: tuple[str, ...]) -> Closure:
    """``a < b <= c``: each operand evaluated once, left to right, stopping at the first no."""
    tests = tuple(zip((COMPARISONS[op] for op in ops), fs[1:], strict=True))
    first = fs[0]

    def chain(v: View) -> Any:
        left = first(v)
        for test, f in tests:
            right = f(v)
            if not test(left, right):
                return False
            left = right
        return True

    return chain


class _Compiler(cn.Visitor[Closure]):
    def other(self, node: cn.Node) -> Closure:
        return node  # a node class of the caller's own: it evaluates itself

    def const(self, node: cn.Const) -> Closure:
        value = node.value
        return lambda v: value

    def month(self, node: cn.Month) -> Closure:
        return lambda v: v.month

    def partner_var(self, node: cn.PartnerVar) -> Closure:
        index, var = node.index, node.var
        return lambda v: v.partner(index, var)

    def tension(self, node: cn.Tension) -> Closure:
        index = node.index
        return lambda v: v.rivalry_tension(index)

    def influence(self, node: cn.Influence) -> Closure:
        index = node.index
        return lambda v: v.influence(index)

    def alliance_var(self, node: cn.AllianceVar) -> Closure:
        var = node.var
        return lambda v: v.alliance(var)

    def incidents(self, node: cn.Incidents) -> Closure:
        name = node.name
        return lambda v: v.incidents(name)

    def aggregate(self, node: cn.Aggregate) -> Closure:
        fn, var = AGGREGATES[node.fn], node.var
        return lambda v: fn(v.partner_values(var))

    def abs(self, node: cn.Abs) -> Closure:
        a = node.arg.accept(self)
        return lambda v: abs(a(v))

    def binop(self, node: cn.BinOp) -> Closure:
        a, b = node.left.accept(self), node.right.accept(self)
        return _binop(node.op, a, b, _literal(node.right))

    def neg(self, node: cn.Neg) -> Closure:
        a = node.arg.accept(self)
        return lambda v: -a(v)

    def compare(self, node: cn.Compare) -> Closure:
        fs = tuple(x.accept(self) for x in node.operands)
        if len(fs) == 2:
            return _compare(node.ops[0], fs[0], fs[1], _literal(node.operands[1]))
        return _chain(fs, node.ops)

    def and_(self, node: cn.And) -> Closure:
        fs = tuple(x.accept(self) for x in node.args)
        if len(fs) == 2:
            a, b = fs
            return lambda v: bool(a(v) and b(v))
        return lambda v: all(f(v) for f in fs)

    def or_(self, node: cn.Or) -> Closure:
        fs = tuple(x.accept(self) for x in node.args)
        if len(fs) == 2:
            a, b = fs
            return lambda v: bool(a(v) or b(v))
        return lambda v: any(f(v) for f in fs)

    def not_(self, node: cn.Not) -> Closure:
        a = node.arg.accept(self)
        return lambda v: not a(v)


def _literal(node: cn.Node) -> Any:
    """The value of a literal operand (folded into its parent's closure), else None."""
    return node.value if type(node) is cn.Const else None
