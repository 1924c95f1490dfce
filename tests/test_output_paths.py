"""Every command that writes: which targets it refuses, before any work, and what it leaves.

Each writer is invoked with its output already in place as an existing file,
a FIFO, a socket, a folder, a symbolic link or a device node. Without
``--force`` an existing file is refused; the others are refused even with
it, and nothing is replaced or written. Runs and sweeps are refused before a
replication runs (the runner's ``simulate`` fails the test if called).
"""

from __future__ import annotations

import fcntl
import os
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import sim.runs.runner
from faults import read_only
from sim.cli import app
from sim.jobs.run import run_file
from sim.model.engine import ReplicationResult
from sim.model.plan import Plan

ASSETS = Path(__file__).parent / "assets"
TINY = ASSETS / "tiny_script_title.yaml"  # policies steady and heavy
DECISIONS = ASSETS / "three_decisions.yaml"
PLAY_INPUT = "2\nfund\ndecline\n"
runner = CliRunner()


def ttx(*args: str | Path, input: str | None = None) -> Result:
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two run reports of TINY and a team's recorded answers of DECISIONS."""
    tmp = tmp_path_factory.mktemp("saved")
    for pid in ("steady", "heavy"):
        run_file(TINY, policy=pid, replications=3, seed=3, out=tmp / pid)
    record = tmp / "team.answers.yaml"
    args = ["play", DECISIONS, "--record", record, "--replications", "4", "--seed", "11"]
    played = ttx(*args, input=PLAY_INPUT)
    assert played.exit_code == 0, played.output
    for leftover in tmp.glob("team.debrief.*"):
        leftover.unlink()
    reports = {pid: tmp / pid / "report.json" for pid in ("steady", "heavy")}
    return {**reports, "answers": record}


@dataclass(frozen=True)
class Writer:
    """A command, the file it writes first, and the option that chooses another target."""

    args: Callable[[Path, dict[str, Path]], list[str | Path]]
    target: Callable[[Path], Path]
    elsewhere: str
    input: str | None = None


WRITERS = {
    "run": Writer(
        lambda d, s: ["run", TINY, "--replications", "3", "--seed", "3", "--quiet", "--out", d],
        lambda d: d / "report.json",
        "--out to choose another directory",
    ),
    "sweep": Writer(
        lambda d, s: [
            "sweep",
            TINY,
            "--replications",
            "3",
            "--quiet",
            "--out",
            d,
            "--format",
            "md",
        ],
        lambda d: d / "comparison.json",
        "--out to choose another directory",
    ),
    "compare": Writer(
        lambda d, s: ["compare", s["steady"], s["heavy"], "--out", d, "--format", "md"],
        lambda d: d / "comparison.json",
        "--out to choose another directory",
    ),
    "report": Writer(
        lambda d, s: ["report", s["steady"], "--format", "md", "--out", d / "again.md"],
        lambda d: d / "again.md",
        "--out to choose another directory",
    ),
    "schema": Writer(
        lambda d, s: ["schema", "--out", d / "scenario.schema.json"],
        lambda d: d / "scenario.schema.json",
        "--out to choose another file",
    ),
    "brief": Writer(
        lambda d, s: ["brief", TINY, "--out", d / "brief.md"],
        lambda d: d / "brief.md",
        "--out to choose another file",
    ),
    "msel": Writer(
        lambda d, s: ["msel", TINY, "--out", d / "msel.md"],
        lambda d: d / "msel.md",
        "--out to choose another file",
    ),
    "debrief": Writer(
        lambda d, s: ["debrief", s["answers"], "--replications", "4", "--out", d],
        lambda d: d / "team.debrief.md",
        "--out to choose another folder",
    ),
    "play": Writer(
        lambda d, s: [
            "play",
            DECISIONS,
            "--record",
            d / "mine.answers.yaml",
            "--seed",
            "11",
            "--replications",
            "4",
        ],
        lambda d: d / "mine.answers.yaml",
        "--record to choose another file",
        PLAY_INPUT,
    ),
}


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(plan: Plan, seed: int) -> ReplicationResult:
        raise AssertionError("a replication ran although the output is refused")

    monkeypatch.setattr(sim.runs.runner, "simulate", refuse)


def listing(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under ``folder``: its type and (for regular files) its bytes."""
    out = {}
    for p in sorted(folder.rglob("*")):
        mode = os.lstat(p).st_mode
        out[str(p.relative_to(folder))] = (
            stat.S_IFMT(mode),
            p.read_bytes() if stat.S_ISREG(mode) else None,
        )
    return out


# ------------------------------------------------------------------ existing files


@pytest.mark.parametrize("name", WRITERS)
def test_existing_target_is_refused_without_force(
    name: str, tmp_path: Path, saved: dict[str, Path], no_simulation: None
) -> None:
    w = WRITERS[name]
    target = w.target(tmp_path)
    target.write_text("keep me\n")
    before = listing(tmp_path)
    result = ttx(*w.args(tmp_path, saved), input=w.input)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: {target} already exists; use --force to overwrite or {w.elsewhere}\n"
    )
    assert listing(tmp_path) == before


def test_new_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "fresh.yaml").write_text("keep me\n")
    result = ttx("new", "fresh", "--dir", tmp_path)
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert (tmp_path / "fresh.yaml").read_text() == "keep me\n"


def test_existing_partial_report_is_refused_without_force(
    tmp_path: Path, saved: dict[str, Path], no_simulation: None
) -> None:
    partial = tmp_path / "report.partial.json"
    partial.write_text("{}\n")
    result = ttx(*WRITERS["run"].args(tmp_path, saved))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {partial} already exists; use --force to overwrite or "
        "--out to choose another directory\n"
    )
    assert partial.read_text() == "{}\n"


# ------------------------------------------------------------------ special files


@contextmanager
def special(kind: str, path: Path) -> Iterator[str]:
    """Put a ``kind`` of non-regular file at ``path``; yield how ttx names it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
        yield "a FIFO (named pipe)"
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(path))
            yield "a socket"
    elif kind == "folder":
        path.mkdir()
        yield "a folder"
    elif kind == "symlink":
        (path.parent / "real.txt").write_text("keep me\n")
        path.symlink_to(path.parent / "real.txt")
        yield "a symbolic link"
    else:
        try:  # a device node like /dev/null, made here so no real device is at risk
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("cannot make a device node here")
        yield "a device"


KINDS = ["fifo", "socket", "folder", "symlink", "device"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", WRITERS)
def test_special_target_is_refused_even_with_force(
    name: str, kind: str, tmp_path: Path, saved: dict[str, Path], no_simulation: None
) -> None:
    w = WRITERS[name]
    target = w.target(tmp_path)
    with special(kind, target) as what:
        before = listing(tmp_path)
        result = ttx(*w.args(tmp_path, saved), "--force", input=w.input)
        assert result.exit_code == 1, result.output
        assert result.stderr == (
            f"error: {target} is {what}; ttx only replaces regular files, even with --force\n"
        )
        assert listing(tmp_path) == before


@pytest.mark.parametrize("name", ["run", "schema", "brief"])
def test_target_under_proc_is_refused(
    name: str, saved: dict[str, Path], no_simulation: None
) -> None:
    w = WRITERS[name]
    folder = Path("/proc/ttx-no-such-folder")
    result = ttx(*w.args(folder, saved), "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {w.target(folder)} is under /proc; ttx writes to regular folders only\n"
    )


@pytest.mark.parametrize("name", ["run", "sweep", "compare", "brief", "debrief"])
def test_read_only_folder_is_refused_before_any_work(
    name: str,
    tmp_path: Path,
    saved: dict[str, Path],
    no_simulation: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = WRITERS[name]
    read_only(monkeypatch, tmp_path)
    result = ttx(*w.args(tmp_path / "out", saved))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'out'}/")
    assert result.stderr.endswith(f": {tmp_path} is read-only or not writable by you\n")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ one command per folder


@contextmanager
def held_lock(folder: Path) -> Iterator[Path]:
    """Hold ``folder``'s lock as a running ttx command would."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / ".ttx.lock"
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield lock


@pytest.mark.parametrize("name", ["run", "sweep", "compare", "debrief"])
def test_second_command_into_a_locked_folder_is_refused(
    name: str, tmp_path: Path, saved: dict[str, Path], no_simulation: None
) -> None:
    w = WRITERS[name]
    with held_lock(tmp_path) as lock:
        result = ttx(*w.args(tmp_path, saved))
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: another ttx command is writing to {tmp_path} (it holds {lock}); wait for it "
        f"to finish or use {w.elsewhere}\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == [".ttx.lock"]


def test_lock_is_released_and_removed_after_the_run(tmp_path: Path) -> None:
    first = ttx(*WRITERS["run"].args(tmp_path, {}))
    assert first.exit_code == 0, first.output
    assert not (tmp_path / ".ttx.lock").exists()
    again = ttx(*WRITERS["run"].args(tmp_path, {}), "--force")
    assert again.exit_code == 0, again.output


def test_stale_temporaries_are_removed_by_the_next_run(tmp_path: Path) -> None:
    stale = [tmp_path / ".report.json.k3j2h1g0.ttx-tmp", tmp_path / ".report.md.aaaa.ttx-tmp"]
    for p in stale:
        p.write_text("half a report")
    mine = tmp_path / ".notes.tmp"  # not ttx's: left alone
    mine.write_text("mine")
    result = ttx(*WRITERS["run"].args(tmp_path, {}))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.tmp", "report.json", "report.md"]


# ------------------------------------------------------------------ all or nothing


def test_ctrl_c_between_renames_says_exactly_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace
    calls: list[str] = []

    def replace(src: str, dst: str) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = ttx(*WRITERS["run"].args(tmp_path, {}), "--format", "md,html")
    assert result.exit_code == 130
    assert result.stderr == (
        f"interrupted; wrote only {tmp_path / 'report.json'} "
        f"(not {tmp_path / 'report.md'}, {tmp_path / 'report.html'})\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.parametrize("name", ["sweep", "compare"])
def test_ctrl_c_while_rendering_the_comparison_leaves_nothing(
    name: str, tmp_path: Path, saved: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.report.comparison_md

    def interrupted(*args: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.report.comparison_md, "render_comparison", interrupted)
    out = tmp_path / "out"
    result = ttx(*WRITERS[name].args(out, saved))
    assert result.exit_code == 130
    assert result.stderr == "interrupted; no partial output was written\n"
    assert not out.exists()  # not even the run reports of a sweep


def test_rename_failure_names_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace
    calls: list[str] = []

    def replace(src: str, dst: str) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(30, "Read-only file system")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = ttx(*WRITERS["run"].args(tmp_path, {}))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write {tmp_path / 'report.md'}: Read-only file system "
        f"(written: {tmp_path / 'report.json'})\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
