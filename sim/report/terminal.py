"""A rich progress bar on a terminal (replications done, rate, ETA); silence elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def progress_bar(
    label: str, total: int, quiet: bool = False
) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a ``(done, total)`` callback drawing a bar, or None when not on a terminal.

    The callback's first call gives the starting point (replications already
    done, e.g. resumed from a checkpoint); rate and ETA are measured from there.
    """
    if quiet or not sys.stderr.isatty():
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

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        first = [True]

        def update(done: int, _total: int) -> None:
            if first[0]:
                # The first call reports replications resumed from a checkpoint:
                # start the clock there, so the rate and ETA count new work only.
                first[0] = False
                bar.reset(task, completed=done)
                return
            bar.update(task, completed=done)

        yield update
