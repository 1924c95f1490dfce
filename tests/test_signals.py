"""Interrupts and signals: one line, the right exit code, no traceback, no surviving child.

Each test starts ``ttx run`` in a session of its own (so that, as with Ctrl-C
at a terminal, the signal goes to the whole process group: ttx, forkserver,
resource tracker and workers), waits for a readiness point (``TTX_READY_FILE``;
``TTX_READY_HOLD`` keeps the process there until the signal comes), signals
the group, and then checks what is left of the session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sim.runs import signals
from waits import wait_for

SCENARIO = str(Path(__file__).parents[1] / "scenarios" / "iraq_training_mission.yaml")


def alive_in_session(sid: int) -> list[str]:
    """Processes of session ``sid`` that are not zombies: ``pid command``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        # After the command name (in parentheses, may hold spaces): state, ppid, pgrp, session.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(f"{entry.name} {cmdline[:80]}")
    return found


class Launched:
    """A ``ttx run`` in its own session, with its readiness file and its outputs."""

    def __init__(self, tmp_path: Path, hold: str | None, *args: str) -> None:
        self.ready = tmp_path / "ready"
        self.err = tmp_path / "stderr"
        env = dict(os.environ, TTX_READY_FILE=str(self.ready))
        env.pop(signals.READY_HOLD, None)
        if hold:
            env[signals.READY_HOLD] = hold
        command = [sys.executable, "-m", "sim", "run", SCENARIO, "--quiet", "--force"]
        command += ["--replications", "2000", "--out", str(tmp_path / "out"), *args]
        with self.err.open("wb") as err:
            self.proc = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
                cwd=tmp_path,
                env=env,
            )

    def points(self) -> list[str]:
        return self.ready.read_text().split() if self.ready.exists() else []

    def wait_point(self, point: str) -> None:
        def reached() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"ttx exited before {point!r}: {self.err.read_text()}")
            return point in self.points()

        wait_for(reached, f"readiness point {point!r}", tries=2400)

    def signal(self, signum: int) -> None:
        os.killpg(self.proc.pid, signum)  # the whole group, as a terminal's Ctrl-C does

    def finish(self) -> tuple[int, str]:
        wait_for(lambda: self.proc.poll() is not None, "ttx to exit", tries=2400)
        sid = self.proc.pid  # a session leader's id is its session's
        wait_for(lambda: not alive_in_session(sid), "the session's processes to end", tries=600)
        return self.proc.returncode, self.err.read_text()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def launch(tmp_path: Path):  # type: ignore[no-untyped-def]
    started: list[Launched] = []

    def start(hold: str | None, *args: str) -> Launched:
        started.append(Launched(tmp_path, hold, *args))
        return started[-1]

    yield start
    for one in started:
        one.kill()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "hold", "message"),
    [
        ("start", None, "interrupted"),  # lands while the command line is being imported
        ("imports", "imports", "interrupted"),
        ("pool", "pool", "interrupted; no partial output was written"),  # forkserver preloading
        ("chunk", "chunk", "interrupted; no partial output was written"),  # workers busy
        ("writing", "writing", "interrupted; no partial output was written"),
    ],
)
def test_sigint_at_each_readiness_point(launch, point: str, hold: str | None, message: str) -> None:  # type: ignore[no-untyped-def]
    run = launch(hold, "--workers", "2")
    run.wait_point(point)
    run.signal(signal.SIGINT)
    code, err = run.finish()
    assert "Traceback" not in err
    if point == "start" and err.strip() != "interrupted":
        # The signal may land just after the guarded import, in the command itself.
        assert err.strip() in {"interrupted", "interrupted; no partial output was written"}
    else:
        assert err == f"{message}\n"
    assert code == signals.EXIT_INTERRUPTED


@pytest.mark.slow
def test_sigterm_stops_the_pool(launch) -> None:  # type: ignore[no-untyped-def]
    run = launch("chunk", "--workers", "2")
    run.wait_point("chunk")
    sid = run.proc.pid
    assert len(alive_in_session(sid)) >= 4  # ttx, resource tracker, forkserver, workers
    os.kill(run.proc.pid, signal.SIGTERM)  # to ttx alone, as kill or a CI timeout sends it
    code, err = run.finish()
    assert (code, err) == (signals.EXIT_TERMINATED, "terminated\n")


@pytest.mark.slow
def test_sigint_to_a_dask_run_prints_one_line(launch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("distributed")
    run = launch("chunk", "--executor", "dask", "--workers", "2")
    run.wait_point("chunk")
    run.signal(signal.SIGINT)
    code, err = run.finish()
    assert (code, err) == (signals.EXIT_INTERRUPTED, "interrupted; no partial output was written\n")


@pytest.mark.slow
def test_a_scheduler_address_without_a_port_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    command = [sys.executable, "-m", "sim", "run", SCENARIO, "--replications", "2", "--quiet"]
    done = subprocess.run(
        [*command, "--scheduler", "localhost", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "error: could not connect to scheduler localhost: missing port number in address "
        "'localhost'\n"
    )


# --------------------------------------------------------------------------- in process


def test_ready_is_free_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(signals.READY_FILE, raising=False)
    signals.ready("anything")
    monkeypatch.setenv(signals.READY_FILE, str(tmp_path / "r"))
    signals.ready("one")
    signals.ready("two")
    assert (tmp_path / "r").read_text() == "one\ntwo\n"


def test_the_first_signal_unwinds_and_later_ones_wait() -> None:
    old = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        signals.install()
        with pytest.raises(signals.Terminated):
            signal.raise_signal(signal.SIGTERM)
        assert signals.stopping()
        signal.raise_signal(signal.SIGINT)  # ignored while unwinding
        signals.install()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, old[0])
        signal.signal(signal.SIGTERM, old[1])


def test_children_started_deaf_inherit_a_blocked_sigint() -> None:
    script = "import pathlib; print(pathlib.Path('/proc/self/status').read_text())"
    with signals.children_deaf():
        status = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout
    blocked = int(status.split("SigBlk:")[1].split()[0], 16)
    assert blocked & (1 << (signal.SIGINT - 1))
    assert not signal.pthread_sigmask(signal.SIG_BLOCK, set())  # and this process is as before


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [(KeyboardInterrupt, 130, "interrupted\n"), (signals.Terminated, 143, "terminated\n")],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_inside_a_command_gets_its_exit_code_and_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: type[BaseException],
    code: int,
    line: str,
) -> None:
    """A Ctrl-C (which typer would end silently) or a SIGTERM while a command runs
    (here: while listing) still exits with its code and says so in one line."""
    import sim.cli
    from sim.scenario import loader

    def signalled(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(loader, "load_scenario", signalled)
    old = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as exited:
            sim.cli.main(["list", "scenarios"])
    finally:
        signal.signal(signal.SIGINT, old[0])
        signal.signal(signal.SIGTERM, old[1])
    assert exited.value.code == code
    assert capsys.readouterr().err == line


def test_interrupted_import_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    import sim.__main__

    real_import = builtins.__import__

    def interrupted(name: str, *args: object, **kwargs: object) -> object:
        if name == "sim.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", interrupted)
    with pytest.raises(SystemExit) as exited:
        sim.__main__.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_leave_exits_at_once_after_a_stuck_thread_was_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setitem(signals._state, "abandoned", False)
    with pytest.raises(SystemExit):
        signals.leave(130)
    signals.abandon()
    assert signals.abandoned()
    with pytest.raises(SystemExit):  # only because the patched os._exit returns
        signals.leave(143)
    assert exits == [143]


def test_a_held_point_waits_a_bounded_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(signals.READY_FILE, str(tmp_path / "r"))
    monkeypatch.setenv(signals.READY_HOLD, "here")
    monkeypatch.setattr(signals, "HOLD_SECONDS", 0.02)
    signals.ready("here")
    assert (tmp_path / "r").read_text() == "here\n"


def test_a_quiet_worker_ignores_ctrl_c() -> None:
    old = signal.getsignal(signal.SIGINT)
    try:
        signals.quiet_worker()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, old)
        import ctypes

        ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # no death signal for the test process
