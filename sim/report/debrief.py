"""Render the play debrief (:func:`sim.analysis.debrief.build_debrief`) as Markdown and HTML.

Scenario text and team names are escaped in both: Markdown via
:func:`sim.report.markdown.md_escape`, HTML by the autoescaping environment
of :mod:`sim.report.templating`. The HTML page is one self-contained file,
so it can be projected or mailed as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sim.analysis.debrief import Change, Debrief, DebriefKpi, PlayedPartner
from sim.analysis.wording import difference, interval, num, proportion
from sim.report.markdown import md_code, md_escape, table
from sim.scenario.vocabulary import PER_PARTNER_VARS


def _change(partner: PlayedPartner, var: str) -> Change:
    """One variable's start and end (a TypedDict cannot be indexed by a computed key)."""
    return cast(Change, cast(Mapping[str, Any], partner)[var])


def _met(met: bool) -> str:
    return "met" if met else "not met"


def render_markdown(data: Debrief) -> str:
    """The debrief as Markdown."""
    sc = data["scenario"]
    return "\n".join(
        [
            f"# Debrief: {md_escape(sc['title'])}",
            "",
            f"Team **{md_escape(data['team'])}**, seed {data['seed']}, horizon {sc['horizon']} "
            "months. The model's numbers are illustrative training parameters, not forecasts.",
            "",
            f"> {md_escape(data['headline'])}",
            "",
            markdown_sections(data),
        ]
    )


def markdown_sections(data: Debrief, level: int = 2) -> str:
    """The debrief's sections with ``level``-deep headings (the after-action report nests them)."""
    played, h = data["played"], "#" * level
    out = [
        f"{h} Your decisions",
        "",
        table(
            ["month", "inject", "your choice"],
            [
                [str(d["month"]), md_escape(d["title"]), md_escape(d["label"])]
                for d in played["decisions"]
            ]
            or [["-", "no decision taken", "-"]],
        ),
        "",
        f"{h} Your run",
        "",
        table(
            ["indicator", "this run"],
            [[md_escape(k["label"]), num(k["value"])] for k in played["kpis"]],
        ),
        "",
        table(
            ["partner", *PER_PARTNER_VARS],
            [
                [md_escape(p["name"])]
                + [
                    f"{_change(p, v)['start']:.2f} → {_change(p, v)['end']:.2f}"
                    for v in PER_PARTNER_VARS
                ]
                for p in played["partners"]
            ],
        ),
        "",
    ]
    if played["objectives"]:
        out += [
            table(
                ["objective", "description", "this run"],
                [
                    [md_code(o["id"]), md_escape(o["description"]), _met(o["met"])]
                    for o in played["objectives"]
                ],
            ),
            "",
        ]
    out += [
        f"{h} Choices or dice? Shadow replications",
        "",
        f"Your answers replayed over {data['replications']} replications, next to the "
        f"default policy **{md_escape(data['default_policy']['title'])}** on the same seeds "
        "(means with 95% confidence intervals; differences are paired by seed). The percentile "
        "says where this run fell among your own choices' replications.",
        "",
        table(
            ["indicator", "your choices", "default", "difference", "this run", "percentile"],
            [
                [
                    md_escape(k["label"]),
                    interval(k["team"]),
                    interval(k["default"]),
                    difference(k["difference"]),
                    num(k["played"]),
                    f"{k['percentile']:.0f}",
                ]
                for k in data["kpis"]
            ],
        ),
        "",
        *[f"- {md_escape(k['sentence'])}" for k in data["kpis"]],
        "",
    ]
    if data["objectives"]:
        out += [
            table(
                ["objective", "your choices", "default", "difference", "this run"],
                [
                    [
                        md_code(o["id"]),
                        proportion(o["team"]),
                        proportion(o["default"]),
                        difference(o["difference"]),
                        _met(o["played"]),
                    ]
                    for o in data["objectives"]
                ],
            ),
            "",
            "Objective figures are success probabilities (Wilson 95% intervals).",
            "",
        ]
    return "\n".join(out)


def render_html(data: Debrief) -> str:
    """The debrief as one self-contained HTML page (jinja2, autoescaped)."""
    from sim.report.templating import render

    return render("debrief.html.j2", d=data, bar=_bar, partner_vars=PER_PARTNER_VARS)


def _bar(k: DebriefKpi) -> dict[str, float]:
    """Positions (0-100 %) of both intervals and the played value on a shared axis."""
    values = [
        k["team"]["ci_low"],
        k["team"]["ci_high"],
        k["default"]["ci_low"],
        k["default"]["ci_high"],
        k["played"],
    ]
    lo, hi = min(values), max(values)
    if hi == lo:  # nothing varies: centre it all
        lo, span = lo - 0.5, 1.0
    else:
        span = (hi - lo) * 1.2
        lo -= (hi - lo) * 0.1

    def pos(v: float) -> float:
        return round(100 * (v - lo) / span, 2)

    return {
        "t0": pos(k["team"]["ci_low"]),
        "tw": max(0.5, pos(k["team"]["ci_high"]) - pos(k["team"]["ci_low"])),
        "d0": pos(k["default"]["ci_low"]),
        "dw": max(0.5, pos(k["default"]["ci_high"]) - pos(k["default"]["ci_low"])),
        "p": pos(k["played"]),
    }
