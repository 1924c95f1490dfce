"""Self-contained HTML reports (one file, no network, no external assets).

Pages are jinja2 templates under ``sim/report/templates``, rendered in the
autoescaping environment of :mod:`sim.report.templating`, so every piece of
scenario text is shown as text, never run as markup.
Charts are inline SVG from :mod:`sim.report.plots`; they are the only
values marked safe, and matplotlib escapes the text inside them. CSS is
inlined; there is no JavaScript at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.analysis.compare import DEFAULT_PRECISION, headline_sentences, replication_advice
from sim.analysis.kpis import HEADLINE, kpi_label
from sim.report.glyphs import quiet_glyphs
from sim.report.reproduce import reproduce_command
from sim.report.templating import render
from sim.runs.contract import ComparisonDocument, RunDocument, RunResults
from sim.scenario.vocabulary import PARTNER_VARS, is_incident_name


def series_groups(results: RunResults) -> list[tuple[str, list[tuple[str, str]]]]:
    """Monthly series grouped for display: regional, each partner, rivalries, alliance.

    Returns ``(heading, [(series name, chart title), ...])`` in a fixed order,
    independent of the order of keys in the report.
    """
    names = set(results["series"])
    partners: dict[str, str] = results["scenario"].get("partners", {})
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    regional = [n for n in PARTNER_VARS if n in names]
    regional += sorted(n for n in names if "." not in n and n not in regional)
    if regional:
        groups.append(("Region (mean over partners)", [(n, f"Regional {n}") for n in regional]))
    used = set(regional)
    for pid, pname in partners.items():
        own = [f"{pid}.{v}" for v in PARTNER_VARS if f"{pid}.{v}" in names]
        own += sorted(n for n in names if n.startswith(f"{pid}.") and n not in own)
        if own:
            groups.append(
                (f"Partner: {pname}", [(n, f"{pname}: {n.split('.', 1)[1]}") for n in own])
            )
            used.update(own)
    tension = sorted(n for n in names - used if n.endswith(".tension"))
    if tension:
        groups.append(("Rivalries", [(n, f"Tension: {n.split('.', 1)[0]}") for n in tension]))
        used.update(tension)
    rest = sorted(names - used)
    if rest:
        groups.append(("Alliance", [(n, n.replace(".", ": ")) for n in rest]))
    return groups


@quiet_glyphs()
def _charts(
    runs: Sequence[tuple[str, RunDocument]],
) -> tuple[list[tuple[str, list[str]]], str, str]:
    """Fan charts per series group, the objectives chart and the incidents chart."""
    from sim.report import plots

    first = runs[0][1]["results"]
    months = first["months"]
    fans = []
    for heading, members in series_groups(first):
        svgs = [
            plots.fan_chart(
                f"fan-{name}",
                title,
                months,
                [(label, r["results"]["series"][name]) for label, r in runs],
            )
            for name, title in members
            if all(name in r["results"]["series"] for _, r in runs)
        ]
        fans.append((heading, svgs))
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


def _markup(fans: list[tuple[str, list[str]]], *svgs: str) -> tuple[Any, ...]:
    from markupsafe import Markup

    return (
        [(h, [Markup(s) for s in group]) for h, group in fans],
        *(Markup(s) for s in svgs),
    )


def render_run_html(report: RunDocument) -> str:
    """One self-contained HTML page for a run report."""
    r, meta = report["results"], report.get("meta", {})
    headline = [n for n in HEADLINE if n in r["kpis"]]
    partner_kpis = sorted(n for n in r["kpis"] if "." in n and not is_incident_name(n))
    label = r["policy"]["title"]
    fans, obj_svg, inc_svg = _markup(*_charts([(label, report)]))
    advice = {n: replication_advice(r["kpis"][n]["values"]) for n in headline}
    return render(
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


def render_comparison_html(comparison: ComparisonDocument, reports: Sequence[RunDocument]) -> str:
    """One self-contained HTML page for a comparison (charts overlay the runs).

    Args:
        comparison: The comparison report from :func:`sim.analysis.compare.compare`.
        reports: The run reports it was built from, in the same order (the
            charts need their monthly series, incidents and decisions).
    """
    c = comparison["results"]
    runs = [(run["label"], rep) for run, rep in zip(c["runs"], reports, strict=True)]
    fans, obj_svg, inc_svg = _markup(*_charts(runs))
    commands = {
        run["name"]: reproduce_command(rep["results"], rep.get("meta", {}))
        for run, rep in zip(c["runs"], reports, strict=True)
    }
    decisions = {
        run["name"]: rep["results"]["decisions"]
        for run, rep in zip(c["runs"], reports, strict=True)
    }
    return render(
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
