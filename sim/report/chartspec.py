"""What each report chart shows, in words: titles, axis labels and ranges, marks, thresholds.

Kept apart from :mod:`sim.report.plots` (which draws) so the wording and the
choices are plain data, tested without matplotlib:

* **Titles and axis labels in words**: partner and rivalry names, the unit,
  and "index 0-1" where the quantity is one ("Stability (index 0-1)",
  "Alliance funds (budget units)"), never raw series ids.
* **Honest ranges**: a 0-1 index is always drawn on 0-1 and amounts start at
  zero, so a small difference is not stretched to fill the panel.
* **Marks**: a vertical line at every scheduled inject (a decision or not),
  lettered A, B, ... with the key printed once on the page; injects that fire
  on a condition have no fixed month and are listed, not marked.
* **Thresholds**: a horizontal line where an objective is a threshold on a
  charted series (``iraq.trust >= 0.57``, ``mean(partners.capacity) >= 0.5``),
  read from the objective's condition text with :mod:`ast` (the condition
  language is a subset of Python's expressions; nothing is evaluated).

With a single partner the regional means equal that partner's series, so the
regional charts are left out and regional thresholds go to the partner's.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.scenario.vocabulary import ALLIANCE_VARS, PARTNER_VARS

INDEX = "index 0-1"
BUDGET = "budget units"

_ALLIANCE_WORDS = {
    "funds": ("Alliance funds", "Alliance funds"),
    "spent": ("Alliance spending to date", "Spent to date"),
}
_OPS: dict[type[ast.cmpop], str] = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<"}
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}
_SHOWN = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_AGGREGATES = ("mean", "min", "max")


@dataclass(frozen=True)
class SeriesChart:
    """One monthly series' chart: its title, y-axis label and range.

    ``ylim`` is ``(low, high)``; ``high`` None means "from the data"; the
    whole of ``ylim`` None means both from the data (a series ttx has no unit for).
    """

    name: str
    title: str
    ylabel: str
    ylim: tuple[float, float | None] | None


@dataclass(frozen=True)
class Mark:
    """A vertical line at a scheduled inject: its letter on the chart, month and words."""

    letter: str
    inject: str
    month: int
    title: str
    decision: bool


@dataclass(frozen=True)
class Threshold:
    """A horizontal line at an objective's threshold on a series."""

    objective: str
    op: str
    value: float

    @property
    def label(self) -> str:
        """``keep_trust ≥ 0.57``: the id, because trainers look the objective up by it."""
        return f"{self.objective} {_SHOWN[self.op]} {self.value:g}"


def _words(var: str) -> str:
    return var.replace("_", " ")


def _chart(name: str, partners: Mapping[str, str], rivalries: Mapping[str, str]) -> SeriesChart:
    """Title, label and range of one series by its name's pattern."""
    actor, _, var = name.rpartition(".")
    if not actor and var in PARTNER_VARS:
        return SeriesChart(
            name, f"Regional {_words(var)}", f"{_words(var).capitalize()} ({INDEX})", (0.0, 1.0)
        )
    if actor in partners and var in PARTNER_VARS:
        title = f"{_words(var).capitalize()} in {partners[actor]}"
        return SeriesChart(name, title, f"{_words(var).capitalize()} ({INDEX})", (0.0, 1.0))
    if var == "tension":
        sides = rivalries.get(actor, actor.replace("_", " "))
        return SeriesChart(name, f"Tension between {sides}", f"Tension ({INDEX})", (0.0, 1.0))
    if var in ALLIANCE_VARS and var in _ALLIANCE_WORDS:
        title, label = _ALLIANCE_WORDS[var]
        return SeriesChart(name, title, f"{label} ({BUDGET})", (0.0, None))
    return SeriesChart(name, _words(name.replace(".", ": ")).capitalize(), _words(name), None)


def series_groups(results: Mapping[str, Any]) -> list[tuple[str, list[SeriesChart]]]:
    """Monthly series grouped for display: regional, each partner, rivalries, alliance.

    Returns ``(heading, charts)`` in a fixed order, independent of the order of
    keys in the report. With one partner there is no regional group: its
    charts would repeat the partner's.
    """
    names = set(results["series"])
    scenario = results["scenario"]
    partners: dict[str, str] = scenario.get("partners", {})
    rivalries: dict[str, str] = scenario.get("rivalry_names", {})
    groups: list[tuple[str, list[str]]] = []
    regional = [n for n in PARTNER_VARS if n in names]
    regional += sorted(n for n in names if "." not in n and n not in regional)
    used = set(regional)
    if len(partners) == 1:
        (pid,) = partners
        regional = [n for n in regional if f"{pid}.{n}" not in names]
    if regional:
        groups.append(("Region (mean over partners)", regional))
    for pid, pname in partners.items():
        own = [f"{pid}.{v}" for v in PARTNER_VARS if f"{pid}.{v}" in names]
        own += sorted(n for n in names if n.startswith(f"{pid}.") and n not in own)
        if own:
            groups.append((pname if len(partners) == 1 else f"Partner: {pname}", own))
            used.update(own)
    tension = sorted(n for n in names - used if n.endswith(".tension"))
    if tension:
        groups.append(("Rivalries", tension))
        used.update(tension)
    rest = sorted(names - used)
    if rest:
        groups.append(("Alliance", rest))
    return [(h, [_chart(n, partners, rivalries) for n in members]) for h, members in groups]


def _letter(i: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[i] if i < len(letters) else f"{letters[i % 26]}{i // 26}"


def marks(results: Mapping[str, Any]) -> list[Mark]:
    """The scheduled injects within the horizon, by month (file order within a month)."""
    scenario = results["scenario"]
    horizon = scenario.get("horizon", len(results.get("months", ())) - 1)
    timed = [
        i for i in scenario.get("injects", []) if i["month"] is not None and i["month"] <= horizon
    ]
    timed.sort(key=lambda i: i["month"])  # stable: file order within a month
    return [
        Mark(_letter(k), i["id"], i["month"], i["title"], i["decision"])
        for k, i in enumerate(timed)
    ]


def unscheduled(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The injects that fire on a condition (no fixed month, so not marked)."""
    return [i for i in results["scenario"].get("injects", []) if i["month"] is None]


def _number(node: ast.expr) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return None if isinstance(node.value, bool) else float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None


def _target(node: ast.expr) -> tuple[str, str] | None:
    """``iraq.trust`` -> ("iraq", "trust"); ``mean(partners.capacity)`` -> ("mean", "capacity")."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _AGGREGATES
        and len(node.args) == 1
        and not node.keywords
    ):
        inner = _target(node.args[0])
        if inner is not None and inner[0] == "partners":
            return node.func.id, inner[1]
    return None


def _comparisons(node: ast.expr) -> list[tuple[tuple[str, str], str, float]]:
    """Target-op-number comparisons that must all hold (under ``and`` only)."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [c for v in node.values for c in _comparisons(v)]
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPS):
        return []
    op = _OPS[type(node.ops[0])]
    left, right = node.left, node.comparators[0]
    target, value = _target(left), _number(right)
    if target is None or value is None:
        target, value, op = _target(right), _number(left), _FLIP[op]
    if target is None or value is None:
        return []
    return [(target, op, value)]


def _series_of(
    target: tuple[str, str], partners: Mapping[str, str], charted: set[str]
) -> str | None:
    actor, var = target
    if actor in _AGGREGATES:
        if len(partners) == 1:
            (pid,) = partners
            name = f"{pid}.{var}"
            return name if name in charted else (var if var in charted else None)
        return var if actor == "mean" and var in charted else None
    if var in ALLIANCE_VARS:
        name = f"nato.{var}"  # the engine names the alliance's series so, whatever its id
        return name if name in charted else None
    name = f"{actor}.{var}"
    return name if name in charted else None


def thresholds(results: Mapping[str, Any], charted: Sequence[str]) -> dict[str, list[Threshold]]:
    """Series name -> the objective thresholds on it (only series in ``charted``)."""
    partners: Mapping[str, str] = results["scenario"].get("partners", {})
    shown = set(charted)
    out: dict[str, list[Threshold]] = {}
    for oid, objective in sorted(results.get("objectives", {}).items()):
        try:
            tree = ast.parse(str(objective.get("condition", "")), mode="eval")
        except (SyntaxError, ValueError, RecursionError):
            continue  # a report's text is data: an unreadable condition just has no line
        for target, op, value in _comparisons(tree.body):
            name = _series_of(target, partners, shown)
            if name is not None:
                out.setdefault(name, []).append(Threshold(oid, op, value))
    return out
