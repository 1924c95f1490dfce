"""Charts of the explore report: regret distributions, sensitivity bars, the discovered region.

Drawn in the house style of :mod:`sim.report.plots` (same palette, fonts,
inline SVG with ids unique per chart), from plain numbers so this module
knows nothing of the analyses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.report.plots import PALETTE, _figure, _wrap, colour, to_svg

Box = tuple[float | None, float | None, float | None, float | None]
"""x low, x high, y low, y high of a region (None: unbounded on that side)."""


def regret_chart(
    key: str, title: str, unit: str, regrets: Sequence[tuple[str, NDArray[np.float64]]]
) -> str:
    """One box plot of regret over the points per policy (0 where the policy is best)."""
    import matplotlib

    # ``vert`` is deprecated from matplotlib 3.10, which names it ``orientation``.
    new = tuple(int(x) for x in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    sideways: dict[str, Any] = {"orientation": "horizontal"} if new else {"vert": False}
    with _figure(9.0, 1.4 + 0.65 * len(regrets)) as fig:
        ax = fig.add_subplot()
        parts = ax.boxplot(
            [values for _, values in regrets],
            **sideways,
            widths=0.6,
            patch_artist=True,
            medianprops={"color": "#000000", "linewidth": 2.4},
            flierprops={"marker": ".", "markersize": 4, "alpha": 0.5},
        )
        for i, patch in enumerate(parts["boxes"]):
            patch.set_facecolor(colour(i))
            patch.set_alpha(0.55)
        ax.set_yticks(range(1, len(regrets) + 1), [_wrap(label) for label, _ in regrets])
        ax.invert_yaxis()
        ax.set_xlabel(f"regret: shortfall against the best policy at each point ({unit})")
        ax.set_title(title, loc="left")
        ax.grid(axis="y", visible=False)
        return to_svg(fig, key, title)


def sensitivity_chart(
    key: str, title: str, measure: str, bars: Sequence[tuple[str, float, float, float]]
) -> str:
    """Horizontal bars of one index per parameter, strongest first, with interval whiskers.

    ``bars`` holds (label, value, interval low, interval high).
    """
    with _figure(9.0, 1.3 + 0.5 * len(bars)) as fig:
        ax = fig.add_subplot()
        values = [v for _, v, _, _ in bars]
        ax.barh(
            range(len(bars)),
            values,
            height=0.7,
            color=PALETTE[0],
            xerr=[
                [max(v - lo, 0.0) for _, v, lo, _ in bars],
                [max(hi - v, 0.0) for _, v, _, hi in bars],
            ],
            error_kw={"ecolor": "#222222", "capsize": 4, "linewidth": 1.5},
        )
        ax.set_yticks(range(len(bars)), [_wrap(label, 30) for label, *_ in bars])
        ax.invert_yaxis()
        ax.set_xlim(left=0)
        ax.set_xlabel(f"{measure} (95% interval)")
        ax.set_title(_wrap(title, 70), loc="left")
        ax.grid(axis="y", visible=False)
        return to_svg(fig, key, title)


def region_chart(
    key: str,
    title: str,
    axes: tuple[tuple[str, NDArray[np.float64]], tuple[str, NDArray[np.float64]]],
    cases: NDArray[np.bool_],
    case_label: str,
    box: Box | None,
) -> str:
    """The points on two parameters, cases marked, and the discovered box outlined."""
    from matplotlib.patches import Rectangle

    (xlabel, x), (ylabel, y) = axes
    with _figure(7.5, 6.0) as fig:
        ax = fig.add_subplot()
        ax.scatter(x[~cases], y[~cases], s=22, color="#999999", marker="o", label="other points")
        ax.scatter(x[cases], y[cases], s=30, color=PALETTE[1], marker="x", label=case_label)
        if box is not None:
            x0, x1 = _side(box[0], x.min()), _side(box[1], x.max())
            y0, y1 = _side(box[2], y.min()), _side(box[3], y.max())
            ax.add_patch(
                Rectangle(
                    (x0, y0),
                    x1 - x0,
                    y1 - y0,
                    fill=False,
                    edgecolor=PALETTE[0],
                    linewidth=2.4,
                    linestyle="--",
                    label="discovered region",
                )
            )
        ax.set_xlabel(_wrap(xlabel, 50))
        ax.set_ylabel(_wrap(ylabel, 40))
        ax.set_title(_wrap(title, 55), loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncols=3)
        return to_svg(fig, key, title)


def _side(bound: float | None, fallback: float) -> float:
    return fallback if bound is None else bound
