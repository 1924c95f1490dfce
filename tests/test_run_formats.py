"""``ttx run --format`` and the reproduce command every run report prints."""

from __future__ import annotations

import html
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).parents[1]
SCENARIO = "scenarios/iraq_training_mission.yaml"
runner = CliRunner()


def test_run_writes_html_and_csv_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "run", SCENARIO, "--replications", "4", "--seed", "2",
            "--out", str(out), "--format", "md,html,csv", "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = {"report.json", "report.md", "report.html", "report_series.csv", "report_kpis.csv"}
    assert {p.name for p in out.iterdir()} == names
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "report_kpis.csv").read_text().startswith("replication,kpi,value\n")
    for name in names:
        assert str(out / name) in result.output


def test_run_default_format_is_markdown_only(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", SCENARIO, "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md"}


def test_unknown_format_is_a_clear_error_and_nothing_runs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", SCENARIO, "--out", str(out), "--format", "md,pdf"])
    assert result.exit_code != 0
    assert "unknown format pdf; choose from md, html, csv" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def _command(text: str) -> list[str]:
    match = re.search(r"`(ttx run [^`]+)`", text) or re.search(
        r"<code>(ttx run [^<]+)</code>", text
    )
    assert match is not None, text
    return shlex.split(html.unescape(match[1]))


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reproduce_command_runs_as_printed_from_the_same_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    work = tmp_path / "work"
    (work / "scenarios").mkdir(parents=True)
    shutil.copy(ROOT / SCENARIO, work / SCENARIO)
    monkeypatch.chdir(work)
    first = runner.invoke(
        app,
        ["run", SCENARIO, "--policy", "expanded", "--replications", "3", "--seed", "5",
         "--out", "first", "--format", fmt, "--quiet"],
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    command = _command((work / "first" / f"report.{fmt}").read_text())
    assert command[:3] == ["ttx", "run", SCENARIO]  # as typed: relative, not the report folder
    again = runner.invoke(app, [*command[1:], "--out", "again", "--quiet"])
    assert again.exit_code == 0, again.output
    a, b = (
        json.loads((work / d / "report.json").read_text())["results"] for d in ("first", "again")
    )
    assert a == b


def test_sweep_comparison_names_its_command_with_the_path_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    (work / "scenarios").mkdir(parents=True)
    shutil.copy(ROOT / SCENARIO, work / SCENARIO)
    monkeypatch.chdir(work)
    result = runner.invoke(
        app,
        ["sweep", SCENARIO, "--replications", "2", "--out", "sw", "--format", "md", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    md = (work / "sw" / "comparison.md").read_text()
    assert f"`ttx sweep {SCENARIO} --policies" in md


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reproduce_command_replays_a_policy_file_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """A team's policy file is not a scenario policy: the command must name the file."""
    from sim.scenario.models import Policy, PolicyFile
    from sim.scenario.policyfile import dumps_policy_file

    work = tmp_path / "work"
    (work / "scenarios").mkdir(parents=True)
    (work / "answers").mkdir()
    shutil.copy(ROOT / SCENARIO, work / SCENARIO)
    team = PolicyFile(
        scenario="iraq_training_mission",
        team="Amber",
        seed=5,
        policy=Policy(id="team_amber", extends="supportive", decisions={"host_request": "hold"}),
    )
    (work / "answers" / "amber.yaml").write_text(dumps_policy_file(team, SCENARIO))
    monkeypatch.chdir(work)  # the repository root of this copy
    first = runner.invoke(
        app,
        ["run", SCENARIO, "--policy-file", "answers/amber.yaml", "--replications", "3",
         "--out", "first", "--format", fmt, "--quiet"],
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    command = _command((work / "first" / f"report.{fmt}").read_text())
    assert command[:3] == ["ttx", "run", SCENARIO]
    assert "--policy-file" in command and "answers/amber.yaml" in command
    assert "--policy" not in command
    again = runner.invoke(app, [*command[1:], "--out", "again", "--quiet"])
    assert again.exit_code == 0, again.output
    a, b = (
        json.loads((work / d / "report.json").read_text())["results"] for d in ("first", "again")
    )
    assert a == b
    assert a["decisions"]["host_request"] == {"hold": 3}  # the team's answer, replayed
