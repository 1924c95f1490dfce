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
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.errors import InputError, TtxError

if TYPE_CHECKING:
    from sim.runs.contract import ComparisonDocument, RunDocument

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

    from sim.scenario.loader import load_scenario

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
    strict: Annotated[
        bool,
        typer.Option(
            help="Also run a short trial simulation for the objective lint, and fail on "
            "warnings as well as errors."
        ),
    ] = False,
) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: path: message.

    Warnings (legal but almost surely a mistake) are printed too; they fail
    the check only with --strict.
    """
    from sim.authoring.lint import lint
    from sim.scenario.loader import load_scenario_with_source

    failed = False
    for path in files:
        try:
            s, source = load_scenario_with_source(path)
        except InputError as exc:
            failed = True
            for problem in exc.problems:
                _err(str(problem))
            continue
        warnings = lint(s, source, trial=strict)
        for problem in warnings:
            _err(str(problem))
        failed = failed or (strict and bool(warnings))
        note = f", {len(warnings)} warning(s)" if warnings else ""
        typer.echo(
            f"{path}: {'ok' if not (strict and warnings) else 'failed (--strict)'} "
            f"({s.id}: {len(s.policies)} policies, {len(s.injects)} "
            f"injects, {len(s.objectives)} objectives{note})"
        )
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _summary(report: RunDocument) -> None:
    from rich.table import Table

    from sim.analysis.kpis import HEADLINE, kpi_label
    from sim.analysis.wording import fixed, span

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
                fixed(k["mean"]),
                span(k["ci_low"], k["ci_high"]),
                span(k["p5"], k["p95"]),
            )
    for oid, o in r["objectives"].items():
        table.add_row(f"objective: {oid}", fixed(o["p"], 2), span(o["ci_low"], o["ci_high"], 2), "")
    _console().print(table)


@app.command("run")
def run_(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    policy: Annotated[str | None, typer.Option(help="Policy id (default: the scenario's).")] = None,
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy-file",
            help="Policy file (e.g. answers recorded by ttx play) instead of a scenario policy.",
        ),
    ] = None,
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
        from sim.report.markdown import render_run
        from sim.report.terminal import progress_bar
        from sim.runs.executors import EXECUTORS, auto_workers
        from sim.runs.reportfile import check_writable, dumps, write_atomic, write_outputs
        from sim.runs.runner import RunFailed, run
        from sim.scenario.loader import load_scenario, scenario_hash

        if executor is not None and executor not in EXECUTORS:
            raise TtxError(f"unknown --executor '{executor}'; choose one of {', '.join(EXECUTORS)}")
        scenario = load_scenario(file)
        team = None
        if policy_file is not None:
            from sim.scenario.loader import load_policy_file
            from sim.scenario.policyfile import hash_warning, resolve

            if policy is not None:
                raise TtxError("give either --policy or --policy-file, not both")
            team = load_policy_file(policy_file, scenario)
            warning = hash_warning(team, scenario_hash(file))
            if warning:
                _err(warning)
            pol = resolve(team, scenario)
            seed = team.seed if seed is None else seed
        else:
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
        if team is not None:
            from sim.runs.answers import name_team

            name_team(report["results"], pol)
        # Each format is rendered and written on its own: a failing renderer costs only its file.
        write_outputs([(paths[0], lambda: dumps(report)), (paths[1], lambda: render_run(report))])
        if not quiet:
            _summary(report)
        typer.echo(f"wrote {paths[0]} and {paths[1]}")


@app.command()
def play(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    team: Annotated[str, typer.Option(help="Team name, recorded with the answers.")] = "team",
    policy: Annotated[
        str | None,
        typer.Option(help="Starting policy id: levers and rules (default: the scenario's)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Run seed.")] = None,
    record: Annotated[
        Path | None,
        typer.Option(help="Answers file to write (default: SCENARIO-TEAM.answers.yaml)."),
    ] = None,
    replications: Annotated[
        int, typer.Option(min=2, help="Shadow replications in the debrief.")
    ] = 100,
    answers: Annotated[
        Path | None,
        typer.Option(help="Replay recorded answers non-interactively and debrief."),
    ] = None,
    pace: Annotated[
        float, typer.Option(min=0.0, help="Seconds per month shown between decisions (0 = none).")
    ] = 0.0,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue a saved session from its answers file (updated in place)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing answers file.")] = False,
) -> None:
    """Play a scenario as a team: decide at each inject, then see the debrief."""
    with user_errors():
        from sim.play import command as play_run
        from sim.play import terminal as play_ui

        console = _console()
        if answers is not None and resume is not None:
            raise TtxError("give either --answers (replay) or --resume (continue), not both")
        if answers is not None:
            play_run.run_replay(file, answers, console, seed=seed, replications=replications)
            return
        opts = play_run.PlayOptions(
            file, team, policy, seed, record, replications, pace, force, resume
        )
        ended, written = play_run.run_play(opts, console, play_ui.stdin_reader(console))
        typer.echo("wrote " + ", ".join(written))
        if ended.how == "interrupted":
            raise typer.Exit(EXIT_INTERRUPTED)


def _write_text(path: Path, text: str) -> None:
    """Write a generated file atomically; an unwritable path is a user error."""
    from sim.runs.reportfile import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise TtxError(f"cannot write {path}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path}")


@app.command("schema")
def schema_(
    out: Annotated[Path | None, typer.Option(help="Write to this file (default: stdout).")] = None,
    policy: Annotated[bool, typer.Option("--policy", help="The policy-file schema.")] = False,
    report: Annotated[bool, typer.Option("--report", help="The report schema.")] = False,
) -> None:
    """Write the JSON Schema of scenario files (or policy files, or reports) for editors."""
    with user_errors():
        from sim.authoring.schema_export import (
            dumps_schema,
            policy_schema,
            report_schema_json,
            scenario_schema,
        )

        if policy and report:
            raise TtxError("choose one of --policy and --report")
        schema = (
            report_schema_json() if report else policy_schema() if policy else scenario_schema()
        )
        text = dumps_schema(schema)
        if out is None:
            typer.echo(text, nl=False)
        else:
            _write_text(out, text)


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Id of the new scenario (also its file name).")],
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Copy this scenario (a file or a shipped scenario id)."),
    ] = None,
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write into.")] = Path(),
) -> None:
    """Write a new, commented, valid scenario NAME.yaml to start from; never overwrites."""
    with user_errors():
        from sim.authoring.scaffold import new_scenario

        path = new_scenario(name, directory, from_)
        typer.echo(f"wrote {path}; check it with: ttx validate {path}")


@app.command("brief")
def brief(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    format_: Annotated[str, typer.Option("--format", help="Output format: md or html.")] = "md",
    out: Annotated[Path | None, typer.Option(help="Write to this file (default: stdout).")] = None,
) -> None:
    """Write the participants' situation manual: the scenario without its hidden effects."""
    with user_errors():
        from sim.authoring.brief import render
        from sim.scenario.loader import load_scenario

        if format_ not in ("md", "html"):
            raise TtxError(f"unknown format '{format_}'; expected md or html")
        text = render(load_scenario(file), format_)
        if out is None:
            typer.echo(text, nl=False)
        else:
            _write_text(out, text)


# --- sweep, compare, report --------------------------------------------------


def _echo_sentences(comparison: ComparisonDocument) -> None:
    from sim.analysis.compare import headline_sentences

    for line in headline_sentences(comparison):
        typer.echo(f"- {line}")
    typer.echo(comparison["results"]["advice"]["sentence"])


@app.command("sweep")
def sweep_(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    policies: Annotated[
        str, typer.Option(help="Comma-separated policy ids, or 'all'; the first is the baseline.")
    ] = "all",
    replications: Annotated[
        int | None, typer.Option(min=1, help="Replications per policy.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Run seed shared by all policies.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    format: Annotated[str, typer.Option("--format", help="Renderings: md, html or md,html.")] = (
        "md,html"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite existing reports.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bars or summary.")] = False,
) -> None:
    """Run several policies on the same seeds and compare them (common random numbers)."""
    with user_errors():
        from sim.analysis.compare import compare
        from sim.report.outputs import (
            comparison_paths,
            parse_formats,
            run_paths,
            write_comparison,
            write_run,
        )
        from sim.report.terminal import progress_bar
        from sim.runs.reportfile import check_writable
        from sim.runs.sweep import resolve_policies, sweep
        from sim.scenario.loader import load_scenario, scenario_hash

        formats = parse_formats(format)
        scenario = load_scenario(file)
        ids = resolve_policies(scenario, policies)
        n = scenario.replications if replications is None else replications
        run_seed = scenario.seed if seed is None else seed
        target = out or Path("runs") / f"{scenario.id}-sweep-s{run_seed}"
        paths = [p for pid in ids for p in run_paths(target / pid, formats)]
        check_writable([*paths, *comparison_paths(target, formats)], force)
        reports = sweep(
            scenario,
            ids,
            replications=n,
            seed=run_seed,
            scenario_hash=scenario_hash(file),
            scenario_file=str(file),
            make_progress=lambda label, total: progress_bar(label, total, quiet),
        )
        comparison = compare(
            list(reports.values()),
            sources=[str(target / pid / "report.json") for pid in ids],
            command=f"ttx sweep {file} --policies {','.join(ids)} --replications {n} "
            f"--seed {run_seed}",
        )
        for pid, report in reports.items():
            write_run(report, target / pid, formats)
        write_comparison(comparison, list(reports.values()), target, formats)
        if not quiet:
            _echo_sentences(comparison)
        typer.echo(f"wrote {len(ids)} run reports and the comparison to {target}")


@app.command("compare")
def compare_(
    reports: Annotated[list[Path], typer.Argument(help="Run report files (report.json).")],
    baseline: Annotated[
        str | None, typer.Option(help="Run to compare against (policy id; default: the first).")
    ] = None,
    rank: Annotated[
        str | None, typer.Option(help="KPI to rank runs by (default: final_stability).")
    ] = None,
    precision: Annotated[
        float, typer.Option(help="Target relative CI half-width for replication advice.")
    ] = 0.05,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    format: Annotated[str, typer.Option("--format", help="Renderings: md, html or md,html.")] = (
        "md,html"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Compare saved run reports: differences with CIs (paired where seeds match)."""
    with user_errors():
        from sim.analysis.compare import compare, load_runs
        from sim.report.outputs import comparison_paths, parse_formats, write_comparison
        from sim.runs.reportfile import check_writable

        formats = parse_formats(format)
        runs = load_runs(reports)
        comparison = compare(
            runs,
            sources=[str(p) for p in reports],
            baseline=baseline,
            rank=rank,
            precision=precision,
            command="ttx compare " + " ".join(str(p) for p in reports),
        )
        sid = comparison["results"]["scenario"]["id"]
        target = out or Path("runs") / f"{sid}-comparison"
        check_writable(comparison_paths(target, formats), force)
        write_comparison(comparison, runs, target, formats)
        _echo_sentences(comparison)
        typer.echo(f"wrote the comparison to {target}")


@app.command("report")
def report_(
    file: Annotated[Path, typer.Argument(help="A report.json (run) or comparison.json.")],
    format: Annotated[str, typer.Option("--format", help="md, html or csv.")] = "md",
    out: Annotated[
        Path | None,
        typer.Option(help="Output file (md, html) or folder (csv); default: next to FILE."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Re-render a saved report as Markdown, HTML, or CSV (series + per-replication KPIs)."""
    with user_errors():
        from sim.report.outputs import parse_formats, rerender, rerender_paths
        from sim.runs.reportfile import check_writable, load_report

        (fmt,) = parse_formats(format, ("md", "html", "csv"))[:1]
        report = load_report(file)
        paths = rerender_paths(file, fmt, out)
        check_writable(paths, force)
        rerender(report, file, fmt, paths)
        typer.echo(f"wrote {' and '.join(str(p) for p in paths)}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    command: Callable[..., Any] = typer.main.get_command(app)
    try:
        command(args=argv if argv is not None else sys.argv[1:], prog_name="ttx")
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
