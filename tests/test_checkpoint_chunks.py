"""Checkpoint chunks: a chunk of another run, renamed, damaged or not a file is never merged.

Each variant is planted in the folder of a half-finished run; resuming must
refuse it with one line naming the file, before any replication runs (the
runner's ``simulate`` is replaced by one that fails the test), so a resumed
run can never complete with results other than an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sim.runs.runner
from faults import disk_full, read_only
from sim.cli import app
from sim.model.engine import ReplicationResult
from sim.model.plan import Plan
from sim.runs.checkpoint import FORMAT, Checkpoint, CheckpointError
from sim.runs.reportfile import results_bytes
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "iraq_training_mission.yaml"
SIZE = 2  # replications per chunk: 6 replications are chunks 0, 1 and 2


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The flagship scenario cut to one year, so each run is quick."""
    return load_scenario(FLAGSHIP).model_copy(update={"horizon": 12})


@pytest.fixture(scope="module")
def expected(scenario: Scenario) -> bytes:
    return results_bytes(
        run(RunSpec.of(scenario, replications=6, seed=6), chunk_size=SIZE).to_dict()
    )


def checkpointed(scenario: Scenario, folder: Path, *, seed: int = 6, reps: int = 6) -> Path:
    run(RunSpec.of(scenario, replications=reps, seed=seed), chunk_size=SIZE, checkpoint=folder)
    return folder


def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(plan: Plan, seed: int) -> ReplicationResult:
        raise AssertionError("a replication ran although the checkpoint is refused")

    monkeypatch.setattr(sim.runs.runner, "simulate", refuse)


def resume(scenario: Scenario, folder: Path) -> bytes:
    spec = RunSpec.of(scenario, replications=6, seed=6)
    return results_bytes(run(spec, chunk_size=SIZE, checkpoint=folder).to_dict())


def rewrite_header(path: Path, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(str(arrays["header"]))
    change(header)
    arrays["header"] = np.array(json.dumps(header, sort_keys=True))
    with path.open("wb") as fh:
        np.savez(fh, **arrays)


def flip_data_byte(path: Path, member: str) -> None:
    """Flip the last byte of one archive member's data (its checksum then fails)."""
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(member)
    start = info.header_offset + 30
    start += int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    start += int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    data[start + info.file_size - 1] ^= 0xFF
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------ chunks of another run


def test_chunk_of_another_seed_is_refused(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    theirs = checkpointed(scenario, tmp_path / "theirs", seed=7)
    shutil.copy(theirs / "chunk-000001.npz", ours / "chunk-000001.npz")
    (ours / "chunk-000002.npz").unlink()  # work is left: it must not start
    no_simulation(monkeypatch)
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert str(info.value) == (
        f"checkpoint chunk {ours / 'chunk-000001.npz'} is not this run's: it has seed 7 "
        "(this run: 6); delete that file to recompute its chunk"
    )


def test_chunk_of_another_scenario_of_the_same_shape_is_refused(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    other = scenario.model_copy(update={"title": "Another exercise"})
    theirs = checkpointed(other, tmp_path / "theirs")
    shutil.copy(theirs / "chunk-000000.npz", ours / "chunk-000000.npz")
    no_simulation(monkeypatch)
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    message = str(info.value)
    assert message.startswith(
        f"checkpoint chunk {ours / 'chunk-000000.npz'} is not this run's: it has scenario_content "
    )
    assert message.endswith("; delete that file to recompute its chunk")


def test_chunk_of_another_replication_count_is_refused(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    theirs = checkpointed(scenario, tmp_path / "theirs", reps=8)
    shutil.copy(theirs / "chunk-000002.npz", ours / "chunk-000002.npz")
    no_simulation(monkeypatch)
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert str(info.value) == (
        f"checkpoint chunk {ours / 'chunk-000002.npz'} is not this run's: it has replications 8 "
        "(this run: 6); delete that file to recompute its chunk"
    )


def test_chunk_renamed_to_another_index_is_refused(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    (ours / "chunk-000002.npz").unlink()
    shutil.copy(ours / "chunk-000000.npz", ours / "chunk-000002.npz")
    no_simulation(monkeypatch)
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert str(info.value) == (
        f"checkpoint chunk {ours / 'chunk-000002.npz'} is not this run's: it holds chunk 0, "
        "not chunk 2; delete that file to recompute its chunk"
    )


def test_chunk_whose_replications_are_not_its_own_is_refused(
    scenario: Scenario, tmp_path: Path
) -> None:
    """A header claiming the right chunk over another chunk's replications (hand-edited)."""
    ours = checkpointed(scenario, tmp_path / "ours")
    path = ours / "chunk-000001.npz"
    shutil.copy(ours / "chunk-000000.npz", path)
    rewrite_header(path, lambda h: h.update(chunk=1))
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert str(info.value) == (
        f"checkpoint chunk {path} is not this run's: it holds replications 0-1 (2), not "
        "2-3 (2); delete that file to recompute its chunk"
    )


def test_chunk_with_objectives_of_another_scenario_is_refused(
    scenario: Scenario, tmp_path: Path
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    path = ours / "chunk-000001.npz"
    ids = [o.id for o in scenario.objectives]
    rewrite_header(path, lambda h: h.update(objective_ids=["other", *ids[1:]]))
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert str(info.value) == (
        f"checkpoint chunk {path} is not this run's: it has objectives "
        f"{['other', *ids[1:]]!r} (this run: {ids!r}); delete that file to recompute its chunk"
    )


# ------------------------------------------------------------------ damaged chunk files


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def not_a_zip(path: Path) -> None:
    path.write_text("chunk of the exercise, honest\n")


def fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def symlink(path: Path) -> None:
    target = path.with_name("elsewhere.npz")
    path.rename(target)
    path.symlink_to(target)


def flipped(path: Path) -> None:
    flip_data_byte(path, "kpis.npy")


def wrong_shape(path: Path) -> None:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["kpis"] = arrays["kpis"][:, :3]
    with path.open("wb") as fh:
        np.savez(fh, **arrays)


def no_identity(path: Path) -> None:
    rewrite_header(path, lambda h: h.pop("run"))


def edit_arrays(path: Path, change: Callable[[dict], None], *, compressed: bool = False) -> None:  # type: ignore[type-arg]
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    change(arrays)
    with path.open("wb") as fh:
        (np.savez_compressed if compressed else np.savez)(fh, **arrays)


def header_edit(**fields: object) -> Callable[[Path], None]:
    return lambda path: rewrite_header(path, lambda h: h.update(fields))


def array_edit(name: str, value: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path], None]:
    return lambda path: edit_arrays(path, lambda a: a.update({name: value(a[name])}))


def extra_member(path: Path) -> None:
    edit_arrays(path, lambda a: a.update(extra=np.zeros(1)))


def compressed(path: Path) -> None:
    edit_arrays(path, lambda a: None, compressed=True)


DAMAGE = {
    "truncated": (truncate, "not a chunk file: not a zip archive"),
    "empty": (empty, "it is empty"),
    "not a zip": (not_a_zip, "not a chunk file: not a zip archive"),
    "fifo": (fifo, "it is not a regular file"),
    "symlink": (symlink, "it is a symbolic link, not a file ttx wrote"),
    "flipped bytes": (flipped, "damaged: kpis.npy fails its checksum"),
    "wrong shape": (wrong_shape, "KPI values of shape (2, 3) for 2 replications"),
    "format 1 chunk": (no_identity, "its header does not say which run it belongs to"),
    "extra member": (extra_member, "not a chunk file: unexpected contents"),
    "compressed": (compressed, "not a chunk file: compressed members"),
    "names": (header_edit(kpi_names=[1, 2]), "its header lists no KPI or objective names"),
    "decisions": (
        header_edit(decisions={"x": {"a": 99}}),
        "its decision counts do not fit its replications",
    ),
    "series count": (
        header_edit(running_n=5),
        "its monthly series statistics do not fit its replications",
    ),
    "series size": (
        array_edit("running_mean", lambda a: a.ravel()[:3]),
        "its monthly series statistics have the wrong size",
    ),
    "sample": (
        array_edit("sample_indices", lambda a: a + 99),
        "its percentile sample does not fit its replications",
    ),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_chunk_is_refused_naming_the_file(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    (ours / "chunk-000002.npz").unlink()
    harm, reason = DAMAGE[damage]
    path = ours / "chunk-000001.npz"
    harm(path)
    no_simulation(monkeypatch)
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert str(info.value) == (
        f"cannot read checkpoint chunk {path} ({reason}); delete that file to recompute its chunk"
    )


def test_deleting_the_refused_chunk_resumes_to_identical_results(
    scenario: Scenario, tmp_path: Path, expected: bytes
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    flipped(ours / "chunk-000001.npz")
    with pytest.raises(CheckpointError):
        resume(scenario, ours)
    (ours / "chunk-000001.npz").unlink()
    assert resume(scenario, ours) == expected


def test_any_flipped_byte_is_refused_or_harmless(
    scenario: Scenario, tmp_path: Path, expected: bytes
) -> None:
    """Flip bytes all through a chunk: each is refused, or results are unchanged."""
    ours = checkpointed(scenario, tmp_path / "ours")
    path = ours / "chunk-000001.npz"
    original = path.read_bytes()
    for offset in range(0, len(original), max(1, len(original) // 60)):
        data = bytearray(original)
        data[offset] ^= 0x10
        path.write_bytes(bytes(data))
        try:
            got = resume(scenario, ours)
        except CheckpointError as exc:
            assert str(exc).endswith("; delete that file to recompute its chunk")
            assert str(path) in str(exc)
        else:
            assert got == expected, f"byte {offset} flipped changed the results"
        path.write_bytes(original)


# ------------------------------------------------------------------ manifest and folder


def test_manifest_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "manifest.json")
    with pytest.raises(CheckpointError) as info:
        Checkpoint(tmp_path, {"seed": 1})
    assert str(info.value) == (
        f"cannot read checkpoint {tmp_path / 'manifest.json'}: it is not a regular file"
    )


def test_checkpoint_of_format_1_is_refused(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "seed": 1}))
    with pytest.raises(CheckpointError) as info:
        Checkpoint(tmp_path, {"seed": 1})
    assert str(info.value) == (
        f"checkpoint {tmp_path} belongs to another run: it has format 1 (this run: {FORMAT})"
    )


def test_full_disk_while_saving_a_chunk_is_one_error_and_leaves_no_temporary(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ck = tmp_path / "ck"
    store = Checkpoint(ck, {"seed": 6})
    disk_full(monkeypatch, ck)
    from sim.runs.aggregate import ChunkPartial

    with pytest.raises(CheckpointError) as info:
        store.save(ChunkPartial(chunk=0))
    assert str(info.value) == (
        f"cannot write checkpoint chunk {ck / 'chunk-000000.npz'}: No space left on device"
    )
    assert sorted(p.name for p in ck.iterdir()) == ["manifest.json"]


# ------------------------------------------------------------------ the command line

runner = CliRunner()


def ttx_run(ck: Path, out: Path, *extra: str) -> object:
    args = ["run", str(FLAGSHIP), "--replications", "4", "--seed", "3", "--quiet"]
    args += ["--chunk-size", "2", "--checkpoint", str(ck), "--out", str(out), *extra]
    return runner.invoke(app, args)


def test_cli_refuses_a_damaged_chunk_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ck, out = tmp_path / "ck", tmp_path / "out"
    first = ttx_run(ck, out)
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    os.truncate(ck / "chunk-000001.npz", 100)
    no_simulation(monkeypatch)
    again = ttx_run(ck, tmp_path / "out2")
    assert again.exit_code == 1  # type: ignore[attr-defined]
    assert again.stderr == (  # type: ignore[attr-defined]
        f"error: cannot read checkpoint chunk {ck / 'chunk-000001.npz'} (not a chunk file: "
        "not a zip archive); delete that file to recompute its chunk\n"
    )
    assert not (tmp_path / "out2").exists()


def test_cli_checkpoint_in_a_read_only_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    read_only(monkeypatch, locked)
    no_simulation(monkeypatch)
    result = ttx_run(locked / "ck", tmp_path / "out")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"error: cannot write {locked / 'ck'}: {locked} is read-only or not writable by you\n"
    )
    assert list(locked.iterdir()) == [] and not (tmp_path / "out").exists()


def test_cli_checkpoint_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ck = tmp_path / "ck"
    disk_full(monkeypatch, ck)
    no_simulation(monkeypatch)
    result = ttx_run(ck, tmp_path / "out")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"error: cannot write checkpoint {ck}: No space left on device\n"
    )
    assert not ck.exists() and not (tmp_path / "out").exists()


def test_odd_folders_and_manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(CheckpointError, match=r"is not a folder$"):
        Checkpoint(tmp_path / "file", {"seed": 1})
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / "manifest.json").write_text("[]")
    with pytest.raises(CheckpointError, match=r"not a JSON object$"):
        Checkpoint(tmp_path / "ck", {"seed": 1})
    store = Checkpoint(tmp_path / "new", {"seed": 1, "replications": 4, "chunk_size": 2})
    (tmp_path / "new" / "chunk-abc.npz").write_text("not ours, not a chunk name")
    assert store.finished() == set()
    assert store.expected_indices(1) == [2, 3]
    from sim.runs.aggregate import ChunkPartial

    with pytest.raises(ValueError, match="only complete chunks"):
        store.save(ChunkPartial(chunk=0, failures=[(0, 1, "boom")]))


def test_oversized_chunk_is_not_read(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    monkeypatch.setattr("sim.runs.checkpoint.MAX_CHUNK_BYTES", 100)
    with pytest.raises(CheckpointError, match=r"\(it is too large \(\d+ bytes\)\)"):
        resume(scenario, ours)


@pytest.mark.parametrize(
    ("harm", "reason"),
    [
        (
            array_edit("objectives", lambda a: a.astype(np.float64)),
            "objective outcomes of shape (2, {k}) for 2 replications",
        ),
        (header_edit(decisions=[]), "its decision counts do not fit its replications"),
        (header_edit(decisions={"x": 3}), "its decision counts do not fit its replications"),
    ],
)
def test_more_inconsistent_chunks(
    scenario: Scenario, tmp_path: Path, harm: Callable[[Path], None], reason: str
) -> None:
    ours = checkpointed(scenario, tmp_path / "ours")
    path = ours / "chunk-000000.npz"
    harm(path)
    with pytest.raises(CheckpointError) as info:
        resume(scenario, ours)
    assert f"({reason.format(k=len(scenario.objectives))})" in str(info.value)
