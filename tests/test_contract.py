"""The report contract: real reports conform, edited ones are refused by name, bytes survive."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import TypeAdapter
from typer.testing import CliRunner

from sim.analysis.compare import compare, load_runs
from sim.analysis.debrief import Debrief, build_debrief
from sim.cli import app
from sim.play.command import replay
from sim.runs.contract import (
    DifferenceFields,
    Interval,
    KpiSummary,
    adapter,
    report_schema,
)
from sim.runs.reportfile import ReportError, dumps, load_report
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.runs.sweep import sweep
from sim.scenario.loader import load_scenario
from sim.scenario.policyfile import recorded_policy_file
from sim.stats import Difference, Proportion, Summary

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two run reports and their comparison, as written to disk."""
    out = tmp_path_factory.mktemp("contract")
    spec = RunSpec.of(load_scenario(TINY), "steady", replications=6, scenario_hash="h")
    reports = {
        pid: report.to_dict() for pid, report in sweep([spec, spec.with_policy("heavy")]).items()
    }
    files = {}
    for pid, report in reports.items():
        files[pid] = out / f"{pid}.json"
        files[pid].write_text(dumps(report), encoding="utf-8")
    files["comparison"] = out / "comparison.json"
    files["comparison"].write_text(dumps(compare(list(reports.values()))), encoding="utf-8")
    return {"dir": out, "files": files}


def _edited(saved: dict[str, Any], name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(saved["files"][name].read_text(encoding="utf-8"))
    edit(data)
    path = saved["dir"] / f"edited-{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_loading_keeps_the_bytes(saved: dict[str, Any]) -> None:
    """Validation reads the file; what load_report returns is the file's own data."""
    for path in saved["files"].values():
        text = path.read_text(encoding="utf-8")
        assert dumps(load_report(path)) == text


def test_real_reports_conform_to_the_types(saved: dict[str, Any]) -> None:
    for name, path in saved["files"].items():
        data = json.loads(path.read_text(encoding="utf-8"))
        kind = "comparison" if name == "comparison" else "run"
        adapter(kind).validate_python(data, strict=True)
        adapter().validate_python(data, strict=True)


def test_lean_and_partial_runs_conform() -> None:
    scenario = load_scenario(TINY)
    lean = run(RunSpec.of(scenario, replications=3, seed=2), kpi_values=False).to_dict()
    five = RunSpec.of(scenario, replications=5, seed=2)
    one = run(five, indices=range(2, 3), chunk_size=1).to_dict()
    for report in (lean, one):
        adapter("run").validate_python(json.loads(dumps(report)), strict=True)
    assert "values" not in lean["results"]["kpis"]["cost"]
    assert one["results"]["replication_indices"] == [2] and one["results"]["chunk_size"] == 1


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        (
            "steady",
            lambda d: d["results"].update(seed="7"),
            "results.seed: input should be a valid integer, got '7'",
        ),
        (
            "steady",
            lambda d: d["results"]["kpis"]["cost"].update(mean="high"),
            "results.kpis.cost.mean: input should be a valid number, got 'high'",
        ),
        (
            "steady",
            lambda d: d["results"]["kpis"]["cost"].pop("sd"),
            "results.kpis.cost lacks sd",
        ),
        (
            "steady",
            lambda d: d["results"]["policy"].pop("title"),
            "results.policy lacks title",
        ),
        (
            "steady",
            lambda d: d["results"]["kpis"]["cost"]["values"].append(1.0),
            "results.kpis.cost.values must list one value per replication (6), not 7",
        ),
        (
            "steady",
            lambda d: d["results"].update(replications=0),
            "results.replications: input should be greater than or equal to 1, got 0",
        ),
        (
            "steady",
            lambda d: next(iter(d["results"]["objectives"].values())).update(check="sometimes"),
            "check: input should be 'end', 'by' or 'throughout', got 'sometimes'",
        ),
        (
            "steady",
            lambda d: d["meta"].update(duration_s="slow"),
            "meta.duration_s: input should be a valid number, got 'slow'",
        ),
        (
            "comparison",
            lambda d: d["results"]["runs"][1].update(method="guessed"),
            "results.runs[1].method: input should be 'baseline', 'paired' or 'unpaired'",
        ),
        (
            "comparison",
            lambda d: d["results"]["kpis"]["cost"]["differences"]["heavy"].pop("estimate"),
            "results.kpis.cost.differences.heavy lacks estimate",
        ),
        (
            "comparison",
            lambda d: d["results"].update(runs=d["results"]["runs"][:1]),
            "results.runs: list should have at least 2 items after validation, not 1",
        ),
    ],
)
def test_an_edited_report_is_refused_naming_the_field(
    saved: dict[str, Any], name: str, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    path = _edited(saved, name, edit)
    with pytest.raises(ReportError) as info:
        load_report(path)
    text = str(info.value)
    kind = "comparison" if name == "comparison" else "run"
    assert text.startswith(f"{path}: not a valid ttx {kind} report: "), text
    assert message in text
    assert "\n" not in text


def test_the_cli_refuses_an_edited_report_in_one_line(saved: dict[str, Any]) -> None:
    path = _edited(saved, "steady", lambda d: d["results"]["kpis"]["cost"].update(n=1.5))
    for args in (["report", str(path)], ["compare", str(path), str(saved["files"]["heavy"])]):
        result = CliRunner().invoke(app, [*args, "--out", str(saved["dir"] / "x")])
        assert result.exit_code == 1
        assert result.output == (
            f"error: {path}: not a valid ttx run report: "
            "results.kpis.cost.n: input should be a valid integer, got 1.5\n"
        )


def test_several_problems_are_counted(saved: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["results"]["seed"] = None
        d["results"]["months"] = "all"

    with pytest.raises(ReportError, match=r"results\.seed: .* \(and 1 more problem\)$"):
        load_report(_edited(saved, "steady", edit))


def test_extra_fields_are_allowed(saved: dict[str, Any]) -> None:
    """A newer ttx may add fields; an older one still reads the report."""

    def edit(d: dict[str, Any]) -> None:
        d["results"]["future"] = {"x": 1}
        d["results"]["kpis"]["cost"]["p99"] = 1.0
        d["meta"]["gpu"] = "none"

    assert load_report(_edited(saved, "steady", edit))["results"]["future"] == {"x": 1}


def test_comparing_needs_per_replication_values(tmp_path: Path, saved: dict[str, Any]) -> None:
    lean = tmp_path / "lean.json"
    lean_run = run(RunSpec.of(load_scenario(TINY), replications=3), kpi_values=False)
    lean.write_text(dumps(lean_run.to_dict()))
    with pytest.raises(ReportError, match=r"lean\.json: cannot compare a run made without per-"):
        load_runs([lean, saved["files"]["heavy"]])


def test_generated_schema_agrees_with_the_types(saved: dict[str, Any]) -> None:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in saved["files"].values():
        validator.validate(json.loads(path.read_text(encoding="utf-8")))
    run_defs = schema["$defs"]["RunResults"]
    assert "replication_indices" not in run_defs["required"]
    assert run_defs["properties"]["replications"]["minimum"] == 1
    assert "title" not in run_defs["properties"]["seed"]  # no "Seed" noise
    assert "additionalProperties" not in run_defs  # open for newer fields
    assert schema["$defs"]["Kpi"]["properties"]["values"]["description"].startswith("One value")


@pytest.mark.parametrize(
    ("typed", "stats"),
    [(KpiSummary, Summary), (Interval, Proportion), (DifferenceFields, Difference)],
)
def test_contract_parts_match_the_statistics(typed: Any, stats: Any) -> None:
    """The converters cast ``to_dict()``: the keys must be the dataclass fields."""
    assert list(typed.__annotations__) == [f.name for f in dataclasses.fields(stats)]


def test_the_debrief_conforms_to_its_type() -> None:
    """The debrief is never validated at run time; this keeps its types truthful."""
    scenario = load_scenario(ROOT / "tests" / "assets" / "three_decisions.yaml")
    pf = recorded_policy_file(
        scenario,
        team="Blue",
        seed=5,
        answers=[("first_call", "hold_back", 4), ("second_call", "deploy", 12)],
        start="steady",
        scenario_hash=None,
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=3, seed=5)
    played = replay(spec)
    data = build_debrief(spec, played.result, list(played.answers))
    TypeAdapter(Debrief).validate_python(data, strict=True)
