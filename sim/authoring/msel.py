"""``ttx msel``: the controllers' master scenario events list (MSEL) of a scenario.

Exercise practice (HSEEP's Master Scenario Events List, NATO's MEL/MIL)
keeps the injects with the controllers: the players learn of an event when
it happens. This is the facilitator's script that goes with the players'
brief (:mod:`sim.authoring.brief`), which leaves every event out: each
inject in the order it comes, what triggers it, who it goes to, what they are
told, what each option does behind the scenes, which objectives it bears on
and what the controllers expect the players to do.

:func:`msel_data` builds the entries once; the Markdown, HTML and CSV
renderers only lay them out, so the three formats cannot disagree.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sim.authoring.words import (
    DISCLAIMER,
    ConditionWords,
    capital,
    effect_words,
    lever_names,
    lever_words,
    one_line,
    paragraphs,
)
from sim.report.markdown import md_code, md_escape, table
from sim.scenario.cells import all_cells, get_cell, is_multi_cell
from sim.scenario.conditions import compile_condition, parse_target
from sim.scenario.models import Effect, Inject, Scenario
from sim.scenario.references import symbols_of

FORMATS = ("md", "html", "csv")

# The state an initiative works on directly, per partner it works with (MODEL.md
# §3.3.4): the trust its footprint costs, the capacity or resilience it builds,
# the incidents it helps stop. A lever change bears on objectives about these.
_LEVER_VARS = {
    "training_mission": ("capacity", "trust"),
    "strategic_dialogue": ("trust",),
    "joint_exercise": ("cooperation", "capacity", "trust"),
    "intelligence_sharing": ("incidents",),
    "cyber_response": ("resilience", "trust"),
    "strategic_communication": ("trust", "incidents"),
    "military_presence": ("trust", "tension", "incidents"),
}


@dataclass
class OptionEntry:
    """One option of a decision, with what it does behind the scenes."""

    id: str
    label: str
    description: str
    default: bool
    effects: list[str] = field(default_factory=list)
    levers: list[str] = field(default_factory=list)


@dataclass
class Entry:
    """One inject of the events list."""

    number: int
    id: str
    title: str
    month: int | None
    trigger: str
    condition: str
    cell_id: str
    cell: str
    narrative: list[str]
    effects: list[str]
    prompt: str
    options: list[OptionEntry]
    objectives: list[str]
    expected: list[str]


def ordered(s: Scenario) -> list[Inject]:
    """Injects in the order they come: timed ones by month, then conditional ones as written."""
    timed = sorted((j for j in s.injects if j.at is not None), key=lambda j: j.at or 0)
    return [*timed, *(j for j in s.injects if j.when is not None)]


def recipient(s: Scenario, inj: Inject) -> tuple[str, str]:
    """Who an inject goes to, as (cell id, words): the deciding cell, or every cell.

    An inject without a decision is news for the whole room, so every cell hears it.
    """
    if inj.decision is None:
        return "", "every cell" if is_multi_cell(s) else "everyone"
    return inj.decision.cell, get_cell(s, inj.decision.cell).name


def _touched(s: Scenario, inj: Inject) -> set[tuple[object, ...]]:
    """The model variables an inject and its options change, as condition-leaf keys."""
    symbols = symbols_of(s)
    effects: list[Effect] = list(inj.effects)
    levers: set[str] = set()
    if inj.decision is not None:
        for option in inj.decision.options:
            effects += option.effects
            levers |= set(option.levers)
    keys: set[tuple[object, ...]] = set()
    for effect in effects:
        t = parse_target(effect.target, symbols)
        if t.scope == "partner":
            keys.add(("partner", t.index, t.var))
        elif t.scope == "partners":
            keys |= {("partner", i, t.var) for i in range(len(s.partners))}
        elif t.scope == "rivalry":
            keys.add(("tension", t.index))
        elif t.scope == "rival":
            keys.add(("influence", t.index))
        else:
            keys.add(("alliance", "funds"))
    partners = {p.id: i for i, p in enumerate(s.partners)}
    if any(t.lever in levers for t in s.threats):
        keys.add(("incidents",))
    for k, rival in enumerate(s.rivals):
        if rival.lever in levers:
            keys.add(("influence", k))
            keys |= {("partner", partners[p], "trust") for p in rival.influence if p in partners}
    for ini in (i for i in s.initiatives if i.id in levers):
        keys |= {("alliance", "funds"), ("alliance", "spent")}
        for var in _LEVER_VARS[ini.kind]:
            if var == "incidents":
                keys.add(("incidents",))
            elif var == "tension":
                keys |= {
                    ("tension", k)
                    for k, r in enumerate(s.rivalries)
                    if set(ini.partners) & {*r.between, *r.spillover}
                }
            else:
                keys |= {("partner", partners[p], var) for p in ini.partners if p in partners}
    return keys


def _bears_on(leaf_key: tuple[object, ...], touched: set[tuple[object, ...]]) -> bool:
    kind = leaf_key[0]
    if kind == "aggregate":
        return any(k[0] == "partner" and k[2] == leaf_key[2] for k in touched)
    if kind == "incidents":
        return ("incidents",) in touched
    return leaf_key in touched


def objectives_for(s: Scenario, inj: Inject) -> list[str]:
    """Objectives whose condition reads a variable the inject or its options change."""
    touched = _touched(s, inj)
    symbols = symbols_of(s)
    found = []
    for obj in s.objectives:
        leaves = compile_condition(obj.condition, symbols).root.leaves()
        if any(_bears_on(leaf.key(), touched) for leaf in leaves):
            found.append(one_line(obj.description) or obj.id)
    return found


def _entry(s: Scenario, number: int, inj: Inject, words: ConditionWords) -> Entry:
    if inj.at is not None:
        trigger, condition = f"Month {inj.at}", ""
    else:
        assert inj.when is not None
        trigger, condition = f"As soon as {words.condition(inj.when)}", one_line(inj.when)
    options: list[OptionEntry] = []
    prompt = ""
    if inj.decision is not None:
        prompt = one_line(inj.decision.prompt)
        options = [
            OptionEntry(
                o.id,
                o.label,
                one_line(o.description),
                o.id == inj.decision.default,
                [capital(effect_words(s, e)) for e in o.effects],
                [lever_words(s, k, v) for k, v in o.levers.items()],
            )
            for o in inj.decision.options
        ]
    expected = paragraphs(inj.expected_actions)
    if not expected:
        expected = [
            f"Choose one option: {prompt}" if prompt else "Take note; no decision is asked for."
        ]
    return Entry(
        number=number,
        id=inj.id,
        title=inj.title,
        month=inj.at,
        trigger=trigger,
        condition=condition,
        cell_id=recipient(s, inj)[0],
        cell=recipient(s, inj)[1],
        narrative=paragraphs(inj.narrative),
        effects=[capital(effect_words(s, e)) for e in inj.effects],
        prompt=prompt,
        options=options,
        objectives=objectives_for(s, inj),
        expected=expected,
    )


def msel_data(s: Scenario) -> dict[str, Any]:
    """The events list as plain-word entries; shared by every renderer."""
    words = ConditionWords(s)
    entries = [_entry(s, n, inj, words) for n, inj in enumerate(ordered(s), start=1)]
    return {
        "title": s.title,
        "scenario_id": s.id,
        "horizon": s.horizon,
        "disclaimer": DISCLAIMER,
        "entries": entries,
        "timed": sum(1 for e in entries if e.month is not None),
        "conditional": sum(1 for e in entries if e.month is None),
        "decisions": sum(1 for e in entries if e.prompt),
        "cells": cells_data(s),
    }


@dataclass
class CellEntry:
    """A cell as the controllers see it: every cell's briefing and the levers it sets."""

    id: str
    name: str
    briefing: list[str]
    controls: list[str]


def cells_data(s: Scenario) -> list[CellEntry]:
    """The cells, blue first; empty for a one-sided scenario (the alliance is the only player)."""
    if not is_multi_cell(s):
        return []
    names = lever_names(s)
    return [
        CellEntry(c.id, c.name, paragraphs(c.briefing), [names.get(x, x) for x in c.controls])
        for c in all_cells(s)
    ]


CONTROLLERS_ONLY = (
    "For controllers only: do not hand this out. Players learn of each inject when it "
    "happens; the effects and lever changes below are never shown to them."
)


def _intro(d: dict[str, Any]) -> str:
    return (
        f"{len(d['entries'])} injects over {d['horizon']} months: {d['timed']} timed, "
        f"{d['conditional']} conditional; {d['decisions']} "
        f"{'asks' if d['decisions'] == 1 else 'ask'} for a decision."
    )


def render_markdown(s: Scenario) -> str:
    """The events list as Markdown; scenario text is escaped."""
    d = msel_data(s)
    out = [f"# Master scenario events list: {md_escape(d['title'])}", ""]
    out += [f"**{CONTROLLERS_ONLY}**", "", _intro(d), "", f"> {d['disclaimer']}", ""]
    rows = [
        [str(e.number), *map(md_escape, (e.trigger, e.cell, e.title)), "yes" if e.prompt else "no"]
        for e in d["entries"]
    ]
    if rows:
        out += [table(["#", "when", "goes to", "inject", "decision"], rows), ""]
    if d["cells"]:
        out += ["## Cells", ""]
    for c in d["cells"]:
        out += [f"### {md_escape(c.name)} ({md_code(c.id)})", ""]
        if c.controls:
            out += [f"Sets: {md_escape('; '.join(c.controls))}", ""]
        for para in c.briefing:
            out += [f"> {md_escape(para)}", ">"]
        out[-1] = ""
    for e in d["entries"]:
        out += _markdown_entry(e)
    return "\n".join(out).rstrip() + "\n"


def _markdown_entry(e: Entry) -> list[str]:
    out = [f"## {e.number}. {md_escape(e.title)} ({md_code(e.id)})", ""]
    out.append(f"- **When:** {md_escape(e.trigger)}")
    if e.condition:
        out.append(f"- **Condition:** {md_code(e.condition)}")
    out += [f"- **Goes to:** {md_escape(e.cell)}", ""]
    if e.narrative:
        out += ["**Tell the players:**", ""]
        for para in e.narrative:
            out += [f"> {md_escape(para)}", ">"]
        out[-1] = ""
    if e.effects:
        out += ["**Immediate effects (hidden):**", ""]
        out += [f"- {md_escape(x)}" for x in e.effects] + [""]
    if e.prompt:
        out += [f"**Decision:** {md_escape(e.prompt)}", ""]
        for o in e.options:
            default = ", the default" if o.default else ""
            desc = f": {md_escape(o.description)}" if o.description else ""
            out.append(f"- **{md_escape(o.label)}** ({md_code(o.id)}{default}){desc}")
            hidden = o.effects + o.levers
            out += [f"  - {md_escape(x)}" for x in hidden] or ["  - no hidden effect"]
        out.append("")
    if e.objectives:
        out += ["**Bears on objectives:**", ""]
        out += [f"- {md_escape(x)}" for x in e.objectives] + [""]
    else:
        out += ["**Bears on objectives:** none", ""]
    out += ["**Expected player actions:**", ""]
    for para in e.expected:
        out += [md_escape(para), ""]
    return out


def render_html(s: Scenario) -> str:
    """The events list as one self-contained, printable HTML page (autoescaped)."""
    from sim.report.templating import render

    d = msel_data(s)
    return render("msel.html.j2", **d, controllers_only=CONTROLLERS_ONLY, intro=_intro(d))


CSV_HEADER = [
    "number",
    "inject",
    "title",
    "month",
    "trigger",
    "condition",
    "goes_to",
    "cell",
    "narrative",
    "inject_effects",
    "prompt",
    "option",
    "option_label",
    "option_description",
    "default",
    "option_effects",
    "lever_changes",
    "objectives",
    "expected_actions",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is quoted."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _joined(o: OptionEntry) -> list[str]:
    return ["; ".join(o.effects), "; ".join(o.levers)]


def render_csv(s: Scenario) -> str:
    """The events list as CSV: one row per option, or one row for an inject without a decision.

    Effects and lever changes within a cell are joined with ``; ``, objectives
    (sentences) one a line, paragraphs with a blank line. Text cells that a
    spreadsheet would read as a formula are prefixed with ``'``.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for e in msel_data(s)["entries"]:
        head = [
            str(e.number),
            e.id,
            e.title,
            "" if e.month is None else str(e.month),
            e.trigger,
            e.condition,
            e.cell,
            e.cell_id,
            "\n\n".join(e.narrative),
            "; ".join(e.effects),
            e.prompt,
        ]
        tail = ["\n".join(e.objectives), "\n\n".join(e.expected)]
        options = [
            [o.id, o.label, o.description, "yes" if o.default else "no", *_joined(o)]
            for o in e.options
        ] or [[""] * 6]
        for option in options:
            writer.writerow([_safe(x) for x in head + option + tail])
    return buf.getvalue()


def render(s: Scenario, fmt: str = "md") -> str:
    """The events list in ``md``, ``html`` or ``csv``."""
    if fmt == "md":
        return render_markdown(s)
    if fmt == "html":
        return render_html(s)
    if fmt == "csv":
        return render_csv(s)
    raise ValueError(f"unknown MSEL format '{fmt}'; expected {', '.join(FORMATS)}")
