"""Outputs: atomic, never silently overwritten, never lost to another format's failure,
inert when opened; and a failing replication that can be reproduced on its own."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner, Result

import sim.report.markdown
import sim.runs.runner
from sim.cli import app
from sim.model.engine import simulate
from sim.model.streams import replication_seed
from sim.runs import reportfile as files
from sim.runs.reportfile import RenderFailed, load_report, write_outputs
from sim.scenario.loader import load_scenario
from waits import Terminal

ASSETS = Path(__file__).parent / "assets"
SMALL = ASSETS / "hazards" / "valid_base.yaml"  # id hazard_base, policy base
HOSTILE = ASSETS / "hostile_text.yaml"
SHIPPED = Path(__file__).resolve().parent.parent / "scenarios" / "iraq_training_mission.yaml"
runner = CliRunner()


def ttx(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def run_small(out: Path, *extra: str) -> Result:
    return ttx("run", SMALL, "--replications", "4", "--seed", "7", "--out", out, "--quiet", *extra)


# --------------------------------------------------------------------------- atomic writes


def test_interrupt_after_the_temporary_file_is_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between writing the temporary file and renaming it: no report, no temp file."""
    written: list[Path] = []

    def interrupted_fsync(fd: int) -> None:
        written.extend(p for p in tmp_path.rglob("*") if p.is_file())
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    out = tmp_path / "out"
    result = run_small(out)
    assert result.exit_code == 130, result.output
    assert "interrupted; no partial output was written" in result.stderr
    assert [p.name for p in written if p.name.startswith(".report.json.")]  # the temp existed
    assert not out.exists()  # the folder the run created is removed again, being empty


def test_write_atomic_replaces_whole_files_only(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    files.write_atomic(path, "old\n")
    files.write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.slow
def test_ctrl_c_during_a_run_exits_130_and_leaves_no_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # stderr is a terminal, so ttx draws its progress bar: the bar showing is the sign
    # that the run has started, and 5000 replications outlast the wait by far.
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(SHIPPED),
            "--replications",
            "5000",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=child,
        text=True,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
        # A shell running the tests in the background may ignore SIGINT, and children
        # inherit that; give the child Python's normal Ctrl-C handling back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    os.close(child)
    terminal = Terminal(parent)
    try:
        terminal.wait_for("iraq_training_mission/supportive")
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=60)
        stderr = terminal.read_to_end()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(parent)
    assert proc.returncode == 130, stderr
    assert "interrupted; no partial output was written" in stderr
    assert "Traceback" not in stderr
    assert "wrote" not in stdout
    assert not out.exists() or list(out.iterdir()) == []


# --------------------------------------------------------------------------- overwrite


def test_existing_report_is_not_overwritten_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_small(out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["report.json", "report.md"]

    again = run_small(out, "--seed", "8")
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        f"error: {out / 'report.json'}, {out / 'report.md'} already exist; "
        "use --force to overwrite or --out to choose another directory"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    forced = run_small(out, "--seed", "8", "--force")
    assert forced.exit_code == 0, forced.output
    assert load_report(out / "report.json")["results"]["seed"] == 8


def test_one_existing_file_is_enough_to_refuse(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("keep me\n")
    result = run_small(out)
    assert result.exit_code == 1
    assert f"error: {out / 'report.md'} already exists; use --force" in result.stderr
    assert (out / "report.md").read_text() == "keep me\n"
    assert not (out / "report.json").exists()


# --------------------------------------------------------------------------- formats


def test_failing_markdown_renderer_keeps_the_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert run_small(out).exit_code == 0
    old_md = (out / "report.md").read_bytes()

    def broken(report: dict[str, Any]) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(sim.report.markdown, "render_run", broken)
    result = run_small(out, "--seed", "9", "--force")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"error: could not write {out / 'report.md'}: RuntimeError: renderer bug" in (
        result.stderr
    )
    assert f"written: {out / 'report.json'}" in result.stderr
    assert load_report(out / "report.json")["results"]["seed"] == 9  # the new JSON is whole
    assert (out / "report.md").read_bytes() == old_md  # the old Markdown is untouched
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "report.md"]


def test_write_outputs_writes_every_format_that_renders(tmp_path: Path) -> None:
    def fails() -> str:
        raise ValueError("no")

    a, b, c = tmp_path / "a.json", tmp_path / "b.md", tmp_path / "c.html"
    with pytest.raises(RenderFailed, match=r"could not write .*b\.md: ValueError: no"):
        write_outputs([(a, lambda: "{}\n"), (b, fails), (c, lambda: "<p>ok</p>\n")])
    assert a.read_text() == "{}\n"
    assert c.read_text() == "<p>ok</p>\n"
    assert not b.exists()
    assert write_outputs([(b, lambda: "# ok\n")]) == [b]


# --------------------------------------------------------------------------- escaping

HOSTILE_MARKERS = ("alert(", "javascript:", "<script", "onerror")


class _Tags(HTMLParser):
    """Collects every element and attribute of an HTML document, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _hostile_report(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "out"
    result = ttx("run", HOSTILE, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    return out, load_report(out / "report.json")


def test_hostile_text_renders_harmlessly_in_markdown(tmp_path: Path) -> None:
    out, _ = _hostile_report(tmp_path)
    text = (out / "report.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(text)
    page = _Tags()
    page.feed(html)
    allowed = {"h1", "h2", "p", "strong", "code", "table", "thead", "tbody", "tr", "th", "td"}
    assert set(page.tags) <= allowed, set(page.tags) - allowed  # no script, img, a, iframe...
    assert page.tags.count("h1") == 1  # the newline in the title made no heading
    assert page.tags.count("h2") == text.count("\n## ")  # nor did any other text
    assert not [a for a in page.attrs if a[0] not in ("style",)], page.attrs
    rendered = "".join(page.text)
    # The text is all there, shown as text.
    assert "<script>alert(1)</script> | `rm -rf` [click](javascript:alert(1)) # Injected" in (
        rendered
    )
    assert "<script>alert('policy')</script> | [policy](javascript:alert(1)) `tick` ## Sub" in (
        rendered
    )
    assert "Iraq <script>alert('partner')</script> | `x`" in rendered
    # Every table row has as many cells as its header: no '|' in the text split a cell.
    for table in html.split("<table>")[1:]:
        rows = table.split("</table>")[0].split("<tr>")[1:]
        widths = {row.count("<th>") + row.count("<td>") for row in rows}
        assert len(widths) == 1, table


def test_markdown_escapes_every_value_of_an_edited_report(tmp_path: Path) -> None:
    """Reports are re-rendered from JSON files, which anyone can edit: ids too are escaped."""
    _, report = _hostile_report(tmp_path)
    r = report["results"]
    evil = "x` <script>alert(1)</script> | [a](javascript:alert(1)) `"
    r["scenario"]["id"] = r["policy"]["id"] = r["scenario"]["hash"] = evil
    r["objectives"] = {evil: r["objectives"]["stable"]}
    r["decisions"] = {evil: {evil: 3}}
    report["meta"]["duration_s"] = evil
    html = MarkdownIt("commonmark").enable("table").render(sim.report.markdown.render_run(report))
    page = _Tags()
    page.feed(html)
    assert "script" not in page.tags and "a" not in page.tags
    assert not page.attrs


@pytest.mark.slow  # the HTML page draws its charts with matplotlib
def test_hostile_text_renders_harmlessly_in_html(tmp_path: Path) -> None:
    """Skipped only while ``sim.report.html`` (another branch) cannot be imported."""
    html_module = pytest.importorskip("sim.report.html")
    _, report = _hostile_report(tmp_path)
    html = html_module.render_run_html(report)
    page = _Tags()
    page.feed(html)
    assert "script" not in page.tags
    assert "iframe" not in page.tags and "img" not in page.tags
    for name, value in page.attrs:
        assert not name.startswith("on"), (name, value)  # no event handlers
        if name in ("href", "src", "xlink:href", "action", "formaction"):
            assert "javascript:" not in (value or "").lower(), (name, value)
    rendered = "".join(page.text)
    assert "<script>alert(1)</script> | `rm -rf` [click](javascript:alert(1))" in rendered
    assert "<script>alert('policy')</script>" in rendered


# --------------------------------------------------------------------------- failures


def _failing_at(monkeypatch: pytest.MonkeyPatch, run_seed: int, index: int) -> int:
    """Make the replication with this run seed and index raise, the others run normally."""
    bad = replication_seed(run_seed, index)

    def simulate_or_fail(plan: Any, seed: int, decider: Any = None) -> Any:
        if seed == bad:
            raise ZeroDivisionError("float division by zero")
        return simulate(plan, seed, decider)

    monkeypatch.setattr(sim.runs.runner, "simulate", simulate_or_fail)
    return bad


def test_failing_replication_is_reported_with_what_reproduces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = _failing_at(monkeypatch, 7, 2)
    result = run_small(tmp_path / "out")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    err = result.stderr
    assert f"replication 2 (seed {bad}) of scenario 'hazard_base', policy 'base'" in err
    assert "ZeroDivisionError: float division by zero" in err
    assert "--policy base --seed 7 --replication 2" in err
    assert not (tmp_path / "out" / "report.json").exists()

    alone = ttx("run", SMALL, "--seed", "7", "--replication", "2", "--out", tmp_path / "r2")
    assert alone.exit_code == 1
    assert f"replication 2 (seed {bad}) of scenario 'hazard_base'" in alone.stderr


def test_replication_k_alone_reproduces_replication_k_of_the_full_run(tmp_path: Path) -> None:
    full = run_small(tmp_path / "full")
    assert full.exit_code == 0, full.output
    alone = ttx("run", SMALL, "--seed", "7", "--replication", "3", "--out", tmp_path / "k3",
                "--quiet")  # fmt: skip
    assert alone.exit_code == 0, alone.output
    whole = load_report(tmp_path / "full" / "report.json")["results"]
    one = load_report(tmp_path / "k3" / "report.json")["results"]
    assert one["replication_indices"] == [3]
    assert one["kpis"].keys() == whole["kpis"].keys()
    for name, kpi in whole["kpis"].items():
        assert one["kpis"][name]["values"] == [kpi["values"][3]], name
    for oid, objective in whole["objectives"].items():
        assert one["objectives"][oid]["values"] == [objective["values"][3]], oid
    # Replications differ from one another, so the comparison above could fail.
    assert len({json.dumps(k["values"]) for k in whole["kpis"].values()}) > 1
    assert len(set(whole["kpis"]["final_stability"]["values"])) > 1


def test_scenario_of_the_failure_tests_is_small() -> None:
    s = load_scenario(SMALL)
    assert (s.id, s.policies[0].id) == ("hazard_base", "base")
    assert os.path.getsize(SMALL) < 1000


def test_reports_get_ordinary_file_permissions(tmp_path: Path) -> None:
    import os

    from sim.runs.reportfile import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.md", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "r.md").stat().st_mode & 0o777 == 0o644
