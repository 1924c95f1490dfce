"""The ttx command line through typer's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

SCENARIO = "scenarios/iraq_training_mission.yaml"
runner = CliRunner()


def test_list_shows_scenarios_with_policies() -> None:
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "iraq_training_mission" in result.output
    assert "supportive, expanded" in result.output


def test_list_of_empty_folder_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["list", str(tmp_path)])
    assert result.exit_code == 1
    assert f"no scenario files (*.yaml) in {tmp_path}" in result.output


def test_run_writes_both_reports_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["run", SCENARIO, "--replications", "6", "--seed", "3", "--out", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "final regional stability" in result.output
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == 2
    r = report["results"]
    assert (r["replications"], r["seed"], r["policy"]["id"]) == (6, 3, "supportive")
    assert len(r["kpis"]["final_stability"]["values"]) == 6
    assert set(r["objectives"]) == {
        "self_reliance",
        "keep_trust",
        "stable_by_five_years",
        "attacks_contained",
    }
    assert len(r["series"]["stability"]["p50"]) == 121
    md = (out / "report.md").read_text()
    assert "# Training mission in Iraq under insurgent pressure" in md
    assert f"{r['kpis']['final_stability']['mean']:.3f}" in md


def test_run_default_output_folder_and_no_silent_overwrite(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    scenario = Path(__file__).parents[1] / SCENARIO
    args = ["run", str(scenario), "--replications", "2", "--quiet"]
    assert runner.invoke(app, args).exit_code == 0
    target = tmp_path / "runs" / "iraq_training_mission-supportive-s20261127" / "report.json"
    before = target.read_bytes()
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "already exist" in again.output and "--force" in again.output
    assert target.read_bytes() == before
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_run_one_replication_reproduces_it(tmp_path: Path) -> None:
    full = tmp_path / "full"
    one = tmp_path / "one"
    base = ["run", SCENARIO, "--seed", "8", "--quiet"]
    assert runner.invoke(app, [*base, "--replications", "4", "--out", str(full)]).exit_code == 0
    assert runner.invoke(app, [*base, "--replication", "2", "--out", str(one)]).exit_code == 0
    all_values = json.loads((full / "report.json").read_text())["results"]["kpis"]
    single = json.loads((one / "report.json").read_text())["results"]
    assert single["replication_indices"] == [2]
    for name, kpi in single["kpis"].items():
        assert kpi["values"] == [all_values[name]["values"][2]]


def test_unknown_policy_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", SCENARIO, "--policy", "bold", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "no policy 'bold' in scenario 'iraq_training_mission' (have: expanded, supportive)" in (
        result.output
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_python_dash_m_sim_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", SCENARIO],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ok (iraq_training_mission" in result.stdout


@pytest.mark.slow  # also through python -m sim
def test_version_is_the_package_version() -> None:
    import tomllib

    import sim

    declared = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    version = declared["project"]["version"]
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"ttx {version}\n"
    assert sim.__version__ == version
    assert (
        subprocess.run(
            [sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, check=True
        ).stdout
        == f"ttx {version}\n"
    )


def test_version_without_package_metadata_says_so(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from importlib.metadata import PackageNotFoundError

    from sim import version

    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(version, "version", missing)
    assert version._read() == version.UNKNOWN == "0+unknown"
