"""Put several run reports of one scenario side by side, with honest differences.

For every KPI and objective the comparison gives each run's mean (or success
probability) with a 95% interval and the difference to a baseline run with
its interval. The method is chosen per pair and stated in the output:

* **paired** when the two runs share scenario hash, seed and replication
  count: replication ``k`` of both faced the same random shocks (common
  random numbers), so the per-replication differences kept in the reports
  are paired and most of the shared noise cancels;
* **Welch** (KPIs) or **Newcombe** (objective success) otherwise, treating
  the runs as independent samples.

It also ranks the runs by a chosen KPI and advises how many replications
would bring each KPI's confidence interval within a target relative
precision. The output is a plain dict (the comparison report's ``results``),
so Markdown, HTML and JSON renderers only read it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sim.analysis.kpis import (
    HEADLINE,
    OBJECTIVES_KEY,
    kpi_label,
    lower_is_better,
    min_difference,
)
from sim.analysis.verdict import (
    LEVEL,
    CompareError,
    bottom_line,
    check_thresholds,
    judge,
    kpi_difference,
    kpi_sentence,
    objective_difference,
    objective_sentence,
    objective_text,
    ranking,
    tradeoffs,
)
from sim.errors import did_you_mean
from sim.runs.contract import (
    SCHEMA_VERSION,
    Advice,
    ComparedKpi,
    ComparedObjective,
    ComparisonDocument,
    ComparisonMeta,
    ComparisonResults,
    KpiEstimate,
    KpiSummary,
    KpiValues,
    ReplicationAdvice,
    RunDocument,
    RunEntry,
    interval,
    kpi_summary,
)
from sim.runs.reportfile import ReportError, load_report
from sim.stats import (
    MAX_REPLICATIONS,
    relative_half_width,
    replications_needed,
    summarize,
    wilson_interval,
)
from sim.version import __version__

__all__ = [
    "COMPARISON_SCHEMA_VERSION",
    "DEFAULT_PRECISION",
    "DEFAULT_RANK",
    "LEVEL",
    "CompareError",
    "compare",
    "headline_sentences",
    "load_runs",
    "pairing",
    "replication_advice",
]

#: Version of the comparison report layout (shares the run reports' numbering).
COMPARISON_SCHEMA_VERSION = SCHEMA_VERSION
DEFAULT_RANK = "final_stability"
DEFAULT_PRECISION = 0.05


def load_runs(paths: Sequence[str | Path]) -> list[RunDocument]:
    """Load run reports, refusing anything that is not one (with the file named).

    :func:`load_report` checks each file against the report contract; a
    comparison also needs the per-replication values a run made with
    ``--no-kpi-values`` leaves out.
    """
    reports = []
    for path in paths:
        report = load_report(path, kind="run")
        results = report["results"]
        for part, entries in (("kpis", results["kpis"]), ("objectives", results["objectives"])):
            lacking = next((name for name, e in entries.items() if "values" not in e), None)
            if lacking is not None:
                raise ReportError(
                    f"{path}: cannot compare a run made without per-replication values "
                    f"(results.{part}.{lacking} has none)"
                )
        reports.append(report)
    return reports


def _names(reports: Sequence[RunDocument]) -> tuple[list[str], list[str]]:
    """Short unique names (policy id, then seed, then position) and display labels."""
    pids = [r["results"]["policy"]["id"] for r in reports]
    names = [
        pid if pids.count(pid) == 1 else f"{pid}@seed{r['results']['seed']}"
        for pid, r in zip(pids, reports, strict=True)
    ]
    names = [n if names.count(n) == 1 else f"{n}#{i + 1}" for i, n in enumerate(names)]
    titles = [r["results"]["policy"]["title"] for r in reports]
    labels = [
        t if titles.count(t) == 1 and pids.count(pid) == 1 else f"{t} ({n})"
        for t, pid, n in zip(titles, pids, names, strict=True)
    ]
    return names, labels


def pairing(a: RunDocument, b: RunDocument) -> tuple[bool, str]:
    """Whether two runs' replications are paired seed by seed, and why (not)."""
    ra, rb = a["results"], b["results"]
    ha, hb = ra["scenario"].get("hash", ""), rb["scenario"].get("hash", "")
    reasons = []
    if not ha or not hb:
        reasons.append("scenario hash not recorded")
    elif ha != hb:
        reasons.append("scenario files differ (hash)")
    if ra["seed"] != rb["seed"]:
        reasons.append(f"different seeds ({ra['seed']} vs {rb['seed']})")
    if ra["replications"] != rb["replications"]:
        reasons.append(
            f"different replication counts ({ra['replications']} vs {rb['replications']})"
        )
    if ra.get("replication_indices") != rb.get("replication_indices"):
        reasons.append("different replication subsets")
    if reasons:
        return False, "; ".join(reasons)
    return True, "same scenario, seed and replications: common random numbers"


def _check_compatible(reports: Sequence[RunDocument], sources: Sequence[str]) -> None:
    if len(reports) < 2:
        raise CompareError(f"need at least two run reports to compare, got {len(reports)}")
    first = reports[0]["results"]["scenario"]["id"]
    for report, source in zip(reports[1:], sources[1:], strict=True):
        other = report["results"]["scenario"]["id"]
        if other != first:
            raise CompareError(
                "cannot compare runs of different scenarios: "
                f"{sources[0]} is scenario '{first}' but {source} is scenario '{other}'"
            )


def _ordered_kpis(reports: Sequence[RunDocument]) -> list[str]:
    common = set(reports[0]["results"]["kpis"])
    for r in reports[1:]:
        common &= set(r["results"]["kpis"])
    head = [k for k in HEADLINE if k in common]
    return head + sorted(common - set(head))


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def replication_advice(values: KpiValues, precision: float = DEFAULT_PRECISION) -> Advice:
    """Relative CI half-width of one KPI and the replications a target precision needs.

    Returns ``relative_half_width`` (``None`` when it is unbounded: mean 0 or
    a single run) and ``replications_needed`` (``None`` when no count can
    reach it, e.g. a KPI whose mean is 0), plus ``meets`` the target.
    """
    rhw = relative_half_width(values, LEVEL)
    needed = replications_needed(values, precision, LEVEL)
    return {
        "relative_half_width": _finite(rhw),
        "replications_needed": None if needed >= MAX_REPLICATIONS else needed,
        "meets": rhw <= precision,
    }


def _advice(
    runs: list[tuple[str, RunDocument]], kpis: list[str], focus: list[str], precision: float
) -> ReplicationAdvice:
    per_run = {
        name: {k: replication_advice(r["results"]["kpis"][k]["values"], precision) for k in kpis}
        for name, r in runs
    }
    needed = [
        count
        for name, _ in runs
        for k in focus
        if (count := per_run[name][k]["replications_needed"]) is not None
    ]
    unreachable = sorted(
        {k for name, _ in runs for k in focus if per_run[name][k]["replications_needed"] is None}
    )
    counts = sorted({r["results"]["replications"] for _, r in runs})
    have = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    reachable = [
        (name, k)
        for name, _ in runs
        for k in focus
        if per_run[name][k]["replications_needed"] is not None
    ]
    met = sum(per_run[name][k]["meets"] for name, k in reachable)
    recommended = max(needed, default=counts[-1])
    pct = f"±{precision * 100:g}%"
    if counts[0] < 2:
        sentence = (
            "Precision cannot be estimated from a single replication: run at least 2 "
            "(a few dozen in practice) to get confidence intervals."
        )
    elif met == len(reachable):
        sentence = (
            f"All {len(reachable)} headline estimates are within {pct} of their mean "
            f"(95% CI) with {have} replications."
        )
    else:
        sentence = (
            f"With {have} replications, {met} of {len(reachable)} headline estimates are "
            f"within {pct} of their mean (95% CI); about {recommended} replications per run "
            "would bring them all there."
        )
    if unreachable:
        sentence += (
            f" Not reachable for {', '.join(unreachable)} (mean 0: report an absolute "
            "interval instead)."
        )
    return {
        "precision": precision,
        "focus": focus,
        "recommended": recommended,
        "sentence": sentence,
        "runs": per_run,
    }


def compare(
    reports: Sequence[RunDocument],
    *,
    sources: Sequence[str] | None = None,
    baseline: str | None = None,
    rank: str | None = None,
    precision: float = DEFAULT_PRECISION,
    command: str | None = None,
    min_differences: Mapping[str, float] | None = None,
) -> ComparisonDocument:
    """Build a comparison report (``{schema_version, kind, results, meta}``).

    Args:
        reports: Run report dicts of one scenario (at least two).
        sources: Where each report came from (file paths), used in messages
            and recorded in ``meta``; defaults to ``report 1``, ``report 2``...
        baseline: Name of the baseline run (policy id, or ``policy@seedS``
            when a policy appears more than once); default the first report.
        rank: KPI to rank the runs by (default ``final_stability``).
        precision: Target relative CI half-width for the replication advice.
        command: The command line that produced the comparison, for ``meta``.
        min_differences: Smallest meaningful differences that replace the
            catalogue's defaults (KPI name or ``objectives`` -> size), from the
            scenario and the command line. The scenario's own, recorded in the
            run reports, apply unless these name the same KPI.

    Raises:
        CompareError: Fewer than two reports, different scenarios, an unknown
            baseline or ranking KPI, a non-positive precision, or a smallest
            meaningful difference for an unknown KPI or below zero.
    """
    srcs = (
        list(sources) if sources is not None else [f"report {i + 1}" for i in range(len(reports))]
    )
    _check_compatible(reports, srcs)
    if not (precision > 0 and math.isfinite(precision)):
        raise CompareError(f"precision must be a positive number, got {precision}")
    names, label_list = _names(reports)
    labels = dict(zip(names, label_list, strict=True))
    runs = list(zip(names, reports, strict=True))
    by_name = dict(runs)
    base = names[0] if baseline is None else baseline
    if base not in by_name:
        raise CompareError(f"no run named '{base}' to use as baseline; runs: {', '.join(names)}")
    results0 = reports[0]["results"]
    kpis = _ordered_kpis(reports)
    rank_kpi = rank or (DEFAULT_RANK if DEFAULT_RANK in kpis else kpis[0])
    if rank_kpi not in kpis:
        raise CompareError(
            f"cannot rank by '{rank_kpi}': not a KPI of every report"
            f"{did_you_mean(rank_kpi, kpis)}; KPIs: {', '.join(kpis)}"
        )
    pairs: dict[tuple[str, str], bool] = {}
    why: dict[tuple[str, str], str] = {}
    for a in names:
        for b in names:
            pairs[(a, b)], why[(a, b)] = pairing(by_name[a], by_name[b])
    others = [n for n in names if n != base]

    run_entries: list[RunEntry] = []
    for name, r in runs:
        res = r["results"]
        run_entries.append(
            {
                "name": name,
                "label": labels[name],
                "policy": res["policy"],
                "seed": res["seed"],
                "replications": res["replications"],
                "scenario_hash": res["scenario"].get("hash", ""),
                "method": "baseline"
                if name == base
                else ("paired" if pairs[(base, name)] else "unpaired"),
                "why": "" if name == base else why[(base, name)],
            }
        )

    # The scenario's own thresholds (recorded in its run reports), then the caller's.
    chosen = {
        **by_name[base]["results"]["scenario"].get("min_difference", {}),
        **(min_differences or {}),
    }
    check_thresholds(chosen, kpis)
    base_kpis = by_name[base]["results"]["kpis"]

    def threshold(k: str) -> float:
        return min_difference(k, summarize(base_kpis[k]["values"], LEVEL).mean, chosen)

    objective_threshold = min_difference(OBJECTIVES_KEY, 0.0, chosen)
    kpi_out: dict[str, ComparedKpi] = {}
    for k in kpis:
        label = kpi_label(k, results0)
        values = {name: r["results"]["kpis"][k]["values"] for name, r in runs}
        kpi_out[k] = {
            "label": label,
            "better": "lower" if lower_is_better(k) else "higher",
            "runs": {
                name: _estimate(kpi_summary(summarize(v, LEVEL))) for name, v in values.items()
            },
            "differences": {},
        }
        t = threshold(k)
        for name in others:
            d = judge(
                *kpi_difference(values[base], values[name], pairs[(base, name)]),
                t,
                lower_is_better(k),
            )
            if d["available"]:
                d["sentence"] = kpi_sentence(labels[name], label, d)
            kpi_out[k]["differences"][name] = d

    obj_out: dict[str, ComparedObjective] = {}
    # Sorted by id: saved reports have sorted keys, so this order is the same
    # whether the reports come from memory (sweep) or from files (compare).
    for oid, o in sorted(results0["objectives"].items()):
        if not all(oid in r["results"]["objectives"] for r in reports):
            continue
        values_o = {name: r["results"]["objectives"][oid]["values"] for name, r in runs}
        what = objective_text(oid, o["description"])
        obj_out[oid] = {
            "description": o["description"],
            "check": o["check"],
            "runs": {
                name: interval(wilson_interval(sum(v), len(v), LEVEL))
                for name, v in values_o.items()
            },
            "differences": {},
        }
        p = {name: obj_out[oid]["runs"][name]["p"] for name in names}
        for name in others:
            diff, note = objective_difference(values_o[base], values_o[name], pairs[(base, name)])
            d = judge(diff, note, objective_threshold, False)
            if d["available"]:
                d["sentence"] = objective_sentence(labels[name], what, p[base], p[name], d)
            obj_out[oid]["differences"][name] = d

    focus = [k for k in HEADLINE if k in kpis]
    if rank_kpi not in focus:
        focus.append(rank_kpi)
    sc = results0["scenario"]
    results: ComparisonResults = {
        "scenario": {
            "id": sc["id"],
            "title": sc["title"],
            "horizon": sc["horizon"],
            "partners": sc.get("partners", {}),
            "hashes": sorted({r["results"]["scenario"].get("hash", "") for r in reports}),
        },
        "level": LEVEL,
        "baseline": base,
        "runs": run_entries,
        "bottom_line": bottom_line(base, labels, others, kpi_out, obj_out),
        "tradeoffs": tradeoffs(names, kpi_out, obj_out, objective_threshold, threshold, results0),
        "min_difference": dict(sorted(chosen.items())),
        "kpis": kpi_out,
        "objectives": obj_out,
        "ranking": ranking(runs, labels, rank_kpi, pairs, results0, threshold(rank_kpi)),
        "advice": _advice(runs, kpis, focus, precision),
    }
    meta: ComparisonMeta = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "ttx_version": __version__,
        "sources": dict(zip(names, srcs, strict=True)),
    }
    if command:
        meta["command"] = command
    return {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "kind": "comparison",
        "results": results,
        "meta": meta,
    }


def _estimate(s: KpiSummary) -> KpiEstimate:
    return {
        "n": s["n"],
        "mean": s["mean"],
        "sd": s["sd"],
        "ci_low": s["ci_low"],
        "ci_high": s["ci_high"],
        "p5": s["p5"],
        "p50": s["p50"],
        "p95": s["p95"],
    }


def headline_sentences(comparison: ComparisonDocument) -> list[str]:
    """The plain-language lines for headline KPIs and objectives, in report order."""
    r = comparison["results"]
    out = []
    for k in r["advice"]["focus"]:
        for d in r["kpis"][k]["differences"].values():
            if d["available"]:
                out.append(d["sentence"])
    for o in r["objectives"].values():
        for d in o["differences"].values():
            if d["available"]:
                out.append(d["sentence"])
    return out
