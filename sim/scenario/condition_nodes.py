"""Compiled conditions: trees of small node objects.

A node evaluates itself against a :class:`View` (``node(view)``); the
compiler in :mod:`sim.scenario.conditions` builds the trees. Nodes are plain
slotted objects so a compiled plan pickles cheaply to worker processes.

Everything else that reads a tree (interval analysis, lints, the brief's
plain words) asks the nodes rather than testing their classes: a leaf knows
its identity, its range and how it is written; every node lists its
children; and a :class:`Visitor` gets one call per kind of node, so adding a
kind of node is one class here and, at most, one method per consumer.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sim.scenario.vocabulary import INCIDENTS, SUCCEEDED, harm_name, incident_name

T = TypeVar("T")


@dataclass(frozen=True)
class Symbols:
    """The names a condition may use, taken from one scenario; leaves hold indices into these."""

    partners: tuple[str, ...]
    rivalries: tuple[str, ...] = ()
    rivals: tuple[str, ...] = ()
    alliance: str = "nato"


class View(Protocol):
    """What a compiled expression reads; implemented by the engine's world."""

    @property
    def month(self) -> int: ...

    def partner(self, index: int, var: str) -> float: ...
    def partner_values(self, var: str) -> Sequence[float]: ...
    def rivalry_tension(self, index: int) -> float: ...
    def influence(self, index: int) -> float: ...
    def alliance(self, var: str) -> float: ...
    def incidents(self, name: str) -> float: ...


class Visitor(Generic[T]):
    """One method per kind of node, each falling back to a more general one.

    The variables fall back to :meth:`leaf` and everything to :meth:`other`,
    so a consumer overrides only the kinds it tells apart.
    """

    def other(self, node: Node) -> T:
        raise NotImplementedError(f"{type(self).__name__} does not handle {type(node).__name__}")

    def leaf(self, node: Leaf) -> T:
        return self.other(node)

    def const(self, node: Const) -> T:
        return self.other(node)

    def month(self, node: Month) -> T:
        return self.leaf(node)

    def partner_var(self, node: PartnerVar) -> T:
        return self.leaf(node)

    def tension(self, node: Tension) -> T:
        return self.leaf(node)

    def influence(self, node: Influence) -> T:
        return self.leaf(node)

    def alliance_var(self, node: AllianceVar) -> T:
        return self.leaf(node)

    def incidents(self, node: Incidents) -> T:
        return self.leaf(node)

    def aggregate(self, node: Aggregate) -> T:
        return self.leaf(node)

    def abs(self, node: Abs) -> T:
        return self.other(node)

    def binop(self, node: BinOp) -> T:
        return self.other(node)

    def neg(self, node: Neg) -> T:
        return self.other(node)

    def compare(self, node: Compare) -> T:
        return self.other(node)

    def and_(self, node: And) -> T:
        return self.other(node)

    def or_(self, node: Or) -> T:
        return self.other(node)

    def not_(self, node: Not) -> T:
        return self.other(node)


class Node:
    """A compiled expression node."""

    __slots__ = ()

    def __call__(self, v: View) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def accept(self, visitor: Visitor[T]) -> T:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        """The sub-expressions, left to right."""
        return ()

    def leaves(self) -> Iterator[Leaf]:
        """The model variables read, left to right (repeats included)."""
        for child in self.children():
            yield from child.leaves()

    def key(self) -> tuple[object, ...] | None:
        """An identity for a model variable, so bounds on the same one can be combined."""
        return None

    def constant(self) -> float | None:
        """The value of a literal; None for anything computed."""
        return None


class Leaf(Node):
    """A model variable: it has an identity, a range of values and a spelling."""

    __slots__ = ()

    def leaves(self) -> Iterator[Leaf]:
        yield self

    def key(self) -> tuple[object, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    def bounds(self, horizon: int) -> tuple[float, float]:
        """The values the variable can take: shares in [0, 1] unless said otherwise."""
        return (0.0, 1.0)

    def text(self, symbols: Symbols) -> str:  # pragma: no cover - abstract
        """The variable as written in a condition, e.g. ``iraq.trust``."""
        raise NotImplementedError


# --------------------------------------------------------------------------- leaves


class Const(Node):
    __slots__ = ("value",)

    def __init__(self, value: float | bool) -> None:
        self.value = value

    def __call__(self, v: View) -> Any:
        return self.value

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.const(self)

    def constant(self) -> float:
        return float(self.value)


class Month(Leaf):
    __slots__ = ()

    def __call__(self, v: View) -> Any:
        return v.month

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.month(self)

    def key(self) -> tuple[object, ...]:
        return ("month",)

    def bounds(self, horizon: int) -> tuple[float, float]:
        return (0, horizon)

    def text(self, symbols: Symbols) -> str:
        return "month"


class PartnerVar(Leaf):
    __slots__ = ("index", "var")

    def __init__(self, index: int, var: str) -> None:
        self.index, self.var = index, var

    def __call__(self, v: View) -> Any:
        return v.partner(self.index, self.var)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.partner_var(self)

    def key(self) -> tuple[object, ...]:
        return ("partner", self.index, self.var)

    def text(self, symbols: Symbols) -> str:
        return f"{symbols.partners[self.index]}.{self.var}"


class Tension(Leaf):
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, v: View) -> Any:
        return v.rivalry_tension(self.index)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.tension(self)

    def key(self) -> tuple[object, ...]:
        return ("tension", self.index)

    def text(self, symbols: Symbols) -> str:
        return f"{symbols.rivalries[self.index]}.tension"


class Influence(Leaf):
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, v: View) -> Any:
        return v.influence(self.index)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.influence(self)

    def key(self) -> tuple[object, ...]:
        return ("influence", self.index)

    def text(self, symbols: Symbols) -> str:
        return f"{symbols.rivals[self.index]}.influence"


class AllianceVar(Leaf):
    __slots__ = ("var",)

    def __init__(self, var: str) -> None:
        self.var = var

    def __call__(self, v: View) -> Any:
        return v.alliance(self.var)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.alliance_var(self)

    def key(self) -> tuple[object, ...]:
        return ("alliance", self.var)

    def bounds(self, horizon: int) -> tuple[float, float]:
        return (0, math.inf)

    def text(self, symbols: Symbols) -> str:
        return f"{symbols.alliance}.{self.var}"


class Incidents(Leaf):
    """A count or the summed harm of incidents so far, by its name (``incidents.cyber``,
    ``incidents.total.mitigated``, ``harm.disinformation``): the KPI of the same name."""

    __slots__ = ("count", "kind", "measure", "name")

    def __init__(self, kind: str, count: str = SUCCEEDED, measure: str = INCIDENTS) -> None:
        self.kind = kind
        self.count = count
        self.measure = measure
        self.name = incident_name(kind, count) if measure == INCIDENTS else harm_name(kind)

    def __call__(self, v: View) -> Any:
        return v.incidents(self.name)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.incidents(self)

    def key(self) -> tuple[object, ...]:
        return ("incidents", self.name)

    def bounds(self, horizon: int) -> tuple[float, float]:
        return (0, math.inf)

    def text(self, symbols: Symbols) -> str:
        return self.name


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {"mean": _mean, "min": min, "max": max}


class Aggregate(Leaf):
    __slots__ = ("fn", "var")

    def __init__(self, fn: str, var: str) -> None:
        self.fn, self.var = fn, var

    def __call__(self, v: View) -> Any:
        return AGGREGATES[self.fn](v.partner_values(self.var))

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.aggregate(self)

    def key(self) -> tuple[object, ...]:
        return ("aggregate", self.fn, self.var)

    def text(self, symbols: Symbols) -> str:
        return f"{self.fn}(partners.{self.var})"


# --------------------------------------------------------------------------- arithmetic


def _div(a: float, b: float) -> float:
    # Division by zero is a modelling slip, not a crash: treat x/0 as 0.
    return a / b if b else 0.0


BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": _div,
}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}


class Abs(Node):
    __slots__ = ("arg",)

    def __init__(self, arg: Node) -> None:
        self.arg = arg

    def __call__(self, v: View) -> Any:
        return abs(self.arg(v))

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.abs(self)

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


class BinOp(Node):
    __slots__ = ("left", "op", "right")

    def __init__(self, left: Node, op: str, right: Node) -> None:
        self.left, self.op, self.right = left, op, right

    def __call__(self, v: View) -> Any:
        return BINOPS[self.op](self.left(v), self.right(v))

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.binop(self)

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


class Neg(Node):
    __slots__ = ("arg",)

    def __init__(self, arg: Node) -> None:
        self.arg = arg

    def __call__(self, v: View) -> Any:
        return -self.arg(v)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.neg(self)

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


# --------------------------------------------------------------------------- logic


class Compare(Node):
    __slots__ = ("operands", "ops")

    def __init__(self, operands: list[Node], ops: list[str]) -> None:
        self.operands, self.ops = tuple(operands), tuple(ops)

    def __call__(self, v: View) -> Any:
        left = self.operands[0](v)
        for op, node in zip(self.ops, self.operands[1:], strict=True):
            right = node(v)
            if not COMPARISONS[op](left, right):
                return False
            left = right
        return True

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.compare(self)

    def children(self) -> tuple[Node, ...]:
        return self.operands


class And(Node):
    __slots__ = ("args",)

    def __init__(self, args: list[Node]) -> None:
        self.args = tuple(args)

    def __call__(self, v: View) -> Any:
        return all(a(v) for a in self.args)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.and_(self)

    def children(self) -> tuple[Node, ...]:
        return self.args


class Or(Node):
    __slots__ = ("args",)

    def __init__(self, args: list[Node]) -> None:
        self.args = tuple(args)

    def __call__(self, v: View) -> Any:
        return any(a(v) for a in self.args)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.or_(self)

    def children(self) -> tuple[Node, ...]:
        return self.args


class Not(Node):
    __slots__ = ("arg",)

    def __init__(self, arg: Node) -> None:
        self.arg = arg

    def __call__(self, v: View) -> Any:
        return not self.arg(v)

    def accept(self, visitor: Visitor[T]) -> T:
        return visitor.not_(self)

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)
