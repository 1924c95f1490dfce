"""What the report charts say: titles, labels, honest ranges, inject marks, objective thresholds."""

from __future__ import annotations

from typing import Any

from sim.report.chartspec import Threshold, marks, series_groups, thresholds, unscheduled


def _results(partners: dict[str, str], series: list[str], **objectives: str) -> dict[str, Any]:
    return {
        "series": {name: {} for name in series},
        "months": list(range(25)),
        "scenario": {
            "horizon": 24,
            "partners": partners,
            "injects": [
                {"id": "late", "title": "Late", "month": 12, "decision": True},
                {"id": "first", "title": "First", "month": 1, "decision": False},
                {"id": "cond", "title": "When it hurts", "month": None, "decision": True},
                {"id": "never", "title": "After the end", "month": 30, "decision": False},
            ],
        },
        "objectives": {oid: {"condition": text} for oid, text in objectives.items()},
    }


def test_one_partner_draws_no_regional_copy_of_its_charts() -> None:
    r = _results({"iraq": "Iraq"}, ["trust", "stability", "iraq.trust", "iraq.stability"])
    groups = series_groups(r)
    assert [h for h, _ in groups] == ["Iraq"]
    assert [c.title for c in groups[0][1]] == ["Trust in Iraq", "Stability in Iraq"]


def test_ranges_are_honest() -> None:
    r = _results({"a": "A", "b": "B"}, ["trust", "a.trust", "r.tension", "nato.funds", "odd"])
    charts = {c.name: c for _, cs in series_groups(r) for c in cs}
    assert charts["trust"].ylim == charts["a.trust"].ylim == charts["r.tension"].ylim == (0, 1)
    assert charts["nato.funds"].ylim == (0.0, None)  # amounts start at zero
    assert charts["odd"].ylim is None and charts["odd"].title == "Odd"


def test_marks_are_the_scheduled_injects_in_month_order() -> None:
    r = _results({"a": "A"}, ["a.trust"])
    got = [(m.letter, m.inject, m.month, m.decision) for m in marks(r)]
    assert got == [("A", "first", 1, False), ("B", "late", 12, True)]
    assert [i["id"] for i in unscheduled(r)] == ["cond"]


def test_thresholds_found_on_charted_series_only() -> None:
    r = _results(
        {"a": "A", "b": "B"},
        ["trust", "capacity", "a.trust", "r.tension", "nato.spent"],
        keep="a.trust >= 0.57",
        calm="r.tension < 0.3 and month >= 25",
        flipped="0.5 <= mean(partners.capacity)",
        budget="nato.spent <= 300",
        weakest="min(partners.trust) >= 0.4",
        either="a.trust > 0.9 or b.trust > 0.9",
        counts="incidents.terrorism <= 20",
        broken="a.trust >=",
    )
    charted = ["trust", "capacity", "a.trust", "r.tension", "nato.spent"]
    assert thresholds(r, charted) == {
        "nato.spent": [Threshold("budget", "<=", 300.0)],
        "r.tension": [Threshold("calm", "<", 0.3)],
        "capacity": [Threshold("flipped", ">=", 0.5)],
        "a.trust": [Threshold("keep", ">=", 0.57)],
    }
    assert Threshold("keep", ">=", 0.57).label == "keep ≥ 0.57"


def test_regional_threshold_goes_to_the_only_partner() -> None:
    r = _results({"a": "A"}, ["a.trust"], low="min(partners.trust) >= -0.1")
    assert thresholds(r, ["a.trust"]) == {"a.trust": [Threshold("low", ">=", -0.1)]}
