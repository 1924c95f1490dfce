"""``ttx brief``: the participants' situation manual for a scenario.

A facilitator hands this out before a session. It says what the players may
know (the situation, the actors, the threats, the instruments, the events as
they will be told, the objectives, the policies on the table) in plain
words, and nothing of what they must not: the hidden effects of injects and
options, lever settings and model coefficients never appear.

:func:`brief_data` turns a scenario into plain-word sections;
:func:`render_markdown` and :func:`render_html` only lay those out, so the two
formats cannot disagree about what is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sim.report.markdown import md_escape
from sim.scenario import condition_nodes as cn
from sim.scenario.conditions import compile_condition
from sim.scenario.models import Inject, Scenario
from sim.scenario.references import symbols_of
from sim.scenario.vocabulary import ALL_INCIDENTS, PARTNER_VARS

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


class _Words(cn.Visitor[str]):
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
        return f"the size of ({self(node.arg)})"

    def binop(self, node: cn.BinOp) -> str:
        return f"({self(node.left)} {_OP_SIGNS[node.op]} {self(node.right)})"

    def condition(self, text: str) -> str:
        return self(compile_condition(text, symbols_of(self.s)).root)


@dataclass
class Section:
    """One entry of the brief: a heading, plain-word facts and paragraphs."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    prompt: str = ""


def _when(inj: Inject, words: _Words) -> str:
    if inj.at is not None:
        return f"Month {inj.at}"
    assert inj.when is not None
    return f"as soon as {words.condition(inj.when)}"


def _names(ids: list[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(i, i) for i in ids) or "none"


def _window(start: int, end: int | None, horizon: int) -> str:
    last = horizon if end is None else end
    return "throughout" if start == 0 and last >= horizon else f"months {start} to {last}"


def brief_data(s: Scenario) -> dict[str, Any]:
    """The brief as plain-word sections; shared by the Markdown and HTML renderers."""
    words = _Words(s)
    names = words.names
    actors = [
        Section(
            p.name,
            facts=[(STATE_WORDS[v], rated(getattr(p, v))) for v in PARTNER_VARS]
            + [
                ("sovereignty concern", f"{rated(p.sensitivity)}"),
                ("ability to absorb training", rated(p.absorption)),
                (
                    "security priorities",
                    ", ".join(
                        THREAT_WORDS[k]
                        for k, _ in sorted(p.priorities.items(), key=lambda kv: -kv[1])
                    )
                    or "no particular priority",
                ),
            ],
        )
        for p in s.partners
    ]
    rivals = [
        Section(
            r.name,
            facts=[(f"influence on {names.get(p, p)}", rated(v)) for p, v in r.influence.items()],
        )
        for r in s.rivals
    ]
    rivalries = [
        Section(
            " and ".join(names.get(a, a) for a in r.between),
            facts=[("tension", rated(r.tension))]
            + ([("also exposed", _names(r.spillover, names))] if r.spillover else []),
        )
        for r in s.rivalries
    ]
    threats = [
        Section(
            t.name or THREAT_WORDS[t.kind].capitalize(),
            facts=[
                ("kind", THREAT_WORDS[t.kind]),
                ("against", _names(t.targets, names)),
                ("how often", frequency(t.rate) + " against each"),
                ("typical severity", level(t.severity.mean)),
                ("active", _window(t.start, t.end, s.horizon)),
            ],
        )
        for t in s.threats
    ]
    initiatives = [
        Section(
            i.name or INITIATIVE_WORDS[i.kind].capitalize(),
            facts=[
                ("kind", INITIATIVE_WORDS[i.kind]),
                ("with", _names(i.partners, names)),
                ("cycle", "every month" if i.cycle == 1 else f"every {i.cycle} months"),
                ("active", _window(i.start, i.end, s.horizon)),
            ],
        )
        for i in s.initiatives
    ]
    timed = sorted((j for j in s.injects if j.at is not None), key=lambda j: j.at or 0)
    triggered = [j for j in s.injects if j.when is not None]
    timeline = []
    for j in [*timed, *triggered]:
        entry = Section(j.title, facts=[("when", _when(j, words))], text=paragraphs(j.narrative))
        if j.decision is not None:
            entry.prompt = " ".join(j.decision.prompt.split())
            entry.choices = [(o.label, " ".join(o.description.split())) for o in j.decision.options]
        timeline.append(entry)
    objectives = [
        Section(
            o.description.strip() or o.id,
            facts=[
                ("condition", words.condition(o.condition)),
                ("checked", _check(o.check, o.month, s.horizon)),
            ],
        )
        for o in s.objectives
    ]
    policies = [
        Section(p.title or p.id, text=paragraphs(p.description) if p.description else [])
        for p in s.policies
    ]
    return {
        "title": s.title,
        "description": paragraphs(s.description),
        "sources": list(s.sources),
        "horizon": s.horizon,
        "disclaimer": DISCLAIMER,
        "alliance": s.alliance.name,
        "parts": [
            ("Partners", actors),
            ("Rival powers", rivals),
            ("Rivalries", rivalries),
            ("Threats", threats),
            ("The alliance's instruments", initiatives),
            ("Timeline of events", timeline),
            ("Objectives", objectives),
            ("Policies on the table", policies),
        ],
    }


def _check(check: str, month: int | None, horizon: int) -> str:
    if check == "end":
        return f"at the end of the exercise (month {horizon})"
    if check == "by":
        return f"met at any point up to month {month}"
    return "every month" + (f" up to month {month}" if month is not None else "")


def render_markdown(s: Scenario) -> str:
    """The brief as Markdown; scenario text is escaped."""
    d = brief_data(s)
    out = [f"# {md_escape(d['title'])}", "", "*Participant's situation manual.*", ""]
    out += ["## Purpose and scope", ""]
    for para in d["description"]:
        out += [md_escape(para), ""]
    out += [
        f"The exercise covers {d['horizon']} months. It draws on: "
        + "; ".join(md_escape(x) for x in d["sources"])
        + ".",
        "",
        f"> {d['disclaimer']}",
        "",
    ]
    for heading, sections in d["parts"]:
        if not sections:
            continue
        out += [f"## {heading}", ""]
        for sec in sections:
            out += [f"### {md_escape(sec.title)}", ""]
            out += [f"- {md_escape(name)}: {md_escape(value)}" for name, value in sec.facts]
            if sec.facts:
                out.append("")
            for para in sec.text:
                out += [md_escape(para), ""]
            if sec.prompt:
                out += [f"**Decision:** {md_escape(sec.prompt)}", ""]
                out += [
                    f"- **{md_escape(label)}**" + (f": {md_escape(desc)}" if desc else "")
                    for label, desc in sec.choices
                ]
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_html(s: Scenario) -> str:
    """The brief as one self-contained, print-friendly HTML page (autoescaped)."""
    from sim.report.templating import render

    return render("brief.html.j2", **brief_data(s))


def render(s: Scenario, fmt: str = "md") -> str:
    """The brief in ``md`` or ``html``."""
    if fmt == "md":
        return render_markdown(s)
    if fmt == "html":
        return render_html(s)
    raise ValueError(f"unknown brief format '{fmt}'; expected md or html")
