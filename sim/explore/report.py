"""The explore report, in Markdown and as one self-contained HTML page.

Both renderings are built from one view (:func:`view`): plain rows of text
already formatted with :mod:`sim.analysis.wording`, so the two cannot
disagree on a figure. Markdown escapes every value from the scenario with
:func:`sim.report.markdown.md_escape`; the HTML page is a template of the
shared autoescaping environment, with the charts of :mod:`.charts` as the
only markup passed through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.analysis.kpis import kpi_unit
from sim.analysis.wording import fixed, percent
from sim.explore.findings import REGRET_OUTPUT, Findings
from sim.explore.sensitivity import Sensitivity
from sim.report.markdown import md_code, md_escape, table
from sim.report.templating import render


@dataclass(frozen=True)
class Context:
    """What the report says about where the findings came from."""

    title: str
    scenario_id: str
    command: str  # how to reproduce the exploration
    results_file: str  # the Parquet file, relative to the report
    policy_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A titled table of already formatted cells (not yet escaped)."""

    title: str
    note: str
    header: list[str]
    rows: list[list[str]]


def _regret_cell(values: np.ndarray, unit_decimals: int) -> str:
    q = np.quantile(values, [0.5, 0.9]) if values.size else [0.0, 0.0]
    top = float(values.max()) if values.size else 0.0
    return " / ".join(fixed(float(v), unit_decimals) for v in (*q, top))


def _decimals(f: Findings, name: str) -> int:
    m = f.robustness.measure(name)
    return 2 if m.kind == "objective" or kpi_unit(name) == "share (0-1)" else 1


def output_label(f: Findings, s: Sensitivity, titles: Mapping[str, str]) -> str:
    """What a sensitivity output is, in words."""
    leader = titles.get(f.leader, f.leader)
    if s.output == REGRET_OUTPUT:
        runner = f.runner_up or ""
        return f"lead of {leader} over {titles.get(runner, runner)} on {f.measure_label(f.primary)}"
    return f"{f.measure_label(s.output)} under {leader}"


def view(f: Findings, ctx: Context) -> dict[str, Any]:
    """The report's content as plain data, shared by the Markdown and HTML renderings."""
    rob, data = f.robustness, f.data
    pols = rob.ranking
    names = [ctx.policy_titles.get(p, p) for p in pols]
    best = Table(
        "Where each policy is best",
        "Share of the points where the policy is best; policies closer than the smallest "
        "meaningful difference (the tolerance) are tied and both count as best.",
        ["measure", "tolerance", *names],
        [
            [f.measure_label(m.name), f"{m.tolerance:.3g}"]
            + [percent(m.best_share[p], 0) for p in pols]
            for m in rob.measures
        ],
    )
    satisfice = Table(
        f"Where objectives stay at or above {rob.threshold:g}",
        "Share of the points where the probability of meeting the objective is at least "
        f"{rob.threshold:g} (--satisfice).",
        ["objective", *names],
        [
            [m.name] + [percent(m.satisfice_share[p], 0) for p in pols]
            for m in rob.measures
            if m.satisfice_share is not None
        ],
    )
    regret = Table(
        "Regret",
        "Shortfall against the best policy at the same point, in the measure's own units: "
        "median / 90th percentile / worst over the points (0 where the policy is best).",
        ["measure", *names],
        [
            [f.measure_label(m.name)]
            + [_regret_cell(m.regret[p], _decimals(f, m.name) + 1) for p in pols]
            for m in rob.measures
        ],
    )
    drivers = []
    for s in f.sensitivities:
        header = ["parameter", f"{s.measure} (95% interval)"]
        if s.other_measure:
            header.append(s.other_measure)
        rows = []
        for ix in s.indices:
            row = [f.labels[ix.param], f"{fixed(ix.value)} ({fixed(ix.low)} to {fixed(ix.high)})"]
            if s.other_measure:
                other = "" if ix.other is None else fixed(ix.other)
                if ix.other_low is not None and ix.other_high is not None:
                    other += f" ({fixed(ix.other_low)} to {fixed(ix.other_high)})"
                row.append(other)
            rows.append(row)
        note = (
            f"Strongest driver: {f.labels[s.leading]}."
            if s.leading
            else "It is the same at every point: no parameter drives it."
        )
        drivers.append((s, Table(output_label(f, s, ctx.policy_titles), note, header, rows)))
    ranges = data.design.get("ranges", {})
    params = Table(
        "Uncertain parameters",
        "The ranges the points were drawn from.",
        ["parameter", "target", "low", "high", "distribution"],
        [
            [
                f.labels[p],
                p,
                *(
                    (f"{ranges[p]['low']:.4g}", f"{ranges[p]['high']:.4g}")
                    if p in ranges
                    else ("", "")
                ),
                str(ranges.get(p, {}).get("distribution", "")),
            ]
            for p in data.params
        ],
    )
    design = data.design
    return {
        "ctx": ctx,
        "leader": ctx.policy_titles.get(f.leader, f.leader),
        "headline": headline(f, ctx),
        "summary": (
            f"{len(data.X)} points of {len(data.params)} uncertain parameters, "
            f"{len(data.policies)} policies, {design.get('replications', '?')} replications "
            f"per policy and point on common seeds; design {design.get('method', '?')}, "
            f"seed {design.get('seed', '?')}."
        ),
        "tables": [t for t in (best, satisfice, regret) if t.rows],
        "drivers": drivers,
        "regions": f.regions,
        "params": params,
    }


def headline(f: Findings, ctx: Context) -> str:
    """One sentence: the most robust policy and how much of the space it holds."""
    rob = f.robustness
    leader = ctx.policy_titles.get(f.leader, f.leader)
    sat = [m for m in rob.measures if m.satisfice_share is not None]
    if sat:
        shares = [m.satisfice_share[f.leader] for m in sat if m.satisfice_share is not None]
        worst = min(sat, key=lambda m: m.satisfice_share[f.leader] if m.satisfice_share else 0)
        mean = percent(sum(shares) / len(shares), 0)
        return (
            f"{leader} is the most robust policy: its objectives stay at or above "
            f"{rob.threshold:g} over the largest share of the space ({mean} "
            f"of the points on average over {len(sat)} objective{'s' if len(sat) > 1 else ''}); "
            f"its weakest, {worst.name}, at {percent(min(shares), 0)}."
        )
    if not f.primary:
        return f"{leader} is the most robust policy."
    m = rob.measure(f.primary)
    return (
        f"{leader} is the most robust policy: it is best or tied on "
        f"{f.measure_label(f.primary)} at {percent(m.best_share[f.leader], 0)} of the points."
    )


def render_markdown(f: Findings, ctx: Context) -> str:
    """The Markdown text of the explore report."""
    v = view(f, ctx)

    def md_table(t: Table, code_first: bool = False) -> list[str]:
        rows = [
            [md_code(c) if code_first and i == 0 else md_escape(c) for i, c in enumerate(r)]
            for r in t.rows
        ]
        return [
            f"### {md_escape(t.title)}",
            "",
            md_escape(t.note),
            "",
            table([md_escape(h) for h in t.header], rows),
            "",
        ]

    out = [
        f"# Exploration: {md_escape(ctx.title)}",
        "",
        md_escape(v["summary"]),
        "The model's numbers are illustrative training parameters, not forecasts.",
        "",
        f"**{md_escape(v['headline'])}**",
        "",
        "## Robustness",
        "",
    ]
    for t in v["tables"]:
        out += md_table(t)
    out += ["## What drives the result", ""]
    for _, t in v["drivers"]:
        out += md_table(t)
    out += ["## Where the recommendation breaks", ""]
    out += [f"- {md_escape(r.sentence)}" for r in v["regions"]] or ["- Nothing to report."]
    out += ["", "## Uncertain parameters", ""]
    out += md_table(v["params"])[4:]
    out += [
        "## Reproduce",
        "",
        f"Per-point results: {md_code(ctx.results_file)} (Parquet; pandas and polars read it).",
        "",
        md_code(ctx.command),
        "",
    ]
    return "\n".join(out)


def render_html(f: Findings, ctx: Context) -> str:
    """The self-contained HTML page of the explore report, with its charts."""
    from sim.explore import charts

    v = view(f, ctx)
    rob, data = f.robustness, f.data
    regret_svgs = []
    for m in rob.measures:
        if f.primary and m.name != f.primary and m.kind != "objective":
            continue
        unit = "probability" if m.kind == "objective" else kpi_unit(m.name) or "units"
        regret_svgs.append(
            charts.regret_chart(
                f"regret-{m.name}",
                f"Regret: {f.measure_label(m.name)}",
                unit,
                [(ctx.policy_titles.get(p, p), m.regret[p]) for p in rob.ranking],
            )
        )
    driver_svgs = [
        charts.sensitivity_chart(
            f"sens-{i}",
            t.title,
            s.measure,
            [(f.labels[ix.param], ix.value, ix.low, ix.high) for ix in s.indices],
        )
        if s.varies
        else ""
        for i, (s, t) in enumerate(v["drivers"])
    ]
    region_svgs = []
    for i, r in enumerate(f.regions):
        if r.region is None:
            region_svgs.append("")
            continue
        cols = [data.params.index(a) for a in r.axes]
        limits = {b.param: (b.low, b.high) for b in r.region.bounds}
        (x0, x1), (y0, y1) = (limits.get(a, (None, None)) for a in r.axes)
        region_svgs.append(
            charts.region_chart(
                f"region-{i}",
                f"Where {r.policy} {r.what}",
                (
                    (f.labels[r.axes[0]], data.X[:, cols[0]]),
                    (f.labels[r.axes[1]], data.X[:, cols[1]]),
                ),
                r.cases,
                r.cases_word,
                (x0, x1, y0, y1) if r.region.bounds else None,
            )
        )
    return render(
        "explore.html.j2",
        v=v,
        regret_svgs=regret_svgs,
        driver_svgs=driver_svgs,
        region_svgs=region_svgs,
    )
