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

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def err(message: str) -> None:
    """Print a line on stderr."""
    typer.echo(message, err=True)


def console() -> Any:
    """A rich console (imported only by the commands that draw)."""
    from rich.console import Console

    return Console()


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
