"""Scenario facts in plain words, shared by the participants' brief and the controllers' MSEL.

One vocabulary for both documents, so a partner's trust, a condition or a
threat's frequency reads the same in what the players get and in what the
controllers hold. The MSEL alone also needs the hidden parts in words
(effects and lever changes); those are here too, and the brief never calls
them.
"""

from __future__ import annotations

import re

from sim.scenario import condition_nodes as cn
from sim.scenario.conditions import compile_condition, parse_target
from sim.scenario.models import Effect, Scenario
from sim.scenario.references import symbols_of
from sim.scenario.vocabulary import ALL_INCIDENTS

DISCLAIMER = (
    "All numbers in this exercise are illustrative training parameters, not "
    "forecasts or assessments of any real state or organisation."
)

STATE_WORDS = {
    "capacity": "security-force capacity",
    "trust": "trust in the alliance",
    "cooperation": "depth of practical cooperation",
    "stability": "internal stability",
    "resilience": "resilience to cyber and hybrid attack",
}

THREAT_WORDS = {
    "terrorism": "terrorism",
    "insurgency": "insurgency",
    "cyber": "cyber attacks",
    "hybrid": "hybrid warfare",
    "disinformation": "disinformation",
    "proliferation": "proliferation of weapons of mass destruction",
}

INITIATIVE_WORDS = {
    "training_mission": "training and advisory mission",
    "strategic_dialogue": "political dialogue",
    "joint_exercise": "joint exercises",
    "intelligence_sharing": "intelligence sharing",
    "cyber_response": "cyber rapid-response teams",
    "strategic_communication": "strategic communication",
    "military_presence": "military presence",
}

_CMP_WORDS = {
    "lt": "is below",
    "le": "is at most",
    "gt": "is above",
    "ge": "is at least",
    "eq": "equals",
    "ne": "is not",
}
_OP_SIGNS = {"add": "+", "sub": "-", "mul": "×", "div": "/"}
_AGG_WORDS = {"mean": "average", "min": "lowest", "max": "highest"}


def level(x: float) -> str:
    """A 0-1 value in words: very low, low, moderate, high, very high."""
    for limit, word in ((0.2, "very low"), (0.4, "low"), (0.6, "moderate"), (0.8, "high")):
        if x < limit:
            return word
    return "very high"


def rated(x: float) -> str:
    """A 0-1 value in words with the number: ``moderate (0.55)``."""
    return f"{level(x)} ({x:.2f})"


def frequency(rate: float) -> str:
    """Incidents per month in words (per target)."""
    per_year = rate * 12
    if rate == 0:
        return "dormant"
    if per_year < 0.75:
        years = round(1 / per_year)
        return (
            "rare (about once every year)" if years <= 1 else f"rare (about once in {years} years)"
        )
    if per_year < 3:
        return f"occasional (about {round(per_year)} a year)"
    if rate < 1:
        return f"frequent (about {round(per_year)} a year)"
    return f"constant (about {round(rate)} a month)"


def paragraphs(text: str) -> list[str]:
    """Split text into paragraphs on blank lines, joining wrapped lines."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def one_line(text: str) -> str:
    """Text with its line breaks and runs of spaces folded to single spaces."""
    return " ".join(text.split())


def capital(text: str) -> str:
    """``text`` with its first letter upper-case (the rest as written)."""
    return text[:1].upper() + text[1:]


def lever_names(s: Scenario) -> dict[str, str]:
    """Every lever by id in words: an initiative's name, or what a threat or rival lever scales."""
    names = {i.id: i.name or INITIATIVE_WORDS[i.kind].capitalize() for i in s.initiatives}
    scaled: dict[str, list[str]] = {}
    for t in s.threats:
        if t.lever is not None:
            scaled.setdefault(t.lever, []).append(t.name or THREAT_WORDS[t.kind].capitalize())
    for r in s.rivals:
        if r.lever is not None:
            scaled.setdefault(r.lever, []).append(f"{r.name}'s influence pressure")
    return names | {lever: " and ".join(what) for lever, what in scaled.items()}


class ConditionWords(cn.Visitor[str]):
    """Conditions in words, with the scenario's display names."""

    def __init__(self, s: Scenario) -> None:
        self.s = s
        self.names = {p.id: p.name for p in s.partners} | {r.id: r.name for r in s.rivals}

    def rivalry(self, index: int) -> str:
        a, b = (self.names.get(x, x) for x in self.s.rivalries[index].between)
        return f"the {a}-{b} rivalry"

    def __call__(self, node: cn.Node) -> str:
        return node.accept(self)

    def other(self, node: cn.Node) -> str:
        return "?"

    def const(self, node: cn.Const) -> str:
        v = node.value
        return f"{float(v):g}" if not isinstance(v, bool) else str(v).lower()

    def month(self, node: cn.Month) -> str:
        return "the month"

    def partner_var(self, node: cn.PartnerVar) -> str:
        return f"{self.s.partners[node.index].name}'s {STATE_WORDS[node.var]}"

    def tension(self, node: cn.Tension) -> str:
        return f"tension in {self.rivalry(node.index)}"

    def influence(self, node: cn.Influence) -> str:
        return f"{self.s.rivals[node.index].name}'s influence"

    def alliance_var(self, node: cn.AllianceVar) -> str:
        what = "available funds" if node.var == "funds" else "spending so far"
        return f"{self.s.alliance.name}'s {what}"

    def incidents(self, node: cn.Incidents) -> str:
        what = "" if node.kind == ALL_INCIDENTS else f"{THREAT_WORDS[node.kind]} "
        if node.measure == "harm":
            return f"the harm done by {what}incidents so far"
        how = {"succeeded": "that succeeded", "attempted": "attempted"}.get(node.count, node.count)
        return f"the number of {what}incidents {how} so far"

    def aggregate(self, node: cn.Aggregate) -> str:
        return f"the {_AGG_WORDS[node.fn]} {STATE_WORDS[node.var]} across partners"

    def compare(self, node: cn.Compare) -> str:
        parts = [self(node.operands[0])]
        for cmp, operand in zip(node.ops, node.operands[1:], strict=True):
            parts.append(f"{_CMP_WORDS[cmp]} {self(operand)}")
        return " ".join(parts)

    def and_(self, node: cn.And) -> str:
        return " and ".join(self(a) for a in node.args)

    def or_(self, node: cn.Or) -> str:
        return "either " + " or ".join(self(a) for a in node.args)

    def not_(self, node: cn.Not) -> str:
        return f"it is not the case that {self(node.arg)}"

    def neg(self, node: cn.Neg) -> str:
        return f"minus {self(node.arg)}"

    def abs(self, node: cn.Abs) -> str:
        inner = self(node.arg)  # arithmetic comes in brackets already
        return (
            f"the size of {inner}" if isinstance(node.arg, cn.BinOp) else f"the size of ({inner})"
        )

    def binop(self, node: cn.BinOp) -> str:
        return f"({self(node.left)} {_OP_SIGNS[node.op]} {self(node.right)})"

    def condition(self, text: str) -> str:
        return self(compile_condition(text, symbols_of(self.s)).root)


def target_words(s: Scenario, target: str) -> str:
    """What an effect target names, in words: ``Iraq's trust in the alliance``."""
    t = parse_target(target, symbols_of(s))
    if t.scope == "partner":
        return f"{s.partners[t.index].name}'s {STATE_WORDS[t.var]}"
    if t.scope == "partners":
        return f"every partner's {STATE_WORDS[t.var]}"
    if t.scope == "rivalry":
        return f"tension in {ConditionWords(s).rivalry(t.index)}"
    if t.scope == "rival":
        return f"{s.rivals[t.index].name}'s influence on every partner"
    return f"{s.alliance.name}'s available funds"


def effect_words(s: Scenario, effect: Effect) -> str:
    """One effect in words: ``Iraq's trust in the alliance falls by 0.05``."""
    what = target_words(s, effect.target)
    if effect.set is not None:
        return f"{what} is set to {effect.set:g}"
    delta = effect.delta or 0.0
    return f"{what} {'rises' if delta >= 0 else 'falls'} by {abs(delta):g}"


def intensity_words(x: float) -> str:
    """A lever setting in words: ``0 (switched off)``, ``1.5 (stepped up)``."""
    word = (
        "switched off" if x == 0 else "reduced" if x < 1 else "nominal" if x == 1 else "stepped up"
    )
    return f"{x:g} ({word})"


def lever_words(s: Scenario, lever: str, value: float) -> str:
    """One lever change in words: ``Force protection: intensity 0 (switched off)``."""
    return f"{lever_names(s).get(lever, lever)}: intensity {intensity_words(value)}"
