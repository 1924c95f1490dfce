"""Which files a run, sweep, comparison or re-render writes, and writing them.

Kept out of ``cli.py`` so the commands stay thin and a library user can
produce the same files. Paths are computed *before* any simulation runs, so
``--force`` is checked up front and a refused overwrite costs nothing.
Renderers that need matplotlib or jinja2 are imported only when an HTML
file is actually requested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sim.errors import TtxError
from sim.runs.contract import ComparisonDocument, RunDocument
from sim.runs.outfiles import write_atomic, write_outputs
from sim.runs.reportfile import dump_pieces

FORMATS = ("md", "html")
RUN_FORMATS = ("md", "html", "csv")
"""What ``ttx run --format`` may write: a run also has CSV (series and per-replication KPIs)."""


def parse_formats(text: str, allowed: Sequence[str] = FORMATS) -> list[str]:
    """``"md,html"`` -> ``["md", "html"]``; unknown names are an error naming the allowed ones."""
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in wanted if f not in allowed]
    if bad or not wanted:
        raise TtxError(
            f"unknown format {', '.join(bad) or repr(text)}; choose from {', '.join(allowed)}"
        )
    return list(dict.fromkeys(wanted))


def run_paths(directory: Path, formats: Sequence[str]) -> list[Path]:
    """``report.json`` plus one rendering per format in ``directory``.

    CSV is two files, named as ``ttx report report.json --format csv`` names them.
    """
    paths = [directory / "report.json"]
    for f in formats:
        if f == "csv":
            paths += [directory / "report_series.csv", directory / "report_kpis.csv"]
        else:
            paths.append(directory / f"report.{f}")
    return paths


def comparison_paths(directory: Path, formats: Sequence[str]) -> list[Path]:
    """``comparison.json`` plus one rendering per format in ``directory``."""
    return [directory / "comparison.json", *(directory / f"comparison.{f}" for f in formats)]


def render_run_text(report: RunDocument, fmt: str) -> str:
    """A run report as Markdown or HTML text."""
    if fmt == "md":
        from sim.report.markdown import render_run

        return render_run(report)
    from sim.report.html import render_run_html

    return render_run_html(report)


Outputs = list[tuple[Path, Callable[[], str | Iterable[str]]]]
"""Files to write, each with the function that renders its text (whole or in pieces)."""


def run_outputs(
    report: RunDocument, directory: Path, formats: Sequence[str], csv_layout: str = "long"
) -> Outputs:
    """A run report's JSON and renderings in ``directory``, not yet rendered.

    ``csv_layout`` is ``long`` or ``wide`` (:mod:`sim.report.csv`).
    """
    outputs: Outputs = [(directory / "report.json", lambda: dump_pieces(report))]
    for fmt in formats:
        if fmt == "csv":
            from sim.report.csv import kpis_csv_pieces, layout, series_csv

            outputs += [
                (
                    directory / "report_series.csv",
                    lambda: series_csv(report, layout(csv_layout)),
                ),
                (
                    directory / "report_kpis.csv",
                    lambda: kpis_csv_pieces(report, layout(csv_layout)),
                ),
            ]
        else:
            outputs.append(
                (directory / f"report.{fmt}", lambda fmt=fmt: render_run_text(report, fmt))  # type: ignore[misc]
            )
    return outputs


def write_run(
    report: RunDocument, directory: Path, formats: Sequence[str], csv_layout: str = "long"
) -> list[Path]:
    """Write a run report's JSON and renderings; return the paths written.

    All files are rendered to temporaries and renamed together
    (``write_outputs``): an interruption leaves none of them, and a failing
    renderer costs only its own file.
    """
    return write_outputs(run_outputs(report, directory, formats, csv_layout))


def render_comparison_text(
    comparison: ComparisonDocument, reports: Sequence[RunDocument], fmt: str
) -> str:
    """A comparison as Markdown or HTML text (HTML also reads the run reports' series)."""
    if fmt == "md":
        from sim.report.comparison_md import render_comparison

        return render_comparison(comparison)
    from sim.report.html import render_comparison_html

    return render_comparison_html(comparison, reports)


def comparison_outputs(
    comparison: ComparisonDocument,
    reports: Sequence[RunDocument],
    directory: Path,
    formats: Sequence[str],
) -> Outputs:
    """A comparison's JSON and renderings in ``directory``, not yet rendered."""
    paths = comparison_paths(directory, formats)
    outputs: Outputs = [(paths[0], lambda: dump_pieces(comparison))]
    outputs += [
        (path, lambda fmt=fmt: render_comparison_text(comparison, reports, fmt))  # type: ignore[misc]
        for path, fmt in zip(paths[1:], formats, strict=True)
    ]
    return outputs


def write_comparison(
    comparison: ComparisonDocument,
    reports: Sequence[RunDocument],
    directory: Path,
    formats: Sequence[str],
) -> list[Path]:
    """Write a comparison's JSON and renderings together; return the paths written."""
    return write_outputs(comparison_outputs(comparison, reports, directory, formats))


def rerender_paths(source: Path, fmt: str, out: Path | None, kind: str = "run") -> list[Path]:
    """Where ``ttx report SOURCE --format FMT [--out OUT]`` writes.

    Markdown/HTML, and CSV of a comparison: ``OUT`` or ``SOURCE`` with the
    format's suffix. CSV of a run: two files, ``<stem>_series.csv`` and
    ``<stem>_kpis.csv``, in directory ``OUT`` (default: next to ``SOURCE``).
    """
    if fmt == "csv" and kind == "run":
        directory = source.parent if out is None else out
        return [directory / f"{source.stem}_series.csv", directory / f"{source.stem}_kpis.csv"]
    return [out if out is not None else source.with_suffix(f".{fmt}")]


def rerender(
    report: RunDocument | ComparisonDocument,
    source: Path,
    fmt: str,
    paths: Sequence[Path],
    csv_layout: str = "long",
) -> None:
    """Write ``report`` (loaded from ``source``) in ``fmt`` to ``paths``.

    A comparison's CSV is one file (one row per policy in the wide layout).
    """
    if report["kind"] == "comparison":
        if fmt == "csv":
            from sim.report.csv import comparison_csv, layout

            comparison, shape = report, layout(csv_layout)
            write_outputs([(paths[0], lambda: comparison_csv(comparison, shape))])
            return
        if fmt != "md":
            raise TtxError(
                f"{source}: a comparison can be re-rendered as md or csv only; for HTML run "
                "ttx compare on its run reports (the comparison file does not keep the "
                "monthly series)"
            )
        from sim.report.comparison_md import render_comparison

        write_atomic(paths[0], render_comparison(report))
        return
    run = report
    if fmt == "csv":
        from sim.report.csv import kpis_csv, layout, series_csv

        shape = layout(csv_layout)
        write_outputs(
            [(paths[0], lambda: series_csv(run, shape)), (paths[1], lambda: kpis_csv(run, shape))]
        )
        return
    write_atomic(paths[0], render_run_text(run, fmt))
