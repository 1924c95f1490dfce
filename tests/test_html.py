"""HTML, CSV and re-rendered reports: escaping, self-containment, content, schema."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markupsafe import escape
from typer.testing import CliRunner

from sim.analysis.compare import compare, headline_sentences
from sim.analysis.verdict import difference_figures
from sim.cli import app
from sim.report.html import series_groups
from sim.report.markdown import render_run
from sim.report.outputs import write_comparison, write_run
from sim.runs.contract import report_schema
from sim.runs.reportfile import dumps
from sim.runs.spec import RunSpec
from sim.runs.sweep import sweep
from sim.scenario.loader import load_scenario, scenario_hash

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"

cli = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both policies of the tiny hostile-text scenario, 20 replications, as JSON and Markdown."""
    out = tmp_path_factory.mktemp("tiny")
    scenario = load_scenario(TINY)
    spec = RunSpec.of(scenario, "steady", replications=20, scenario_hash=scenario_hash(TINY))
    reports = {}
    for pid, run in sweep([spec, spec.with_policy("heavy")]).items():
        report = run.to_dict()
        report["meta"]["scenario_file"] = str(TINY)  # as ttx sweep records it
        reports[pid] = json.loads(dumps(report))  # as saved
    comparison = compare(list(reports.values()))
    write_run(reports["steady"], out / "steady", ["md"])
    write_run(reports["heavy"], out / "heavy", ["md"])
    write_comparison(comparison, list(reports.values()), out, ["md"])
    return {"dir": out, "reports": reports, "comparison": comparison}


@pytest.fixture(scope="module")
def tiny_html(tiny: dict[str, Any]) -> dict[str, Any]:
    """The same, with the HTML pages of one run and of the comparison (the charts are slow)."""
    out = tiny["dir"]
    reports = list(tiny["reports"].values())
    write_run(tiny["reports"]["steady"], out / "steady", ["md", "html"])
    write_comparison(tiny["comparison"], reports, out, ["md", "html"])
    return tiny


def _n_fans(results: dict[str, Any]) -> int:
    return sum(len(charts) for _, charts in series_groups(results))


@pytest.mark.slow
def test_scenario_text_is_escaped_not_run(tiny_html: dict[str, Any]) -> None:
    for page in (tiny_html["dir"] / "steady" / "report.html", tiny_html["dir"] / "comparison.html"):
        html = page.read_text()
        assert re.search(r"<script", html, re.IGNORECASE) is None
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
        assert "<b>&</b>" not in html and "<i>training</i>" not in html
        assert "<u>" not in html


@pytest.mark.slow
def test_html_is_self_contained(tiny_html: dict[str, Any]) -> None:
    for page in (tiny_html["dir"] / "steady" / "report.html", tiny_html["dir"] / "comparison.html"):
        html = page.read_text()
        assert "<link" not in html and "@import" not in html
        assert re.search(r"<[^>]*\ssrc=", html) is None  # escaped text may say "src=", tags not
        assert set(re.findall(r'href="(.)', html)) <= {"#"}
        # The only URLs are XML namespace names, which browsers never fetch.
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
        assert "@media print" in html


@pytest.mark.slow
def test_run_page_content(tiny_html: dict[str, Any]) -> None:
    rep = tiny_html["reports"]["steady"]
    r = rep["results"]
    html = (tiny_html["dir"] / "steady" / "report.html").read_text()
    stability = r["kpis"]["final_stability"]
    assert f'data-kpi="final_stability">{stability["mean"]:.3f}<' in html
    assert f"{stability['ci_low']:.3f} to {stability['ci_high']:.3f}" in html
    n_fans = _n_fans(r)
    assert n_fans < len(r["series"])  # one partner: no regional copies of its charts
    # one fan chart per series shown + objectives month by month + objectives + incidents
    assert html.count("<svg") == n_fans + 3
    assert html.count('<figure class="plot">') == n_fans + 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique across inline charts"
    assert f"ttx run {TINY} --policy steady --seed 7 --replications 20" in html
    assert r["scenario"]["hash"] in html
    for heading in (
        "Key indicators",
        "Objectives",
        "Monthly series",
        "Incidents",
        "Decisions taken",
    ):
        assert f">{heading}</h2>" in html
    assert "<code>vote</code></td><td><code>stay</code>" in html
    assert "Enough replications?" in html


@pytest.mark.slow
def test_comparison_page_content(tiny_html: dict[str, Any]) -> None:
    c = tiny_html["comparison"]["results"]
    html = (tiny_html["dir"] / "comparison.html").read_text()
    assert "paired by seed (common random numbers)" in html
    d = c["kpis"]["final_stability"]["differences"]["heavy"]
    assert difference_figures(d) in html
    r = tiny_html["reports"]["steady"]["results"]
    # fans + one month-by-month chart per objective + objectives + incidents
    assert html.count("<svg") == _n_fans(r) + len(r["objectives"]) + 2
    assert c["advice"]["sentence"] in html
    for sentence in headline_sentences(tiny_html["comparison"]):
        assert f">{escape(sentence)}</li>" in html


def test_series_groups_order_and_words() -> None:
    results = {
        "series": {k: {} for k in ("trust", "capacity", "x.trust", "x.capacity", "r.tension")}
        | {"y.trust": {}, "nato.funds": {}, "nato.spent": {}},
        "scenario": {"partners": {"x": "Xland", "y": "Yland"}, "rivalry_names": {"r": "X and Z"}},
    }
    groups = [
        (h, [(c.name, c.title, c.ylabel) for c in charts]) for h, charts in series_groups(results)
    ]
    assert groups == [
        (
            "Region (mean over partners)",
            [
                ("capacity", "Regional capacity", "Capacity (index 0-1)"),
                ("trust", "Regional trust", "Trust (index 0-1)"),
            ],
        ),
        (
            "Partner: Xland",
            [
                ("x.capacity", "Capacity in Xland", "Capacity (index 0-1)"),
                ("x.trust", "Trust in Xland", "Trust (index 0-1)"),
            ],
        ),
        ("Partner: Yland", [("y.trust", "Trust in Yland", "Trust (index 0-1)")]),
        ("Rivalries", [("r.tension", "Tension between X and Z", "Tension (index 0-1)")]),
        (
            "Alliance",
            [
                ("nato.funds", "Alliance funds", "Alliance funds (budget units)"),
                ("nato.spent", "Alliance spending to date", "Spent to date (budget units)"),
            ],
        ),
    ]


def test_report_schema_validates_real_reports(tiny: dict[str, Any]) -> None:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    saved_run = json.loads((tiny["dir"] / "steady" / "report.json").read_text())
    saved_cmp = json.loads((tiny["dir"] / "comparison.json").read_text())
    validator.validate(saved_run)
    validator.validate(saved_cmp)
    broken = json.loads(json.dumps(saved_run))
    del broken["results"]["kpis"]
    assert not validator.is_valid(broken)
    wrong = json.loads(json.dumps(saved_cmp))
    wrong["results"]["runs"][1]["method"] = "guessed"
    assert not validator.is_valid(wrong)
    future = json.loads(json.dumps(saved_run))
    future["schema_version"] = 3
    assert not validator.is_valid(future)
    past = json.loads(json.dumps(saved_run))
    past["schema_version"] = 1  # before model v2
    assert not validator.is_valid(past)


# --- ttx report ------------------------------------------------------------------


def test_report_csv(tiny: dict[str, Any], tmp_path: Path) -> None:
    src = tiny["dir"] / "heavy" / "report.json"
    result = cli.invoke(app, ["report", str(src), "--format", "csv", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    r = tiny["reports"]["heavy"]["results"]
    series = list(csv.DictReader(io.StringIO((tmp_path / "report_series.csv").read_text())))
    assert len(series) == len(r["months"]) * len(r["series"]) * 6
    row = next(x for x in series if x["series"] == "levant.trust" and x["stat"] == "p95")
    assert row["month"] == "0"
    assert float(row["value"]) == round(r["series"]["levant.trust"]["p95"][0], 4)
    kpis = list(csv.DictReader(io.StringIO((tmp_path / "report_kpis.csv").read_text())))
    assert len(kpis) == 20 * (len(r["kpis"]) + len(r["objectives"]))
    stab = [float(x["value"]) for x in kpis if x["kpi"] == "final_stability"]
    assert stab == [round(v, 4) for v in r["kpis"]["final_stability"]["values"]]
    assert [x["replication"] for x in kpis[:3]] == ["0", "1", "2"]
    cap = [int(x["value"]) for x in kpis if x["kpi"] == "objective.capable"]
    assert cap == r["objectives"]["capable"]["values"]


def test_report_md_rerender(tiny: dict[str, Any], tmp_path: Path) -> None:
    src = tiny["dir"] / "steady" / "report.json"
    md = tmp_path / "r.md"
    result = cli.invoke(app, ["report", str(src), "--format", "md", "--out", str(md)])
    assert result.exit_code == 0, result.output
    assert md.read_text() == render_run(tiny["reports"]["steady"])
    # Default output is next to the report; it exists already, so --force is needed.
    before = src.with_suffix(".md").read_bytes()
    again = cli.invoke(app, ["report", str(src), "--format", "md"])
    assert again.exit_code == 1
    assert f"{src.with_suffix('.md')} already exists; use --force" in again.output
    assert src.with_suffix(".md").read_bytes() == before


@pytest.mark.slow
def test_report_html_rerender(tiny_html: dict[str, Any]) -> None:
    src = tiny_html["dir"] / "steady" / "report.json"
    # Default output is next to the report; it exists already, so --force is needed.
    again = cli.invoke(app, ["report", str(src), "--format", "html"])
    assert again.exit_code == 1
    assert f"{src.with_suffix('.html')} already exists; use --force" in again.output
    forced = cli.invoke(app, ["report", str(src), "--format", "html", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "<svg" in src.with_suffix(".html").read_text()


def test_report_of_a_comparison(tiny: dict[str, Any], tmp_path: Path) -> None:
    src = tiny["dir"] / "comparison.json"
    md = tmp_path / "c.md"
    ok = cli.invoke(app, ["report", str(src), "--format", "md", "--out", str(md)])
    assert ok.exit_code == 0, ok.output
    assert md.read_text().startswith("# Comparison: Tiny \\<script\\>")
    html = cli.invoke(
        app, ["report", str(src), "--format", "html", "--out", str(tmp_path / "c.html")]
    )
    assert html.exit_code == 1
    assert "a comparison can be re-rendered as md or csv only; for HTML run ttx compare" in (
        html.output
    )


def test_report_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("not json")
    result = cli.invoke(app, ["report", str(bad), "--format", "csv"])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {bad}: not a ttx report (not valid JSON")
    fmt = cli.invoke(app, ["report", str(bad), "--format", "pdf"])
    assert fmt.exit_code == 1
    assert "unknown format pdf; choose from md, html, csv" in fmt.output


# --- the fast commands never import matplotlib ------------------------


@pytest.mark.slow
def test_run_and_validate_do_not_import_plotting(tmp_path: Path) -> None:
    code = f"""
import json, sys
from sim.cli import main
for argv in (["validate", {str(TINY)!r}],
             ["run", {str(TINY)!r}, "--quiet", "--replications", "2", "--out", {str(tmp_path)!r}]):
    try:
        main(argv)
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "jinja2"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "report.json").is_file()
