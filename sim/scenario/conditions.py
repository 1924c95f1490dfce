"""The condition language: a small, safe expression language over model state.

Grammar (a subset of Python's expression syntax, parsed with :mod:`ast` and
checked against a whitelist; nothing is ever passed to ``eval``)::

    expr    := expr ('and' | 'or') expr | 'not' expr | comparison
    compare := arith (('<' | '<=' | '>' | '>=' | '==' | '!=') arith)*
    arith   := arith ('+' | '-' | '*' | '/') arith | '-' arith | atom
    atom    := NUMBER | 'true' | 'false' | 'month' | ACTOR '.' VAR
             | 'incidents' '.' KIND ('.' COUNT)? | 'harm' '.' KIND
             | ('mean' | 'min' | 'max') '(' 'partners' '.' VAR ')'
             | 'abs' '(' arith ')' | '(' expr ')'

``ACTOR.VAR`` names a partner variable (``iraq.trust``), a rivalry's
``tension``, a rival's ``influence`` (its mean over partners), the
alliance's ``funds`` or ``spent``, ``incidents.KIND`` (incidents of that
kind that succeeded so far; ``incidents.total`` for all kinds),
``incidents.KIND.mitigated`` / ``.interdicted`` / ``.attempted`` (the others,
and all of them), or ``harm.KIND`` (their summed harm). Each incident name is
also the KPI of the same name and meaning.

Compiled expressions are trees of the small picklable node objects of
:mod:`sim.scenario.condition_nodes`, evaluated against a :class:`View`, so
they can be shipped to worker processes.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.scenario.condition_closures import Closure, closure
from sim.scenario.condition_nodes import (
    AGGREGATES,
    Abs,
    Aggregate,
    AllianceVar,
    And,
    BinOp,
    Compare,
    Const,
    Incidents,
    Influence,
    Month,
    Neg,
    Node,
    Not,
    Or,
    PartnerVar,
    Symbols,
    Tension,
    View,
)
from sim.scenario.uncertainty import POLITICAL_RISK
from sim.scenario.vocabulary import (
    ALLIANCE_VARS,
    HARM,
    INCIDENT_COUNTS,
    INCIDENT_VARS,
    INCIDENTS,
    PARTNER_VARS,
    RIVAL_VARS,
    RIVALRY_VARS,
    SUCCEEDED,
)

__all__ = [
    "Expr",
    "ExprError",
    "Node",
    "Symbols",
    "Target",
    "View",
    "compile_condition",
    "parse_target",
]

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_NODES = 200


class ExprError(ValueError):
    """A condition that cannot be parsed or refers to something unknown.

    ``offset`` is the 0-based character position in the condition text.
    """

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_BINOP_NAMES = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
# How operators outside the whitelist are written, for messages ('<<', not 'BinOp').
_OPERATOR_SYMBOLS: dict[type, str] = {
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_CMP_NAMES = {
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Eq: "eq",
    ast.NotEq: "ne",
}


# --------------------------------------------------------------------------- compiler


@dataclass(frozen=True)
class Expr:
    """A compiled condition: call it with a :class:`View` to evaluate.

    Evaluation runs the tree compiled once more into closures
    (:mod:`sim.scenario.condition_closures`: the same values, without the tree
    walk); pickling keeps the tree only and rebuilds the closures.
    """

    source: str
    root: Node
    names: frozenset[str]
    run: Closure = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "run", closure(self.root))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Expr, (self.source, self.root, self.names))

    def __call__(self, view: View) -> bool:
        return bool(self.run(view))


def _names_list(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "(none)"


class _Compiler:
    def __init__(self, text: str, symbols: Symbols) -> None:
        self.text = text
        self.symbols = symbols
        self.names: set[str] = set()
        self.count = 0
        # ast gives offsets in the single line we parse, in characters for str input.
        self.partner_index = {p: i for i, p in enumerate(symbols.partners)}
        self.rivalry_index = {r: i for i, r in enumerate(symbols.rivalries)}
        self.rival_index = {r: i for i, r in enumerate(symbols.rivals)}

    def fail(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, getattr(node, "col_offset", 0))

    def compile(self, node: ast.AST, depth: int = 0) -> Node:
        self.count += 1
        if depth > MAX_DEPTH:
            raise self.fail(node, f"condition is nested too deeply (limit {MAX_DEPTH})")
        if self.count > MAX_NODES:
            raise self.fail(node, f"condition is too complex (limit {MAX_NODES} terms)")
        d = depth + 1
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(name, str) and name.startswith("__"):
            raise self.fail(node, f"'{name}': names starting with '__' are not allowed")
        match node:
            case ast.BoolOp(op=ast.And(), values=values):
                return And([self.compile(x, d) for x in values])
            case ast.BoolOp(op=ast.Or(), values=values):
                return Or([self.compile(x, d) for x in values])
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return Not(self.compile(operand, d))
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return Neg(self.compile(operand, d))
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return self.compile(operand, d)
            case ast.BinOp(op=op, left=left, right=right) if type(op) in _BINOP_NAMES:
                return BinOp(self.compile(left, d), _BINOP_NAMES[type(op)], self.compile(right, d))
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                names = []
                for cmp in ops:
                    if type(cmp) not in _CMP_NAMES:
                        raise self.fail(
                            node,
                            f"'{_OPERATOR_SYMBOLS.get(type(cmp), type(cmp).__name__)}' is not "
                            "allowed; only <, <=, >, >=, ==, != comparisons are",
                        )
                    names.append(_CMP_NAMES[type(cmp)])
                return Compare([self.compile(x, d) for x in [left, *comparators]], names)
            case ast.Constant(value=value):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise self.fail(node, f"expected a number, found {value!r}")
                try:
                    finite = math.isfinite(value)
                except OverflowError:  # an integer literal with hundreds of digits
                    finite = False
                if not finite:
                    raise self.fail(node, "numbers must be finite and at most about 1e308")
                return Const(float(value))
            case ast.Name(id=name):
                return self.name(node, name)
            case ast.Attribute(value=ast.Name(id=actor), attr=var):
                return self.attribute(node, actor, var)
            case ast.Attribute(value=ast.Attribute(value=ast.Name(id="incidents"), attr=kind)):
                return self.incident_count(node, kind, node.attr)
            case ast.Call(func=ast.Name(id=fn), args=args, keywords=[]):
                return self.call(node, fn, args, d)
        raise self.fail(node, self.describe_unsupported(node))

    def describe_unsupported(self, node: ast.AST) -> str:
        # Worded as "<what> is not allowed"; tests elsewhere match these phrases.
        what = {
            ast.Attribute: "nested attribute access",
            ast.Subscript: "subscripts ([...])",
            ast.Lambda: "lambda",
            ast.ListComp: "comprehensions",
            ast.GeneratorExp: "comprehensions",
            ast.SetComp: "comprehensions",
            ast.DictComp: "comprehensions",
            ast.Call: "calling anything but mean, min, max or abs",
            ast.IfExp: "if-expressions",
            ast.NamedExpr: "assignment",
            ast.Starred: "starred expressions",
            ast.Tuple: "tuples (a comma)",
            ast.List: "lists ([...])",
            ast.Dict: "dictionaries ({...})",
            ast.Set: "sets ({...})",
            ast.JoinedStr: "f-strings",
            ast.Await: "await",
            ast.Yield: "yield",
            ast.YieldFrom: "yield",
        }.get(type(node), type(node).__name__)
        op = getattr(node, "op", None)
        if op is not None:  # a BinOp or UnaryOp outside the whitelist: name its symbol
            what = f"the operator '{_OPERATOR_SYMBOLS.get(type(op), type(op).__name__)}'"
        return (
            f"{what} is not allowed; use comparisons, and/or/not, + - * /, month, "
            "ACTOR.VAR, mean/min/max(partners.VAR) or abs(...)"
        )

    def name(self, node: ast.AST, name: str) -> Node:
        if name == "month":
            return Month()
        if name in ("true", "True"):
            return Const(True)
        if name in ("false", "False"):
            return Const(False)
        if name in self.partner_index or name in self.rivalry_index or name in self.rival_index:
            raise self.fail(node, f"'{name}' needs a variable, e.g. '{name}.{self.example(name)}'")
        raise self.fail(
            node,
            f"unknown name '{name}'; expected month, ACTOR.VAR or a function call "
            f"(partners: {_names_list(self.symbols.partners)})",
        )

    def example(self, actor: str) -> str:
        if actor in self.rivalry_index:
            return "tension"
        if actor in self.rival_index:
            return "influence"
        return "trust"

    def attribute(self, node: ast.AST, actor: str, var: str) -> Node:
        self.names.add(f"{actor}.{var}")
        if actor in self.partner_index:
            if var not in PARTNER_VARS:
                raise self.fail(
                    node,
                    f"partner '{actor}' has no variable '{var}'; expected one of "
                    f"{', '.join(PARTNER_VARS)}",
                )
            return PartnerVar(self.partner_index[actor], var)
        if actor in self.rivalry_index:
            if var not in RIVALRY_VARS:
                raise self.fail(node, f"rivalry '{actor}' has only 'tension', not '{var}'")
            return Tension(self.rivalry_index[actor])
        if actor in self.rival_index:
            if var not in RIVAL_VARS:
                raise self.fail(node, f"rival '{actor}' has only 'influence', not '{var}'")
            return Influence(self.rival_index[actor])
        if actor == self.symbols.alliance:
            if var not in ALLIANCE_VARS:
                raise self.fail(node, f"'{actor}' has {' and '.join(ALLIANCE_VARS)}, not '{var}'")
            return AllianceVar(var)
        if actor in (INCIDENTS, HARM):
            self.incident_kind(node, var)
            return Incidents(var, measure=actor)
        if actor == "partners":
            raise self.fail(node, f"use mean/min/max(partners.{var}) to combine partners")
        known = [*self.symbols.partners, *self.symbols.rivalries, *self.symbols.rivals]
        raise self.fail(
            node,
            f"unknown actor '{actor}'; expected one of {_names_list(known)}, "
            f"{self.symbols.alliance}, incidents or harm",
        )

    def incident_kind(self, node: ast.AST, kind: str) -> None:
        if kind not in INCIDENT_VARS:
            raise self.fail(
                node, f"unknown incident kind '{kind}'; expected {', '.join(INCIDENT_VARS)}"
            )

    def incident_count(self, node: ast.Attribute, kind: str, count: str) -> Node:
        self.incident_kind(node, kind)
        others = [c for c in INCIDENT_COUNTS if c != SUCCEEDED]
        if count == SUCCEEDED:
            raise self.fail(
                node,
                f"write 'incidents.{kind}' for the incidents that succeeded; "
                f"'incidents.{kind}.X' takes X in {', '.join(others)}",
            )
        if count not in others:
            raise self.fail(
                node,
                f"incidents.{kind} has no count '{count}'; expected one of {', '.join(others)}",
            )
        self.names.add(f"incidents.{kind}.{count}")
        return Incidents(kind, count)

    def call(self, node: ast.Call, fn: str, args: list[ast.expr], depth: int) -> Node:
        if fn == "abs":
            if len(args) != 1:
                raise self.fail(node, "abs() takes exactly one argument")
            return Abs(self.compile(args[0], depth))
        if fn not in AGGREGATES:
            raise self.fail(
                node, f"unknown function '{fn}'; expected mean, min, max (of partners.VAR) or abs"
            )
        match args:
            case [ast.Attribute(value=ast.Name(id="partners"), attr=var)]:
                if var not in PARTNER_VARS:
                    raise self.fail(
                        args[0],
                        f"partners have no variable '{var}'; expected one of "
                        f"{', '.join(PARTNER_VARS)}",
                    )
                self.names.add(f"partners.{var}")
                return Aggregate(fn, var)
        raise self.fail(node, f"{fn}() takes one argument of the form partners.VAR")


def _check_ascii(text: str, lead: int) -> None:
    """Refuse any character outside ASCII: conditions hold only ids, numbers and operators.

    Python reads identifiers after NFKC normalisation, so a fullwidth
    ``ｉｒａｑ.trust`` would silently mean ``iraq.trust``; a look-alike is named.
    """
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        plain = unicodedata.normalize("NFKC", ch)
        like = f", a look-alike of '{plain}'" if plain != ch and plain.isascii() else ""
        raise ExprError(
            f"character {ch!r} (U+{ord(ch):04X}{like}) is not allowed; write conditions "
            "in plain ASCII letters, digits and operators",
            lead + i,
        )


def compile_condition(text: str, symbols: Symbols) -> Expr:
    """Parse and check a condition against a scenario's names.

    Raises:
        ExprError: with a message saying what was expected and the offset of
            the offending part of ``text``.
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"condition is too long ({len(text)} characters, limit {MAX_LENGTH})")
    if "\n" in text.strip():
        raise ExprError("a condition must be on one line")
    stripped = text.strip()
    if not stripped:
        raise ExprError("condition is empty")
    lead = len(text) - len(text.lstrip())
    _check_ascii(stripped, lead)
    # Authors write 'and'/'or' in lower case; Python's ast agrees. Parentheses
    # nesting beyond MAX_DEPTH would hit Python's own recursion guard, so count first.
    depth = 0
    for i, ch in enumerate(stripped):
        depth += ch == "("
        depth -= ch == ")"
        if depth > MAX_DEPTH:
            raise ExprError(f"condition is nested too deeply (limit {MAX_DEPTH})", lead + i)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        # Python reports offset 0 when the text ends too early: point at the end.
        offset = exc.offset - 1 if exc.offset else len(stripped)
        what = "incomplete condition" if not exc.offset else exc.msg
        raise ExprError(f"syntax error: {what}", lead + offset) from None
    except ValueError:  # Python 3.11 raises this for a NUL character
        raise ExprError("condition contains a NUL character", lead) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"condition is nested too deeply (limit {MAX_DEPTH})", lead) from None
    compiler = _Compiler(stripped, symbols)
    try:
        root = compiler.compile(tree.body)
    except ExprError as exc:
        raise ExprError(exc.message, lead + exc.offset) from None
    except RecursionError:
        raise ExprError(f"condition is nested too deeply (limit {MAX_DEPTH})") from None
    return Expr(stripped, root, frozenset(compiler.names))


@dataclass(frozen=True)
class Target:
    """A resolved effect target: what an inject or option changes.

    ``scope`` is one of ``partner`` (index set), ``partners`` (all),
    ``rivalry``, ``rival`` or ``alliance``. A partner target's ``var`` may be
    ``political_risk``, which only effects can change (not a state variable).
    """

    scope: str
    index: int
    var: str


def parse_target(text: str, symbols: Symbols) -> Target:
    """Resolve an effect target such as ``iraq.trust`` or ``partners.stability``.

    Raises:
        ExprError: naming what was expected.
    """
    actor, dot, var = text.strip().partition(".")
    if not dot or not actor or not var or "." in var:
        raise ExprError(f"expected ACTOR.VAR (e.g. iraq.trust), found '{text}'")
    partners = {p: i for i, p in enumerate(symbols.partners)}
    rivalries = {r: i for i, r in enumerate(symbols.rivalries)}
    rivals = {r: i for i, r in enumerate(symbols.rivals)}
    if actor in partners or actor == "partners":
        if var not in PARTNER_VARS and var != POLITICAL_RISK:
            raise ExprError(
                f"'{var}' is not a partner variable; expected one of "
                f"{', '.join((*PARTNER_VARS, POLITICAL_RISK))}"
            )
        if actor == "partners":
            return Target("partners", -1, var)
        return Target("partner", partners[actor], var)
    if actor in rivalries:
        if var not in RIVALRY_VARS:
            raise ExprError(f"rivalry '{actor}' has only 'tension', not '{var}'")
        return Target("rivalry", rivalries[actor], var)
    if actor in rivals:
        if var not in RIVAL_VARS:
            raise ExprError(f"rival '{actor}' has only 'influence', not '{var}'")
        return Target("rival", rivals[actor], var)
    if actor == symbols.alliance:
        if var != "funds":
            raise ExprError(f"only {actor}.funds can be changed by an effect, not '{var}'")
        return Target("alliance", -1, var)
    known = [*symbols.partners, "partners", *symbols.rivalries, *symbols.rivals, symbols.alliance]
    raise ExprError(f"unknown actor '{actor}'; expected one of {_names_list(known)}")
