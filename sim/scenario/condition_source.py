"""Compiled conditions as Python source, for the engine's monthly tick.

The closures of :mod:`sim.scenario.condition_closures` still make one call
per node, and each leaf asks its view through a method (``v.partner(0,
"trust")`` and a ``getattr``). The engine's view is a world whose partner
variables are plain lists, so a condition can instead be written out once as
one Python expression over those lists (``trust[0] >= 0.5``) and compiled:
the month then evaluates it as straight bytecode.

The expression does the same operations in the same order, with the same
short-circuits and the same values (``x/0`` is 0, a mean is ``sum / len``,
``a < b <= c`` evaluates each operand once), so it answers exactly as the
tree does. It reads these names, which whoever compiles it binds:

* each of :data:`~sim.scenario.vocabulary.PARTNER_VARS` - that variable's
  list over the partners (``trust[i]``);
* ``tension`` - the rivalries' tensions; ``influence_of`` - each rival's row
  of influence over the partners; ``tally`` - incident counts and harm by name;
* ``v`` - the view itself, for what changes by rebinding rather than in place:
  ``v.month``, ``v.funds``, ``v.spent``;
* the helpers of :data:`HELPERS`.

A node this module does not know (a caller's own node class) has no source:
:func:`expression` returns None and the caller keeps the closure. The tree and
the closures stay what everything else reads (play, trial probes, lints).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sim.scenario import condition_nodes as cn
from sim.scenario.vocabulary import ALLIANCE_VARS, PARTNER_VARS

__all__ = ["HELPERS", "LISTS", "expression"]

LISTS = (*PARTNER_VARS, "tension", "influence_of", "tally")
"""The containers an expression reads (a view's attributes of the same names)."""


def _influence(row: Sequence[float]) -> float:
    """A rival's influence: the mean of its row (as the world's ``influence``)."""
    return sum(row) / len(row) if row else 0.0


HELPERS: dict[str, Any] = {
    "_div": cn.BINOPS["div"],
    "_mean": cn.AGGREGATES["mean"],
    "_min": cn.AGGREGATES["min"],
    "_max": cn.AGGREGATES["max"],
    "_influence": _influence,
}
"""Functions an expression calls, by the name it calls them: the trees' own
(so division and the aggregates are the same code), and the rival influence."""

_ARITHMETIC = {"add": "+", "sub": "-", "mul": "*"}
_COMPARE = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_AGGREGATE = {"mean": "_mean", "min": "_min", "max": "_max"}


class _Unknown(Exception):
    """A node without a source form: the caller keeps the closure."""


def expression(node: cn.Node) -> str | None:
    """``node`` as one Python expression over :data:`LISTS`, ``v`` and
    :data:`HELPERS` that evaluates exactly as ``node(view)``; None if some node
    has no source form."""
    try:
        return _source(node)
    except _Unknown:
        return None


def _source(node: cn.Node) -> str:
    kind = type(node)
    if kind is cn.Const:
        value = node.value  # type: ignore[attr-defined]
        if type(value) is bool or (type(value) in (int, float) and math.isfinite(value)):
            return f"({value!r})"
        raise _Unknown
    if kind is cn.Month:
        return "v.month"
    if kind is cn.PartnerVar:
        var, index = node.var, node.index  # type: ignore[attr-defined]
        if var not in PARTNER_VARS:
            raise _Unknown
        return f"{var}[{index!r}]"
    if kind is cn.Tension:
        return f"tension[{node.index!r}]"  # type: ignore[attr-defined]
    if kind is cn.Influence:
        return f"_influence(influence_of[{node.index!r}])"  # type: ignore[attr-defined]
    if kind is cn.AllianceVar:
        # The world's alliance(var): funds for "funds", spent for anything else.
        return "v.funds" if node.var == ALLIANCE_VARS[0] else "v.spent"  # type: ignore[attr-defined]
    if kind is cn.Incidents:
        return f"tally.get({node.name!r}, 0.0)"  # type: ignore[attr-defined]
    if kind is cn.Aggregate:
        fn, var = node.fn, node.var  # type: ignore[attr-defined]
        if fn not in _AGGREGATE or var not in PARTNER_VARS:
            raise _Unknown
        return f"{_AGGREGATE[fn]}({var})"
    if kind is cn.Abs:
        return f"abs({_source(node.arg)})"  # type: ignore[attr-defined]
    if kind is cn.Neg:
        return f"(-{_source(node.arg)})"  # type: ignore[attr-defined]
    if kind is cn.BinOp:
        op, left, right = node.op, _source(node.left), _source(node.right)  # type: ignore[attr-defined]
        if op == "div":
            return f"_div({left}, {right})"
        return f"({left} {_ARITHMETIC[op]} {right})"
    if kind is cn.Compare:
        operands, ops = node.operands, node.ops  # type: ignore[attr-defined]
        # Python's own chain: each operand once, left to right, stopping at the first no.
        text = _source(operands[0])
        for op, operand in zip(ops, operands[1:], strict=True):
            text += f" {_COMPARE[op]} {_source(operand)}"
        return f"({text})"
    if kind is cn.And or kind is cn.Or:
        args = node.args  # type: ignore[attr-defined]
        joined = f" {'and' if kind is cn.And else 'or'} ".join(_source(a) for a in args)
        # all()/any() and bool(a and b) answer True or False, whatever the operands are.
        return f"({joined})" if all(_boolean(a) for a in args) else f"(True if {joined} else False)"
    if kind is cn.Not:
        return f"(not {_source(node.arg)})"  # type: ignore[attr-defined]
    raise _Unknown


def _boolean(node: cn.Node) -> bool:
    """Whether the node's value is always True or False (so needs no conversion)."""
    kind = type(node)
    if kind is cn.Const:
        return type(node.value) is bool  # type: ignore[attr-defined]
    return kind in (cn.Compare, cn.And, cn.Or, cn.Not)
