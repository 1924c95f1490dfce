"""The terminal summary of a run: precision by unit, constants as facts, 80 columns."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app
from sim.report.summary import CONSTANT, kpi_cells

SCENARIO = "scenarios/iraq_training_mission.yaml"


def _k(mean: float, sd: float, low: float, high: float, p5: float, p95: float) -> dict[str, float]:
    return {"mean": mean, "sd": sd, "ci_low": low, "ci_high": high, "p5": p5, "p95": p95}


def test_counts_have_no_spurious_decimals() -> None:
    assert kpi_cells("incidents.total", _k(123.89, 4.0, 121.2, 126.5, 117.0, 131.0)) == (
        "123.9",
        "121.2 to 126.5",
        "117 to 131",
    )
    assert kpi_cells("incidents.total", _k(42.0, 3.0, 40.0, 44.0, 38.0, 47.0))[0] == "42"


def test_money_keeps_no_spurious_decimals_and_indices_three() -> None:
    assert kpi_cells("cost", _k(208.219, 3.1, 206.72, 209.71, 203.27, 211.95)) == (
        "208",
        "207 to 210",
        "203 to 212",
    )
    assert kpi_cells("final_stability", _k(0.5731, 0.05, 0.552, 0.594, 0.5, 0.64)) == (
        "0.573",
        "0.552 to 0.594",
        "0.500 to 0.640",
    )


def test_a_constant_is_a_value_without_an_interval() -> None:
    assert kpi_cells("cost", _k(70.88, 0.0, 70.88, 70.88, 70.88, 70.88)) == ("70.9", CONSTANT, "")


def test_one_replication_has_no_interval_and_is_not_called_constant() -> None:
    assert kpi_cells("cost", _k(70.88, 0.0, 70.88, 70.88, 70.88, 70.88), 1) == ("70.9", "", "")


def test_run_summary_at_80_columns(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["run", SCENARIO, "--replications", "8", "--seed", "3", "--out", str(out)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("wrote ")]
    assert all(len(line) <= 80 for line in lines), result.output
    r = json.loads((out / "report.json").read_text())["results"]
    for oid, o in r["objectives"].items():
        row = next(line for line in lines if f" {oid} " in line)
        assert f"{o['p'] * 100:.0f}%" in row, row
    incidents = next(line for line in lines if "incidents that succeeded" in line)
    cells = [c.strip() for c in incidents.split("│")[2:5]]
    assert "." not in cells[2], incidents  # p5-p95 of a count: integers
    assert cells[0] == f"{r['kpis']['incidents.total']['mean']:.1f}".removesuffix(".0")
    assert "total cost (budget units)" in result.output
