"""The charts themselves: honest axes, labelled, marked, zero bars visible, same bytes each time."""

from __future__ import annotations

import re

import pytest

from sim.report import plots
from sim.report.chartspec import Mark, Threshold

pytestmark = pytest.mark.slow  # matplotlib

MONTHS = list(range(13))


def _series(level: float) -> dict[str, list[float]]:
    return {s: [level + 0.001 * m for m in MONTHS] for s in ("p5", "p25", "p50", "p75", "p95")}


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_an_index_is_drawn_on_zero_to_one_with_marks_and_thresholds() -> None:
    svg = plots.fan_chart(
        "fan-x.trust",
        "Trust in X",
        MONTHS,
        [("A policy", _series(0.45))],
        ylabel="Trust (index 0-1)",
        ylim=(0.0, 1.0),
        marks=[Mark("A", "vote", 6, "The vote", True), Mark("B", "start", 1, "Start", False)],
        thresholds=[Threshold("keep", ">=", 0.5)],
    )
    texts = _texts(svg)
    assert "0.0" in texts and "1.0" in texts  # a 0.45-0.46 band is not stretched to fill
    assert "Trust (index 0-1)" in texts
    assert 'id="fan-x-trust-ylabel"' in svg
    assert 'id="fan-x-trust-mark-decision-vote"' in svg
    assert 'id="fan-x-trust-mark-inject-start"' in svg
    assert 'id="fan-x-trust-threshold-0-keep"' in svg
    assert "keep ≥ 0.5" in texts and {"A", "B"} <= set(texts)


def test_amounts_start_at_zero() -> None:
    svg = plots.fan_chart(
        "fan-nato.funds", "Alliance funds", MONTHS, [("P", _series(200.0))], ylim=(0.0, None)
    )
    assert "0" in _texts(svg)


def test_zero_bars_are_visible_and_values_printed() -> None:
    interval = {"successes": 0, "n": 10, "p": 0.0, "ci_low": 0.0, "ci_high": 0.28}
    full = {"successes": 10, "n": 10, "p": 1.0, "ci_low": 0.72, "ci_high": 1.0}
    svg = plots.objective_bars(
        "objectives", ["never", "always"], [("P", {"never": interval, "always": full})]
    )
    assert "zero-stub" in svg
    assert {"0%", "100%"} <= set(_texts(svg))
    assert 'id="objectives-ylabel"' in svg
    inc = plots.incident_bars(
        "incidents",
        ["cyber", "terrorism"],
        ["interdicted", "succeeded"],
        [
            (
                "P",
                {
                    "cyber": {"interdicted": 0.0, "succeeded": 0.0},
                    "terrorism": {"interdicted": 2.0, "succeeded": 3.5},
                },
            )
        ],
    )
    assert "zero-stub" in inc
    assert {"0.0", "5.5"} <= set(_texts(inc))


def test_same_chart_same_bytes() -> None:
    def draw() -> str:
        return plots.objective_trend(
            "trend", "Chance met", MONTHS, [("keep", [m / 12 for m in MONTHS])],
            marks=[Mark("A", "vote", 6, "The vote", True)],
        )  # fmt: skip

    assert draw() == draw()
