"""``ttx sweep``: several policies on common random numbers, their reports and the comparison."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.analysis.compare import compare
from sim.analysis.verdict import check_thresholds
from sim.report.outputs import (
    FORMATS,
    comparison_outputs,
    comparison_paths,
    run_outputs,
    run_paths,
)
from sim.runs.contract import ComparisonDocument, RunDocument
from sim.runs.outfiles import OutputLock, check_writable, write_outputs
from sim.runs.spec import RunSpec
from sim.runs.sweep import ProgressFactory, resolve_policies, sweep
from sim.scenario.loader import load_scenario, scenario_hash
from sim.scenario.references import kpi_names


@dataclass(frozen=True)
class SweepDone:
    """A finished sweep: the comparison, the policies in order, and the folder written."""

    comparison: ComparisonDocument
    policies: list[str]
    target: Path


def sweep_file(
    file: Path,
    *,
    policies: str | None = "all",
    replications: int | None = None,
    seed: int | None = None,
    out: Path | None = None,
    formats: Sequence[str] = FORMATS,
    force: bool = False,
    progress: ProgressFactory | None = None,
    min_differences: Mapping[str, float] | None = None,
) -> SweepDone:
    """Run policies of a scenario file on the same seeds; write each run and the comparison.

    Args:
        file: The scenario file.
        policies: Comma-separated policy ids, or ``all`` (the default policy
            first); the first is the baseline.
        replications: Replications per policy (default: the scenario's).
        seed: Run seed shared by every policy (default: the scenario's).
        out: Output folder (default ``runs/<scenario>-sweep-s<seed>``): one
            sub-folder of run reports per policy and the comparison files.
        formats: Renderings besides JSON (``md``, ``html``).
        force: Overwrite existing reports.
        progress: Progress-bar factory, called once per policy.
        min_differences: Smallest meaningful differences (KPI name or
            ``objectives`` -> size) over the scenario's and the catalogue's.

    Raises:
        OutputExists: A report exists and ``force`` is not set (nothing ran).
        OutputRefused, OutputBusy: An output cannot be written, or another
            ttx command is writing to ``out`` (nothing ran).
        TtxError: Unknown, repeated or too few policies; invalid scenario; a
            smallest meaningful difference for an unknown KPI (nothing ran).
    """
    scenario = load_scenario(file)
    check_thresholds(min_differences or {}, sorted(kpi_names(scenario)))
    ids = resolve_policies(scenario, policies)
    base = RunSpec.of(
        scenario, ids[0], replications=replications, seed=seed, scenario_hash=scenario_hash(file)
    )
    target = out or Path("runs") / f"{scenario.id}-sweep-s{base.seed}"
    paths = [p for pid in ids for p in run_paths(target / pid, formats)]
    check_writable([*paths, *comparison_paths(target, formats)], force)
    with OutputLock(target):
        comparison, reports = _sweep(file, ids, base, target, progress, min_differences)
        # One transaction: every run report and the comparison, or none of them.
        write_outputs(
            [
                *(
                    o
                    for pid, r in zip(ids, reports, strict=True)
                    for o in run_outputs(r, target / pid, formats)
                ),
                *comparison_outputs(comparison, reports, target, formats),
            ]
        )
    return SweepDone(comparison, ids, target)


def _sweep(
    file: Path,
    ids: list[str],
    base: RunSpec,
    target: Path,
    progress: ProgressFactory | None,
    min_differences: Mapping[str, float] | None,
) -> tuple[ComparisonDocument, list[RunDocument]]:
    runs = sweep([base.with_policy(pid) for pid in ids], progress=progress)
    reports = [report.to_dict() for report in runs.values()]
    for report in reports:
        # Where the scenario file was, for the "command to reproduce" line; not in
        # ``results``, which must not depend on where the file lives.
        report["meta"]["scenario_file"] = str(file)
    comparison = compare(
        reports,
        sources=[str(target / pid / "report.json") for pid in ids],
        command=f"ttx sweep {file} --policies {','.join(ids)} "
        f"--replications {base.replications} --seed {base.seed}"
        + "".join(f" --min-difference {k}={v:g}" for k, v in (min_differences or {}).items()),
        min_differences=min_differences,
    )
    return comparison, reports
