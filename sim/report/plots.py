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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from sim.runs.contract import Interval, Series
from sim.scenario.vocabulary import INTERDICTED, MITIGATED, SUCCEEDED

#: Okabe & Ito (2008) colour-blind-safe palette, darkest/most distinct first;
#: yellow last because it is faint on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
OUTCOME_COLOURS = {INTERDICTED: "#009E73", MITIGATED: "#56B4E9", SUCCEEDED: "#D55E00"}

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
) -> str:
    """Monthly series of one or more runs: median line, p25–p75 and p5–p95 bands.

    Args:
        key: Unique id of the chart within the page.
        title: Chart title.
        months: The x values.
        runs: ``(label, stats)`` per policy, ``stats`` holding ``p5``,
            ``p25``, ``p50``, ``p75`` and ``p95`` lists.
    """
    from matplotlib.patches import Patch

    # A fixed layout instead of "constrained": it halves the drawing time,
    # which matters with a dozen charts per page.
    with _figure(9.0, 4.4, layout=None) as fig:
        fig.subplots_adjust(left=0.085, right=0.70, top=0.89, bottom=0.13)
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
        ax.set_xlim(months[0], months[-1])
        grey = "#555555"
        handles, labels = ax.get_legend_handles_labels()
        handles += [
            Patch(color=grey, alpha=0.45, linewidth=0),
            Patch(color=grey, alpha=0.15, linewidth=0),
        ]
        labels += ["middle 50% of runs", "middle 90% of runs"]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, title)


def grouped_barh(
    ax: Any, n_categories: int, series: Sequence[tuple[str, Sequence[float], dict[str, Any]]]
) -> None:
    """One group of horizontal bars per category, one bar per series, side by side.

    ``series`` holds (label, one value per category, extra ``barh`` keywords such
    as error bars); the first category is drawn at y = 0.
    """
    n = max(len(series), 1)
    height = 0.8 / n
    for i, (label, values, extra) in enumerate(series):
        ys = [j + (i - (n - 1) / 2) * height for j in range(n_categories)]
        ax.barh(ys, values, height=height * 0.9, color=colour(i), label=label, **extra)


def objective_bars(
    key: str, objectives: Sequence[str], runs: Sequence[tuple[str, Mapping[str, Interval]]]
) -> str:
    """Success probability per objective and run, with 95% Wilson interval whiskers."""
    n_runs = max(len(runs), 1)
    with _figure(9.0, 1.2 + 0.55 * len(objectives) * n_runs) as fig:
        ax = fig.add_subplot()
        whiskers = {"ecolor": "#222222", "capsize": 4, "linewidth": 1.5}
        grouped_barh(
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
        ax.set_yticks(range(len(objectives)), list(objectives))
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability of success (95% interval)")
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
    """Mean incidents per replication by kind, stacked by outcome, one bar per run."""
    rows = [(kind, label, inc[kind]) for kind in kinds for label, inc in runs]
    with _figure(9.0, 1.4 + 0.5 * len(rows)) as fig:
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
        names = [kind if len(runs) == 1 else f"{kind}: {label}" for kind, label, _ in rows]
        ax.set_yticks(ys, names)
        ax.invert_yaxis()
        ax.set_xlabel("incidents per replication (mean)")
        ax.set_title("Incidents by kind and outcome", loc="left")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, "Incidents by kind and outcome")
