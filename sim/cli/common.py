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
        # Raised by the report writer, so importing its module here costs nothing;
        # at start-up it would (the report contract brings pydantic and numpy).
        from sim.runs.reportfile import OutputExists

        hint = f"; use --force to overwrite or {elsewhere}" if isinstance(exc, OutputExists) else ""
        err(f"error: {exc}{hint}")
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        err("interrupted; no partial output was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None
