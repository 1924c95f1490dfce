"""``ttx compare`` and ``ttx report``: work on saved report files, no simulation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.analysis.compare import DEFAULT_PRECISION, compare, load_runs
from sim.report.outputs import FORMATS, comparison_paths, rerender, rerender_paths, write_comparison
from sim.runs.contract import ComparisonDocument
from sim.runs.outfiles import OutputLock, check_writable
from sim.runs.reportfile import load_report


@dataclass(frozen=True)
class CompareDone:
    """A written comparison and the folder it is in."""

    comparison: ComparisonDocument
    target: Path


def compare_files(
    reports: Sequence[Path],
    *,
    baseline: str | None = None,
    rank: str | None = None,
    precision: float = DEFAULT_PRECISION,
    out: Path | None = None,
    formats: Sequence[str] = FORMATS,
    force: bool = False,
    min_differences: Mapping[str, float] | None = None,
) -> CompareDone:
    """Compare saved run reports and write ``comparison.json`` and its renderings.

    Args:
        reports: Run report files (``report.json``) of one scenario.
        baseline: Run to compare against (policy id; default the first).
        rank: KPI to rank the runs by (default ``final_stability``).
        precision: Target relative CI half-width for the replication advice.
        out: Output folder (default ``runs/<scenario>-comparison``).
        formats: Renderings besides JSON (``md``, ``html``).
        force: Overwrite existing files.
        min_differences: Smallest meaningful differences (KPI name or
            ``objectives`` -> size) over the scenario's and the catalogue's.

    Raises:
        OutputExists: A comparison file exists and ``force`` is not set.
        CompareError, ReportError: Reports that cannot be read or compared.
    """
    runs = load_runs(reports)
    comparison = compare(
        runs,
        sources=[str(p) for p in reports],
        baseline=baseline,
        rank=rank,
        precision=precision,
        command="ttx compare "
        + " ".join(str(p) for p in reports)
        + "".join(f" --min-difference {k}={v:g}" for k, v in (min_differences or {}).items()),
        min_differences=min_differences,
    )
    sid = comparison["results"]["scenario"]["id"]
    target = out or Path("runs") / f"{sid}-comparison"
    check_writable(comparison_paths(target, formats), force)
    with OutputLock(target):
        write_comparison(comparison, runs, target, formats)
    return CompareDone(comparison, target)


def rerender_file(
    file: Path,
    fmt: str = "md",
    *,
    out: Path | None = None,
    force: bool = False,
    csv_layout: str = "long",
) -> list[Path]:
    """Re-render a saved report (run or comparison) as ``md``, ``html`` or ``csv``.

    Writes next to ``file`` unless ``out`` is given (a file for md and html,
    a folder for a run's csv); returns the paths written. ``csv_layout``:
    ``long`` or ``wide`` (:mod:`sim.report.csv`).

    Raises:
        OutputExists: An output exists and ``force`` is not set.
        ReportError: ``file`` is not a readable ttx report.
    """
    report = load_report(file)
    paths = rerender_paths(file, fmt, out, report["kind"])
    check_writable(paths, force)
    with OutputLock(paths[0].parent):
        rerender(report, file, fmt, paths, csv_layout)
    return paths
