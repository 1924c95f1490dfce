"""Self-contained HTML reports (one file, no network, no external assets).

Pages are jinja2 templates under ``sim/report/templates``, rendered in the
autoescaping environment of :mod:`sim.report.templating`, so every piece of
scenario text is shown as text, never run as markup.
Charts are inline SVG from :mod:`sim.report.plots`; they are the only
values marked safe, and matplotlib escapes the text inside them. CSS is
inlined; there is no JavaScript at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.analysis.compare import DEFAULT_PRECISION, headline_sentences, replication_advice
from sim.analysis.kpis import HEADLINE, kpi_label
from sim.report import chartspec
from sim.report.chartspec import series_groups
from sim.report.glyphs import quiet_glyphs
from sim.report.reproduce import reproduce_command
from sim.report.templating import render
from sim.runs.contract import ComparisonDocument, RunDocument
from sim.scenario.vocabulary import is_incident_name


def _fan_groups(runs: Sequence[tuple[str, RunDocument]]) -> list[tuple[str, list[str]]]:
    """Fan charts per series group, with their inject marks and objective thresholds."""
    from sim.report import plots

    first = runs[0][1]["results"]
    months = first["months"]
    marks = chartspec.marks(first)
    groups = [
        (heading, [c for c in charts if all(c.name in r["results"]["series"] for _, r in runs)])
        for heading, charts in series_groups(first)
    ]
    lines = chartspec.thresholds(first, [c.name for _, charts in groups for c in charts])
    return [
        (
            heading,
            [
                plots.fan_chart(
                    f"fan-{c.name}",
                    c.title,
                    months,
                    [(label, r["results"]["series"][c.name]) for label, r in runs],
                    ylabel=c.ylabel,
                    ylim=c.ylim,
                    marks=marks,
                    thresholds=lines.get(c.name, ()),
                )
                for c in charts
            ],
        )
        for heading, charts in groups
    ]


def _trend_charts(runs: Sequence[tuple[str, RunDocument]]) -> list[str]:
    """The chance each objective stands met, by month: one chart (one run) or one per objective.

    Empty when a report has no month-by-month counts (reports made before they were kept).
    """
    from sim.report import plots

    first = runs[0][1]["results"]
    objectives = sorted(first["objectives"])
    have = all(
        "met_by_month" in r["results"]["objectives"].get(o, {}) for _, r in runs for o in objectives
    )
    if not objectives or not have:
        return []
    months, marks = first["months"], chartspec.marks(first)

    def probs(r: RunDocument, oid: str) -> list[float]:
        o = r["results"]["objectives"][oid]
        return [c / o["n"] for c in o["met_by_month"]]

    if len(runs) == 1:
        report = runs[0][1]
        return [
            plots.objective_trend(
                "trend",
                "Chance each objective is met, month by month",
                months,
                [(oid, probs(report, oid)) for oid in objectives],
                marks=marks,
            )
        ]
    return [
        plots.objective_trend(
            f"trend-{oid}",
            f"Chance {oid} is met, month by month",
            months,
            [(label, probs(r, oid)) for label, r in runs],
            marks=marks,
        )
        for oid in objectives
    ]


TREND_HEADING = "Objectives month by month"


@quiet_glyphs()
def _charts(
    runs: Sequence[tuple[str, RunDocument]],
) -> tuple[list[tuple[str, list[str]]], str, str]:
    """Trend and fan charts per group, the objectives chart and the incidents chart."""
    from sim.report import plots

    first = runs[0][1]["results"]
    trends = _trend_charts(runs)
    fans = ([(TREND_HEADING, trends)] if trends else []) + _fan_groups(runs)
    objectives = sorted(first["objectives"])
    obj_svg = (
        plots.objective_bars(
            "objectives", objectives, [(label, r["results"]["objectives"]) for label, r in runs]
        )
        if objectives
        else ""
    )
    kinds = sorted(first["incidents"])
    outcomes = list(next(iter(first["incidents"].values()), {}))
    inc_svg = (
        plots.incident_bars(
            "incidents", kinds, outcomes, [(label, r["results"]["incidents"]) for label, r in runs]
        )
        if kinds
        else ""
    )
    return fans, obj_svg, inc_svg


@dataclass(frozen=True)
class FanSections:
    """The chart groups of the "Monthly series" section and the key to their marks."""

    groups: list[tuple[str, list[Any]]]
    marks: list[chartspec.Mark]
    unscheduled: list[str]
    thresholds: bool


def _markup(report: RunDocument, fans: list[tuple[str, list[str]]], *svgs: str) -> tuple[Any, ...]:
    from markupsafe import Markup

    r = report["results"]
    sections = FanSections(
        groups=[(h, [Markup(s) for s in group]) for h, group in fans],
        marks=chartspec.marks(r),
        unscheduled=[i["title"] for i in chartspec.unscheduled(r)],
        thresholds=bool(chartspec.thresholds(r, list(r["series"]))),
    )
    return (sections, *(Markup(s) for s in svgs))


_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
TOC_MIN_SECTIONS = 5


def with_toc(page: str) -> str:
    """Insert a table of contents after the page's ``</header>`` when it has enough sections.

    Read from the rendered headings, so a template's sections and the contents
    cannot disagree. Heading text is already escaped by the template; tags
    inside it are dropped from the link text.
    """
    sections = _H2.findall(page)
    if len(sections) < TOC_MIN_SECTIONS or "</header>" not in page:
        return page
    items = "".join(
        f'<li><a href="#{anchor}">{_TAG.sub("", text).strip()}</a></li>'
        for anchor, text in sections
    )
    nav = (
        f'\n<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>{items}</ol></nav>'
    )
    head, tail = page.split("</header>", 1)
    return f"{head}</header>{nav}{tail}"


def render_run_html(report: RunDocument) -> str:
    """One self-contained HTML page for a run report."""
    r, meta = report["results"], report.get("meta", {})
    headline = [n for n in HEADLINE if n in r["kpis"]]
    partner_kpis = sorted(n for n in r["kpis"] if "." in n and not is_incident_name(n))
    label = r["policy"]["title"]
    fans, obj_svg, inc_svg = _markup(report, *_charts([(label, report)]))
    advice = {n: replication_advice(r["kpis"][n]["values"]) for n in headline}
    page = render(
        "run.html.j2",
        r=r,
        meta=meta,
        headline=[(n, kpi_label(n, r)) for n in headline],
        partner_kpis=[(n, kpi_label(n, r)) for n in partner_kpis],
        advice=advice,
        precision=DEFAULT_PRECISION,
        fans=fans,
        obj_svg=obj_svg,
        inc_svg=inc_svg,
        command=reproduce_command(r, meta),
    )
    return with_toc(page)


def render_comparison_html(comparison: ComparisonDocument, reports: Sequence[RunDocument]) -> str:
    """One self-contained HTML page for a comparison (charts overlay the runs).

    Args:
        comparison: The comparison report from :func:`sim.analysis.compare.compare`.
        reports: The run reports it was built from, in the same order (the
            charts need their monthly series, incidents and decisions).
    """
    c = comparison["results"]
    runs = [(run["label"], rep) for run, rep in zip(c["runs"], reports, strict=True)]
    fans, obj_svg, inc_svg = _markup(reports[0], *_charts(runs))
    commands = {
        run["name"]: reproduce_command(rep["results"], rep.get("meta", {}))
        for run, rep in zip(c["runs"], reports, strict=True)
    }
    decisions = {
        run["name"]: rep["results"]["decisions"]
        for run, rep in zip(c["runs"], reports, strict=True)
    }
    page = render(
        "comparison.html.j2",
        c=c,
        meta=comparison.get("meta", {}),
        sentences=headline_sentences(comparison),
        others=[x["name"] for x in c["runs"] if x["name"] != c["baseline"]],
        fans=fans,
        obj_svg=obj_svg,
        inc_svg=inc_svg,
        commands=commands,
        decisions=decisions,
        incidents={
            run["name"]: rep["results"]["incidents"]
            for run, rep in zip(c["runs"], reports, strict=True)
        },
    )
    return with_toc(page)
