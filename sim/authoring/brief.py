"""``ttx brief``: the participants' situation manual for a scenario.

A facilitator hands this out before a session. It says what the players may
know before the first month: the situation, the actors, the threats, the
alliance's instruments, the objectives, the roles and the ground rules, and
when decisions are scheduled (roughly, and without their content).

It leaves out everything that is still to come or hidden: no inject after
the opening one (months 0-1), no condition that triggers an event, no
decision prompt or option, no effect or lever setting, no policy (a policy
answers the decisions in advance). Exercise practice keeps those in the
controllers' events list, ``ttx msel`` (:mod:`sim.authoring.msel`).

:func:`brief_data` turns a scenario into plain-word sections;
:func:`render_markdown` and :func:`render_html` only lay those out, so the two
formats cannot disagree about what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.authoring.words import (
    DISCLAIMER,
    INITIATIVE_WORDS,
    STATE_WORDS,
    THREAT_WORDS,
    ConditionWords,
    frequency,
    level,
    paragraphs,
    rated,
)
from sim.report.markdown import md_escape
from sim.scenario.cells import all_cells, get_cell, is_multi_cell
from sim.scenario.models import Inject, Scenario
from sim.scenario.vocabulary import PARTNER_VARS

__all__ = ["OPENING_MONTHS", "brief_data", "frequency", "level", "render"]

OPENING_MONTHS = 1
"""Timed injects up to this month set the scene and are told in the brief; later ones are not."""


@dataclass
class Section:
    """One entry of the brief: a heading, plain-word facts and paragraphs."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def _names(ids: list[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(i, i) for i in ids) or "none"


def _window(start: int, end: int | None, horizon: int) -> str:
    last = horizon if end is None else end
    return "throughout" if start == 0 and last >= horizon else f"months {start} to {last}"


def opening(s: Scenario) -> list[Inject]:
    """The timed injects that set the scene (months 0-1): the only events the brief tells."""
    timed = [j for j in s.injects if j.at is not None and j.at <= OPENING_MONTHS]
    return sorted(timed, key=lambda j: j.at or 0)


def year_of(month: int) -> int:
    """The exercise year a month falls in: months 0-12 are year 1, 13-24 year 2."""
    return max(1, (month + 11) // 12)


def _schedule(s: Scenario, cell: str | None) -> list[str]:
    """When decisions are scheduled (``cell``'s only, if given), by year, without their content."""
    years: dict[int, int] = {}
    for j in s.injects:
        if j.at is None or j.decision is None or j.at > s.horizon:
            continue
        if cell is None or j.decision.cell == cell:
            years[year_of(j.at)] = years.get(year_of(j.at), 0) + 1
    total = sum(years.values())
    yours = " for your cell" if cell is not None and is_multi_cell(s) else ""
    if total == 1:
        planned = f"One decision point is scheduled{yours}, in year {next(iter(years))}."
    elif total:
        when = ", ".join(f"{n} in year {y}" for y, n in sorted(years.items()))
        planned = f"{total} decision points are scheduled{yours}: {when}."
    else:
        planned = f"No decision is scheduled{yours} in advance."
    span = f"{s.horizon // 12} years" if s.horizon % 12 == 0 else f"{s.horizon} months"
    return [
        f"The exercise covers {s.horizon} months ({span}); one step of the model is one month.",
        planned,
        "Further events, some calling for a decision, may arise as the situation develops.",
    ]


GROUND_RULES = [
    "You learn of events when they happen: the facilitator tells each one and, when it "
    "calls for a decision, puts the question and the choices to you then.",
    "A decision is taken when it is put to you and takes effect from that month; you see "
    "how the situation develops as the months pass, and the debrief shows what it led to.",
    "Objectives are judged over many simulated runs of the same exercise, so success is a "
    "probability, not a certainty.",
    DISCLAIMER,
]


def _roles(s: Scenario, cell: str | None) -> list[Section]:
    """The cells by name; a cell's own briefing only in that cell's brief."""
    if not is_multi_cell(s):
        return [
            Section(
                s.alliance.name,
                text=[
                    f"The players are the {s.alliance.name} team: they take the alliance's "
                    "decisions. The facilitator plays everyone else and runs the model."
                ],
            )
        ]
    roles = [
        Section(
            c.name,
            text=paragraphs(c.briefing) if c.id == cell else [],
        )
        for c in all_cells(s)
    ]
    note = (
        "Each cell is a team that decides for its own side; the facilitator plays everyone "
        "else and runs the model. Each cell's briefing is given to that cell only."
    )
    return [Section("Cells", text=[note]), *roles]


def brief_data(s: Scenario, cell: str | None = None) -> dict[str, Any]:
    """The brief (for one ``cell``, if given) as plain-word sections, for every renderer.

    Raises:
        KeyError: ``cell`` is not one of the scenario's cells (the message lists them).
    """
    audience = get_cell(s, cell).name if cell is not None else ""
    words = ConditionWords(s)
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
    scene = [
        Section(j.title, facts=[("when", f"Month {j.at}")], text=paragraphs(j.narrative))
        for j in opening(s)
    ]
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
    rules = [
        Section("Schedule", text=_schedule(s, cell)),
        Section("Ground rules", text=GROUND_RULES),
    ]
    return {
        "title": s.title,
        "description": paragraphs(s.description),
        "sources": list(s.sources),
        "horizon": s.horizon,
        "disclaimer": DISCLAIMER,
        "alliance": s.alliance.name,
        "audience": audience,
        "parts": [
            ("Partners", actors),
            ("Rival powers", rivals),
            ("Rivalries", rivalries),
            ("Threats", threats),
            ("The alliance's instruments", initiatives),
            ("The opening situation", scene),
            ("Objectives", objectives),
            ("Roles", _roles(s, cell)),
            ("Schedule and ground rules", rules),
        ],
    }


def _check(check: str, month: int | None, horizon: int) -> str:
    if check == "end":
        return f"at the end of the exercise (month {horizon})"
    if check == "by":
        return f"met at any point up to month {month}"
    return "every month" + (f" up to month {month}" if month is not None else "")


def render_markdown(s: Scenario, cell: str | None = None) -> str:
    """The brief as Markdown; scenario text is escaped."""
    d = brief_data(s, cell)
    kicker = "Participant's situation manual" + (f" for {d['audience']}" if cell else "")
    out = [f"# {md_escape(d['title'])}", "", f"*{md_escape(kicker)}.*", ""]
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
    return "\n".join(out).rstrip() + "\n"


def render_html(s: Scenario, cell: str | None = None) -> str:
    """The brief as one self-contained, print-friendly HTML page (autoescaped)."""
    from sim.report.templating import render

    return render("brief.html.j2", **brief_data(s, cell))


def render(s: Scenario, fmt: str = "md", cell: str | None = None) -> str:
    """The brief in ``md`` or ``html``, for every participant or for one ``cell``."""
    if fmt == "md":
        return render_markdown(s, cell)
    if fmt == "html":
        return render_html(s, cell)
    raise ValueError(f"unknown brief format '{fmt}'; expected md or html")
