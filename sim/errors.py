"""Problems found in input files, reported as ``FILE:LINE:COL: path: message``.

One error type carries every problem found in a file, so an author sees all
of them at once instead of fixing them one run at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem (or warning) at a position in a file. Lines and columns are 1-based."""

    file: str
    line: int
    col: int
    path: str
    message: str
    level: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        prefix = "" if self.level == "error" else f"{self.level}: "
        return (
            f"{where}: {prefix}{self.path}: {self.message}"
            if self.path
            else (f"{where}: {prefix}{self.message}")
        )


class TtxError(Exception):
    """Base of errors ttx reports to the user without a traceback."""


class InputError(TtxError):
    """One or more problems in an input file."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the nearest of ``choices`` to a misspelt ``word``, else ``""``.

    A hint appended to "unknown name" messages: the list of valid names says
    what exists, the nearest one says what was probably meant.
    """
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
