"""Runner: chunking, failure reports, streaming aggregation and its percentile method."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from faults import FailingProcessExecutor, failing_replication
from sim.cli import app
from sim.cli.runs import run_failed
from sim.model.engine import series_names, simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs import aggregate
from sim.runs.aggregate import Aggregator, sample_stride
from sim.runs.reportfile import results_bytes
from sim.runs.runner import (
    ChunkTask,
    Job,
    ReplicationFailed,
    RunFailed,
    chunks_of,
    default_chunk_size,
    replicate,
    run,
    run_chunk,
)
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "iraq_training_mission.yaml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The flagship scenario cut to two years, so tests run quickly."""
    return load_scenario(FLAGSHIP).model_copy(update={"horizon": 24})


def test_chunking_depends_on_replication_count_only() -> None:
    assert default_chunk_size(1) == 20
    assert default_chunk_size(2000) == 50
    assert default_chunk_size(100_000) == 100
    assert [(r.start, r.stop) for r in chunks_of(range(45), 20)] == [(0, 20), (20, 40), (40, 45)]


def test_one_chunk_equals_folding_replications_one_by_one(scenario: Scenario) -> None:
    plan = compile_plan(scenario, None)
    agg = Aggregator(scenario, plan)
    for k in range(12):
        agg.add(simulate(plan, replication_seed(3, k)))
    expected = agg.results(seed=3, scenario_hash="")
    got = run(RunSpec.of(scenario, replications=12, seed=3)).results
    assert results_bytes({"results": got}) == results_bytes({"results": expected})


@pytest.mark.slow  # a process pool
def test_forced_failure_reports_index_seed_and_keeps_the_rest(scenario: Scenario) -> None:
    spec = RunSpec.of(scenario, replications=45, seed=8)
    full = run(spec)
    with pytest.raises(RunFailed) as info, FailingProcessExecutor(2, 8, 27) as pool:
        run(spec, executor=pool)
    exc = info.value
    seed27 = replication_seed(8, 27)
    assert [(f.index, f.seed, f.run_seed, f.policy) for f in exc.failures] == [
        (27, seed27, 8, "supportive")
    ]
    text = str(exc)
    assert "1 replication(s) failed; 44 finished" in text
    assert f"replication 27 (seed {seed27})" in text
    assert "forced failure of replication 27" in text
    assert "--" not in text  # the library names no flags; the command line adds them
    worded = run_failed(exc, Path("x.yaml"), None)
    assert "ttx run x.yaml --policy supportive --seed 8 --replication 27" in worded
    team = run_failed(exc, Path("x.yaml"), Path("team.yaml"))
    assert "ttx run x.yaml --policy-file team.yaml --seed 8 --replication 27" in team
    # The other replications are not lost: the partial report holds them, values unchanged.
    assert exc.partial is not None
    part = exc.partial.results
    assert part["replications"] == 44
    assert part["replication_indices"] == [k for k in range(45) if k != 27]
    values = list(full.results["kpis"]["final_stability"]["values"])
    assert list(part["kpis"]["final_stability"]["values"]) == values[:27] + values[28:]


def test_replicate_reproduces_a_failure_alone(scenario: Scenario) -> None:
    spec = RunSpec.of(scenario, replications=5, seed=8)
    with (
        failing_replication(8, 3),
        pytest.raises(ReplicationFailed, match=r"replication 3 \(seed \d+\)") as info,
    ):
        replicate(spec, 3)
    assert (info.value.index, info.value.run_seed) == (3, 8)
    assert replicate(spec, 2).seed == replication_seed(8, 2)


def test_cli_failure_writes_partial_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", str(FLAGSHIP), "--replications", "3", "--out", str(out), "--quiet"]
    with failing_replication(20261127, 1):  # the scenario's own seed
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "1 replication(s) failed; 2 finished" in result.output
    assert f"ttx run {FLAGSHIP} --policy supportive" in result.output
    assert "--replication 1" in result.output
    partial = json.loads((out / "report.partial.json").read_text())
    assert partial["results"]["replication_indices"] == [0, 2]
    assert not (out / "report.json").exists()


def test_exact_percentiles_up_to_the_limit(scenario: Scenario) -> None:
    plan = compile_plan(scenario, None)
    report = run(RunSpec.of(scenario, replications=30, seed=2)).results
    assert report["percentile_method"].startswith("exact")
    stack = np.stack(
        [simulate(plan, replication_seed(2, k)).series.astype(np.float32) for k in range(30)]
    )
    p25 = np.percentile(stack, aggregate.BANDS, axis=0)[1]  # as the report: all bands at once
    j = series_names(plan).index("stability")
    assert report["series"]["stability"]["p25"] == [float(x) for x in p25[:, j]]


def test_streaming_beyond_the_limit_samples_with_fixed_memory(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aggregate, "EXACT_LIMIT", 10)
    scenario = scenario.model_copy(update={"horizon": 12})  # what is counted, not how long
    plan = compile_plan(scenario, None)
    n = 95
    stride = sample_stride(n)
    assert stride == 10
    report = run(RunSpec.of(scenario, replications=n, seed=4)).results
    assert "systematic sample of 10 replications" in report["percentile_method"]
    series = {k: simulate(plan, replication_seed(4, k)).series for k in range(n)}
    j = series_names(plan).index("trust")
    # Means use every replication: the same as exact, to rounding.
    exact_mean = np.mean([series[k][:, j] for k in range(n)], axis=0)
    np.testing.assert_allclose(report["series"]["trust"]["mean"], exact_mean, rtol=1e-12)
    # Bands come from every 10th replication, by index.
    sample = np.stack([series[k].astype(np.float32) for k in range(0, n, stride)])
    p95 = np.percentile(sample, aggregate.BANDS, axis=0)[4][:, j]
    assert report["series"]["trust"]["p95"] == [float(x) for x in p95]
    # The parent holds at most EXACT_LIMIT monthly series, however many replications
    # (95 above: the method names a sample of 10; more than twice as many here).
    total = 200
    agg = Aggregator(scenario, plan, sample_stride(total))
    job = Job(scenario, scenario.policy(None), 4, sample_stride(total))
    for c, r in enumerate(chunks_of(range(total), 20)):
        agg.merge(run_chunk(ChunkTask(job, c, r)))
    assert len(agg.sample) == 10
    assert agg.count == total


def test_kpi_values_can_be_left_out(scenario: Scenario) -> None:
    full = run(RunSpec.of(scenario, replications=45, seed=1)).results
    lean = run(RunSpec.of(scenario, replications=45, seed=1), kpi_values=False).results
    assert "values" not in lean["kpis"]["cost"]
    assert "values" not in next(iter(lean["objectives"].values()))
    assert "KPI mean and sd are streamed" in lean["percentile_method"]
    assert lean["series"] == full["series"]
    assert lean["objectives"]["keep_trust"]["p"] == full["objectives"]["keep_trust"]["p"]
    assert lean["kpis"].keys() == full["kpis"].keys()
    for name, exact in full["kpis"].items():
        streamed = lean["kpis"][name]
        assert set(streamed) == set(exact) - {"values"}
        for key in ("mean", "sd", "ci_low", "ci_high"):
            assert streamed[key] == pytest.approx(exact[key], rel=1e-9, abs=1e-12), (name, key)
        for key in ("n", "p5", "p25", "p50", "p75", "p95", "min", "max"):
            assert streamed[key] == exact[key], (name, key)  # exact below the sample limit


def test_streamed_kpis_hold_a_bounded_sample(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aggregate, "EXACT_LIMIT", 10)
    scenario = scenario.model_copy(update={"horizon": 12})  # what is counted, not how long
    plan = compile_plan(scenario, None)
    stride = sample_stride(200)
    agg = Aggregator(scenario, plan, stride, keep_values=False)
    job = Job(scenario, scenario.policy(None), 4, stride)
    for c, r in enumerate(chunks_of(range(200), 20)):
        agg.merge(run_chunk(ChunkTask(job, c, r)))
    assert agg.streamed is not None and len(agg.streamed.sample) == 10
    assert not agg.kpi_values and not any(agg.objective_values.values())
    assert agg.results(seed=4, scenario_hash="")["kpis"]["cost"]["n"] == 200


@pytest.mark.slow  # a process pool
def test_cli_run_records_executor_in_meta_only(tmp_path: Path) -> None:
    args = ["run", str(FLAGSHIP), "--replications", "4", "--quiet", "--out", str(tmp_path)]
    serial = CliRunner().invoke(app, [*args, "--executor", "serial"])
    assert serial.exit_code == 0, serial.output
    a = json.loads((tmp_path / "report.json").read_text())
    pool = CliRunner().invoke(app, [*args, "--workers", "2", "--force"])
    assert pool.exit_code == 0, pool.output
    b = json.loads((tmp_path / "report.json").read_text())
    assert (a["meta"]["executor"], b["meta"]["executor"]) == ("serial", "processes")
    assert b["meta"]["workers"] == 2
    assert results_bytes(a) == results_bytes(b)


def test_cli_rejects_unknown_executor(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["run", str(FLAGSHIP), "--executor", "gpu", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "unknown --executor 'gpu'; choose one of serial, processes, dask" in result.output


def test_progress_reports_replications_per_chunk(scenario: Scenario) -> None:
    calls: list[tuple[int, int]] = []
    run(RunSpec.of(scenario, replications=45, seed=1), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 45), (20, 45), (40, 45), (45, 45)]


def test_replicate_alone_equals_replication_k_of_the_run(scenario: Scenario) -> None:
    spec = RunSpec.of(scenario, "expanded", replications=5, seed=3)
    whole = run(spec).results
    for k in (0, 3):
        alone = replicate(spec, k)
        for name in ("final_stability", "cost"):
            assert alone.kpis[name] == whole["kpis"][name]["values"][k], (k, name)


def test_sweep_refuses_specs_that_do_not_share_seeds(scenario: Scenario) -> None:
    from sim.runs.sweep import sweep

    spec = RunSpec.of(scenario, replications=2, seed=1)
    with pytest.raises(ValueError, match="share the scenario, seed and replication count"):
        sweep([spec, RunSpec.of(scenario, "expanded", replications=2, seed=2)])
    with pytest.raises(ValueError, match="each policy once"):
        sweep([spec, spec])


def test_cli_scheduler_needs_the_dask_executor(tmp_path: Path) -> None:
    args = ["run", str(FLAGSHIP), "--executor", "processes", "--scheduler", "tcp://h:8786"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "--scheduler only applies to --executor dask" in result.output
