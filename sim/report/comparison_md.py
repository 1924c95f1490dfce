"""Markdown rendering of a comparison report.

Reads only the comparison dict built by :func:`sim.analysis.compare.compare`. Every
piece of scenario text goes through :func:`md_escape`, every id through :func:`md_code`.
"""

from __future__ import annotations

from sim.analysis.compare import headline_sentences
from sim.analysis.verdict import difference_cell, estimate_text, objective_text
from sim.analysis.wording import method_phrase, pct, percent
from sim.report.markdown import md_code, md_escape, table
from sim.runs.contract import ComparedDifference, ComparisonDocument, ComparisonResults


def diff_cell(d: ComparedDifference, objective: bool = False) -> str:
    """``worse: -0.235 (-0.245 to -0.225)``, a fixed difference, or why none is available."""
    return md_escape(difference_cell(d, objective))


def tradeoff_table(r: ComparisonResults) -> str:
    """Objectives (and cost) x runs, the best in each row in bold and marked "(best)"."""
    runs = r["runs"]
    rows = []
    for row in r["tradeoffs"]:
        cells = [md_escape(row["label"])]
        for run in runs:
            c = row["cells"][run["name"]]
            cells.append(f"**{c['text']}** (best)" if c["best"] else c["text"])
        rows.append(cells)
    return table(["objective: chance of success", *(md_escape(x["label"]) for x in runs)], rows)


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
    labels = {x["name"]: md_escape(x["label"]) for x in r["runs"]}
    header = [
        "indicator",
        *(labels[n] for n in runs),
        *(f"{labels[n]} vs baseline" for n in others),
    ]
    rows = []
    for k in names:
        entry = r["kpis"][k]
        cells = [f"{md_escape(entry['label'])} ({entry['better']} is better)"]
        for n in runs:
            s = entry["runs"][n]
            cells.append(estimate_text(k, s["mean"], s["ci_low"], s["ci_high"]))
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
    paragraph = " ".join(r["bottom_line"])
    out = [
        f"# Comparison: {md_escape(sc['title'])}",
        "",
        "## Bottom line",
        "",
        md_escape(paragraph),
        "",
        "## Trade-offs",
        "",
        tradeoff_table(r),
        "",
        "(best) marks the best policy in each row, with any within the smallest meaningful "
        "difference of it; none is marked when all are that close.",
        "",
        "## How to read this",
        "",
        f"{len(r['runs'])} runs of scenario {md_code(sc['id'])}; the baseline is "
        f"**{md_escape(base['label'])}**. Means with 95% confidence intervals; differences "
        "are policy minus baseline. A difference is *better* or *worse* when its interval "
        "excludes zero and it is at least the smallest meaningful difference (0.02 on a "
        "0-1 index, one incident, 5% of the baseline's cost or harm, 5 percentage points "
        "for objectives, unless the scenario or `--min-difference` sets another); smaller "
        "ones read *no meaningful difference*; the rest *could be chance*. A difference "
        "that is the same in every replication is shown without an interval (fixed).",
        "",
        f"Method used for differences: {_methods_used(r)}. Runs that share scenario, seed "
        "and replication count are compared pair by pair (common random numbers); others "
        "as independent samples (Welch for indicators, Newcombe for objectives).",
        "",
        "The model's numbers are illustrative training parameters, not forecasts.",
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
        labels = {x["name"]: md_escape(x["label"]) for x in r["runs"]}
        rows = []
        for oid, o in r["objectives"].items():
            cells = [md_escape(objective_text(oid, o["description"]))]
            for n in runs:
                p = o["runs"][n]
                cells.append(f"{pct(p['p'])} ({pct(p['ci_low'])} to {pct(p['ci_high'])})")
            cells += [diff_cell(o["differences"][n], objective=True) for n in others]
            rows.append(cells)
        out += [
            "## Objectives",
            "",
            "Probability of success (Wilson 95% interval); differences in percentage points.",
            "",
            table(
                [
                    "objective",
                    *(labels[n] for n in runs),
                    *(f"{labels[n]} vs baseline" for n in others),
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
                e["place"],
                md_escape(e["label"]),
                estimate_text(rk["kpi"], e["mean"], e["ci_low"], e["ci_high"]),
                "leader" if vs is None else diff_cell(vs),
            ]
        )
    out += [
        f"## Ranking by {md_escape(rk['label'])}",
        "",
        f"{rk['better'].capitalize()} is better. Policies whose difference is not "
        "meaningful share a place (=1).",
        "",
        table(["rank", "policy", "mean (95% CI)", "vs leader"], rank_rows),
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
        table(["indicator", *(md_escape(x["label"]) for x in r["runs"])], adv_rows),
        "",
        "## Runs",
        "",
        _run_table(r),
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
