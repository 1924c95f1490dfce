"""Render the after-action report (:mod:`sim.analysis.aar`) as Markdown and HTML.

Both carry the same parts in the same order, so the Markdown handout and the
projected page tell one story: headline, teams side by side, then per team
objectives and performance, luck, strengths, areas for improvement, each
other cell's choices (a red cell's, reported without advice), each
decision's alternatives and the indicators of the played run; last the
facilitator's notes and how to read the figures. Scenario text, team names
and notes are escaped (Markdown via :func:`md_escape`, HTML by autoescape).
"""

from __future__ import annotations

from sim.analysis.aar import AfterAction, CellChoices, DecisionShadow, TeamReport
from sim.report.debrief import markdown_sections
from sim.report.glyphs import quiet_glyphs
from sim.report.markdown import md_code, md_escape, md_notes, table

READING = [
    "Probabilities are the share of replications (same seeds for every column) in which an "
    "objective is met at the end; the played run is replication 0.",
    "Performance: met at 80% or more, at risk from 20% to 80%, not met below 20%.",
    "Alternatives (shadow replications): the team's policy with one decision forced to "
    "another option, all else equal, on the same seeds; the difference is that choice's effect.",
    "Luck: an objective the played run met although fewer than 20% of replays of the same "
    "choices meet it, or missed although more than 80% meet it.",
    "The model's numbers are illustrative training parameters, not forecasts.",
]


#: Said when none of another cell's decisions moved an objective by 5 points or more.
NO_OTHER_CHOICE = "No decision of {name} moved an objective by 5 points or more."


def other_cells_heading(c: CellChoices) -> str:
    """The heading of another cell's list: ``Red's choices``."""
    return f"{c['name']}'s choices"


def pct(p: float) -> str:
    """A probability as a whole percentage."""
    return f"{100 * p:.0f}%"


def _decision_table(d: DecisionShadow, objectives: list[str]) -> str:
    rows = [
        [md_escape(o["label"]) + (" **(your choice)**" if o["chosen"] else "")]
        + [pct(o["objectives"][x]) for x in objectives]
        for o in d["options"]
    ]
    return table(["option", *[md_code(x) for x in objectives]], rows)


def _team_markdown(t: TeamReport, objectives: list[str], several: bool) -> list[str]:
    h = "###" if several else "##"
    out = [f"## Team {md_escape(t['name'])}", ""] if several else []
    if several:
        out += [f"> {md_escape(t['headline'])}", ""]
    out += [
        f"{h} Objectives and performance",
        "",
        table(
            ["objective", "description", "your choices", "default", "performance", "this run"],
            [
                [
                    md_code(p["objective"]),
                    md_escape(p["description"]),
                    pct(p["p"]),
                    pct(p["default"]),
                    p["rating"],
                    "met" if p["played"] else "not met",
                ]
                for p in t["performance"]
            ]
            or [["-", "the scenario has no objectives", "-", "-", "-", "-"]],
        ),
        "",
        f"{h} Luck",
        "",
    ]
    out += [f"- {md_escape(x['sentence'])}" for x in t["luck"]] or [
        "- No objective was decided by luck: each result is what most replays of these "
        "choices give."
    ]
    out += ["", f"{h} Strengths", ""]
    out += [f"- {md_escape(x['sentence'])}" for x in t["strengths"]] or [
        "- No decision raised an objective by 5 points or more over its alternatives."
    ]
    out += ["", f"{h} Areas for improvement", ""]
    out += [f"- {md_escape(x['sentence'])}" for x in t["improvements"]] or [
        "- No alternative option would have raised an objective by 5 points or more."
    ]
    for c in t.get("other_cells", []):
        out += ["", f"{h} {md_escape(other_cells_heading(c))}", ""]
        out += [f"- {md_escape(x['sentence'])}" for x in c["choices"]] or [
            f"- {md_escape(NO_OTHER_CHOICE.format(name=c['name']))}"
        ]
    out += ["", f"{h} Each decision and its alternatives", ""]
    if not t["decisions"]:
        out += ["The team took no decision.", ""]
    for d in t["decisions"]:
        out += [
            f"**{md_escape(d['title'])}** ({md_code(d['inject'])}, cell {md_escape(d['cell'])}): "
            "each option's chance of each objective on the same seeds.",
            "",
            _decision_table(d, objectives),
            "",
        ]
    out += [
        f"{h} The played run and the indicators",
        "",
        markdown_sections(t["debrief"], level=len(h) + 1),
        "",
    ]
    return out


def render_markdown(data: AfterAction) -> str:
    """The after-action report as Markdown."""
    sc, teams = data["scenario"], data["teams"]
    objectives = [o["id"] for o in data["objectives"]]
    several = len(teams) > 1
    out = [
        f"# After-action report: {md_escape(sc['title'])}",
        "",
        f"{'Teams' if several else 'Team'} "
        + ", ".join(f"**{md_escape(t['name'])}**" for t in teams)
        + f"; seed {data['seed']}; {data['replications']} replications per column; "
        f"horizon {sc['horizon']} months.",
        "",
    ]
    for t in teams:
        out += [f"> {md_escape(t['name']) + ': ' if several else ''}{md_escape(t['headline'])}", ""]
    if several:
        out += [
            "## Teams side by side",
            "",
            table(
                ["objective", *[md_escape(t["name"]) for t in teams], "default policy"],
                [
                    [
                        md_code(r["objective"]),
                        *[pct(r["teams"][t["name"]]) for t in teams],
                        pct(r["default"]),
                    ]
                    for r in data["table"]
                ],
            ),
            "",
            "### Where the teams chose differently",
            "",
        ]
        if data["differences"]:
            out += [
                table(
                    ["decision", *[md_escape(t["name"]) for t in teams]],
                    [
                        [md_escape(d["title"])]
                        + [md_escape(d["choices"].get(t["name"], "-")) for t in teams]
                        for d in data["differences"]
                    ],
                ),
                "",
                "Each team's alternatives below show what each of these choices was worth.",
                "",
            ]
        else:
            out += ["The teams took the same decisions.", ""]
    for t in teams:
        out += _team_markdown(t, objectives, several)
    out += ["## Facilitator's notes", ""]
    out += [
        md_notes(data["notes"].strip())
        if data["notes"]
        else "(none: pass a notes file with --notes)"
    ]
    out += ["", "## How to read this report", "", *[f"- {x}" for x in READING], ""]
    return "\n".join(out)


@quiet_glyphs()
def render_html(data: AfterAction) -> str:
    """The after-action report as one self-contained HTML page."""
    from sim.report.aar_charts import option_chart, team_chart
    from sim.report.debrief import _bar
    from sim.report.templating import render
    from sim.scenario.vocabulary import PER_PARTNER_VARS

    teams = data["teams"]
    charts = {
        "teams": team_chart(data) if data["objectives"] else "",
        **{
            f"team{i}": option_chart(f"aar-team{i}", t)
            for i, t in enumerate(teams)
            if t["decisions"] and data["objectives"]
        },
    }
    return render(
        "aar.html.j2",
        a=data,
        charts=charts,
        pct=pct,
        reading=READING,
        other_heading=other_cells_heading,
        no_other=NO_OTHER_CHOICE,
        bar=_bar,
        partner_vars=PER_PARTNER_VARS,
    )
