"""Markdown reports through a CommonMark renderer: no value can split a table cell."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from sim.analysis.compare import compare
from sim.cli import app
from sim.report.comparison_md import render_comparison
from sim.report.markdown import md_code, md_escape, render_run, table
from sim.runs.reportfile import load_report

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"
EVIL = "a|b `c` |d\\|"
SHOWN = "a|b 'c' |d\\|"  # as a code span shows it: backticks become quotes


def to_html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


def tables(page: str) -> list[str]:
    return [part.split("</table>")[0] for part in page.split("<table>")[1:]]


def cells_per_row(page: str) -> list[set[int]]:
    """For each table, the set of cell counts of its rows (one count when intact).

    A renderer drops the cells a split row has beyond the header's, so
    intact tables also need their code spans checked (:func:`code_texts`).
    """
    return [
        {row.count("<th") + row.count("<td") for row in t.split("<tr>")[1:]} for t in tables(page)
    ]


def code_texts(page: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", page)]


def table_code_texts(page: str) -> list[str]:
    return [c for t in tables(page) for c in code_texts(t)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("md") / "run"
    args = ["run", str(TINY), "--replications", "3", "--seed", "5", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return load_report(out / "report.json")


def test_table_cells_hold_pipes_in_text_and_code() -> None:
    page = to_html(table(["id", "text"], [[md_code(EVIL), md_escape(EVIL)]]))
    assert cells_per_row(page) == [{2}]
    assert code_texts(page) == [SHOWN]
    assert f"<td>{html.escape(EVIL, quote=False)}</td>" in page


def test_a_code_span_outside_a_table_shows_its_pipes_as_they_are() -> None:
    assert code_texts(to_html(f"Policy {md_code(EVIL)}.")) == [SHOWN]


def test_run_report_ids_with_pipes_and_backticks(report: dict[str, Any]) -> None:
    edited = copy.deepcopy(report)
    r = edited["results"]
    r["policy"]["id"] = r["scenario"]["id"] = EVIL
    r["objectives"] = {EVIL: next(iter(r["objectives"].values()))}
    r["decisions"] = {EVIL: {EVIL: 3}}
    page = to_html(render_run(edited))
    widths = cells_per_row(page)
    assert len(widths) >= 3 and all(len(w) == 1 for w in widths), widths
    assert table_code_texts(page).count(SHOWN) == 2  # objectives, decisions
    assert code_texts(page).count(SHOWN) == 5  # also the policy line and reproduce (twice)
    assert "<script" not in page


def test_comparison_run_names_with_pipes_and_backticks(report: dict[str, Any]) -> None:
    a, b = copy.deepcopy(report), copy.deepcopy(report)
    b["results"]["policy"]["id"] = EVIL
    page = to_html(render_comparison(compare([a, b])))
    widths = cells_per_row(page)
    assert len(widths) >= 4 and all(len(w) == 1 for w in widths), widths
    assert table_code_texts(page).count(SHOWN) == 1  # the runs table
    assert SHOWN in code_texts(page.split("<h2>Reproduce</h2>")[1])
