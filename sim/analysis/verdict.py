"""What a comparison means to a trainer: meaningful differences, ties, bottom line, trade-offs.

A statistician asks whether a difference could be chance; a trainer asks
whether it matters. Every difference is therefore judged twice: by its
interval (does it exclude zero?) and by its size against the KPI's smallest
meaningful difference (:func:`sim.analysis.kpis.min_difference`). The rule:

* **better / worse** - the interval excludes zero *and* the estimate is at
  least the smallest meaningful difference; the KPI's direction (lower
  incidents and cost are better) says which;
* **negligible** ("no meaningful difference") - the estimate is smaller than
  the smallest meaningful difference and either the interval excludes zero
  (real but too small to matter) or the interval lies within plus or minus
  that difference (shown to be small);
* **uncertain** ("could be chance") - anything else: the interval includes
  zero and reaches beyond the smallest meaningful difference.

A difference that is the same in every replication (a zero-width interval,
e.g. a cost fixed by the levers when uncertainty is off) is stated as a fact,
without an interval. Rankings give runs whose difference is not meaningful
the same place ("=1"), and the bottom line and trade-off matrix are built
from the same verdicts, so the summary can never claim what the details do
not show.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from sim.analysis.kpis import (
    COUNT,
    HEADLINE,
    OBJECTIVES_KEY,
    SHARE,
    kpi_label,
    kpi_unit,
    lower_is_better,
)
from sim.analysis.wording import (
    count_noun,
    enough_decimals,
    magnitude_interval,
    num,
    pct,
    points_interval,
    signed_interval,
    size_decimals,
)
from sim.errors import TtxError
from sim.runs.contract import (
    AvailableDifference,
    ComparedDifference,
    ComparedKpi,
    ComparedObjective,
    KpiValues,
    Outcomes,
    RankEntry,
    Ranking,
    RunDocument,
    RunResults,
    TradeOffCell,
    TradeOffRow,
    Verdict,
    difference_fields,
)
from sim.stats import (
    Difference,
    paired_difference,
    paired_proportion_difference,
    proportion_difference,
    summarize,
    welch_difference,
)

LEVEL = 0.95
COST = "cost"
VERDICT_WORDS: dict[Verdict, str] = {
    "better": "better",
    "worse": "worse",
    "negligible": "no meaningful difference",
    "uncertain": "could be chance",
}


class CompareError(TtxError):
    """Reports that cannot be compared (different scenarios, too few, bad options)."""


def kpi_difference(a: KpiValues, b: KpiValues, paired: bool) -> tuple[Difference | None, str]:
    """``b - a`` of one KPI, paired by seed or Welch; ``None`` and why when not computable."""
    try:
        return (paired_difference(a, b, LEVEL) if paired else welch_difference(a, b, LEVEL)), ""
    except ValueError as exc:
        return None, str(exc)


def objective_difference(a: Outcomes, b: Outcomes, paired: bool) -> tuple[Difference | None, str]:
    """``b - a`` of one objective's success, paired by seed or Newcombe."""
    try:
        if paired:
            return paired_proportion_difference(a, b, LEVEL), ""
        return proportion_difference(sum(a), len(a), sum(b), len(b), LEVEL), ""
    except ValueError as exc:
        return None, str(exc)


def is_constant(low: float, high: float) -> bool:
    """A zero-width interval (to rounding): the difference did not vary between replications."""
    return high - low <= 1e-9 * max(1.0, abs(low), abs(high))


def classify(estimate: float, low: float, high: float, threshold: float, lower: bool) -> Verdict:
    """The verdict on one difference (the rule is in the module docstring)."""
    significant = low > 0 or high < 0
    if significant and abs(estimate) >= threshold:
        return "better" if (estimate < 0) == lower else "worse"
    if abs(estimate) < threshold and (significant or max(abs(low), abs(high)) < threshold):
        return "negligible"
    return "uncertain"


def judge(diff: Difference | None, note: str, threshold: float, lower: bool) -> ComparedDifference:
    """A difference as report data with its verdict (sentence filled in by the caller)."""
    if diff is None:
        return {"available": False, "note": note}
    constant = is_constant(diff.ci_low, diff.ci_high)
    est, low, high = diff.estimate, diff.ci_low, diff.ci_high
    if constant:
        low = high = est
    return {
        "available": True,
        **difference_fields(diff),
        "sentence": "",
        "verdict": classify(est, low, high, threshold, lower),
        "min_difference": threshold,
        "constant": constant,
    }


def places(order: Sequence[str], differs: Callable[[str, str], bool]) -> list[tuple[int, str]]:
    """Competition ranks of runs sorted best first; a run that does not differ meaningfully
    from the first run of the current group shares its rank, shown as ``=1``."""
    ranks: list[int] = []
    head = 0
    for i, name in enumerate(order):
        if i > 0 and not differs(order[head], name):
            ranks.append(ranks[head])
        else:
            head = i
            ranks.append(i + 1)
    return [(r, f"={r}" if ranks.count(r) > 1 else str(r)) for r in ranks]


def ranking(
    runs: list[tuple[str, RunDocument]],
    labels: dict[str, str],
    kpi: str,
    pairs: dict[tuple[str, str], bool],
    results0: RunResults,
    threshold: float,
) -> Ranking:
    """Runs best first by one KPI; runs with no meaningful difference share a place."""
    lower = lower_is_better(kpi)
    values = {name: r["results"]["kpis"][kpi]["values"] for name, r in runs}
    summaries = {name: summarize(v, LEVEL) for name, v in values.items()}
    # sorted() is stable: tied means keep the order the runs were given in.
    order = sorted(summaries, key=lambda n: summaries[n].mean, reverse=not lower)

    def versus(a: str, b: str) -> ComparedDifference:
        return judge(*kpi_difference(values[a], values[b], pairs[(a, b)]), threshold, lower)

    def differs(a: str, b: str) -> bool:
        d = versus(a, b)
        return d["available"] and d["verdict"] in ("better", "worse")

    leader = order[0]
    entries = []
    for name, (rank, place) in zip(order, places(order, differs), strict=True):
        s = summaries[name]
        entry: RankEntry = {
            "rank": rank,
            "place": place,
            "name": name,
            "label": labels[name],
            "mean": s.mean,
            "ci_low": s.ci_low,
            "ci_high": s.ci_high,
        }
        if name != leader:
            entry["vs_leader"] = versus(leader, name)
        entries.append(entry)
    return {
        "kpi": kpi,
        "label": kpi_label(kpi, results0),
        "better": "lower" if lower else "higher",
        "order": entries,
    }


def check_thresholds(overrides: Mapping[str, float], kpis: Sequence[str]) -> None:
    """Refuse a smallest meaningful difference for an unknown KPI, or one below zero."""
    for key, value in overrides.items():
        if key != OBJECTIVES_KEY and key not in kpis:
            raise CompareError(
                f"unknown KPI '{key}' for a smallest meaningful difference; expected "
                f"'{OBJECTIVES_KEY}' or one of: {', '.join(kpis)}"
            )
        if not (value >= 0 and math.isfinite(value)):
            raise CompareError(
                f"the smallest meaningful difference of '{key}' must be a number >= 0, got {value}"
            )


# --------------------------------------------------------------------------- words


def value_text(kpi: str, value: float) -> str:
    """A KPI value as a trainer reads it: indices with two decimals, counts whole."""
    unit = kpi_unit(kpi)
    if unit == SHARE:
        return f"{value:.2f}"
    if unit == COUNT:
        return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}".replace(".0", "")
    return num(value)


def estimate_text(kpi: str, mean: float, low: float, high: float) -> str:
    """A mean with its interval, at the KPI's precision: ``0.41 (0.40 to 0.42)``, ``93 (91
    to 95)``; enough decimals that the two bounds read differently."""
    unit = kpi_unit(kpi)
    start = 2 if unit == SHARE else 0 if unit == COUNT else size_decimals(max(abs(low), abs(high)))
    if is_constant(low, high):
        return f"{mean:z.{start}f} (fixed)"
    n = enough_decimals((low, mean, high), start)
    return f"{mean:z.{n}f} ({low:z.{n}f} to {high:z.{n}f})"


def kpi_sentence(who: str, label: str, d: AvailableDifference) -> str:
    """One line on one KPI: direction verb, size, interval (unless a fact) and verdict."""
    est, low, high = d["estimate"], d["ci_low"], d["ci_high"]
    verb = "raises" if est > 0 else "lowers"
    words = VERDICT_WORDS[d["verdict"]]
    if d["constant"]:
        if est == 0:
            return f"{who} leaves {label} unchanged (the same in every replication)."
        size = magnitude_interval(est, est, est).split(" (")[0]
        return f"{who} {verb} {label} by {size} (the same in every replication): {words}."
    if d["verdict"] in ("better", "worse"):
        return f"{who} {verb} {label} by {magnitude_interval(est, low, high)}: {words}."
    if d["verdict"] == "negligible":
        return (
            f"{who}: {words} in {label}, {signed_interval(est, low, high)}, "
            f"smaller than the {num(d['min_difference'])} that matters."
        )
    return f"{who} changes {label} by {signed_interval(est, low, high)}: {words}."


def objective_text(oid: str, description: str) -> str:
    """An objective in words: its description without the full stop, else its id as words."""
    return description.strip().rstrip(".") or oid.replace("_", " ")


def objective_sentence(who: str, what: str, p_a: float, p_b: float, d: AvailableDifference) -> str:
    """One line on one objective: the chance from X% to Y%, by how many points, the verdict."""
    est, low, high = d["estimate"], d["ci_low"], d["ci_high"]
    words = VERDICT_WORDS[d["verdict"]]
    chance = f"the chance of “{what}”"
    if est == 0 and d["constant"]:
        return f"{who} leaves {chance} at {pct(p_a)} (the same in every replication)."
    verb = "raises" if est > 0 else "lowers" if est < 0 else "changes"
    move = f"{verb} {chance} from {pct(p_a)} to {pct(p_b)}"
    if d["constant"]:
        return f"{who} {move} (the same in every replication): {words}."
    if d["verdict"] in ("better", "worse"):
        size = points_interval(est, low, high, sign=False).replace(" (", " points (", 1)
        return f"{who} {move}, by {size}: {words}."
    size = points_interval(est, low, high).replace(" (", " points (", 1)
    return f"{who} {move}, {size}: {words}."


def difference_figures(d: AvailableDifference, objective: bool = False) -> str:
    """The difference with its interval (in points for objectives), or the fixed figure."""
    est, low, high = d["estimate"], d["ci_low"], d["ci_high"]
    if d["constant"]:
        figure = f"{est * 100:+z.0f} points" if objective else signed_interval(est, est, est)
        return figure.split(" (")[0] + " (fixed)"
    if objective:
        return points_interval(est, low, high).replace(" (", " points (", 1)
    return signed_interval(est, low, high)


def verdict_word(d: AvailableDifference) -> str:
    """``better``, ``worse``, ``no meaningful difference``, ``could be chance`` or, for a
    difference that is zero in every replication, ``no difference``."""
    if d["constant"] and d["estimate"] == 0:
        return "no difference"
    return VERDICT_WORDS[d["verdict"]]


def difference_cell(d: ComparedDifference, objective: bool = False) -> str:
    """A table cell: the verdict in words, then :func:`difference_figures`; or why no
    difference is available."""
    if not d["available"]:
        return f"n/a ({d['note']})"
    if d["constant"] and d["estimate"] == 0:
        return "no difference (fixed)"
    return f"{verdict_word(d)}: {difference_figures(d, objective)}"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _kpi_item(kpi: str, label: str, base: float, other: float) -> str:
    """``25 fewer incidents that succeeded`` or ``final partner trust (0.58 → 0.34)``."""
    if kpi_unit(kpi) == COUNT:
        shown = value_text(kpi, abs(other - base))
        more = "more" if other > base else "fewer"
        return count_noun(shown, label).replace(" ", f" {more} ", 1)
    return f"{label} ({value_text(kpi, base)} → {value_text(kpi, other)})"


def _cost_clause(entry: ComparedKpi, base: str, name: str) -> str:
    d = entry["differences"][name]
    if not d["available"]:
        return ""
    if d["verdict"] in ("better", "worse"):
        unit = kpi_unit(COST)
        more = "more" if d["estimate"] > 0 else "less"
        return f"; it costs {num(abs(d['estimate']))} {more} ({unit})"
    if d["verdict"] == "negligible":
        return ", at about the same cost"
    return "; whether it costs more could be chance"


def bottom_line(
    base: str,
    labels: Mapping[str, str],
    others: Sequence[str],
    kpis: Mapping[str, ComparedKpi],
    objectives: Mapping[str, ComparedObjective],
) -> list[str]:
    """One sentence per run: what it does better and worse than the baseline, and its cost.

    Only meaningful differences (better or worse) are named, objectives first
    (as "name (X% → Y%)"), then the headline KPIs; cost gets its own clause.
    """
    out = []
    for i, name in enumerate(others):
        gains: list[str] = []
        losses: list[str] = []
        for oid, o in objectives.items():
            d = o["differences"][name]
            if d["available"] and d["verdict"] in ("better", "worse"):
                item = f"{oid.replace('_', ' ')} ({pct(o['runs'][base]['p'])} → "
                item += f"{pct(o['runs'][name]['p'])})"
                (gains if d["verdict"] == "better" else losses).append(item)
        for k in HEADLINE:
            if k == COST or k not in kpis:
                continue
            d = kpis[k]["differences"][name]
            if d["available"] and d["verdict"] in ("better", "worse"):
                runs = kpis[k]["runs"]
                item = _kpi_item(k, kpis[k]["label"], runs[base]["mean"], runs[name]["mean"])
                (gains if d["verdict"] == "better" else losses).append(item)
        who = labels[name]
        if i == 0:
            who = f"Against {labels[base]} (the baseline), {who}"
        if gains and losses:
            text = f"{who} does better on {_join(gains)}, but worse on {_join(losses)}"
        elif gains or losses:
            text = f"{who} does {'better' if gains else 'worse'} on {_join(gains or losses)}"
        else:
            text = f"{who} makes no meaningful difference to the objectives or key indicators"
        if COST in kpis:
            text += _cost_clause(kpis[COST], base, name)
        out.append(text + ".")
    return out


def _row_cells(
    runs: Sequence[str],
    values: Mapping[str, float],
    texts: Mapping[str, str],
    lower: bool,
    t: float,
) -> dict[str, TradeOffCell]:
    best = min(values.values()) if lower else max(values.values())
    near = {n: abs(values[n] - best) < t or values[n] == best for n in runs}
    everyone = all(near.values())
    return {
        n: {"value": values[n], "text": texts[n], "best": near[n] and not everyone} for n in runs
    }


def tradeoffs(
    runs: Sequence[str],
    kpis: Mapping[str, ComparedKpi],
    objectives: Mapping[str, ComparedObjective],
    objective_threshold: float,
    kpi_threshold: Callable[[str], float],
    results: Mapping[str, object] | None = None,
) -> list[TradeOffRow]:
    """Runs x objectives (probability of success) and cost, best marked per row.

    "Best" includes every run within the row's smallest meaningful difference
    of the best one; when all runs are that close, none is marked. Without
    objectives the headline KPIs take their place.
    """
    rows: list[TradeOffRow] = []
    for oid, o in objectives.items():
        probs = {n: o["runs"][n]["p"] for n in runs}
        rows.append(
            {
                "key": oid,
                "kind": "objective",
                "label": objective_text(oid, o["description"]),
                "better": "higher",
                "min_difference": objective_threshold,
                "cells": _row_cells(
                    runs, probs, {n: pct(p) for n, p in probs.items()}, False, objective_threshold
                ),
            }
        )
    keys = [COST] if objectives else list(HEADLINE)
    for k in (k for k in keys if k in kpis):
        means = {n: kpis[k]["runs"][n]["mean"] for n in runs}
        lower = lower_is_better(k)
        t = kpi_threshold(k)
        unit = kpi_unit(k)
        label = kpi_label(k, results)
        rows.append(
            {
                "key": k,
                "kind": "kpi",
                "label": f"{label} ({unit})" if unit and unit != SHARE else label,
                "better": "lower" if lower else "higher",
                "min_difference": t,
                "cells": _row_cells(
                    runs, means, {n: value_text(k, v) for n, v in means.items()}, lower, t
                ),
            }
        )
    return rows
