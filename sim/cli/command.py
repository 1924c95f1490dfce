"""The command class every ``ttx`` command is built with: its help, and its text check.

**Help.** The app uses click's plain help (``rich_markup_mode=None``), which
wraps descriptions at the terminal's width; this class makes it name values
the way the rest of the documentation does: ``--out DIR``, ``FILE...``, never
typer's type labels (``<path>``, ``<list[str]>``, ``{file}``). Every
value-taking option and argument declares a ``metavar``; an argument's is also
its name in the usage line. A bound too long to read (the seed's
9223372036854775807) is said in words in the option's help instead.

**Text.** Free text given on the command line (a team name, a policy id, a
format) can end up on the terminal and in the files a command writes, like
text from a scenario file, so it is refused by the same rule
(:func:`sim.text.find_unsafe`), in one line naming the option, before the
command starts any work. File names are not refused (a file may have any
name): they are shown through :func:`sim.text.visible` wherever they are
printed, as are the ``str`` parameters a command lists in ``paths``.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.core

from sim.cli.common import EXIT_ERROR, err
from sim.text import find_unsafe, unsafe_message

#: Range bounds that say nothing to a reader at this length; the help words them ("2^63-1").
WORDED_BOUNDS = frozenset({2**63 - 1})


def label(param: Any) -> str:
    """How a parameter is named to the user: ``--team``, or an argument's ``NAME``."""
    if param.param_type_name == "option":
        return str(max(param.opts, key=len))
    return str(param.metavar or param.name.upper())


def _argument_label(param: Any) -> str:
    many = "..." if param.nargs != 1 else ""
    return label(param) + many


class TtxCommand(typer.core.TyperCommand):
    """A typer command with plain, metavar-named help and checked command-line text."""

    #: ``str`` parameters that name files (shown visibly where printed, never refused).
    paths: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if getattr(param, "max", None) in WORDED_BOUNDS:
                param.min = param.max = None  # type: ignore[attr-defined]  # help only
            if getattr(param, "is_bool_flag", False) and not param.default:
                # "[default: no-force]" only says that a flag is off unless given.
                param.show_default = False  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ help

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] FILE [FOLDER] REPORT...``: click's usage, with each argument's metavar."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument" and not getattr(param, "hidden", False):
                name = _argument_label(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """The Arguments and Options sections, arguments named by metavar without a type."""
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_label(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    # ------------------------------------------------------------------ text

    def invoke(self, ctx: Any) -> Any:
        """Refuse unsafe command-line text before the command runs."""
        message = self.unsafe_text(ctx)
        if message is not None:
            err(f"error: {message}")
            raise typer.Exit(EXIT_ERROR)
        return super().invoke(ctx)

    def unsafe_text(self, ctx: Any) -> str | None:
        """The first refused piece of command-line text, worded, or ``None``."""
        for param in self.get_params(ctx):
            if param.name is None or param.name in self.paths:
                continue
            value = ctx.params.get(param.name)
            values = value if isinstance(value, list | tuple) else [value]
            for text in values:
                index = find_unsafe(text) if isinstance(text, str) else -1
                if index >= 0:
                    return f"{label(param)}: {unsafe_message(text, index)}"
        return None
