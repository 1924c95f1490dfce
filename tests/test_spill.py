"""Per-replication KPI values in a scratch file (``sim.runs.spill``): the same reports, less memory.

A run given a ``spill`` folder keeps its KPI values in an unlinked file there
once they reach :data:`sim.runs.spill.MIN_BYTES`; the tests lower that to 0 so
that short runs take the spilled path, and compare every file and every
in-process reader with the in-memory path, byte for byte. The file must never
be left behind: not on success, an error, a full disk, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import errno
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from faults import disk_full, failing_replication
from sim.cli import app
from sim.report.csv import kpis_csv
from sim.report.markdown import render_run
from sim.runs import spill
from sim.runs.aggregate import IndexRuns
from sim.runs.executors import ProcessExecutor
from sim.runs.outfiles import TMP_SUFFIX
from sim.runs.reportfile import dumps, results_bytes
from sim.runs.runner import RunFailed, RunReport, run
from sim.runs.spec import RunSpec
from sim.runs.spill import Spill, SpilledColumn, SpillFailed
from sim.scenario.loader import load_scenario
from waits import wait_for

ROOT = Path(__file__).resolve().parents[1]
SHORT = ROOT / "bench" / "short_horizon.yaml"  # the flagship cut to 12 months


@pytest.fixture
def always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run given a folder spills, however small."""
    monkeypatch.setattr(spill, "MIN_BYTES", 0)


def open_scratch(folder: Path) -> list[str]:
    """This process's open descriptors on (deleted) scratch files in ``folder``."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)) and ".kpi-values." in target:
            found.append(target)
    return found


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TMP_SUFFIX))


# --------------------------------------------------------------------------- the file


def test_columns_land_at_fixed_offsets_whatever_the_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    block = rng.normal(size=(10, 3))
    s = Spill(tmp_path, 3, 10)
    s.write(6, block[6:])  # chunks may be written in any order
    s.write(0, block[:6])
    for j in range(3):
        assert np.array_equal(s.read(j, 0, 10), block[:, j])
        assert np.array_equal(s.read(j, 4, 7), block[4:7, j])
    with pytest.raises(ValueError, match="do not fit"):
        s.write(8, block[:3])
    assert list(tmp_path.iterdir()) == []  # unlinked from the start
    assert len(open_scratch(tmp_path)) == 1
    s.close()
    s.close()
    assert s.closed and open_scratch(tmp_path) == []


def test_flag_columns_hold_one_byte_each_and_read_as_ints(tmp_path: Path) -> None:
    s = Spill(tmp_path, 2, 300, flags=2)
    kpis = np.arange(600, dtype=np.float64).reshape(300, 2)
    met = np.stack([np.ones(300, dtype=bool), np.arange(300) % 3 == 0], axis=1)
    s.write(0, kpis)
    s.write(0, met, flags=True)
    assert os.fstat(s._fd).st_size == 300 * 2 * 8 + 300 * 2
    ones, thirds = SpilledColumn[int](s, 2, 300), SpilledColumn[int](s, 3, 300)
    assert np.asarray(ones).dtype == np.int8 and ones.tolist() == [1] * 300
    assert sum(ones) == 300 and type(ones[0]) is int  # Python ints: no int8 overflow at 127
    assert sum(thirds) == 100 and thirds[3] == 1 and thirds[4] == 0
    assert np.array_equal(SpilledColumn[float](s, 1, 300).read(), kpis[:, 1])
    with pytest.raises(ValueError, match="do not fit"):
        s.write(0, np.ones((300, 3)), flags=True)


def test_a_column_reads_as_an_array(tmp_path: Path) -> None:
    values = np.arange(7, dtype=np.float64) / 3
    s = Spill(tmp_path, 2, 9)
    s.write(0, np.stack([values * 0, values], axis=1))
    col = SpilledColumn(s, 1, 7)
    assert len(col) == 7 and col[2] == values[2] and col[-1] == values[6]
    assert isinstance(col[2], float)
    assert np.array_equal(col[1:4], values[1:4]) and np.array_equal(col[::2], values[::2])
    assert len(col[5:100]) == 2 and len(col[5:1]) == 0
    assert list(col) == values.tolist() and col.tolist() == values.tolist()
    assert np.array_equal(np.asarray(col), values)
    assert np.asarray(col, dtype=np.float32).dtype == np.float32
    assert col == values.tolist() and col == values and not col == values[:3]  # noqa: SIM201
    assert [part.tolist() for part in col.slices(3)] == [
        values[:3].tolist(),
        values[3:6].tolist(),
        values[6:].tolist(),
    ]
    copied = pickle.loads(pickle.dumps(col))  # another process gets plain values
    assert isinstance(copied, np.ndarray) and np.array_equal(copied, values)
    with pytest.raises(IndexError):
        col[7]


def test_the_column_keeps_the_file_until_it_goes(tmp_path: Path) -> None:
    s = Spill(tmp_path, 1, 4)
    s.write(0, np.ones((4, 1)))
    col = SpilledColumn(s, 0, 4)
    del s
    assert col.tolist() == [1.0] * 4  # the column holds the spill, and the spill its file
    del col
    assert open_scratch(tmp_path) == []


def test_a_full_disk_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Spill(tmp_path, 1, 4)

    def full(fd: int, data: object, offset: int) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(SpillFailed) as info:
        s.write(0, np.ones((4, 1)))
    assert str(info.value) == (
        f"cannot keep per-replication KPI values in {tmp_path}: No space left on device "
        "(nothing was written; free some space there, or run with --no-kpi-values)"
    )


def test_threshold() -> None:
    assert not spill.wanted(0, 27)
    assert not spill.wanted(1000, 27)  # 216 KB: kept in memory
    assert spill.wanted(100_000, 27)  # 22 MB: spilled
    assert spill.wanted(spill.MIN_BYTES // 8, 1)


def test_index_runs() -> None:
    runs = IndexRuns()
    runs.extend(range(5))
    runs.extend([5, 6, 9, 10])
    runs.extend(range(11, 13))
    assert runs.runs == [[0, 7], [9, 13]]
    assert runs.tolist() == [0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12] and len(runs) == 11


# --------------------------------------------------------------------------- runs


def spec(replications: int, seed: int = 7) -> RunSpec:
    return RunSpec.of(load_scenario(SHORT), replications=replications, seed=seed)


def same_reports(spilled: RunReport, kept: RunReport) -> None:
    """Every rendering a run writes, and the results, are the same bytes."""
    a, b = spilled.to_dict(), kept.to_dict()
    b["meta"] = a["meta"]
    assert results_bytes(a) == results_bytes(b)
    assert dumps(a) == dumps(b)
    assert kpis_csv(a, "long") == kpis_csv(b, "long")
    assert kpis_csv(a, "wide") == kpis_csv(b, "wide")
    assert render_run(a) == render_run(b)


def test_a_spilled_run_gives_the_same_report(tmp_path: Path, always: None) -> None:
    kept = run(spec(240))
    spilled = run(spec(240), spill=tmp_path)
    values = spilled.results["kpis"]["cost"]["values"]
    assert isinstance(values, SpilledColumn) and len(values) == 240
    assert isinstance(kept.results["kpis"]["cost"]["values"], np.ndarray)
    for oid, objective in spilled.results["objectives"].items():
        outcomes = objective["values"]
        assert isinstance(outcomes, SpilledColumn)
        assert outcomes == kept.results["objectives"][oid]["values"]
        assert sum(outcomes) == objective["successes"]
    same_reports(spilled, kept)
    assert list(tmp_path.iterdir()) == []
    del spilled, values, outcomes, objective
    assert open_scratch(tmp_path) == []


def test_a_small_run_keeps_its_values_in_memory(tmp_path: Path) -> None:
    report = run(spec(40), spill=tmp_path)
    assert isinstance(report.results["kpis"]["cost"]["values"], np.ndarray)
    assert open_scratch(tmp_path) == []


def test_no_kpi_values_never_spills(tmp_path: Path, always: None) -> None:
    report = run(spec(40), spill=tmp_path, kpi_values=False)
    assert "values" not in report.results["kpis"]["cost"]
    assert open_scratch(tmp_path) == []


@pytest.mark.slow
def test_three_thousand_replications_spilled_and_kept(tmp_path: Path, always: None) -> None:
    with ProcessExecutor(2) as pool:
        kept = run(spec(3000), executor=pool)
        spilled = run(spec(3000), executor=pool, spill=tmp_path)
    assert isinstance(spilled.results["kpis"]["cost"]["values"], SpilledColumn)
    same_reports(spilled, kept)


def test_a_resumed_checkpoint_spills_the_stored_chunks(tmp_path: Path, always: None) -> None:
    ck = tmp_path / "ck"
    first = run(spec(90), checkpoint=ck, chunk_size=20)
    out = tmp_path / "out"
    out.mkdir()
    again = run(spec(90), checkpoint=ck, chunk_size=20, spill=out)
    assert again.meta["resumed_chunks"] == 5
    assert isinstance(again.results["kpis"]["cost"]["values"], SpilledColumn)
    same_reports(again, first)


def test_a_partial_report_reads_its_spilled_values(tmp_path: Path, always: None) -> None:
    with failing_replication(7, 33), pytest.raises(RunFailed) as kept:
        run(spec(60))
    with failing_replication(7, 33), pytest.raises(RunFailed) as spilled:
        run(spec(60), spill=tmp_path)
    a, b = spilled.value.partial, kept.value.partial
    assert a is not None and b is not None
    assert a.results["replication_indices"] == [*range(33), *range(34, 60)]
    same_reports(a, b)


def test_an_interrupted_run_frees_the_file_at_once(tmp_path: Path, always: None) -> None:
    def progress(done: int, total: int) -> None:
        if done >= 40:
            assert len(open_scratch(tmp_path)) == 1  # values are being spilled
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(spec(100), spill=tmp_path, progress=progress, chunk_size=20)
    assert open_scratch(tmp_path) == [] and list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- ttx run

cli = CliRunner()


def ttx_run(out: Path, *extra: str) -> object:
    args = ["run", str(SHORT), "--replications", "60", "--seed", "3", "--quiet"]
    return cli.invoke(app, [*args, "--out", str(out), "--workers", "1", *extra])


def test_ttx_run_spills_and_writes_the_same_files(tmp_path: Path, always: None) -> None:
    fmt = ["--format", "md,csv", "--csv-layout", "wide"]
    spilled = ttx_run(tmp_path / "a", *fmt)
    assert spilled.exit_code == 0, spilled.output  # type: ignore[attr-defined]
    spill.MIN_BYTES = 1 << 60  # (monkeypatched: restored after the test)
    kept = ttx_run(tmp_path / "b", *fmt)
    assert kept.exit_code == 0, kept.output  # type: ignore[attr-defined]
    for name in ("report_kpis.csv", "report_series.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    for name in ("report.json", "report.md"):
        a, b = ((tmp_path / d / name).read_text().splitlines() for d in "ab")
        differ = [x for x, y in zip(a, b, strict=True) if x != y]
        stamps = ('"created": ', '"duration_s": ', "; ttx ")  # the creation time and duration
        assert len(differ) <= 2 and all(any(s in x for s in stamps) for x in differ), differ
    assert leftovers(tmp_path / "a") == []


def test_ttx_run_on_a_full_disk_is_one_line(
    tmp_path: Path, always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    disk_full(monkeypatch, out)
    result = ttx_run(out)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"error: cannot keep per-replication KPI values in {out}: No space left on device "
        "(nothing was written; free some space there, or run with --no-kpi-values)\n"
    )
    assert not out.exists()  # the folder the run made is gone again, nothing in it
    assert open_scratch(out) == []


# --------------------------------------------------------------------------- signals

LAUNCH = (
    "import sys; import sim.runs.spill as s; s.MIN_BYTES = 0; "
    "from sim.__main__ import main; sys.argv[0] = 'ttx'; main()"
)


def scratch_of(pid: int, folder: Path) -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)) and ".kpi-values." in target:
            found.append(target)
    return found


@pytest.fixture
def launched(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [
        (signal.SIGINT, 130, "interrupted; no partial output was written\n"),
        (signal.SIGTERM, 143, "terminated\n"),
    ],
)
def test_a_signal_while_spilling_leaves_nothing(
    tmp_path: Path,
    launched: list[subprocess.Popen[bytes]],
    signum: int,
    code: int,
    message: str,
) -> None:
    out, ready, err = tmp_path / "out", tmp_path / "ready", tmp_path / "stderr"
    env = dict(os.environ, TTX_READY_FILE=str(ready), TTX_READY_HOLD="chunk")
    command = [sys.executable, "-c", LAUNCH, "run", str(SHORT), "--quiet"]
    command += ["--replications", "2000", "--workers", "2", "--out", str(out)]
    with err.open("wb") as stderr:
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True, env=env
        )
    launched.append(proc)

    def held() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"ttx exited early: {err.read_text()}")
        return ready.exists() and "chunk" in ready.read_text().split()

    wait_for(held, "the first chunk", tries=2400)
    assert len(scratch_of(proc.pid, out)) == 1  # the values are in a scratch file there
    assert leftovers(out) == []  # which has no name
    os.kill(proc.pid, signum)
    wait_for(lambda: proc.poll() is not None, "ttx to exit", tries=2400)
    assert (proc.returncode, err.read_text()) == (code, message)
    assert not out.exists() or list(out.iterdir()) == []
