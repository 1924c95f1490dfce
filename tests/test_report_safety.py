"""Report and comparison files read back, and Markdown reports through a renderer.

Hand-edited JSON (NaN, duplicate keys, deep nesting, control characters,
comparisons whose parts disagree) is refused in one line naming the file;
every Markdown report, rendered as CommonMark with raw HTML on, holds no
element or attribute that its text put there.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_text_safety import BIDI, CONTROL, TINY, TINY_TEXT
from typer.testing import CliRunner

from sim.cli import app
from sim.runs.reportfile import ReportError, load_report
from sim.scenario.loader import load_scenario

# ---------------------------------------------------------------- report files


@pytest.fixture(scope="module")
def report_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("rep") / "run"
    args = ["run", str(TINY), "--replications", "3", "--seed", "5", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return (out / "report.json").read_text(encoding="utf-8")


def _report_error(path: Path) -> str:
    with pytest.raises(ReportError) as info:
        load_report(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('"seed": 5', '"seed": NaN', 1),
            "not a valid ttx report: NaN is not a number a report may hold (numbers must be "
            "finite)",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": 5, "seed": 6', 1),
            "not a valid ttx report: duplicate key 'seed' in one object; JSON would keep only "
            "the last",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": ' + "7" * 5000, 1),
            "not a valid ttx report: Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
            "the limit",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": ' + "[" * 100 + "]" * 100, 1),
            "not a valid ttx report: nested too deeply at results.seed[0][0]... (limit 32 levels)",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": ' + "[" * 100_000 + "]" * 100_000, 1),
            "not a valid ttx report: nested too deeply (limit 32 levels)",
        ),
        (
            lambda t: t.replace("Tiny <script>", "Tiny \\u001b[2J<script>", 1),
            "not a valid ttx report: results.scenario.title: character 6 of the text is the "
            f"control character U+001B (escape); {CONTROL}",
        ),
        (
            lambda t: t.replace("Tiny <script>", "Tiny \\u202e<script>", 1),
            "not a valid ttx report: results.scenario.title: character 6 of the text is the "
            f"bidirectional control U+202E (right-to-left override), {BIDI}",
        ),
        (lambda t: "x" + t, "not a ttx report (not valid JSON: it starts with b'x', not '{')"),
        (
            lambda t: "[" + t + "]",
            "not a ttx report (expected a JSON object with 'schema_version' and 'results')",
        ),
        (
            lambda t: "",
            "not a ttx report (not valid JSON: Expecting value: line 1 column 1 (char 0))",
        ),
    ],
)
def test_hand_edited_reports_get_one_line(
    edit: Any, message: str, report_text: str, tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    path.write_text(edit(report_text), encoding="utf-8")
    assert _report_error(path) == f"{path}: {message}"
    out = tmp_path / "again.md"
    result = CliRunner().invoke(app, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: {path}: {message}"]
    assert not out.exists()


def test_report_from_dev_zero_and_a_fifo(report_text: str, tmp_path: Path) -> None:
    assert _report_error(Path("/dev/zero")) == (
        "/dev/zero: not a ttx report (not valid JSON: it starts with b'\\x00', not '{')"
    )
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(report_text, encoding="utf-8"))
    writer.start()
    report = load_report(fifo)
    writer.join()
    assert report["kind"] == "run"


def test_report_files_are_capped(
    report_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.runs import reportfile

    monkeypatch.setattr(reportfile, "MAX_REPORT_BYTES", 1000)
    path = tmp_path / "report.json"
    path.write_text(report_text, encoding="utf-8")
    size = path.stat().st_size
    assert _report_error(path) == f"{path}: file is too large ({size} bytes, limit 1000)"
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    monkeypatch.setattr(reportfile, "_CHUNK", 600)

    def write() -> None:
        # The reader stops at the cap, as it should, and closes the pipe.
        with contextlib.suppress(BrokenPipeError):
            fifo.write_text(report_text, encoding="utf-8")

    writer = threading.Thread(target=write)
    writer.start()
    message = _report_error(fifo)
    writer.join()
    assert message == f"{fifo}: file is too large (more than 1000 bytes read)"


@pytest.mark.slow  # two runs and a comparison
def test_comparison_missing_parts_get_one_line(tmp_path: Path, report_text: str) -> None:
    runs = []
    for pid in ("a", "b"):
        data = json.loads(report_text)
        data["results"]["policy"]["id"] = pid
        path = tmp_path / f"{pid}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        runs.append(str(path))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", *runs, "--out", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    comparison = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    for part in ("ranking", "advice", "runs"):
        broken = json.loads(json.dumps(comparison))
        del broken["results"][part]
        path = tmp_path / f"no-{part}.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        result = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "x.md")])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"error: {path}: not a valid ttx comparison report: results lacks {part}"
        ]
        assert not (tmp_path / "x.md").exists()
    baseline = comparison["results"]["baseline"]
    other = next(r["name"] for r in comparison["results"]["runs"] if r["name"] != baseline)
    kpi = next(iter(comparison["results"]["kpis"]))
    focus = comparison["results"]["advice"]["focus"][0]

    def renamed(c: Any) -> None:
        c["results"]["runs"][0]["name"] = "ghost"

    def undiffered(c: Any) -> None:
        del c["results"]["kpis"][kpi]["differences"][other]

    def unadvised(c: Any) -> None:
        del c["results"]["advice"]["runs"][other][focus]

    def unranked(c: Any) -> None:
        c["results"]["ranking"]["order"][0]["name"] = "ghost"

    for edit, problem in (
        (renamed, f"results.baseline {baseline!r} is not one of results.runs (ghost, {other})"),
        (undiffered, f"results.kpis.{kpi} lacks run {other!r}"),
        (unadvised, f"results.advice.runs.{other} lacks {focus!r}"),
        (unranked, "results.ranking names run 'ghost', which results.runs lacks"),
    ):
        broken = json.loads(json.dumps(comparison))
        edit(broken)
        path = tmp_path / "broken.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        result = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "x.md")])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"error: {path}: not a valid ttx comparison report: {problem}"
        ]
        assert not (tmp_path / "x.md").exists()


def test_csv_export_neutralises_a_hand_edited_series_name(report_text: str) -> None:
    from sim.report.csv import series_csv

    report = json.loads(report_text)
    series = report["results"]["series"]
    series["=cmd|' /C calc'!A0"] = series.pop(next(iter(series)))
    rows = series_csv(report).splitlines()
    assert any(row.startswith("0,'=cmd|' /C calc'!A0,") for row in rows)
    assert not any(",=" in row for row in rows)


# ---------------------------------------------------------------- Markdown through a renderer

EVILS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "a|b|c",
    "`|<img src=x onerror=alert(2)>`",
    "\\|<img src=x onerror=alert(3)>",
    '<a href="javascript:alert(4)">x</a>',
    '![i](x" onerror="alert(5))',
    "<iframe src=x></iframe>",
    "<!-- hidden -->",
    "1. list",
    "# heading *_[]_*",
]
TEXT_FIELDS = {"title", "name", "description", "label", "prompt", "narrative", "briefing"}


def _poison(node: Any, counter: list[int]) -> Any:
    """Every free-text field of scenario data replaced by one of :data:`EVILS`, in turn."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in TEXT_FIELDS and isinstance(value, str):
                counter[0] += 1
                out[key] = f"{EVILS[counter[0] % len(EVILS)]} {counter[0]}"
            else:
                out[key] = _poison(value, counter)
        return out
    if isinstance(node, list):
        return [_poison(item, counter) for item in node]
    return node


class _Dom(HTMLParser):
    """Elements, attributes and comments of rendered HTML (what a browser would build)."""

    ALLOWED = frozenset(
        [
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "li",
            "em",
            "strong",
            "code",
            "pre",
            "blockquote",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "br",
            "hr",
        ]
    )

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.found.append(f"<{tag}>")
        self.found += [f"{tag} {name}=" for name, _ in attrs if name != "style"]

    def handle_comment(self, data: str) -> None:
        self.found.append("<!--")


def _dom_problems(markdown: str) -> list[str]:
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    dom = _Dom()
    dom.feed(page)
    found = dom.found
    for part in page.split("<table>")[1:]:
        rows = part.split("</table>")[0].split("<tr>")[1:]
        counts = {row.count("<th") + row.count("<td") for row in rows}
        if len(counts) != 1:
            found.append(f"table rows with {sorted(counts)} cells")
    return found


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    import yaml

    data = _poison(yaml.safe_load(TINY_TEXT), [0])
    path = tmp_path_factory.mktemp("poison") / "poisoned.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path, load_scenario(path)


def test_the_dom_check_sees_markup() -> None:
    assert _dom_problems("x <img src=x onerror=alert(1)> y") == [
        "<img>",
        "img src=",
        "img onerror=",
    ]
    assert _dom_problems("[x](javascript:alert(1))") == []  # markdown-it refuses the link


def test_brief_and_msel_markdown_carry_no_markup(poisoned: tuple[Path, Any]) -> None:
    from sim.authoring import brief, msel

    _, scenario = poisoned
    assert _dom_problems(brief.render_markdown(scenario)) == []
    assert _dom_problems(msel.render_markdown(scenario)) == []


def test_run_and_comparison_markdown_carry_no_markup(
    poisoned: tuple[Path, Any], tmp_path: Path
) -> None:
    path, _ = poisoned
    runs = []
    for policy in ("steady", "heavy"):
        out = tmp_path / policy
        args = ["run", str(path), "--policy", policy, "--replications", "3", "--out", str(out)]
        result = CliRunner().invoke(app, [*args, "--quiet"])
        assert result.exit_code == 0, result.output
        assert _dom_problems((out / "report.md").read_text(encoding="utf-8")) == []
        runs.append(str(out / "report.json"))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", *runs, "--out", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert _dom_problems((out / "comparison.md").read_text(encoding="utf-8")) == []


def test_hand_edited_ids_in_a_report_carry_no_markup(report_text: str) -> None:
    from sim.report.markdown import render_run

    report = json.loads(report_text)
    r = report["results"]
    evil = EVILS[4]
    r["objectives"] = {evil: next(iter(r["objectives"].values()))}
    r["decisions"] = {evil: {EVILS[5]: 3}}
    r["policy"]["id"] = r["scenario"]["id"] = EVILS[0]
    assert _dom_problems(render_run(report)) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "is a directory, not a report file"),
        (lambda d: d / "none.json", "no such file"),
    ],
)
def test_report_paths_that_are_not_files(make: Any, message: str, tmp_path: Path) -> None:
    path = make(tmp_path)
    assert _report_error(path) == f"{path}: {message}"


def test_report_text_problems(report_text: str, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b'{"a": "\xff"}')
    assert _report_error(path) == f"{path}: not a ttx report (not UTF-8 text at byte 7)"
    data = json.loads(report_text)
    data["results"]["kpis"]["x\u001b"] = data["results"]["kpis"]["cost"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _report_error(path) == (
        f"{path}: not a valid ttx report: results.kpis 'x<U+001B>': character 2 of the text is "
        f"the control character U+001B (escape); {CONTROL}"
    )


def test_inconsistent_comparisons(report_text: str) -> None:
    from sim.analysis.compare import compare
    from sim.runs.reportfile import report_problem

    a = json.loads(report_text)
    b = json.loads(report_text)
    b["results"]["policy"]["id"] = "other"
    comparison: Any = compare([a, b])
    assert report_problem(comparison) == ""
    names = [r["name"] for r in comparison["results"]["runs"]]

    def broken(edit: Any) -> str:
        c = json.loads(json.dumps(comparison))
        edit(c["results"])
        return report_problem(c)

    def twice(r: Any) -> None:
        r["runs"][1]["name"] = r["runs"][0]["name"]

    def unknown_focus(r: Any) -> None:
        r["advice"]["focus"].append("nothing")

    def unadvised(r: Any) -> None:
        del r["advice"]["runs"][names[1]]

    assert broken(twice) == "results.runs names a run twice"
    assert broken(unknown_focus) == "results.advice.focus names 'nothing', which results.kpis lacks"
    assert broken(unadvised) == f"results.advice.runs lacks run {names[1]!r}"


@pytest.mark.slow  # a played run, its shadow replications and an after-action report
def test_debrief_and_aar_markdown_carry_no_markup(poisoned: tuple[Path, Any]) -> None:
    from sim.analysis.aar import Team, assemble, team_report
    from sim.analysis.debrief import build_debrief
    from sim.play.command import replay
    from sim.report import aar, debrief
    from sim.runs.spec import RunSpec
    from sim.scenario.policyfile import recorded_policy_file

    _, scenario = poisoned
    inject = next(i for i in scenario.injects if i.decision is not None)
    assert inject.decision is not None
    option = inject.decision.options[-1].id
    team = EVILS[0]
    pf = recorded_policy_file(
        scenario,
        team=team,
        seed=5,
        answers=[(inject.id, option, inject.at or 0)],
        start=None,
        scenario_hash=None,
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=4, seed=5)
    played = replay(spec)
    data = build_debrief(spec, played.result, list(played.answers))
    assert _dom_problems(debrief.render_markdown(data)) == []
    t = Team(team, (pf,))
    outcome = replay(t.spec(scenario, 4, 5))
    part = team_report(
        scenario, t, replications=4, seed=5, played=outcome.result, answers=list(outcome.answers)
    )
    notes = f"{EVILS[1]}\n\n*kept* {EVILS[6]}"
    page = aar.render_markdown(assemble(scenario, [part], seed=5, replications=4, notes=notes))
    assert _dom_problems(page) == []
    assert "*kept*" in page  # the facilitator's own Markdown stays
