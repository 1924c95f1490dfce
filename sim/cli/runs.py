"""``ttx run``, ``sweep``, ``compare`` and ``report``: options in, one library call, output.

Each command parses its options, checks what only makes sense in terms of
flags, calls its use case in :mod:`sim.jobs` and prints the result. The
jobs' errors name no flags, so the wording that does (how to reproduce a
failed replication, which option picks another checkpoint) is added here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.cli.common import EXIT_INTERRUPTED, console, echo, err, user_errors
from sim.errors import TtxError

#: The most replications a run may have: the scenario format's own bound.
MAX_REPLICATIONS = 1_000_000
#: The largest seed: seeds are unsigned 63-bit integers, as in the scenario format.
MAX_SEED = 2**63 - 1
#: The seed's help: its range in words, as the help leaves out the 19-digit bound.
SEED_HELP = "Run seed, 0 to 2^63-1."


def seed_option(help: str = SEED_HELP) -> Any:
    """The ``--seed`` option of every command that runs replications: one range for all."""
    return typer.Option(min=0, max=MAX_SEED, metavar="SEED", help=help)


if TYPE_CHECKING:  # the runner brings numpy: imported by the commands that run
    from sim.runs.budget import WorkTooLarge
    from sim.runs.contract import ComparisonDocument, RunDocument
    from sim.runs.runner import ReplicationFailed, RunFailed


def summary(report: RunDocument) -> None:
    """The headline KPIs and objectives of a run, as two tables that fit 80 columns."""
    from rich.table import Table

    from sim.report.summary import kpi_rows, objective_rows

    r = report["results"]
    out = console()
    table = Table(
        "indicator",
        "mean",
        "95% CI",
        "p5-p95",
        title=f"{r['scenario']['title']} - {r['policy']['title']} "
        f"({r['replications']} replications, seed {r['seed']})",
    )
    for row in kpi_rows(r):
        table.add_row(*row)
    out.print(table)
    rows = objective_rows(r)
    if rows:
        objectives = Table("objective", "success", "95% CI", title="Objectives met")
        for cells in rows:
            objectives.add_row(*cells)
        out.print(objectives)


def run_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file.")],
    policy: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="Policy id (default: the scenario's); repeat for one policy per cell "
            "(e.g. --policy even_handed --policy escalation).",
        ),
    ] = None,
    policy_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy-file",
            metavar="FILE",
            help="Policy file (e.g. answers recorded by ttx play) instead of a scenario policy; "
            "repeat for one per cell.",
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_REPLICATIONS, metavar="N", help="Number of replications."),
    ] = None,
    seed: Annotated[int | None, seed_option()] = None,
    replication: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_REPLICATIONS - 1,
            metavar="K",
            help="Run only replication K of the run (to reproduce one; 0 to replications - 1).",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="Output folder.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing reports.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar or summary.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Worker processes (default: all cores when replications x horizon >= 12,000, "
            "else 1 = serial).",
        ),
    ] = None,
    executor: Annotated[
        str | None,
        typer.Option(
            metavar="EXECUTOR",
            help="serial, processes or dask (default: from --workers/--scheduler).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Dask scheduler address (default: start a local Dask cluster).",
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR", help="Folder for finished chunks; rerun the same command to resume."
        ),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Replications per chunk (default: from the count; see docs).",
        ),
    ] = None,
    kpi_values: Annotated[
        bool,
        typer.Option(help="Keep per-replication KPI values in the report (paired comparisons)."),
    ] = True,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMATS",
            help="Renderings besides report.json: md, html, csv or e.g. md,html,csv.",
        ),
    ] = "md",
    csv_layout: Annotated[
        str,
        typer.Option(
            "--csv-layout",
            metavar="LAYOUT",
            help="CSV layout: long (one value per row) or wide (one row per month, "
            "replication or policy, for spreadsheets).",
        ),
    ] = "long",
    max_work: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Limit on the estimated events of one replication (default: TTX_MAX_WORK "
            "or 500,000; see SECURITY.md).",
        ),
    ] = None,
) -> None:
    """Run a scenario under one policy (one per cell); write report.json and report.md.

    Replications run in chunks on the chosen executor; results are the same
    bytes whatever the executor or worker count.
    """
    with user_errors():
        from sim.jobs.run import run_file
        from sim.report.outputs import RUN_FORMATS, parse_formats
        from sim.report.terminal import progress_bar
        from sim.runs.budget import WorkTooLarge
        from sim.runs.checkpoint import CheckpointMismatch
        from sim.runs.executors import EXECUTORS
        from sim.runs.runner import ReplicationOutOfRange, RunFailed

        if executor is not None and executor not in EXECUTORS:
            raise TtxError(f"unknown --executor '{executor}'; choose one of {', '.join(EXECUTORS)}")
        if scheduler is not None and executor not in (None, "dask"):
            raise TtxError("--scheduler only applies to --executor dask")
        formats = parse_formats(format, RUN_FORMATS)
        try:
            done = run_file(
                file,
                policy=policy,
                policy_file=policy_file,
                replications=replications,
                seed=seed,
                replication=replication,
                out=out,
                force=force,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                checkpoint=checkpoint,
                chunk_size=chunk_size,
                kpi_values=kpi_values,
                progress=lambda label, total: progress_bar(label, total, quiet),
                warn=err,
                formats=formats,
                csv_layout=csv_layout,
                max_work=max_work,
            )
        except RunFailed as exc:
            raise TtxError(run_failed(exc, file, policy_file, policy)) from None
        except WorkTooLarge as exc:
            raise TtxError(too_much_work(exc)) from None
        except ReplicationOutOfRange as exc:
            raise TtxError(
                f"--replication {replication} is outside the run of {exc.replications} "
                f"replication{'' if exc.replications == 1 else 's'} (0 to "
                f"{exc.replications - 1}); to run {replication} replications, use "
                f"--replications {replication}"
            ) from None
        except CheckpointMismatch as exc:
            raise TtxError(
                f"{exc}. Use another --checkpoint folder, or delete this one to start afresh"
            ) from None
        except KeyboardInterrupt as exc:
            if checkpoint is None or getattr(exc, "written", None):
                raise
            err(f"interrupted; finished chunks are in {checkpoint}: rerun the command to resume")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        if not quiet:
            summary(done.report)
        echo(f"wrote {', '.join(str(p) for p in done.paths[:-1])} and {done.paths[-1]}")


def too_much_work(exc: WorkTooLarge, fits: str = "") -> str:
    """A refused run or trial, with the flag that raises the limit.

    ``fits`` words a trial's smaller replication count (``{fits}`` is replaced).
    """
    remedy = fits.format(fits=exc.fits) if fits and exc.fits else exc.remedy
    lead = f"; {remedy}, or" if remedy else ";"
    return f"{exc.what}{lead} raise the limit with --max-work N or the environment variable " + (
        "TTX_MAX_WORK"
    )


def run_failed(
    exc: RunFailed,
    file: Path,
    policy_files: Path | list[Path] | None,
    policies: list[str] | None = None,
) -> str:
    """A failed run's message, with the command that reproduces each failure alone."""
    files = [policy_files] if isinstance(policy_files, Path) else policy_files or []
    given = [f"--policy {p}" for p in policies or ()] + [f"--policy-file {p}" for p in files]

    def line(f: ReplicationFailed) -> str:
        policy = " ".join(given) if given else f"--policy {f.policy}"
        return (
            f"{f}. Reproduce it alone with: ttx run {file} {policy} "
            f"--seed {f.run_seed} --replication {f.index}"
        )

    text = exc.describe(line)
    if exc.partial_file is not None:
        text += f"\nwrote what finished to {exc.partial_file}"
    return text


def echo_sentences(comparison: ComparisonDocument) -> None:
    """A comparison for the terminal: the bottom line, the trade-off matrix, then the
    headline differences in words and the replication advice."""
    from rich.table import Table
    from rich.text import Text

    from sim.analysis.compare import headline_sentences

    r = comparison["results"]
    out = console()  # plain text: labels come from files, so no markup is interpreted
    out.print(Text("Bottom line", style="bold"))
    out.print(" ".join(r["bottom_line"]), highlight=False)
    out.print()
    table = Table(title="Trade-offs (* = best)", highlight=False)
    table.add_column("objective: chance of success")
    for run in r["runs"]:
        table.add_column(run["label"], justify="right", max_width=14, overflow="fold")
    for row in r["tradeoffs"]:
        cells = [row["cells"][run["name"]] for run in r["runs"]]
        table.add_row(
            row["label"],
            *(Text(f"{c['text']} *", style="bold") if c["best"] else c["text"] for c in cells),
        )
    out.print(table)
    out.print(
        "Differences to the baseline, paired by seed where the runs allow, with 95% intervals:",
        highlight=False,
    )
    for line in headline_sentences(comparison):
        out.print(f"- {line}", highlight=False)
    out.print(r["advice"]["sentence"], highlight=False)


MinDifferenceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--min-difference",
        metavar="KPI=VALUE",
        help="Smallest meaningful difference of a KPI (or 'objectives', a probability); "
        "smaller ones read 'no meaningful difference'. Repeatable.",
    ),
]


def min_differences(given: list[str] | None) -> dict[str, float]:
    """``["cost=10", "objectives=0.1"]`` -> ``{"cost": 10.0, "objectives": 0.1}``."""
    out: dict[str, float] = {}
    for item in given or ():
        key, sep, value = item.partition("=")
        try:
            size = float(value) if sep and key.strip() else math.nan
        except ValueError:
            size = math.nan
        if not (size >= 0 and math.isfinite(size)):
            raise TtxError(
                f"--min-difference expects KPI=VALUE with a number >= 0 (e.g. "
                f"final_stability=0.05), got '{item}'"
            )
        out[key.strip()] = size
    return out


def sweep_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file.")],
    policies: Annotated[
        str,
        typer.Option(
            metavar="IDS",
            help="Comma-separated policy ids, or 'all'; the first is the baseline.",
        ),
    ] = "all",
    replications: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_REPLICATIONS, metavar="N", help="Replications per policy."),
    ] = None,
    seed: Annotated[
        int | None,
        seed_option("Run seed shared by all policies, 0 to 2^63-1."),
    ] = None,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="Output folder.")] = None,
    format: Annotated[
        str,
        typer.Option("--format", metavar="FORMATS", help="Renderings: md, html or md,html."),
    ] = "md,html",
    force: Annotated[bool, typer.Option(help="Overwrite existing reports.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bars or summary.")] = False,
    min_difference: MinDifferenceOption = None,
) -> None:
    """Run several policies on the same seeds and compare them (common random numbers)."""
    with user_errors():
        from sim.jobs.sweep import sweep_file
        from sim.report.outputs import parse_formats
        from sim.report.terminal import progress_bar

        done = sweep_file(
            file,
            policies=policies,
            replications=replications,
            seed=seed,
            out=out,
            formats=parse_formats(format),
            force=force,
            progress=lambda label, total: progress_bar(label, total, quiet),
            min_differences=min_differences(min_difference),
        )
        if not quiet:
            echo_sentences(done.comparison)
        echo(f"wrote {len(done.policies)} run reports and the comparison to {done.target}")


def compare_(
    reports: Annotated[
        list[Path], typer.Argument(metavar="REPORT", help="Run report files (report.json).")
    ],
    baseline: Annotated[
        str | None,
        typer.Option(metavar="ID", help="Run to compare against (policy id; default: the first)."),
    ] = None,
    rank: Annotated[
        str | None,
        typer.Option(metavar="KPI", help="KPI to rank runs by (default: final_stability)."),
    ] = None,
    precision: Annotated[
        float,
        typer.Option(
            metavar="FRACTION", help="Target relative CI half-width for replication advice."
        ),
    ] = 0.05,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="Output folder.")] = None,
    format: Annotated[
        str,
        typer.Option("--format", metavar="FORMATS", help="Renderings: md, html or md,html."),
    ] = "md,html",
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
    min_difference: MinDifferenceOption = None,
) -> None:
    """Compare saved run reports: differences with CIs (paired where seeds match)."""
    with user_errors():
        from sim.jobs.saved import compare_files
        from sim.report.outputs import parse_formats

        if not (precision > 0 and math.isfinite(precision)):
            raise TtxError(f"--precision must be a positive number, got {precision}")
        done = compare_files(
            reports,
            baseline=baseline,
            rank=rank,
            precision=precision,
            out=out,
            formats=parse_formats(format),
            force=force,
            min_differences=min_differences(min_difference),
        )
        echo_sentences(done.comparison)
        echo(f"wrote the comparison to {done.target}")


def report_(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A report.json (run) or comparison.json.")
    ],
    format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="md, html or csv.")
    ] = "md",
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH", help="Output file (md, html) or folder (csv); default: next to FILE."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
    csv_layout: Annotated[
        str,
        typer.Option(
            "--csv-layout",
            metavar="LAYOUT",
            help="CSV layout: long (one value per row) or wide (one row per month, "
            "replication or policy, for spreadsheets).",
        ),
    ] = "long",
) -> None:
    """Re-render a saved report as Markdown, HTML, or CSV (series + per-replication KPIs;
    a comparison: its indicators per policy)."""
    with user_errors():
        from sim.jobs.saved import rerender_file
        from sim.report.outputs import parse_formats

        (fmt,) = parse_formats(format, ("md", "html", "csv"))[:1]
        paths = rerender_file(file, fmt, out=out, force=force, csv_layout=csv_layout)
        echo(f"wrote {' and '.join(str(p) for p in paths)}")
