"""Sweeps and comparisons: common random numbers, methods, refusals, CLI round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.analysis.compare import CompareError, compare, load_runs, pairing, replication_advice
from sim.cli import app
from sim.errors import TtxError
from sim.runs.reportfile import ReportError
from sim.runs.sweep import resolve_policies
from sim.scenario.loader import load_scenario
from sim.stats import paired_difference, replications_needed, welch_difference

ROOT = Path(__file__).resolve().parents[1]
IRAQ = ROOT / "scenarios" / "iraq_training_mission.yaml"
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"
REPS = "30"

cli = CliRunner()


def invoke(*args: str) -> Any:
    return cli.invoke(app, [str(a) for a in args])


def ok(*args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-policy sweep of the shipped Iraq scenario, Markdown only (HTML: see below)."""
    out = tmp_path_factory.mktemp("sweep")
    ok(
        "sweep",
        IRAQ,
        "--policies",
        "supportive,expanded",
        "--replications",
        REPS,
        "--out",
        out,
        "--format",
        "md",
    )
    return out


@pytest.fixture(scope="module")
def independent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 'expanded' policy again, but on a different seed (so not paired)."""
    out = tmp_path_factory.mktemp("indep")
    ok("run", IRAQ, "--policy", "expanded", "--replications", REPS, "--seed", "99", "--out", out)
    return out / "report.json"


# --- sweep writes everything; compare reproduces its numbers ---------


def test_sweep_writes_reports_and_comparison(swept: Path) -> None:
    for name in ("report.json", "report.md"):
        assert (swept / "supportive" / name).is_file()
        assert (swept / "expanded" / name).is_file()
    for name in ("comparison.json", "comparison.md"):
        assert (swept / name).is_file()
    assert not list(swept.rglob("*.html"))  # --format md
    comp = read(swept / "comparison.json")
    assert comp["schema_version"] == 2
    assert comp["kind"] == "comparison"
    r = comp["results"]
    assert r["baseline"] == "supportive"
    assert [x["name"] for x in r["runs"]] == ["supportive", "expanded"]
    assert [x["method"] for x in r["runs"]] == ["baseline", "paired"]
    sup = read(swept / "supportive" / "report.json")["results"]
    exp = read(swept / "expanded" / "report.json")["results"]
    assert sup["seed"] == exp["seed"] and sup["replications"] == exp["replications"] == 30
    md = (swept / "comparison.md").read_text()
    assert "paired by seed (common random numbers)" in md
    assert "Expanded operational scope lowers final partner trust by" in md


def test_compare_on_saved_reports_gives_the_sweeps_numbers(swept: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = ok(
        "compare",
        swept / "supportive" / "report.json",
        swept / "expanded" / "report.json",
        "--out",
        out,
        "--format",
        "md",
    )
    assert "wrote the comparison to" in result.output
    assert read(out / "comparison.json")["results"] == read(swept / "comparison.json")["results"]

    def body(p: Path) -> list[str]:  # all but the "compared on <time>" and command lines
        meta = ("Compared with", "From the directory")
        return [ln for ln in p.read_text().splitlines() if not ln.startswith(meta)]

    assert body(out / "comparison.md") == body(swept / "comparison.md")


@pytest.mark.slow  # every HTML page draws its charts with matplotlib
def test_sweep_writes_markdown_and_html_by_default(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    ok("sweep", IRAQ, "--policies", "supportive,expanded", "--replications", "3", "--out", out)
    for name in ("report.json", "report.md", "report.html"):
        assert (out / "supportive" / name).is_file()
        assert (out / "expanded" / name).is_file()
    for name in ("comparison.json", "comparison.md", "comparison.html"):
        assert (out / name).is_file()
    # 13 series less the 5 regional copies of the only partner's, one month-by-month
    # chart per objective (4), objectives and incidents
    assert (out / "comparison.html").read_text().count("<svg") == 8 + 4 + 2


def test_paired_difference_is_computed_from_the_per_replication_values(swept: Path) -> None:
    sup = read(swept / "supportive" / "report.json")["results"]["kpis"]["final_trust"]["values"]
    exp = read(swept / "expanded" / "report.json")["results"]["kpis"]["final_trust"]["values"]
    d = read(swept / "comparison.json")["results"]["kpis"]["final_trust"]["differences"]
    diff = d["expanded"]
    assert diff["method"] == "paired"
    assert diff["estimate"] == pytest.approx(float(np.mean(np.subtract(exp, sup))), abs=1e-12)
    expected = paired_difference(sup, exp)
    assert (diff["ci_low"], diff["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high))
    assert diff["significant"] is True
    assert diff["sentence"].startswith("Expanded operational scope lowers final partner trust by")


# --- common random numbers narrow the interval ----------------------


def test_common_random_numbers_beat_independent_seeds(
    swept: Path, independent: Path, tmp_path: Path
) -> None:
    out = tmp_path / "indep"
    ok("compare", swept / "supportive" / "report.json", independent, "--out", out, "--format", "md")
    crn = read(swept / "comparison.json")["results"]["kpis"]["final_stability"]
    ind = read(out / "comparison.json")["results"]["kpis"]["final_stability"]
    paired = crn["differences"]["expanded"]
    welch = ind["differences"]["expanded"]
    assert paired["method"] == "paired"
    assert welch["method"] == "welch"
    width_paired = paired["ci_high"] - paired["ci_low"]
    width_welch = welch["ci_high"] - welch["ci_low"]
    assert width_paired < 0.75 * width_welch, (width_paired, width_welch)
    # The report says which method it used, and why.
    md = (out / "comparison.md").read_text()
    assert "Welch, independent runs" in md
    assert "different seeds (20261127 vs 99)" in md
    runs = read(out / "comparison.json")["results"]["runs"]
    assert runs[1]["method"] == "unpaired"
    objective = read(out / "comparison.json")["results"]["objectives"]["self_reliance"]
    assert objective["differences"]["expanded"]["method"] == "newcombe"


def test_pairing_needs_same_hash_seed_and_replications(swept: Path) -> None:
    sup = read(swept / "supportive" / "report.json")
    exp = read(swept / "expanded" / "report.json")
    assert pairing(sup, exp) == (
        True,
        "same scenario, seed and replications: common random numbers",
    )
    edited = json.loads(json.dumps(exp))
    edited["results"]["scenario"]["hash"] = "0" * 16
    assert pairing(sup, edited) == (False, "scenario files differ (hash)")
    fewer = json.loads(json.dumps(exp))
    fewer["results"]["replications"] = 20
    fewer["results"]["seed"] = 5
    assert pairing(sup, fewer) == (
        False,
        "different seeds (20261127 vs 5); different replication counts (30 vs 20)",
    )


# --- refusals with clear messages ------------------------------------


def test_reports_of_different_scenarios_are_refused(swept: Path, tmp_path: Path) -> None:
    ok("run", TINY, "--replications", "5", "--out", tmp_path / "tiny", "--quiet")
    iraq = swept / "supportive" / "report.json"
    tiny = tmp_path / "tiny" / "report.json"
    result = invoke("compare", iraq, tiny, "--out", tmp_path / "x")
    assert result.exit_code == 1
    assert result.output == (
        f"error: cannot compare runs of different scenarios: {iraq} is scenario "
        f"'iraq_training_mission' but {tiny} is scenario 'tiny_script_title'\n"
    )
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id: x\n", "not a ttx report (not valid JSON: "),
        (
            '{"a": 1}',
            "not a ttx report (expected a JSON object with 'schema_version' and 'results')",
        ),
        ('{"schema_version": 99, "results": {}}', "report schema version 99 is not supported"),
        (
            '{"schema_version": 1, "kind": "run", "results": {}}',
            "report schema version 1 is no longer read by this ttx: it was written before model v2",
        ),
        (
            '{"schema_version": 2, "kind": "run", "results": {"seed": 1}}',
            "not a valid ttx run report: results lacks scenario, policy, replications, kpis, "
            "objectives, months, series, incidents, decisions",
        ),
        (
            '{"schema_version": 2, "kind": "run", "results": [], "meta": {}}',
            "not a valid ttx run report: results: input should be a valid dictionary, got []",
        ),
    ],
)
def test_a_file_that_is_not_a_report_fails_cleanly(
    swept: Path, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = invoke("compare", swept / "supportive" / "report.json", bad, "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {bad}: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_comparison_is_not_a_run_report(swept: Path, tmp_path: Path) -> None:
    result = invoke("compare", swept / "comparison.json", swept / "supportive" / "report.json")
    assert result.exit_code == 1
    assert "expected a run report, found a 'comparison' report" in result.output


def test_missing_file_and_single_report(swept: Path, tmp_path: Path) -> None:
    result = invoke("compare", tmp_path / "nope.json", swept / "supportive" / "report.json")
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.json'}: no such file" in result.output
    one = invoke("compare", swept / "supportive" / "report.json", "--out", tmp_path / "o")
    assert one.exit_code == 1
    assert "need at least two run reports to compare, got 1" in one.output


# --- options ----------------------------------------------------------------------


def test_baseline_rank_and_precision(swept: Path) -> None:
    reports = load_runs([swept / "supportive" / "report.json", swept / "expanded" / "report.json"])
    comp = compare(reports, baseline="expanded", rank="cost", precision=0.004)["results"]
    assert comp["baseline"] == "expanded"
    assert comp["kpis"]["cost"]["differences"]["supportive"]["estimate"] < 0
    ranking = comp["ranking"]
    assert ranking["kpi"] == "cost" and ranking["better"] == "lower"
    assert [e["name"] for e in ranking["order"]] == ["supportive", "expanded"]
    assert ranking["order"][1]["vs_leader"]["method"] == "paired"
    trust = reports[1]["results"]["kpis"]["final_trust"]["values"]
    advice = comp["advice"]["runs"]["expanded"]["final_trust"]
    assert advice["replications_needed"] == replications_needed(trust, 0.004)
    assert advice["meets"] is False
    assert comp["advice"]["recommended"] >= advice["replications_needed"]
    assert (
        f"about {comp['advice']['recommended']} replications per run"
        in (comp["advice"]["sentence"])
    )
    # by default the runs are ranked by final stability, the higher mean first
    default = compare(reports)["results"]["ranking"]
    means = {
        name: sum(v) / len(v)
        for name, v in (
            (r["results"]["policy"]["id"], r["results"]["kpis"]["final_stability"]["values"])
            for r in reports
        )
    }
    assert default["kpi"] == "final_stability"
    assert default["order"][0]["name"] == max(means, key=lambda name: means[name])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--baseline", "nobody"],
            "no run named 'nobody' to use as baseline; runs: supportive, expanded",
        ),
        (["--rank", "happiness"], "cannot rank by 'happiness': not a KPI of every report"),
        (["--precision", "0"], "--precision must be a positive number, got 0.0"),
        (["--format", "pdf"], "unknown format pdf; choose from md, html"),
    ],
)
def test_bad_compare_options(swept: Path, tmp_path: Path, options: list[str], message: str) -> None:
    result = invoke(
        "compare",
        swept / "supportive" / "report.json",
        swept / "expanded" / "report.json",
        "--out",
        tmp_path / "o",
        *options,
    )
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "o").exists()


def test_same_policy_twice_gets_distinct_names(swept: Path, independent: Path) -> None:
    reports = load_runs([swept / "expanded" / "report.json", independent])
    comp = compare(reports)["results"]
    assert [x["name"] for x in comp["runs"]] == ["expanded@seed20261127", "expanded@seed99"]
    sentence = comp["kpis"]["final_trust"]["differences"]["expanded@seed99"]["sentence"]
    assert sentence.startswith("Expanded operational scope (expanded@seed99) ")


def test_compare_function_refuses_different_scenarios_naming_both(swept: Path) -> None:
    report = read(swept / "supportive" / "report.json")
    other = json.loads(json.dumps(report))
    other["results"]["scenario"]["id"] = "elsewhere"
    with pytest.raises(
        CompareError, match=r"'iraq_training_mission' but b\.json is scenario 'elsewhere'"
    ):
        compare([report, other], sources=["a.json", "b.json"])


def test_load_runs_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text("[]")
    with pytest.raises(ReportError, match=r"r\.json: not a ttx report"):
        load_runs([bad])


def test_replication_advice_edge_cases() -> None:
    assert replication_advice([0.0, 0.0, 0.0]) == {
        "relative_half_width": 0.0,
        "replications_needed": 3,
        "meets": True,
    }
    zero_mean = replication_advice([-1.0, 1.0, -1.0, 1.0])
    assert zero_mean["relative_half_width"] is None
    assert zero_mean["replications_needed"] is None
    assert zero_mean["meets"] is False


def test_unpaired_when_replication_counts_differ(swept: Path) -> None:
    a = read(swept / "supportive" / "report.json")
    b = json.loads(json.dumps(read(swept / "expanded" / "report.json")))
    kpi = b["results"]["kpis"]["final_stability"]
    kpi["values"] = kpi["values"][:20]
    b["results"]["replications"] = 20
    comp = compare([a, b])["results"]
    d = comp["kpis"]["final_stability"]["differences"]["expanded"]
    w = welch_difference(a["results"]["kpis"]["final_stability"]["values"], kpi["values"])
    assert d["method"] == "welch"
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((w.ci_low, w.ci_high))


# --- sweep policy selection and overwrite protection ------------------------------


def test_resolve_policies() -> None:
    s = load_scenario(IRAQ)
    assert resolve_policies(s, "all") == ["supportive", "expanded"]
    assert resolve_policies(s, "expanded,supportive") == ["expanded", "supportive"]
    with pytest.raises(
        TtxError,
        match="unknown policy bold in scenario 'iraq_training_mission'; "
        "it has: supportive, expanded",
    ):
        resolve_policies(s, "supportive,bold")
    with pytest.raises(TtxError, match="a sweep needs at least two policies to compare"):
        resolve_policies(s, "supportive")
    with pytest.raises(TtxError, match="policy listed more than once: expanded"):
        resolve_policies(s, "expanded,expanded")


def test_sweep_refuses_to_overwrite_before_running(swept: Path) -> None:
    before = (swept / "comparison.json").stat().st_mtime_ns
    result = invoke("sweep", IRAQ, "--replications", REPS, "--out", swept, "--format", "md")
    assert result.exit_code == 1
    assert "already exist; use --force to overwrite or --out to choose another directory" in (
        result.output
    )
    assert (swept / "comparison.json").stat().st_mtime_ns == before


def test_sweep_with_unknown_policy_fails_cleanly(tmp_path: Path) -> None:
    result = invoke("sweep", IRAQ, "--policies", "supportive,bold", "--out", tmp_path / "s")
    assert result.exit_code == 1
    assert result.output == (
        "error: unknown policy bold in scenario 'iraq_training_mission'; "
        "it has: supportive, expanded\n"
    )


def test_advice_sentences(swept: Path) -> None:
    reports = load_runs([swept / "supportive" / "report.json", swept / "expanded" / "report.json"])
    loose = compare(reports, precision=10.0)["results"]["advice"]
    assert loose["sentence"] == (
        "All 14 headline estimates are within ±1000% of their mean (95% CI) with 30 replications."
    )
    assert loose["recommended"] == 30
    one = json.loads(json.dumps(reports[1]))
    one["results"]["replications"] = 1
    for k in one["results"]["kpis"].values():
        k["values"] = k["values"][:1]
    for o in one["results"]["objectives"].values():
        o["values"] = o["values"][:1]
    single = compare([reports[0], one])["results"]
    assert single["advice"]["sentence"].startswith(
        "Precision cannot be estimated from a single replication"
    )
    diff = single["kpis"]["final_trust"]["differences"]["expanded"]
    assert diff["available"] is False
    assert "need at least 2 values" in diff["note"]
