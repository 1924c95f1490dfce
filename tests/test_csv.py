"""CSV exports: values rounded to what matters, long and wide layouts, run and comparison."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.analysis.compare import compare
from sim.cli import app
from sim.report.csv import comparison_csv, kpis_csv, rounded, series_csv
from sim.runs.reportfile import dumps
from sim.runs.spec import RunSpec
from sim.runs.sweep import sweep
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "iraq_training_mission.yaml"
cli = CliRunner()


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both flagship policies on two years, 6 replications, saved as files."""
    out = tmp_path_factory.mktemp("csv")
    scenario = load_scenario(FLAGSHIP).model_copy(update={"horizon": 24})
    spec = RunSpec.of(scenario, "supportive", replications=6, seed=3)
    runs = sweep([spec, spec.with_policy("expanded")])
    reports = [json.loads(dumps(r.to_dict())) for r in runs.values()]
    comparison = compare(reports)
    (out / "report.json").write_text(dumps(reports[0]))
    (out / "comparison.json").write_text(dumps(comparison))
    return {"dir": out, "reports": reports, "comparison": comparison}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_rounded_drops_noise_and_keeps_integers_whole() -> None:
    assert rounded(0.412345678, 4) == 0.4123
    assert rounded(96.0, 2) == 96 and isinstance(rounded(96.0, 2), int)
    assert rounded(95.8, 2) == 95.8
    assert rounded(-0.00001, 4) == 0


def test_values_carry_the_precision_that_matters(two: dict[str, Any]) -> None:
    report = two["reports"][0]
    rows = _rows(kpis_csv(report))
    by_kpi: dict[str, list[str]] = {}
    for row in rows:
        by_kpi.setdefault(row["kpi"], []).append(row["value"])
    assert all("." not in v for v in by_kpi["incidents.total"])  # counts are integers
    assert all(len(v.split(".")[-1]) <= 4 for v in by_kpi["final_stability"])
    assert all(len(v.split(".")[-1]) <= 2 for v in by_kpi["cost"])
    assert set(by_kpi["objective.keep_trust"]) <= {"0", "1"}
    funds = [r["value"] for r in _rows(series_csv(report)) if r["series"] == "nato.funds"]
    assert all(len(v.split(".")[-1]) <= 2 for v in funds)


def test_wide_layout_one_row_per_month_and_per_replication(two: dict[str, Any]) -> None:
    report = two["reports"][0]
    r = report["results"]
    series = _rows(series_csv(report, "wide"))
    assert len(series) == len(r["months"])
    assert float(series[5]["iraq.trust.p50"]) == round(r["series"]["iraq.trust"]["p50"][5], 4)
    kpis = _rows(kpis_csv(report, "wide"))
    assert [row["replication"] for row in kpis] == [str(k) for k in range(6)]
    assert set(kpis[0]) == {"replication"} | set(r["kpis"]) | {
        f"objective.{o}" for o in r["objectives"]
    }
    assert [float(row["final_trust"]) for row in kpis] == [
        round(v, 4) for v in r["kpis"]["final_trust"]["values"]
    ]


def test_comparison_wide_is_one_row_per_policy(two: dict[str, Any]) -> None:
    c = two["comparison"]["results"]
    rows = _rows(comparison_csv(two["comparison"], "wide"))
    assert [row["run"] for row in rows] == ["supportive", "expanded"]
    assert [row["baseline"] for row in rows] == ["1", "0"]
    mean = c["kpis"]["final_stability"]["runs"]["expanded"]["mean"]
    assert float(rows[1]["final_stability.mean"]) == round(mean, 4)
    p = c["objectives"]["keep_trust"]["runs"]["expanded"]["p"]
    assert float(rows[1]["objective.keep_trust.p"]) == round(p, 3)


def test_comparison_long_has_the_difference_to_the_baseline(two: dict[str, Any]) -> None:
    c = two["comparison"]["results"]
    rows = _rows(comparison_csv(two["comparison"]))
    base = next(r for r in rows if r["run"] == "supportive" and r["indicator"] == "cost")
    assert base["minus_baseline"] == ""
    other = next(r for r in rows if r["run"] == "expanded" and r["indicator"] == "cost")
    estimate = c["kpis"]["cost"]["differences"]["expanded"]["estimate"]
    assert float(other["minus_baseline"]) == round(estimate, 2)


def test_report_command_writes_both_layouts(two: dict[str, Any], tmp_path: Path) -> None:
    src = two["dir"] / "comparison.json"
    out = tmp_path / "c.csv"
    args = ["report", str(src), "--format", "csv", "--csv-layout", "wide", "--out", str(out)]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(_rows(out.read_text())) == 2
    run = cli.invoke(
        app,
        ["report", str(two["dir"] / "report.json"), "--format", "csv", "--csv-layout", "wide",
         "--out", str(tmp_path / "run")],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    assert (tmp_path / "run" / "report_series.csv").read_text().startswith("month,")
    bad = cli.invoke(app, ["report", str(src), "--format", "csv", "--csv-layout", "tall"])
    assert bad.exit_code == 1
    assert "unknown CSV layout 'tall'; choose long or wide" in bad.output


def test_run_command_wide_csv_and_a_bad_layout_before_running(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", str(FLAGSHIP), "--replications", "2", "--out", str(out), "--quiet"]
    result = cli.invoke(app, [*args, "--format", "csv", "--csv-layout", "wide"])
    assert result.exit_code == 0, result.output
    assert len(_rows((out / "report_kpis.csv").read_text())) == 2
    fresh = tmp_path / "never"
    bad = cli.invoke(
        app,
        ["run", str(FLAGSHIP), "--out", str(fresh), "--format", "csv", "--csv-layout", "tall"],
    )
    assert bad.exit_code == 1 and "unknown CSV layout" in bad.output
    assert "Traceback" not in bad.output
    assert not fresh.exists()  # nothing ran


def test_an_unavailable_difference_is_left_blank(two: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(two["comparison"]))
    broken["results"]["kpis"]["cost"]["differences"]["expanded"] = {
        "available": False,
        "note": "not in both runs",
    }
    rows = _rows(comparison_csv(broken))
    other = next(r for r in rows if r["run"] == "expanded" and r["indicator"] == "cost")
    assert other["minus_baseline"] == other["minus_baseline_ci_low"] == ""


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_kpi_csv_from_arrays_in_pieces_is_the_text_of_lists(
    layout: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh run keeps values as arrays; its CSV, written a few rows at a time, is the
    text the same values as lists give."""
    import sim.report.csv as csv_module
    from sim.runs.runner import run

    scenario = load_scenario(FLAGSHIP).model_copy(update={"horizon": 6})
    fresh = run(RunSpec.of(scenario, "supportive", replications=12, seed=5)).to_dict()
    assert all(isinstance(k["values"], np.ndarray) for k in fresh["results"]["kpis"].values())
    r = fresh["results"]
    kpis = {n: {**k, "values": [float(v) for v in k["values"]]} for n, k in r["kpis"].items()}
    expected = kpis_csv({**fresh, "results": {**r, "kpis": kpis}}, layout)  # type: ignore[typeddict-item]
    monkeypatch.setattr(csv_module, "ROWS", 5)
    pieces = list(csv_module.kpis_csv_pieces(fresh, layout))
    assert len(pieces) > 2 and "".join(pieces) == expected
