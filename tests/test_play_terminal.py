"""``ttx play`` in a real terminal: tmux (screen contents) and pexpect (Ctrl-C).

Both start ``ttx`` from this interpreter's environment. tmux runs on a
private socket whose server the test kills at the end, so no other tmux
session is touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim.scenario.loader import load_policy_file, load_scenario
from waits import wait_for

pytestmark = pytest.mark.slow  # a real terminal and a child process per test

FIXTURE = Path(__file__).parent / "assets" / "three_decisions.yaml"
TTX = Path(sys.executable).with_name("ttx")


def clean_env() -> dict[str, str]:
    """This environment without LINES/COLUMNS: they describe the test's terminal, not tmux's."""
    return {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}


@contextlib.contextmanager
def tmux_session(name: str, command: str, width: int, height: int) -> Iterator[Callable[..., str]]:
    """A private tmux server running ``command`` in a ``width`` x ``height`` pane.

    Yields ``tmux(*args)``, which runs a tmux command on that server and returns its
    output; the server is killed on the way out, whatever happened.
    """
    socket = f"{name}-{os.getpid()}"

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket, *args], check=True, capture_output=True, text=True
        ).stdout

    env = {**clean_env(), "TERM": "xterm-256color"}
    subprocess.run(
        [
            "tmux",
            "-L",
            socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "play",
            "-x",
            str(width),
            "-y",
            str(height),
            command,
        ],
        check=True,
        env=env,
    )
    try:
        yield tmux
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, capture_output=True)


def _wait(screen: Callable[[], str], needle: str, count: int = 1, tries: int = 300) -> str:
    """The screen, once ``needle`` shows on it ``count`` times (polled every 0.1 s)."""
    shown = [""]

    def enough() -> bool:
        shown[0] = screen()
        return shown[0].count(needle) >= count

    try:
        wait_for(enough, repr(needle), tries=tries, pause=0.1)
    except AssertionError:
        raise AssertionError(f"{needle!r} did not appear on the screen:\n{shown[0]}") from None
    return shown[0]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_play_in_tmux(tmp_path):
    record = tmp_path / "red.answers.yaml"
    command = (
        f"cd {tmp_path} && {TTX} play {FIXTURE} --team Red --record {record} "
        "--replications 4; echo EXIT=$?; sleep 60"
    )
    with tmux_session("ttx-play-test", command, 100, 50) as tmux:

        def screen() -> str:
            return tmux("capture-pane", "-p", "-t", "play", "-S", "-200")

        first = _wait(screen, "Your decision (1-2, id, or help):")
        assert "Decision 1 of up to 3 · month 4" in first
        assert "Jordan asks for more courses" in first
        assert "┃ partner" in first  # the rich table is drawn with box characters
        assert "Jordan" in first
        assert "1. Double the courses [train_more]" in first
        tmux("send-keys", "-t", "play", "oops", "Enter")
        _wait(screen, "'oops' is not an option or a command")
        tmux("send-keys", "-t", "play", "2", "Enter")
        second = _wait(screen, "Decision 2 of up to 3 · month 12")
        assert "Partners (change since month 4)" in second
        tmux("send-keys", "-t", "play", "back", "Enter")
        _wait(screen, "Undid the last decision; back to it.")
        tmux("send-keys", "-t", "play", "1", "Enter")
        _wait(screen, "Decision 2 of up to 3 · month 12", count=2)  # the second time it is put
        tmux("send-keys", "-t", "play", "stay", "Enter")
        _wait(screen, "Decision 3 of up to 3 · month 20")
        tmux("send-keys", "-t", "play", "decline", "Enter")
        end = _wait(screen, "EXIT=0", tries=600)
        assert "Debrief" in end
        assert "this run was at the" in end
    pf = load_policy_file(record, load_scenario(FIXTURE))
    assert [(r.inject, r.option) for r in pf.recorded] == [
        ("first_call", "train_more"),
        ("second_call", "stay"),
        ("third_call", "decline"),
    ]
    assert (tmp_path / "red.debrief.html").exists()


def test_ctrl_c_saves_and_exits_cleanly(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    record = tmp_path / "blue.answers.yaml"
    child = pexpect.spawn(
        str(TTX),
        ["play", str(FIXTURE), "--team", "Blue", "--record", str(record)],
        cwd=str(tmp_path),
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 100),
    )
    try:
        child.expect_exact("Your decision (1-2, id, or help):")
        child.sendline("hold_back")
        child.expect_exact("Attack on a border post")
        child.expect_exact("Your decision (1-3, id, or help):")
        child.sendintr()
        child.expect_exact("Stopped (interrupted) with 1 decision(s) taken")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    pf = load_policy_file(record, load_scenario(FIXTURE))
    assert [(r.inject, r.option, r.month) for r in pf.recorded] == [("first_call", "hold_back", 4)]


RIVALRY = Path(__file__).parent.parent / "scenarios" / "iran_saudi_rivalry.yaml"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_hot_seat_at_80x24_keeps_header_and_prompt_on_screen(tmp_path):
    """At every decision of a two-cell session the visible 80x24 screen shows the header
    ("Decision k of N · month M"), the inject, the options and the prompt together."""
    command = (
        f"cd {tmp_path} && {TTX} play {RIVALRY} --cells blue,red --save {tmp_path} "
        "--replications 4; echo EXIT=$?; sleep 60"
    )

    with tmux_session("ttx-cells-test", command, 80, 24) as tmux:

        def visible() -> str:  # the 24 lines on screen, no scrollback
            return tmux("capture-pane", "-p", "-t", "play")

        turns = [
            (
                "BLUE",
                "Decision 1 of up to 3 · month 2 · BLUE",
                "Riyadh asks for reassur",
                "1-3",
                "1",
            ),
            (
                "RED",
                "Decision 1 of 2 · month 4 · RED",
                "Riyadh's request reaches Tehran",
                "1-2",
                "2",
            ),
            (
                "BLUE",
                "Decision 2 of up to 3 · month 30 · BLUE",
                "Strike on a major oil",
                "1-3",
                "1",
            ),
            (
                "BLUE",
                "Decision 3 of up to 3 · month 30 · BLUE",
                "Enrichment and missile",
                "1-3",
                "1",
            ),
            ("RED", "Decision 2 of 2 · month 31 · RED", "Tehran weighs the alliance", "1-3", "3"),
        ]
        previous = ""
        for cell, head, title, numbers, answer in turns:
            if cell != previous:  # the same cell deciding again keeps the keyboard
                _wait(visible, f"{cell}: press Enter when you are at the keyboard.")
                tmux("send-keys", "-t", "play", "Enter")
            previous = cell
            prompt = f"{cell}'s decision ({numbers}, id, or help):"
            screen = _wait(visible, head)
            screen = _wait(visible, prompt)
            assert head in screen and title in screen, screen
            assert "1. " in screen and f"{numbers[-1]}. " in screen, screen
            tmux("send-keys", "-t", "play", answer, "Enter")
        _wait(visible, "EXIT=0", tries=600)
    assert (tmp_path / "iran_saudi_rivalry.red.answers.yaml").exists()
    assert (tmp_path / "iran_saudi_rivalry.blue.answers.yaml").exists()
