"""A rich progress bar on a terminal (replications done, rate, ETA); silence elsewhere.

The bar is transient, so when it was shown it leaves one line behind
("3,000 replications in 81 s"): what ran and how long it took, which the bar
showed while it ran and would otherwise take with it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _duration(seconds: float) -> str:
    """``0.4 s``, ``81 s``, ``2 min 05 s``: precise when short, whole seconds when not."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def finished_line(label: str, done: int, resumed: int, seconds: float) -> str:
    """The line left after the bar: ``label: 3,000 replications in 81 s``.

    ``done`` counts every replication the run holds, ``resumed`` those read
    back from a checkpoint (not timed: the clock starts after them).
    """
    text = f"{label}: {_plural(done, 'replication')} in {_duration(seconds)}"
    if resumed:
        text += f" ({resumed:,} resumed from the checkpoint)"
    return text


@contextmanager
def progress_bar(
    label: str,
    total: int,
    quiet: bool = False,
    *,
    stream: IO[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a ``(done, total)`` callback drawing a bar, or None when not on a terminal.

    The callback's first call gives the starting point (replications already
    done, e.g. resumed from a checkpoint); rate and ETA are measured from there.
    When the bar was shown and the work finished, one line says what was done
    and how long it took (on the same stream, standard error by default).
    """
    out = sys.stderr if stream is None else stream
    if quiet or not out.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.0f} rep/s")

    console = Console(file=out, markup=False, emoji=False)
    state = {"first": True, "resumed": 0, "done": 0, "start": clock()}
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, _total: int) -> None:
            state["done"] = done
            if state["first"]:
                # The first call reports replications resumed from a checkpoint:
                # start the clock there, so the rate and ETA count new work only.
                state.update(first=False, resumed=done, start=clock())
                bar.reset(task, completed=done)
                return
            bar.update(task, completed=done)

        yield update
    console.print(
        finished_line(label, int(state["done"]), int(state["resumed"]), clock() - state["start"]),
        highlight=False,
        markup=False,
    )
