"""The ``ttx`` command line: parse, call the library, print.

The commands that run or read reports (``run``, ``sweep``, ``compare``,
``report``) are in :mod:`sim.cli.runs`; shared error handling is in
:mod:`sim.cli.common`. Heavy imports (numpy, simpy, matplotlib) happen inside the commands that need
them, so ``ttx --help``, ``ttx list`` and ``ttx validate`` start fast. Every
user-facing failure is a :class:`~sim.errors.TtxError` printed as a message
with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from sim.cli import explore, runs
from sim.cli.command import TtxCommand
from sim.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, echo, user_errors
from sim.cli.common import console as _console
from sim.cli.common import err as _err
from sim.errors import InputError, TtxError

app = typer.Typer(
    name="ttx",
    help="Scenario-based tabletop exercise simulator. Model numbers are illustrative "
    "training parameters, not forecasts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's plain help, not rich's boxes: rich gives each description a column of
    # about 20 characters at 80 columns, beside type labels; plain help wraps the
    # descriptions at the terminal's width and names values by their metavars.
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from sim.version import __version__

        typer.echo(f"ttx {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    pass


@app.command(
    "list", cls=TtxCommand, short_help="List the scenarios in a folder: ids, titles, policies."
)
def list_(
    directory: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="Folder of scenario files.")
    ] = Path("scenarios"),
    json_: Annotated[
        bool, typer.Option("--json", help="One JSON object per scenario, in a list.")
    ] = False,
) -> None:
    """List the scenarios in a folder with their ids, titles and policies.

    Ids and paths are never cut short: a terminal gets a table that wraps the
    titles; a pipe gets plain tab-separated lines; --json gets JSON.
    """
    from sim.scenario.loader import load_scenario

    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    if not files:
        _err(f"error: no scenario files (*.yaml) in {directory}")
        raise typer.Exit(EXIT_ERROR)
    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            s = load_scenario(path)
        except InputError as exc:
            rows.append(
                {
                    "id": None,
                    "title": f"invalid: {len(exc.problems)} problem(s): run ttx validate",
                    "policies": [],
                    "file": str(path),
                }
            )
            continue
        rows.append(
            {
                "id": s.id,
                "title": s.title,
                "policies": [p.id for p in s.policies],
                "file": str(path),
            }
        )
    _print_list(rows, json_)


_MIN_WRAPPED = 12


def _print_list(rows: list[dict[str, Any]], json_: bool) -> None:
    if json_:
        import json

        from sim.text import json_visible

        # The same file names to a JSON reader; a C1 or bidi character in one is escaped.
        typer.echo(json_visible(json.dumps(rows, indent=2, ensure_ascii=False)))
        return
    from sim.text import visible

    # A file name may hold anything but '/': control characters are shown, not sent.
    rows = [row | {"file": visible(row["file"])} for row in rows]
    console = _console()
    if not console.is_terminal:
        for row in rows:
            cells = [row["id"] or "invalid", row["title"], ", ".join(row["policies"]), row["file"]]
            typer.echo("\t".join(cells))
        return
    id_width = max(len(row["id"] or "invalid") for row in rows)
    file_width = max(len(row["file"]) for row in rows)
    # Borders and padding take 13 columns; titles and policies need some room to wrap in.
    if id_width + file_width + 13 + 2 * _MIN_WRAPPED > console.width:
        for row in rows:  # too narrow for a table: one block per scenario, nothing cut
            typer.echo(f"{row['id'] or 'invalid'}  {row['file']}")
            typer.echo(f"    {row['title']}")
            if row["policies"]:
                typer.echo(f"    policies: {', '.join(row['policies'])}")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table("id", "title", "policies", "file")
    # Ids and paths keep their full width (no ellipsis); titles and policy lists wrap.
    for column, width in ((table.columns[0], id_width), (table.columns[3], file_width)):
        column.no_wrap, column.min_width = True, width
    for column in (table.columns[1], table.columns[2]):
        column.min_width = _MIN_WRAPPED
    for row in rows:
        ident = Text(row["id"]) if row["id"] else Text("invalid", style="red")
        table.add_row(
            ident, Text(row["title"]), Text(", ".join(row["policies"])), Text(row["file"])
        )
    console.print(table)


@app.command(cls=TtxCommand, short_help="Check scenario files and print every problem.")
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Scenario files to check.")],
    strict: Annotated[
        bool,
        typer.Option(
            help="Also run a short trial simulation (is the exercise informative?), and fail "
            "on warnings as well as errors."
        ),
    ] = False,
    trial_replications: Annotated[
        int,
        typer.Option(
            min=2,
            max=runs.MAX_REPLICATIONS,
            metavar="N",
            help="With --strict: trial replications per policy and per forced option.",
        ),
    ] = 40,
    max_work: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="With --strict: limit on the estimated events of one trial replication "
            "(default: TTX_MAX_WORK or 500,000; see SECURITY.md).",
        ),
    ] = None,
) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: path: message.

    Warnings (legal but almost surely a mistake) are printed too; they fail
    the check only with --strict.
    """
    from sim.authoring.lint import lint
    from sim.runs.budget import WorkTooLarge
    from sim.scenario.loader import load_scenario_with_source
    from sim.text import visible

    if max_work is not None:  # the trial reads the limit where the runner does
        import os

        os.environ["TTX_MAX_WORK"] = str(max_work)
    failed = False
    for path in files:
        try:
            s, source = load_scenario_with_source(path)
        except InputError as exc:
            failed = True
            for problem in exc.problems:
                _err(str(problem))
            continue
        try:
            warnings = lint(s, source, trial=strict, trial_replications=trial_replications)
        except WorkTooLarge as exc:  # the trial run is above its work budget
            failed = True
            _err(f"{path}: error: {runs.too_much_work(exc, '--trial-replications {fits}')}")
            continue
        for problem in warnings:
            _err(str(problem))
        failed = failed or (strict and bool(warnings))
        note = f", {len(warnings)} warning(s)" if warnings else ""
        typer.echo(
            f"{visible(str(path))}: {'ok' if not (strict and warnings) else 'failed (--strict)'} "
            f"({s.id}: {len(s.policies)} policies, {len(s.injects)} "
            f"injects, {len(s.objectives)} objectives{note})"
        )
    if failed:
        raise typer.Exit(EXIT_ERROR)


app.command(
    "run", cls=TtxCommand, short_help="Run a scenario under a policy; write report.json and .md."
)(runs.run_)


class _HintedCommand(TtxCommand):
    """A command whose unknown options get a hint at what it has instead.

    Click suggests options spelt alike; an option borrowed from another command
    (``ttx play --out``) is spelt like nothing here, so the hint comes from
    the command's own table (``hints``, imported only when an option is unknown).
    """

    hints: Callable[[], dict[str, str]] = staticmethod(dict)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return list(super().parse_args(ctx, args))
        except Exception as exc:
            # Typer may bundle its own click: match the error by name, re-raise its type.
            hint = self.hints().get(getattr(exc, "option_name", ""))
            if type(exc).__name__ != "NoSuchOption" or hint is None:
                raise
            name = getattr(exc, "option_name", "")
            message = f"No such option: {name}; {hint}"
            raise type(exc)(name, message=message, ctx=ctx) from None  # type: ignore[call-arg]


def _play_hints() -> dict[str, str]:
    from sim.play.command import FLAG_HINTS

    return FLAG_HINTS


class _PlayCommand(_HintedCommand):
    hints = staticmethod(_play_hints)


@app.command(
    cls=_PlayCommand, short_help="Play a scenario as a team, deciding at each inject; debrief."
)
def play(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file.")],
    team: Annotated[
        str, typer.Option(metavar="NAME", help="Team name, recorded with the answers.")
    ] = "team",
    policy: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="Starting policy id: levers and rules (default: the scenario's); "
            "repeat for one per cell.",
        ),
    ] = None,
    cell: Annotated[
        str | None,
        typer.Option(
            metavar="CELL", help="Play this cell (e.g. red) against the others' policies."
        ),
    ] = None,
    cells: Annotated[
        str | None,
        typer.Option(
            metavar="CELLS", help="Play several cells in turn at one keyboard, e.g. blue,red."
        ),
    ] = None,
    policy_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy-file",
            metavar="FILE",
            help="Policy file a cell you do not play follows (repeatable).",
        ),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder for each cell's answers file with --cells (default: here).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        runs.seed_option(),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Answers file to write (default: SCENARIO-TEAM.answers.yaml).",
        ),
    ] = None,
    replications: Annotated[
        int,
        typer.Option(
            min=2,
            max=runs.MAX_REPLICATIONS,
            metavar="N",
            help="Shadow replications in the debrief.",
        ),
    ] = 100,
    answers: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="FILE",
            help="Replay recorded answers non-interactively and debrief (one file per cell).",
        ),
    ] = None,
    pace: Annotated[
        float,
        typer.Option(
            min=0.0,
            metavar="SECONDS",
            help="Seconds per month shown between decisions (0 = none).",
        ),
    ] = 0.0,
    resume: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Continue a saved session from its answers file (updated in place).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing answers file.")] = False,
) -> None:
    """Play a scenario as a team (or several cells in turn): decide at each inject, then debrief."""
    with user_errors("--record to choose another file"):
        from sim.play import command as play_command
        from sim.play import terminal as play_terminal

        console = _console()
        if answers and resume is not None:
            raise TtxError("give either --answers (replay) or --resume (continue), not both")
        if cell is not None and cells is not None:
            raise TtxError("give either --cell or --cells, not both")
        several = cells is not None and len([c for c in cells.split(",") if c.strip()]) > 1
        if several and record is not None:
            raise TtxError("several cells write one answers file each: give a folder with --save")
        if several and resume is not None:
            raise TtxError("a session of several cells cannot be resumed; replay it with --answers")
        if answers:
            play_command.run_replay(file, answers, console, seed=seed, replications=replications)
            return
        chosen = (
            (cell,) if cell else tuple(c.strip() for c in (cells or "").split(",") if c.strip())
        )
        read = play_terminal.stdin_reader(console)
        opts = play_command.PlayOptions(
            file,
            team,
            tuple(policy or ()),
            seed,
            record,
            replications,
            pace,
            force,
            resume,
            cells=chosen,
            policy_files=tuple(policy_file or ()),
            save=save,
            handover=play_terminal.keyboard_handover(console, read) if sys.stdin.isatty() else None,
        )
        try:
            ended, written = play_command.run_play(opts, console, read)
        except play_command.SeedConflict as exc:
            raise TtxError(f"{exc} (drop --seed {exc.given})") from None
        echo("wrote " + ", ".join(written))
        if ended.how == "interrupted":
            raise typer.Exit(EXIT_INTERRUPTED)


def _check_out(out: Path | None, force: bool) -> None:
    """Refuse an ``--out`` file before any work: existing (without --force), a device, a FIFO."""
    if out is not None:
        from sim.runs.outfiles import check_writable

        check_writable([out], force)


def _write_text(path: Path, text: str) -> None:
    """Write a generated file atomically, holding its folder's lock while it does."""
    from sim.runs.outfiles import OutputLock, write_atomic

    with OutputLock(path.parent):
        write_atomic(path, text)
    echo(f"wrote {path}")


@app.command(
    "schema",
    cls=TtxCommand,
    short_help="Write the JSON Schema of scenario, policy or report files.",
)
def schema_(
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write to this file (default: stdout).")
    ] = None,
    policy: Annotated[bool, typer.Option("--policy", help="The policy-file schema.")] = False,
    report: Annotated[bool, typer.Option("--report", help="The report schema.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing --out file.")] = False,
) -> None:
    """Write the JSON Schema of scenario files (or policy files, or reports) for editors."""
    with user_errors("--out to choose another file"):
        from sim.authoring.schema_export import (
            dumps_schema,
            policy_schema,
            report_schema_json,
            scenario_schema,
        )

        if policy and report:
            raise TtxError("choose one of --policy and --report")
        _check_out(out, force)
        schema = (
            report_schema_json() if report else policy_schema() if policy else scenario_schema()
        )
        text = dumps_schema(schema)
        if out is None:
            typer.echo(text, nl=False)
        else:
            _write_text(out, text)


class _NewCommand(TtxCommand):
    paths = frozenset({"from_"})  # a file name, or a shipped id: any file name will do


@app.command(
    "new", cls=_NewCommand, short_help="Write a new, commented, valid scenario to start from."
)
def new(
    name: Annotated[
        str,
        typer.Argument(metavar="NAME", help="Id of the new scenario (also its file name)."),
    ],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SCENARIO",
            help="Copy this scenario (a file or a shipped scenario id).",
        ),
    ] = None,
    directory: Annotated[
        Path, typer.Option("--dir", metavar="DIR", help="Folder to write into.")
    ] = Path(),
) -> None:
    """Write a new, commented, valid scenario NAME.yaml to start from; never overwrites."""
    with user_errors():
        from sim.authoring.scaffold import new_scenario

        path = new_scenario(name, directory, from_)
        echo(f"wrote {path}; check it with: ttx validate {path}")


@app.command(
    "brief", cls=TtxCommand, short_help="Write the participants' situation manual (no spoilers)."
)
def brief(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file.")],
    format_: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Output format: md or html.")
    ] = "md",
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write to this file (default: stdout for md; SCENARIO[-CELL].brief.html here "
            "for html, which is no terminal's reading).",
        ),
    ] = None,
    cell: Annotated[
        str | None,
        typer.Option(metavar="CELL", help="Brief this cell: add its own briefing and decisions."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing --out file.")] = False,
) -> None:
    """Write the participants' situation manual: no events to come, no options, no effects."""
    with user_errors("--out to choose another file"):
        from sim.authoring.brief import render
        from sim.scenario.loader import load_scenario

        if format_ not in ("md", "html"):
            raise TtxError(f"unknown format '{format_}'; expected md or html")
        scenario = load_scenario(file)
        if out is None and format_ == "html":  # a page of markup is for a browser, not a terminal
            out = Path(f"{scenario.id}{'-' + cell if cell else ''}.brief.html")
        _check_out(out, force)
        try:
            text = render(scenario, format_, cell)
        except KeyError as exc:  # an unknown --cell; the message lists the cells
            raise TtxError(f"{exc.args[0]}; check --cell") from None
        if out is None:
            typer.echo(text, nl=False)
        else:
            _write_text(out, text)


@app.command(
    "msel", cls=TtxCommand, short_help="Write the controllers' master scenario events list."
)
def msel(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file.")],
    format_: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Output format: md, html or csv.")
    ] = "md",
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write to this file (default: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing --out file.")] = False,
) -> None:
    """Write the controllers' master scenario events list: every inject, trigger and effect."""
    with user_errors("--out to choose another file"):
        from sim.authoring.msel import FORMATS, render
        from sim.scenario.loader import load_scenario

        if format_ not in FORMATS:
            raise TtxError(f"unknown format '{format_}'; expected {', '.join(FORMATS)}")
        _check_out(out, force)
        text = render(load_scenario(file), format_)
        if out is None:
            typer.echo(text, nl=False)
        else:
            _write_text(out, text)


@app.command(
    "debrief", cls=TtxCommand, short_help="Write the after-action report of one or several teams."
)
def debrief(
    answers: Annotated[
        list[Path],
        typer.Argument(
            metavar="ANSWERS",
            help="Answers files of one scenario (a session's blue and red files form one team).",
        ),
    ],
    notes: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Facilitator's notes (Markdown) to include."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Folder for the report (default: next to the answers)."),
    ] = None,
    replications: Annotated[
        int,
        typer.Option(
            min=2,
            max=runs.MAX_REPLICATIONS,
            metavar="N",
            help="Replications per team, default and alternative.",
        ),
    ] = 100,
    scenario: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Scenario file (default: the one named in the answers file)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing report.")] = False,
) -> None:
    """Write the after-action report of one or several teams: what each choice cost, luck, notes."""
    with user_errors("--out to choose another folder"):
        from sim.play.aar import ScenarioNotFound, write_after_action

        try:
            written = write_after_action(
                answers,
                scenario_file=scenario,
                notes=notes,
                out=out,
                replications=replications,
                force=force,
            )
        except ScenarioNotFound as exc:
            raise TtxError(f"{exc}; name it with --scenario") from None
        echo("wrote " + ", ".join(str(p) for p in written))


app.command(
    "sweep", cls=TtxCommand, short_help="Run several policies on the same seeds and compare them."
)(runs.sweep_)
app.command(
    "compare", cls=TtxCommand, short_help="Compare saved run reports, paired where seeds match."
)(runs.compare_)
app.command(
    "report", cls=TtxCommand, short_help="Re-render a saved report as Markdown, HTML or CSV."
)(runs.report_)
app.command(
    "explore", cls=TtxCommand, short_help="Does the policy ranking survive other plausible numbers?"
)(explore.explore_)


def main(argv: list[str] | None = None) -> None:
    """Run ``ttx``: Ctrl-C exits 130 and SIGTERM 143, each with one line and no traceback.

    Commands that can say more about an interrupt (what was kept, how to
    resume) say it themselves; typer turns any other ``KeyboardInterrupt``
    into a silent exit 130, which gets its line here.
    """
    from sim.runs import signals

    signals.install()
    command: Callable[..., Any] = typer.main.get_command(app)
    try:
        signals.ready("imports")
        command(args=argv if argv is not None else sys.argv[1:], prog_name="ttx")
    except KeyboardInterrupt:
        _err("interrupted")
        signals.leave(EXIT_INTERRUPTED)
    except signals.Terminated:
        _err("terminated")
        signals.leave(signals.EXIT_TERMINATED)
    except SystemExit as exc:
        # typer's own Exit(130) is raised from the KeyboardInterrupt it caught.
        silent = isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt)
        if exc.code == EXIT_INTERRUPTED and silent:
            _err("interrupted")
        if exc.code == EXIT_INTERRUPTED:
            signals.leave(EXIT_INTERRUPTED)
        raise
