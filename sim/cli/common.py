"""What every command shares: exit codes, stderr, and turning errors into messages.

The library's errors carry facts and name no command-line flags; the flag
wording (``--force``, ``--out`` ...) is added here and in the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from sim.errors import InputError, TtxError
from sim.text import visible

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def err(message: str) -> None:
    """Print a line on stderr, any control character in it shown as ``<U+001B>``.

    Messages quote file names and arguments that no reader has checked; an
    escape sequence among them must not reach the terminal.
    """
    typer.echo(visible(message), err=True)


def echo(message: str) -> None:
    """Print a line on stdout, any control character in it shown as ``<U+001B>``.

    For lines that quote paths back (``wrote runs/x/report.json``): a file or
    folder may be named with any character but ``/``, and is shown, not refused.
    """
    typer.echo(visible(message))


def console() -> Any:
    """A rich console that prints every string as plain text (imported only by commands that draw).

    Titles, names and descriptions come from files; with markup on, a title
    holding ``[link=...]`` or ``[conceal]`` would be interpreted and an
    unbalanced ``[/bold]`` would crash the command. Styled output is built
    from :class:`rich.text.Text` objects, which need no markup.
    """
    from rich.console import Console

    return Console(markup=False, emoji=False)


@contextmanager
def user_errors(elsewhere: str = "--out to choose another directory") -> Iterator[None]:
    """Turn ttx errors and Ctrl-C into messages and exit codes, never a traceback.

    A refused overwrite is worded with ``--force`` and ``elsewhere``: the
    option that chooses another target for the command at hand.
    """
    try:
        yield
    except InputError as exc:
        for problem in exc.problems:
            err(str(problem))
        raise typer.Exit(EXIT_ERROR) from None
    except TtxError as exc:
        # Imported here, where an error is already being reported, not at start-up.
        from sim.runs.outfiles import OutputBusy, OutputExists

        hint = f"; use --force to overwrite or {elsewhere}" if isinstance(exc, OutputExists) else ""
        hint = f" or use {elsewhere}" if isinstance(exc, OutputBusy) else hint
        err(f"error: {exc}{hint}")
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt as exc:
        err(interrupted_message(exc))
        raise typer.Exit(EXIT_INTERRUPTED) from None


def interrupted_message(exc: KeyboardInterrupt) -> str:
    """What Ctrl-C left behind: nothing, unless it landed while files were renamed."""
    written = getattr(exc, "written", None)
    if not written:
        return "interrupted; no partial output was written"
    left = ", ".join(str(p) for p in getattr(exc, "left", ()))
    return f"interrupted; wrote only {', '.join(str(p) for p in written)}" + (
        f" (not {left})" if left else ""
    )
