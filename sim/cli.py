"""The ``ttx`` command line: parse, call the library, print.

Heavy imports (numpy, simpy, matplotlib) happen inside the commands that need
them, so ``ttx --help``, ``ttx list`` and ``ttx validate`` start fast. Every
user-facing failure is a :class:`~sim.errors.TtxError` printed as a message
with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.errors import InputError, TtxError

app = typer.Typer(
    name="ttx",
    help="Scenario-based tabletop exercise simulator. Model numbers are illustrative "
    "training parameters, not forecasts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn ttx errors and Ctrl-C into messages and exit codes."""
    try:
        yield
    except InputError as exc:
        for problem in exc.problems:
            _err(str(problem))
        raise typer.Exit(EXIT_ERROR) from None
    except TtxError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        _err("interrupted; no partial output was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _console() -> Any:
    from rich.console import Console

    return Console()


@app.command("list")
def list_(
    directory: Annotated[Path, typer.Argument(help="Folder of scenario files.")] = Path(
        "scenarios"
    ),
) -> None:
    """List the scenarios in a folder with their ids, titles and policies."""
    from rich.table import Table

    from sim.loader import load_scenario

    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    if not files:
        _err(f"error: no scenario files (*.yaml) in {directory}")
        raise typer.Exit(EXIT_ERROR)
    table = Table("id", "title", "policies", "file")
    for path in files:
        try:
            s = load_scenario(path)
        except InputError as exc:
            table.add_row(
                "[red]invalid[/red]",
                f"{len(exc.problems)} problem(s): run ttx validate",
                "",
                str(path),
            )
            continue
        table.add_row(s.id, s.title, ", ".join(p.id for p in s.policies), str(path))
    _console().print(table)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: path: message."""
    from sim.loader import load_scenario

    failed = False
    for path in files:
        try:
            s = load_scenario(path)
        except InputError as exc:
            failed = True
            for problem in exc.problems:
                _err(str(problem))
            continue
        typer.echo(
            f"{path}: ok ({s.id}: {len(s.policies)} policies, {len(s.injects)} "
            f"injects, {len(s.objectives)} objectives)"
        )
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _summary(report: dict[str, Any]) -> None:
    from rich.table import Table

    from sim.report.labels import HEADLINE, kpi_label

    r = report["results"]
    table = Table(
        "indicator",
        "mean",
        "95% CI",
        "p5-p95",
        title=f"{r['scenario']['title']} - {r['policy']['title']} "
        f"({r['replications']} replications, seed {r['seed']})",
    )
    for name in HEADLINE:
        k = r["kpis"].get(name)
        if k:
            table.add_row(
                kpi_label(name, r),
                f"{k['mean']:.3f}",
                f"{k['ci_low']:.3f} to {k['ci_high']:.3f}",
                f"{k['p5']:.3f} to {k['p95']:.3f}",
            )
    for oid, o in r["objectives"].items():
        table.add_row(
            f"objective: {oid}", f"{o['p']:.2f}", f"{o['ci_low']:.2f} to {o['ci_high']:.2f}", ""
        )
    _console().print(table)


@app.command("run")
def run_(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    policy: Annotated[str | None, typer.Option(help="Policy id (default: the scenario's).")] = None,
    replications: Annotated[int | None, typer.Option(min=1, help="Number of replications.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Run seed.")] = None,
    replication: Annotated[
        int | None,
        typer.Option(min=0, help="Run only replication K of the run (to reproduce one)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing reports.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar or summary.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default: all cores when replications x horizon >= 12,000, "
            "else 1 = serial).",
        ),
    ] = None,
    executor: Annotated[
        str | None,
        typer.Option(help="serial, processes or dask (default: from --workers/--scheduler)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (default: start a local Dask cluster)."),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Folder for finished chunks; rerun the same command to resume."),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(min=1, help="Replications per chunk (default: from the count; see docs)."),
    ] = None,
    kpi_values: Annotated[
        bool,
        typer.Option(help="Keep per-replication KPI values in the report (paired comparisons)."),
    ] = True,
) -> None:
    """Run a scenario under one policy; write report.json and report.md.

    Replications run in chunks on the chosen executor; results are the same
    bytes whatever the executor or worker count.
    """
    with user_errors():
        from sim.executors import EXECUTORS, auto_workers
        from sim.loader import load_scenario, scenario_hash
        from sim.progress import progress_bar
        from sim.report.files import check_writable, dumps, write_atomic
        from sim.report.markdown import render_run
        from sim.runner import RunFailed, run

        if executor is not None and executor not in EXECUTORS:
            raise TtxError(f"unknown --executor '{executor}'; choose one of {', '.join(EXECUTORS)}")
        scenario = load_scenario(file)
        try:
            pol = scenario.policy(policy)
        except KeyError as exc:
            raise TtxError(exc.args[0]) from None
        run_seed = scenario.seed if seed is None else seed
        n = scenario.replications if replications is None else replications
        indices = None if replication is None else range(replication, replication + 1)
        target = out or Path("runs") / f"{scenario.id}-{pol.id}-s{run_seed}" / (
            "" if replication is None else f"rep{replication}"
        )
        paths = [target / "report.json", target / "report.md"]
        check_writable(paths, force)
        total = n if indices is None else 1
        if workers is None and executor is None and scheduler is None:
            workers = auto_workers(total, scenario.horizon)
        try:
            with progress_bar(f"{scenario.id}/{pol.id}", total, quiet) as bar:
                report = run(
                    scenario,
                    pol,
                    replications=n,
                    seed=run_seed,
                    scenario_hash=scenario_hash(file),
                    progress=bar,
                    indices=indices,
                    executor=executor,
                    workers=workers,
                    scheduler=scheduler,
                    chunk_size=chunk_size,
                    checkpoint=checkpoint,
                    kpi_values=kpi_values,
                    source=str(file),
                ).to_dict()
        except RunFailed as exc:
            if exc.partial is not None:
                partial = target / "report.partial.json"
                write_atomic(partial, dumps(exc.partial.to_dict()))
                raise TtxError(f"{exc}\nwrote what finished to {partial}") from None
            raise
        except KeyboardInterrupt:
            if checkpoint is None:
                raise
            _err(f"interrupted; finished chunks are in {checkpoint}: rerun the command to resume")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        write_atomic(paths[0], dumps(report))
        write_atomic(paths[1], render_run(report))
        if not quiet:
            _summary(report)
        typer.echo(f"wrote {paths[0]} and {paths[1]}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    command: Callable[..., Any] = typer.main.get_command(app)
    try:
        command(args=argv if argv is not None else sys.argv[1:], prog_name="ttx")
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
