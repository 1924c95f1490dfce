"""``ttx run``: one scenario under one policy (or a team's policy file) to report files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from sim.model.plan import compile_plan
from sim.report.outputs import run_paths, write_run
from sim.runs import budget, signals
from sim.runs.contract import RunDocument
from sim.runs.executors import auto_workers, make_executor
from sim.runs.outfiles import OutputLock, check_folder, check_writable, write_atomic
from sim.runs.reportfile import dumps
from sim.runs.runner import RunFailed, run
from sim.runs.spec import RunSpec
from sim.runs.sweep import ProgressFactory, open_progress
from sim.scenario.loader import load_policy_file, load_scenario, scenario_hash
from sim.scenario.policyfile import hash_warning

#: The checkpoint folder's own lock: it may also be the output folder.
CHECKPOINT_LOCK = ".ttx-checkpoint.lock"

#: By default a run writes the JSON report and its Markdown rendering.
RUN_FORMATS = ("md",)


@dataclass(frozen=True)
class RunDone:
    """A finished run: the report (``RunReport.to_dict()``) and the files written."""

    report: RunDocument
    paths: list[Path]


def _ids(given: str | Sequence[str] | None) -> list[str]:
    return [] if given is None else [given] if isinstance(given, str) else list(given)


def _paths(given: Path | Sequence[Path] | None) -> list[Path]:
    return [] if given is None else [given] if isinstance(given, Path) else list(given)


def run_file(
    file: Path,
    *,
    policy: str | Sequence[str] | None = None,
    policy_file: Path | Sequence[Path] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    replication: int | None = None,
    out: Path | None = None,
    force: bool = False,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    checkpoint: Path | None = None,
    chunk_size: int | None = None,
    kpi_values: bool = True,
    progress: ProgressFactory | None = None,
    warn: Callable[[str], None] | None = None,
    formats: Sequence[str] = RUN_FORMATS,
    csv_layout: str = "long",
    max_work: int | None = None,
) -> RunDone:
    """Run a scenario file and write ``report.json`` and its renderings (``report.md``).

    Args:
        file: The scenario file.
        policy: Policy ids of the scenario, at most one per cell (default: each
            cell's default policy).
        policy_file: Team policy files (e.g. recorded by ``ttx play``), at most
            one per cell counting ``policy`` too; the first file's recorded
            seed is the default seed.
        replications: Replication count (default: the scenario's).
        seed: Run seed (default: the policy file's, then the scenario's).
        replication: Run only replication K of the run (to reproduce one).
        out: Output folder (default ``runs/<scenario>-<policy>-s<seed>``,
            with ``rep<K>`` under it for one replication).
        force: Overwrite existing reports.
        executor: ``serial``, ``processes`` or ``dask``; with ``workers`` and
            ``scheduler`` all None, the worker count follows the size of the run
            (:func:`~sim.runs.executors.auto_workers`).
        workers: Worker processes (or local Dask workers).
        scheduler: A Dask scheduler address.
        checkpoint: Folder for finished chunks; the same call again resumes.
        chunk_size: Replications per chunk (default: from the count).
        kpi_values: Keep per-replication KPI values in the report.
        progress: Progress-bar factory, called once with the run's label and size.
        warn: Told about a policy file recorded on another version of the scenario.
        formats: Renderings besides the JSON: ``md``, ``html``, ``csv``
            (:data:`sim.report.outputs.RUN_FORMATS`).
        csv_layout: ``long`` (one value per row) or ``wide`` (one row per month
            or replication) for the CSV files.
        max_work: Limit on the estimated events of one replication
            (:func:`sim.runs.budget.max_work`); ``warn`` is told the estimate
            of a large run.

    Raises:
        OutputExists: A report (or ``report.partial.json``) exists and
            ``force`` is not set (nothing ran).
        OutputRefused: An output is a device, FIFO, folder or link, or cannot
            be written (nothing ran).
        OutputBusy: Another ttx command is writing to ``out`` or ``checkpoint``.
        RunFailed: Some replications raised; what finished is saved next to the
            report as ``report.partial.json`` (``partial_file``).
        WorkTooLarge: The estimated work is above the limit (nothing ran).
        UnknownPolicy, CellConflict, InputError, CheckpointError, ExecutorError: Bad inputs.
    """
    scenario = load_scenario(file)
    digest = scenario_hash(file)
    teams = []
    for path in _paths(policy_file):
        team = load_policy_file(path, scenario)
        warning = hash_warning(team, digest)
        if warning and warn is not None:
            warn(warning)
        teams.append(team)
    spec = RunSpec.of_cells(
        scenario,
        _ids(policy),
        teams,
        replications=replications,
        seed=seed,
        scenario_hash=digest,
    )
    indices = None if replication is None else range(replication, replication + 1)
    target = out or Path("runs") / f"{scenario.id}-{spec.label}-s{spec.seed}" / (
        "" if replication is None else f"rep{replication}"
    )
    paths = run_paths(target, formats)
    partial_file = target / "report.partial.json"
    check_writable([*paths, partial_file], force)
    if checkpoint is not None:
        check_folder(checkpoint)
    if "csv" in formats:
        from sim.report.csv import layout

        layout(csv_layout)  # a misspelt layout fails before the run, not after it
    total = spec.replications if indices is None else len(indices)
    # Before any worker starts: a refused run costs nothing.
    work = budget.estimate(compile_plan(spec.scenario, spec.policy))
    budget.check(work, total, max_work)
    note = budget.notice(work, total)
    if note and warn is not None:
        warn(note)
    if workers is None and executor is None and scheduler is None:
        workers = auto_workers(total, scenario.horizon)
    label = f"{scenario.id}/{spec.label}"
    with (
        OutputLock(target),
        OutputLock(checkpoint, CHECKPOINT_LOCK) if checkpoint is not None else nullcontext(),
        make_executor(executor, workers, scheduler) as ex,
        open_progress(progress, label, total) as bar,
    ):
        try:
            report = run(
                spec,
                executor=ex,
                progress=bar,
                indices=indices,
                chunk_size=chunk_size,
                checkpoint=checkpoint,
                kpi_values=kpi_values,
                max_work=max_work,
                spill=target,  # a large run's KPI values wait in a scratch file there
            ).to_dict()
        except RunFailed as exc:
            if exc.partial is not None:
                exc.partial_file = partial_file
                write_atomic(exc.partial_file, dumps(exc.partial.to_dict()))
            raise
        # Where the scenario file was, as given (relative to the working directory),
        # for the "command to reproduce" line; not in ``results``, which must not
        # depend on where the file lives.
        report["meta"]["scenario_file"] = str(file)
        if teams:  # likewise the policy files, so the command replays them, not their ids
            report["meta"]["policy_files"] = {
                str(path): team.policy.id
                for path, team in zip(_paths(policy_file), teams, strict=True)
            }
        signals.ready("writing")
        write_run(report, target, formats, csv_layout)  # still holding the folder's lock
    return RunDone(report, paths)
