"""Markdown rendering of a comparison report.

Reads only the comparison dict built by :func:`sim.analysis.compare.compare`. Every
piece of scenario text goes through :func:`md_escape`, every id through :func:`md_code`.
"""

from __future__ import annotations

from sim.analysis.compare import headline_sentences
from sim.analysis.wording import fixed, method_phrase, percent, signed, span
from sim.report.markdown import md_code, md_escape, table
from sim.runs.contract import ComparedDifference, ComparisonDocument, ComparisonResults


def _estimate(value: float, low: float, high: float, decimals: int = 3) -> str:
    """``0.500 (0.400 to 0.600)``."""
    return f"{fixed(value, decimals)} ({span(low, high, decimals)})"


def diff_cell(d: ComparedDifference, decimals: int = 3) -> str:
    """``+0.080 (0.050 to 0.110) *`` or why no difference is available."""
    if not d["available"]:
        return f"n/a ({md_escape(d['note'])})"
    star = " *" if d["significant"] else ""
    return f"{signed(d['estimate'], decimals)} ({span(d['ci_low'], d['ci_high'], decimals)}){star}"


def _run_table(r: ComparisonResults) -> str:
    rows = []
    for run in r["runs"]:
        how = "baseline" if run["method"] == "baseline" else md_escape(run["why"])
        rows.append(
            [
                md_code(run["name"]),
                md_escape(run["policy"]["title"]),
                str(run["seed"]),
                str(run["replications"]),
                md_code(run["scenario_hash"][:12]),
                how,
            ]
        )
    return table(["run", "policy", "seed", "replications", "scenario hash", "vs baseline"], rows)


def _kpi_table(r: ComparisonResults, names: list[str]) -> str:
    runs = [x["name"] for x in r["runs"]]
    others = [n for n in runs if n != r["baseline"]]
    header = [
        "indicator",
        *(md_escape(n) for n in runs),
        *(f"{md_escape(n)} − base" for n in others),
    ]
    rows = []
    for k in names:
        entry = r["kpis"][k]
        cells = [md_escape(entry["label"])]
        for n in runs:
            s = entry["runs"][n]
            cells.append(_estimate(s["mean"], s["ci_low"], s["ci_high"]))
        cells += [diff_cell(entry["differences"][n]) for n in others]
        rows.append(cells)
    return table(header, rows)


def _methods_used(r: ComparisonResults) -> str:
    used = sorted(
        {
            d["method"]
            for group in (r["kpis"], r["objectives"])
            for entry in group.values()
            for d in entry["differences"].values()
            if d["available"]
        }
    )
    return ", ".join(method_phrase(m) for m in used) or "none"


def render_comparison(comparison: ComparisonDocument) -> str:
    """The Markdown text of a comparison report."""
    r, meta = comparison["results"], comparison.get("meta", {})
    sc = r["scenario"]
    base = next(x for x in r["runs"] if x["name"] == r["baseline"])
    out = [
        f"# Comparison: {md_escape(sc['title'])}",
        "",
        f"{len(r['runs'])} runs of scenario {md_code(sc['id'])}, baseline "
        f"**{md_escape(base['label'])}** ({md_code(base['name'])}). Means with 95% "
        "confidence intervals; differences are run minus baseline, * = more than chance "
        "(the interval excludes 0).",
        "",
        f"Method used for differences: {_methods_used(r)}. Runs that share scenario, seed "
        "and replication count are compared pair by pair (common random numbers); others "
        "as independent samples (Welch for indicators, Newcombe for objectives).",
        "",
        "The model's numbers are illustrative training parameters, not forecasts.",
        "",
        "## Runs",
        "",
        _run_table(r),
        "",
        "## In plain words",
        "",
        *(f"- {md_escape(s)}" for s in headline_sentences(comparison)),
        "",
        "## Key indicators",
        "",
        _kpi_table(r, r["advice"]["focus"]),
        "",
    ]
    if r["objectives"]:
        runs = [x["name"] for x in r["runs"]]
        others = [n for n in runs if n != r["baseline"]]
        rows = []
        for oid, o in r["objectives"].items():
            cells = [md_code(oid), md_escape(o["description"])]
            for n in runs:
                p = o["runs"][n]
                cells.append(_estimate(p["p"], p["ci_low"], p["ci_high"], 2))
            cells += [diff_cell(o["differences"][n], 2) for n in others]
            rows.append(cells)
        out += [
            "## Objectives",
            "",
            "Probability of success (Wilson 95% interval).",
            "",
            table(
                [
                    "objective",
                    "description",
                    *(md_escape(n) for n in runs),
                    *(f"{md_escape(n)} − base" for n in others),
                ],
                rows,
            ),
            "",
        ]
    rk = r["ranking"]
    rank_rows = []
    for e in rk["order"]:
        vs = e.get("vs_leader")
        rank_rows.append(
            [
                str(e["rank"]),
                md_escape(e["label"]),
                _estimate(e["mean"], e["ci_low"], e["ci_high"]),
                "leader" if vs is None else diff_cell(vs),
            ]
        )
    out += [
        f"## Ranking by {md_escape(rk['label'])}",
        "",
        f"{rk['better'].capitalize()} is better. A difference to the leader marked * is more "
        "than chance; without *, the order could be chance.",
        "",
        table(["rank", "run", "mean (95% CI)", "vs leader"], rank_rows),
        "",
    ]
    adv = r["advice"]
    runs = [x["name"] for x in r["runs"]]
    adv_rows = []
    for k in adv["focus"]:
        cells = [md_escape(r["kpis"][k]["label"])]
        for n in runs:
            a = adv["runs"][n][k]
            rel = a["relative_half_width"]
            need = a["replications_needed"]
            cells.append(
                f"±{percent(rel)} → {need if need is not None else 'n/a'}"
                if rel is not None
                else "n/a (mean 0)"
            )
        adv_rows.append(cells)
    out += [
        "## Replications",
        "",
        md_escape(adv["sentence"]),
        "",
        "Relative 95% CI half-width of each mean → replications needed for "
        f"±{adv['precision'] * 100:g}%.",
        "",
        table(["indicator", *(md_escape(n) for n in runs)], adv_rows),
        "",
        "## Reproduce",
        "",
    ]
    if meta.get("command"):
        out += [f"From the directory it was run in: {md_code(meta['command'])}", ""]
    for x in r["runs"]:
        out.append(
            f"- {md_code(x['name'])}: "
            + md_code(
                f"ttx run SCENARIO --policy {x['policy']['id']} --seed {x['seed']} "
                f"--replications {x['replications']}"
            )
            + f" (scenario hash {md_code(x['scenario_hash'])})"
        )
    out += [
        "",
        f"Compared with ttx {md_escape(meta.get('ttx_version', '?'))} on "
        f"{md_escape(meta.get('created', '?'))}.",
        "",
    ]
    return "\n".join(out)
