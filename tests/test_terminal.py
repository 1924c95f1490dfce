"""The progress bar leaves one line behind: what ran and how long it took."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.report.terminal import finished_line, progress_bar

ROOT = Path(__file__).resolve().parents[1]
TTX = Path(sys.executable).with_name("ttx")


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal, so the bar draws into it."""

    def isatty(self) -> bool:
        return True


def _clock(times: list[float]) -> Iterator[float]:
    yield from times


def test_finished_line_words() -> None:
    assert finished_line("run", 3000, 0, 81.2) == "run: 3,000 replications in 81 s"
    assert finished_line("run", 1, 0, 0.42) == "run: 1 replication in 0.4 s"
    assert finished_line("run", 5000, 2000, 125) == (
        "run: 5,000 replications in 2 min 05 s (2,000 resumed from the checkpoint)"
    )


def test_line_after_the_bar_counts_from_the_first_update() -> None:
    out = FakeTerminal()
    ticks = _clock([0.0, 10.0, 91.0])  # called, first update (resumed 40), end
    with progress_bar("iraq/supportive", 100, stream=out, clock=lambda: next(ticks)) as update:
        assert update is not None
        update(40, 100)
        update(100, 100)
    assert (
        out.getvalue()
        .rstrip()
        .endswith("iraq/supportive: 100 replications in 81 s (40 resumed from the checkpoint)")
    )


def test_no_bar_and_no_line_when_quiet_or_not_a_terminal() -> None:
    for quiet, stream in ((True, FakeTerminal()), (False, io.StringIO())):
        with progress_bar("x", 10, quiet, stream=stream) as update:
            assert update is None
        assert stream.getvalue() == ""


def test_no_line_when_the_work_failed() -> None:
    out = FakeTerminal()
    with pytest.raises(RuntimeError), progress_bar("x", 10, stream=out) as update:
        assert update is not None
        update(0, 10)
        raise RuntimeError("a replication failed")
    assert "replications in" not in out.getvalue()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_run_in_a_real_terminal_ends_with_the_line(tmp_path: Path) -> None:
    from test_play_terminal import _wait, tmux_session

    command = (
        f"cd {ROOT} && {TTX} run scenarios/iraq_training_mission.yaml --replications 30 "
        f"--executor serial --out {tmp_path / 'run'}; echo EXIT=$?; sleep 60"
    )
    with tmux_session("ttx-bar-test", command, 100, 40) as tmux:
        end = _wait(lambda: tmux("capture-pane", "-p", "-t", "play", "-S", "-200"), "EXIT=0")
    assert "iraq_training_mission/supportive: 30 replications in " in end
