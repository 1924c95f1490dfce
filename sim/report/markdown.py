"""Markdown rendering of a run report, and the escaping every Markdown renderer uses.

Scenario text is escaped: a title or narrative can never inject markup,
links or HTML into a report that is passed around and rendered elsewhere.
Renderers build text with :func:`md_escape` and :func:`md_code` and tables
with :func:`table`, which keeps a ``|`` in any value from splitting a cell.
"""

from __future__ import annotations

import re
from typing import Any

from sim.analysis.kpis import HEADLINE, kpi_label
from sim.analysis.wording import fixed, span
from sim.report.reproduce import reproduce_command
from sim.runs.contract import RunDocument, RunResults
from sim.scenario.vocabulary import is_incident_name
from sim.text import visible

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|<>&~#])")
# Text that would start a list, a quote or a setext underline if it began a line.
_MD_LEAD = re.compile(r"^(\d{1,9}(?=[.)](?:\s|$))|)([-+.)](?=\s|$)|=+\s*$)")
# In a cell: a backslash escape (kept), a code span or a bare pipe.
_CELL_PART = re.compile(r"\\.|`[^`]*`|\|", re.DOTALL)


def md_escape(text: Any) -> str:
    """Escape Markdown and HTML control characters; newlines become spaces.

    The result is inert wherever it is placed: mid-line, in a table cell or
    at the start of a line. Reports are re-rendered from JSON files that
    may have been edited, so every value is escaped, not only free text;
    a control or bidirectional character is shown as ``<U+001B>``.
    """
    flat = " ".join(visible(str(text)).split())
    return _MD_LEAD.sub(r"\1\\\2", _MD_SPECIAL.sub(r"\\\1", flat))


def md_notes(text: str) -> str:
    """A facilitator's own Markdown, kept as written but for raw HTML and control characters.

    Notes are meant to carry emphasis and lists, so they are not flattened
    like :func:`md_escape`; ``<``, ``>`` and ``&`` are escaped so no HTML
    element, autolink or entity survives a renderer.
    """
    return re.sub(r"[<>&]", lambda m: "\\" + m[0], visible(text))


def md_code(text: Any) -> str:
    """An inline code span that no value can break out of (ids, hashes).

    Backticks become ``'`` and newlines spaces. A ``|`` stays as it is: in a
    code span a backslash is shown literally, so only :func:`table` may
    escape it, where the table parser removes that backslash again.
    """
    return "`" + " ".join(visible(str(text)).replace("`", "'").split()) + "`"


def _cell(text: str) -> str:
    """``text`` with every pipe that would end the cell escaped, also inside code spans.

    GFM splits a row at each ``|`` not preceded by a backslash, before it
    parses code spans, and drops that backslash afterwards; so ``\\|``
    shows as ``|`` in plain text and in code alike.
    """
    return _CELL_PART.sub(lambda m: m[0] if m[0][0] == "\\" else m[0].replace("|", "\\|"), text)


def table(header: list[str], rows: list[list[str]]) -> str:
    """A GFM table of already escaped cells (:func:`md_escape`, :func:`md_code`)."""

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(map(_cell, cells)) + " |"

    rule = "|" + "|".join("---" for _ in header) + "|"
    return "\n".join([row(header), rule, *map(row, rows)])


def kpi_rows(results: RunResults, names: list[str]) -> list[list[str]]:
    rows = []
    for name in names:
        k = results["kpis"].get(name)
        if k is None:
            continue
        rows.append(
            [
                md_escape(kpi_label(name, results)),
                fixed(k["mean"]),
                span(k["ci_low"], k["ci_high"]),
                fixed(k["sd"]),
                f"{fixed(k['p5'])} / {fixed(k['p50'])} / {fixed(k['p95'])}",
            ]
        )
    return rows


def render_run(report: RunDocument) -> str:
    """The Markdown text of a run report."""
    r, meta = report["results"], report.get("meta", {})
    sc, pol = r["scenario"], r["policy"]
    out = [
        f"# {md_escape(sc['title'])}",
        "",
        f"Policy **{md_escape(pol['title'])}** ({md_code(pol['id'])}), "
        f"{md_escape(r['replications'])} replications, seed {md_escape(r['seed'])}, "
        f"horizon {md_escape(sc['horizon'])} months.",
        "",
        "Figures are means over replications with 95% confidence intervals; the model's "
        "numbers are illustrative training parameters, not forecasts.",
        "",
        "## Key indicators",
        "",
        table(
            ["indicator", "mean", "95% CI", "sd", "p5 / p50 / p95"],
            kpi_rows(r, [n for n in HEADLINE if n in r["kpis"]]),
        ),
        "",
    ]
    if r["objectives"]:
        rows = [
            [
                md_code(oid),
                md_escape(o["description"]),
                md_escape(o["check"]),
                fixed(o["p"], 2),
                span(o["ci_low"], o["ci_high"], 2),
            ]
            for oid, o in r["objectives"].items()
        ]
        out += [
            "## Objectives",
            "",
            "Probability of success (Wilson 95% interval).",
            "",
            table(["objective", "description", "check", "success", "95% CI"], rows),
            "",
        ]
    if r["incidents"]:
        rows = [
            [md_escape(kind), *(fixed(v, 1) for v in outcomes.values())]
            for kind, outcomes in r["incidents"].items()
        ]
        first = next(iter(r["incidents"].values()))
        out += [
            "## Incidents per replication",
            "",
            table(["kind", *[md_escape(o) for o in first]], rows),
            "",
        ]
    if r["decisions"]:
        rows = [
            [md_code(inj), ", ".join(f"{md_escape(opt)}: {n}" for opt, n in opts.items())]
            for inj, opts in r["decisions"].items()
        ]
        out += [
            "## Decisions taken",
            "",
            "Replications taking each option.",
            "",
            table(["inject", "options"], rows),
            "",
        ]
    partner_kpis = [n for n in r["kpis"] if "." in n and not is_incident_name(n)]
    if partner_kpis:
        out += [
            "## Partners and rivalries",
            "",
            table(
                ["indicator", "mean", "95% CI", "sd", "p5 / p50 / p95"], kpi_rows(r, partner_kpis)
            ),
            "",
        ]
    out += [
        "## Reproduce",
        "",
        f"Scenario {md_code(sc['id'])} (hash {md_code(sc['hash'])}), policy "
        f"{md_code(pol['id'])}, seed {md_escape(r['seed'])}, "
        f"{md_escape(r['replications'])} replications; "
        f"ttx {md_escape(meta.get('ttx_version', '?'))}, "
        f"run {md_escape(meta.get('created', '?'))} in {md_escape(meta.get('duration_s', '?'))} s.",
        "",
        f"From the directory the run was started in: {md_code(reproduce_command(r, meta))}",
        "",
    ]
    return "\n".join(out)
