"""Charts for the HTML reports, drawn with matplotlib and returned as inline SVG.

matplotlib is imported inside the functions, so only rendering HTML pays
its start-up cost (``ttx run``, ``validate`` and the other commands never
import it). Figures are built with ``matplotlib.figure.Figure`` and the
SVG canvas directly: no pyplot, no GUI backend, no global figure state
(the same effect as the Agg backend, with nothing to switch).

Choices for a projected debrief: large fonts, thick median lines, the
Okabe–Ito colour-blind-safe palette plus a distinct line style per policy
(so the charts survive a greyscale printout), and text kept as SVG text so
it stays crisp and searchable. Text from the scenario is written by
matplotlib's SVG backend, which escapes it; math-text parsing is switched
off so a ``$`` in a name is just a dollar sign.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from sim.report.chartspec import Mark, Threshold
from sim.runs.contract import Interval, Series
from sim.scenario.vocabulary import INTERDICTED, MITIGATED, SUCCEEDED

#: Okabe & Ito (2008) colour-blind-safe palette, darkest/most distinct first;
#: yellow last because it is faint on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
OUTCOME_COLOURS = {INTERDICTED: "#009E73", MITIGATED: "#56B4E9", SUCCEEDED: "#D55E00"}
MARK_COLOUR = "#444444"
THRESHOLD_COLOUR = "#8B0000"

_RC: Any = {  # Any: matplotlib types rc keys as one long Literal
    "svg.fonttype": "none",
    "svg.hashsalt": "ttx",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "text.parse_math": False,
}

_ID = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_PATH = re.compile(r'\bd="[^"]*"')
_DECIMALS = re.compile(r"(\.\d\d)\d+")
_SIZE = re.compile(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"')


def colour(i: int) -> str:
    """Colour of the ``i``-th policy."""
    return PALETTE[i % len(PALETTE)]


def linestyle(i: int) -> str:
    """Line style of the ``i``-th policy (second cue besides colour)."""
    return LINESTYLES[i % len(LINESTYLES)]


@contextmanager
def _figure(
    width: float, height: float, layout: Literal["constrained"] | None = "constrained"
) -> Iterator[Any]:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        yield Figure(figsize=(width, height), layout=layout)


def _wrap(label: str, width: int = 24) -> str:
    """Wrap a legend label so long policy titles fit the fixed legend column."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width)) or label


def to_svg(fig: Any, key: str, title: str) -> str:
    """Serialise ``fig`` as an ``<svg>`` element ready to inline in HTML.

    Drops the XML prolog, makes element ids unique per chart (several charts
    share one page, and duplicate ids would cross-wire clip paths), removes
    the fixed size so CSS can scale the chart, and adds an accessible name.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = _METADATA.sub("", text)
    # Two decimals of a point are far below a pixel; this halves the file size.
    text = _PATH.sub(lambda m: _DECIMALS.sub(r"\1", m.group(0)), text)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    text = _ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    label = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return _SIZE.sub(rf'<svg\1 role="img" aria-label="{label}"', text, count=1)


def fan_chart(
    key: str,
    title: str,
    months: Sequence[int],
    runs: Sequence[tuple[str, Series]],
    *,
    ylabel: str = "",
    ylim: tuple[float, float | None] | None = None,
    marks: Sequence[Mark] = (),
    thresholds: Sequence[Threshold] = (),
) -> str:
    """Monthly series of one or more runs: median line, p25–p75 and p5–p95 bands.

    Args:
        key: Unique id of the chart within the page.
        title: Chart title.
        months: The x values.
        runs: ``(label, stats)`` per policy, ``stats`` holding ``p5``,
            ``p25``, ``p50``, ``p75`` and ``p95`` lists.
        ylabel: The y axis's quantity and unit.
        ylim: ``(low, high)``; ``high`` None: just above the highest p95 (or
            threshold), so amounts start at zero; None: matplotlib's choice.
        marks: Scheduled injects, drawn as lettered vertical lines.
        thresholds: Objective thresholds on this series, drawn as horizontal lines.
    """
    from matplotlib.patches import Patch

    # A fixed layout instead of "constrained": it halves the drawing time,
    # which matters with a dozen charts per page.
    with _figure(9.0, 4.4, layout=None) as fig:
        fig.subplots_adjust(left=0.1, right=0.70, top=0.89, bottom=0.13)
        ax = fig.add_subplot()
        for i, (label, st) in enumerate(runs):
            c = colour(i)
            ax.fill_between(months, st["p5"], st["p95"], color=c, alpha=0.12, linewidth=0)
            ax.fill_between(months, st["p25"], st["p75"], color=c, alpha=0.28, linewidth=0)
            ax.plot(
                months,
                st["p50"],
                color=c,
                linestyle=linestyle(i),
                linewidth=2.4,
                label=_wrap(label),
            )
        ax.set_title(title, loc="left")
        ax.set_xlabel("month")
        _ylabel(ax, ylabel)
        ax.set_xlim(months[0], months[-1])
        if ylim is not None:
            top = ylim[1]
            if top is None:
                highest = max(
                    [max(st["p95"], default=0.0) for _, st in runs]
                    + [t.value for t in thresholds]
                    + [0.0]
                )
                top = highest * 1.08 or 1.0
            ax.set_ylim(ylim[0], top)
        grey = "#555555"
        handles, labels = ax.get_legend_handles_labels()
        handles += [
            Patch(color=grey, alpha=0.45, linewidth=0),
            Patch(color=grey, alpha=0.15, linewidth=0),
        ]
        labels += ["middle 50% of runs", "middle 90% of runs"]
        extra = _draw_thresholds(ax, thresholds) + _draw_marks(ax, marks)
        handles += [h for h, _ in extra]
        labels += [text for _, text in extra]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, title)


def _ylabel(ax: Any, text: str) -> None:
    """Label the y axis; the ``ylabel`` gid lets tests find it in the SVG."""
    ax.set_ylabel(text)
    ax.yaxis.label.set_gid("ylabel")


def _draw_marks(ax: Any, marks: Sequence[Mark]) -> list[tuple[Any, str]]:
    """Lettered vertical lines at injects: solid for a decision, dotted otherwise.

    Returns the legend entries they need. Each line and letter has a gid
    (``mark-decision-<inject>``, ``mark-inject-<inject>``) written into the SVG.
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    if not marks:
        return []
    top = blended_transform_factory(ax.transData, ax.transAxes)
    kinds = set()
    for m in marks:
        kind = "decision" if m.decision else "inject"
        kinds.add(kind)
        style = "-" if m.decision else ":"
        ax.axvline(m.month, color=MARK_COLOUR, linestyle=style, linewidth=1.1, zorder=1.5)
        ax.lines[-1].set_gid(f"mark-{kind}-{m.inject}")
        ax.text(
            m.month,
            0.985,
            m.letter,
            transform=top,
            ha="center",
            va="top",
            fontsize=10,
            color=MARK_COLOUR,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            gid=f"mark-label-{m.inject}",
        )
    entries = []
    if "decision" in kinds:
        entries.append((Line2D([], [], color=MARK_COLOUR, linewidth=1.1), "decision (lettered)"))
    if "inject" in kinds:
        entries.append(
            (Line2D([], [], color=MARK_COLOUR, linestyle=":", linewidth=1.1), "inject (lettered)")
        )
    return entries


def _draw_thresholds(ax: Any, thresholds: Sequence[Threshold]) -> list[tuple[Any, str]]:
    """Dashed horizontal lines at objective thresholds, each labelled with its objective."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    if not thresholds:
        return []
    right = blended_transform_factory(ax.transAxes, ax.transData)
    for k, t in enumerate(thresholds):
        ax.axhline(t.value, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.3, zorder=1.6)
        ax.lines[-1].set_gid(f"threshold-{k}-{t.objective}")
        ax.text(
            0.99,
            t.value,
            t.label,
            transform=right,
            ha="right",
            va="bottom",
            fontsize=10,
            color=THRESHOLD_COLOUR,
            gid=f"threshold-label-{k}-{t.objective}",
        )
    line = Line2D([], [], color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.3)
    return [(line, "objective threshold")]


def objective_trend(
    key: str,
    title: str,
    months: Sequence[int],
    lines: Sequence[tuple[str, Sequence[float]]],
    *,
    marks: Sequence[Mark] = (),
) -> str:
    """The chance (0-100%) that objectives stand met, month by month, one line each."""
    with _figure(9.0, 4.0, layout=None) as fig:
        fig.subplots_adjust(left=0.1, right=0.70, top=0.88, bottom=0.14)
        ax = fig.add_subplot()
        for i, (label, probs) in enumerate(lines):
            ax.plot(
                months,
                [100 * p for p in probs],
                color=colour(i),
                linestyle=linestyle(i),
                linewidth=2.4,
                label=_wrap(label),
            )
        ax.set_title(title, loc="left")
        ax.set_xlabel("month")
        _ylabel(ax, "Chance met (% of runs)")
        ax.set_xlim(months[0], months[-1])
        ax.set_ylim(0, 100)
        handles, labels = ax.get_legend_handles_labels()
        extra = _draw_marks(ax, marks)
        handles += [h for h, _ in extra]
        labels += [text for _, text in extra]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, title)


def grouped_barh(
    ax: Any, n_categories: int, series: Sequence[tuple[str, Sequence[float], dict[str, Any]]]
) -> list[list[float]]:
    """One group of horizontal bars per category, one bar per series, side by side.

    ``series`` holds (label, one value per category, extra ``barh`` keywords such
    as error bars); the first category is drawn at y = 0. Returns each
    series' bar positions (for :func:`annotate_bars`).
    """
    n = max(len(series), 1)
    height = 0.8 / n
    positions = []
    for i, (label, values, extra) in enumerate(series):
        ys = [j + (i - (n - 1) / 2) * height for j in range(n_categories)]
        ax.barh(ys, values, height=height * 0.9, color=colour(i), label=label, **extra)
        positions.append(ys)
    return positions


def annotate_bars(
    ax: Any,
    ys: Sequence[float],
    values: Sequence[float],
    ends: Sequence[float],
    fmt: Callable[[float], str],
    *,
    pad: float,
    stub_colour: str = "#222222",
) -> None:
    """Print each bar's value just past ``ends`` (bar or whisker end); mark a zero bar.

    A bar of zero length is otherwise invisible, which reads as "missing":
    it gets a short vertical stub at zero (gid ``zero-stub``) besides its value.
    """
    for y, v, end in zip(ys, values, ends, strict=True):
        ax.text(end + pad, y, fmt(v), va="center", ha="left", fontsize=10, color="#222222")
        if v == 0:
            ax.plot([0], [y], marker="|", markersize=14, markeredgewidth=2.5, color=stub_colour)
            ax.lines[-1].set_gid(f"zero-stub-{len(ax.lines)}")


def _percent(v: float) -> str:
    return f"{100 * v:.0f}%"


def objective_bars(
    key: str, objectives: Sequence[str], runs: Sequence[tuple[str, Mapping[str, Interval]]]
) -> str:
    """Success probability per objective and run, with 95% Wilson interval whiskers.

    Each bar's value is printed past its whisker, and a 0% bar has a stub,
    so "never met" is visibly a result, not a missing bar.
    """
    n_runs = max(len(runs), 1)
    with _figure(9.0, 1.3 + 0.55 * len(objectives) * n_runs) as fig:
        ax = fig.add_subplot()
        whiskers = {"ecolor": "#222222", "capsize": 4, "linewidth": 1.5}
        positions = grouped_barh(
            ax,
            len(objectives),
            [
                (
                    _wrap(label),
                    [probs[o]["p"] for o in objectives],
                    {
                        "xerr": [
                            [probs[o]["p"] - probs[o]["ci_low"] for o in objectives],
                            [probs[o]["ci_high"] - probs[o]["p"] for o in objectives],
                        ],
                        "error_kw": whiskers,
                    },
                )
                for label, probs in runs
            ],
        )
        for i, (_, probs) in enumerate(runs):
            annotate_bars(
                ax,
                positions[i],
                [probs[o]["p"] for o in objectives],
                [probs[o]["ci_high"] for o in objectives],
                _percent,
                pad=0.012,
                stub_colour=colour(i),
            )
        ax.set_yticks(range(len(objectives)), list(objectives))
        ax.invert_yaxis()
        ax.set_xlim(0, 1.1)
        ticks = [0, 0.25, 0.5, 0.75, 1.0]
        ax.set_xticks(ticks, [_percent(t) for t in ticks])
        ax.set_xlabel("chance of meeting the objective (% of runs, 95% interval)")
        _ylabel(ax, "objective")
        ax.set_title("Objectives", loc="left")
        ax.grid(axis="y", visible=False)
        if len(runs) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, "Objectives: probability of success")


def incident_bars(
    key: str,
    kinds: Sequence[str],
    outcomes: Sequence[str],
    runs: Sequence[tuple[str, dict[str, dict[str, float]]]],
) -> str:
    """Mean incidents per replication by kind, stacked by outcome, one bar per run.

    Each bar's total is printed at its end; a kind with no incidents gets a stub.
    """
    rows = [(kind, label, inc[kind]) for kind in kinds for label, inc in runs]
    with _figure(9.0, 1.5 + 0.5 * len(rows)) as fig:
        ax = fig.add_subplot()
        ys = list(range(len(rows)))
        left = [0.0] * len(rows)
        for outcome in outcomes:
            widths = [counts.get(outcome, 0.0) for _, _, counts in rows]
            ax.barh(
                ys,
                widths,
                left=left,
                height=0.75,
                color=OUTCOME_COLOURS.get(outcome, "#999999"),
                label=outcome,
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        top = max(left, default=0.0) or 1.0
        annotate_bars(ax, ys, left, left, lambda v: f"{v:,.1f}", pad=top * 0.01)
        ax.set_xlim(0, top * 1.12)
        names = [kind if len(runs) == 1 else f"{kind}: {label}" for kind, label, _ in rows]
        ax.set_yticks(ys, names)
        ax.invert_yaxis()
        ax.set_xlabel("Incidents (count per run, mean)")
        _ylabel(ax, "threat kind" if len(runs) == 1 else "threat kind: policy")
        ax.set_title("Incidents by kind and outcome", loc="left")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, "Incidents by kind and outcome")
