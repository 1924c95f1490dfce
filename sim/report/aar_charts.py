"""The after-action report's charts: probabilities as labelled horizontal bars (inline SVG).

Both axes are labelled (a projected chart must read without the table):
the x axis is always a probability from 0 to 100%, the y axis names what
the bars are (objectives, or a decision's options). Each bar's value is
printed at its end, and a 0% bar has a stub, so it reads as a result.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.analysis.aar import AfterAction, TeamReport
from sim.report.plots import _figure, _wrap, _ylabel, annotate_bars, colour, grouped_barh, to_svg


def probability_bars(
    key: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    xlabel: str,
    ylabel: str,
) -> str:
    """Grouped horizontal bars: one group per category, one bar per series (0-100%)."""
    n = max(len(series), 1)
    with _figure(9.0, 1.6 + 0.42 * len(categories) * n) as fig:
        ax = fig.add_subplot()
        positions = grouped_barh(
            ax, len(categories), [(label, [100 * v for v in vs], {}) for label, vs in series]
        )
        for i, (_, vs) in enumerate(series):
            values = [100 * v for v in vs]
            annotate_bars(
                ax, positions[i], values, values, lambda v: f"{v:.0f}%", pad=1.0,
                stub_colour=colour(i),
            )  # fmt: skip
        ax.set_yticks(range(len(categories)), [_wrap(c, 34) for c in categories])
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(xlabel)
        _ylabel(ax, ylabel)
        ax.set_title(title, loc="left")
        ax.grid(axis="y", visible=False)
        if len(series) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return to_svg(fig, key, title)


def team_chart(data: AfterAction) -> str:
    """Each objective's probability per team and under the default policy."""
    teams = [t["name"] for t in data["teams"]]
    rows = data["table"]
    return probability_bars(
        "aar-teams",
        "Objectives: each team's chance of meeting them",
        [r["objective"] for r in rows],
        [(_wrap(t), [r["teams"][t] for r in rows]) for t in teams]
        + [("default policy", [r["default"] for r in rows])],
        xlabel="probability of meeting the objective (%)",
        ylabel="objective",
    )


def option_chart(key: str, team: TeamReport) -> str:
    """Every option of every decision: its chance of the objective the team moved most."""
    objective = team["moved"] or team["performance"][0]["objective"]
    cats: list[str] = []
    values: list[float] = []
    for d in team["decisions"]:
        for o in d["options"]:
            cats.append(f"{d['title']}: {o['label']}" + (" (chosen)" if o["chosen"] else ""))
            values.append(o["objectives"][objective])
    return probability_bars(
        key,
        f"What each option gives for {objective}",
        cats,
        [(objective, values)],
        xlabel=f"probability of meeting {objective} (%)",
        ylabel="decision: option",
    )
