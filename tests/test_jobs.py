"""The commands' use cases as library functions (sim.jobs), without the CLI."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from faults import failing_replication
from sim.errors import TtxError
from sim.jobs.run import run_file
from sim.jobs.saved import compare_files, rerender_file
from sim.jobs.sweep import sweep_file
from sim.runs.reportfile import OutputExists, results_bytes
from sim.runs.runner import RunFailed
from sim.scenario.loader import load_scenario
from sim.scenario.models import Policy, PolicyFile
from sim.scenario.policyfile import dumps_policy_file

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"


def test_run_file_writes_the_reports_and_returns_them(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []

    def progress(label: str, total: int):  # type: ignore[no-untyped-def]
        from contextlib import nullcontext

        seen.append((label, total))
        return nullcontext(None)

    done = run_file(TINY, replications=4, seed=3, out=tmp_path, progress=progress)
    assert done.paths == [tmp_path / "report.json", tmp_path / "report.md"]
    written = json.loads(done.paths[0].read_text())["results"]
    assert written == json.loads(results_bytes(done.report))
    assert (done.report["results"]["policy"]["id"], done.report["results"]["seed"]) == (
        "steady",
        3,
    )
    assert seen == [("tiny_script_title/steady", 4)]


def test_run_file_refuses_to_overwrite_before_running(tmp_path: Path) -> None:
    run_file(TINY, replications=2, out=tmp_path)
    with pytest.raises(OutputExists) as info:
        run_file(TINY, replications=2, out=tmp_path)
    assert info.value.paths == [tmp_path / "report.json", tmp_path / "report.md"]
    assert "--" not in str(info.value)  # the flags are the CLI's to name
    assert run_file(TINY, replications=2, out=tmp_path, force=True).paths


def test_run_file_of_a_policy_file_warns_and_names_the_team(tmp_path: Path) -> None:
    scenario = load_scenario(TINY)
    team = PolicyFile(
        scenario=scenario.id,
        scenario_hash="recorded-on-another-version",
        team="Blue",
        seed=4,
        policy=Policy(id="team_blue", extends="heavy"),
    )
    path = tmp_path / "blue.answers.yaml"
    path.write_text(dumps_policy_file(team), encoding="utf-8")
    warnings: list[str] = []
    done = run_file(
        TINY, policy_file=path, replications=2, out=tmp_path / "o", warn=warnings.append
    )
    results = done.report["results"]
    assert results["policy"] == {"id": "team_blue", "title": "Blue (team answers)"}
    assert results["seed"] == 4  # the file's seed is the default
    assert len(warnings) == 1 and "scenario" in warnings[0]
    with pytest.raises(TtxError, match="two policies for cell 'blue'"):
        run_file(TINY, policy="steady", policy_file=path)


def test_run_file_saves_what_finished_when_a_replication_fails(tmp_path: Path) -> None:
    with failing_replication(2, 1), pytest.raises(RunFailed) as info:
        run_file(TINY, replications=3, seed=2, out=tmp_path)
    exc = info.value
    assert exc.partial_file == tmp_path / "report.partial.json"
    partial = json.loads(exc.partial_file.read_text())
    assert partial["results"]["replication_indices"] == [0, 2]
    assert [(f.index, f.run_seed) for f in exc.failures] == [(1, 2)]
    assert not (tmp_path / "report.json").exists()


def test_sweep_then_compare_then_rerender(tmp_path: Path) -> None:
    swept = sweep_file(TINY, replications=5, seed=9, out=tmp_path / "sweep", formats=["md"])
    assert swept.policies == ["steady", "heavy"]
    assert swept.target == tmp_path / "sweep"
    steady = swept.target / "steady" / "report.json"
    heavy = swept.target / "heavy" / "report.json"
    saved = json.loads(steady.read_text())
    assert saved["meta"]["scenario_file"] == str(TINY)
    assert (swept.target / "comparison.md").exists()

    compared = compare_files(
        [heavy, steady], baseline="steady", out=tmp_path / "cmp", formats=["md"]
    )
    assert compared.target == tmp_path / "cmp"
    assert compared.comparison["results"]["baseline"] == "steady"
    assert (compared.target / "comparison.json").exists()

    paths = rerender_file(steady, "csv", out=tmp_path / "csv")
    assert [p.name for p in paths] == ["report_series.csv", "report_kpis.csv"]
    assert all(p.exists() for p in paths)
    with pytest.raises(OutputExists):
        rerender_file(steady, "csv", out=tmp_path / "csv")


def _raised_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """The literal text of every exception raised in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            parts = [
                c.value
                for c in ast.walk(node.exc)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
            found.append((node.lineno, " ".join(parts)))
    return found


def test_library_errors_name_no_command_line_flags() -> None:
    flag = re.compile(r"(?:^|[\s(])--[a-z]")
    offenders = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if path.relative_to(ROOT / "sim").parts[0] in ("cli", "cli.py"):
            continue  # the command line is where flags are named
        for line, text in _raised_texts(ast.parse(path.read_text(encoding="utf-8"))):
            if flag.search(text):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert offenders == []
