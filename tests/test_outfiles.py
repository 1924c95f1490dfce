"""The output-file primitives: target checks, folder locks, all-or-nothing transactions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from faults import read_only
from sim.errors import TtxError
from sim.runs.outfiles import (
    OutputBusy,
    OutputLock,
    OutputRefused,
    RenderFailed,
    Transaction,
    check_folder,
    check_writable,
    clean_stale,
    target_problem,
    write_outputs,
)


def test_devices_are_never_targets() -> None:
    """Checked only: nothing is written to the real device."""
    assert target_problem(Path("/dev/null")) == (
        "/dev/null is under /dev; ttx writes to regular folders only"
    )


def test_a_file_in_the_way_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputRefused) as info:
        check_writable([tmp_path / "file" / "sub" / "report.json"], force=True)
    assert str(info.value) == (
        f"cannot write {tmp_path / 'file' / 'sub' / 'report.json'}: "
        f"{tmp_path / 'file'} is not a folder"
    )


def test_check_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check_folder(tmp_path / "new" / "ck")  # may be created
    with pytest.raises(OutputRefused, match=r"^/proc/x is under /proc"):
        check_folder(Path("/proc/x"))
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputRefused, match=r"file is not a folder$"):
        check_folder(tmp_path / "file")
    read_only(monkeypatch, tmp_path)
    with pytest.raises(OutputRefused) as info:
        check_folder(tmp_path)
    assert str(info.value) == f"cannot write {tmp_path}: it is read-only or not writable by you"


def test_lock_excludes_a_second_holder_and_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    with OutputLock(out) as lock:
        assert lock.path.exists()
        with pytest.raises(OutputBusy), OutputLock(out):
            pass
    assert list(out.iterdir()) == []
    with OutputLock(out):  # released: free again
        pass


def test_lock_removes_the_folders_it_made_when_the_work_fails(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    with pytest.raises(RuntimeError), OutputLock(out):
        raise RuntimeError("failed before writing")
    assert list(tmp_path.iterdir()) == []


def test_lock_in_an_unwritable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read_only(monkeypatch, tmp_path)
    with pytest.raises(TtxError, match=r"^cannot "), OutputLock(tmp_path):
        pass


def test_clean_stale_removes_only_ttx_temporaries(tmp_path: Path) -> None:
    (tmp_path / ".report.json.abc.ttx-tmp").write_text("x")
    (tmp_path / ".keep.tmp").write_text("x")
    os.mkfifo(tmp_path / ".odd.ttx-tmp")
    assert [p.name for p in clean_stale(tmp_path)] == [".report.json.abc.ttx-tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep.tmp", ".odd.ttx-tmp"]


def test_transaction_left_uncommitted_leaves_nothing(tmp_path: Path) -> None:
    with Transaction() as t:
        t.stage(tmp_path / "x" / "a.txt", "a")
        t.stage(tmp_path / "b.txt", b"b")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_renderer_costs_only_its_file(tmp_path: Path) -> None:
    def broken() -> str:
        raise ValueError("no glyph")

    with pytest.raises(RenderFailed) as info:
        write_outputs([(tmp_path / "a.md", lambda: "a"), (tmp_path / "b.html", broken)])
    assert str(info.value) == (
        f"could not write {tmp_path / 'b.html'}: ValueError: no glyph (written: "
        f"{tmp_path / 'a.md'}; any earlier file of a failed format was left unchanged)"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_a_name_too_long_to_inspect(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 300)
    assert target_problem(path) == f"cannot inspect {path}: File name too long"


def test_folders_that_cannot_be_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read_only(monkeypatch, tmp_path)
    with pytest.raises(TtxError) as info, Transaction() as t:
        t.stage(tmp_path / "sub" / "a.txt", "a")
    assert str(info.value) == (f"cannot create folder {tmp_path / 'sub'}: Read-only file system")


def test_lock_keeps_a_made_folder_that_holds_something(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    with pytest.raises(RuntimeError), OutputLock(out):
        (out / "kept.txt").write_text("written by the failed work")
        raise RuntimeError
    assert [p.name for p in out.iterdir()] == ["kept.txt"]
