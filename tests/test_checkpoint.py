"""Checkpoints: an interrupted run resumes to identical results; foreign checkpoints are refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.runs.checkpoint import Checkpoint, CheckpointError
from sim.runs.executors import ProcessExecutor, SerialExecutor
from sim.runs.reportfile import results_bytes
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario, scenario_hash
from sim.scenario.models import Scenario
from waits import wait_for

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "iraq_training_mission.yaml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The flagship scenario cut to two years, so tests run quickly."""
    return load_scenario(FLAGSHIP).model_copy(update={"horizon": 24})


class Interrupt(Exception):
    """Stands in for Ctrl-C or a killed process after some chunks."""


def interrupt_after(chunks: int, size: int):  # type: ignore[no-untyped-def]
    def progress(done: int, total: int) -> None:
        if done >= chunks * size:
            raise Interrupt

    return progress


def make(executor: str) -> SerialExecutor | ProcessExecutor:
    return SerialExecutor() if executor == "serial" else ProcessExecutor(2)


@pytest.mark.parametrize("executor", ["serial", pytest.param("processes", marks=pytest.mark.slow)])
def test_interrupted_run_resumes_to_identical_results(
    scenario: Scenario, tmp_path: Path, executor: str
) -> None:
    spec = RunSpec.of(scenario, replications=70, seed=6)
    expected = results_bytes(run(spec).to_dict())
    ck = tmp_path / "ck"
    with pytest.raises(Interrupt), make(executor) as ex:
        run(spec, checkpoint=ck, executor=ex, progress=interrupt_after(2, 20))
    saved = sorted(p.name for p in ck.glob("chunk-*.npz"))
    assert len(saved) >= 2 and len(saved) < 4
    with make(executor) as ex:
        resumed = run(spec, checkpoint=ck, executor=ex)
    assert resumed.meta["resumed_chunks"] == len(saved)
    assert results_bytes(resumed.to_dict()) == expected
    # A finished checkpoint reruns without computing anything.
    again = run(spec, checkpoint=ck)
    assert again.meta["resumed_chunks"] == 4
    assert results_bytes(again.to_dict()) == expected


def test_checkpoint_from_another_seed_is_refused(scenario: Scenario, tmp_path: Path) -> None:
    run(RunSpec.of(scenario, replications=5, seed=6), checkpoint=tmp_path)
    with pytest.raises(CheckpointError) as info:
        run(RunSpec.of(scenario, replications=5, seed=7), checkpoint=tmp_path)
    assert str(info.value) == (
        f"checkpoint {tmp_path} belongs to another run: it has seed 6 (this run: 7)"
    )


def test_checkpoint_from_another_policy_or_count_is_refused(
    scenario: Scenario, tmp_path: Path
) -> None:
    run(RunSpec.of(scenario, replications=5, seed=6), checkpoint=tmp_path)
    other = next(p.id for p in scenario.policies if p.id != scenario.policy(None).id)
    with pytest.raises(CheckpointError, match=f"policy 'supportive' \\(this run: '{other}'\\)"):
        run(RunSpec.of(scenario, other, replications=5, seed=6), checkpoint=tmp_path)
    with pytest.raises(CheckpointError, match=r"replications 5 \(this run: 6\)"):
        run(RunSpec.of(scenario, replications=6, seed=6), checkpoint=tmp_path)
    changed = scenario.model_copy(update={"horizon": 25})
    with pytest.raises(CheckpointError, match="scenario_content"):
        run(RunSpec.of(changed, replications=5, seed=6), checkpoint=tmp_path)


def test_non_empty_folder_without_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CheckpointError, match=r"is not empty and has no manifest\.json"):
        Checkpoint(tmp_path, {"seed": 1})


def test_damaged_chunk_names_the_file(scenario: Scenario, tmp_path: Path) -> None:
    run(RunSpec.of(scenario, replications=5, seed=6), checkpoint=tmp_path)
    chunk = tmp_path / "chunk-000000.npz"
    chunk.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match=r"chunk-000000\.npz .*delete that file"):
        run(RunSpec.of(scenario, replications=5, seed=6), checkpoint=tmp_path)


def test_cli_checkpoint_resume_and_refusal(tmp_path: Path) -> None:
    ck, out = tmp_path / "ck", tmp_path / "out"
    base = ["run", str(FLAGSHIP), "--replications", "3", "--quiet", "--checkpoint", str(ck)]
    first = CliRunner().invoke(app, [*base, "--out", str(out)])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(app, [*base, "--out", str(out), "--force"])
    assert second.exit_code == 0, second.output
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["resumed_chunks"] == 1
    refused = CliRunner().invoke(app, [*base, "--seed", "1", "--out", str(tmp_path / "o2")])
    assert refused.exit_code == 1
    assert "belongs to another run: it has seed" in refused.output
    assert "Use another --checkpoint folder, or delete this one to start afresh" in refused.output


@pytest.mark.slow
def test_killed_command_resumes_to_identical_results(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) to a real ``ttx run`` process, then the same command again."""
    source = tmp_path / "short.yaml"
    source.write_text(FLAGSHIP.read_text().replace("horizon: 120", "horizon: 24"))
    ck, out = tmp_path / "ck", tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "run", str(source), "--replications", "1500"]
    cmd += ["--executor", "serial", "--quiet", "--checkpoint", str(ck), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # The first finished chunk on disk says the run is under way: interrupt it then.
    wait_for(lambda: list(ck.glob("chunk-*.npz")), "the first checkpoint chunk", tries=1200)
    os.kill(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before it could be interrupted")
    assert proc.returncode == 130, output
    assert f"interrupted; finished chunks are in {ck}: rerun the command to resume" in output
    saved = len(list(ck.glob("chunk-*.npz")))
    assert 1 <= saved < 40
    resumed = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["resumed_chunks"] == saved
    scenario = load_scenario(source)
    expected = run(RunSpec.of(scenario, replications=1500, scenario_hash=scenario_hash(source)))
    assert results_bytes(report) == results_bytes(expected.to_dict())
