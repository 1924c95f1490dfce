"""``ttx explore`` end to end: the planted driver found by sensitivity and bounded by
discovery on a real (small) scenario, the files written, and the command's traps."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from factories import planted_driver_data
from sim.cli import app
from sim.explore.job import CHECKPOINT, explore_file

runner = CliRunner()
DRIVER = "model.footprint_trust"


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    path = tmp_path / "planted.yaml"
    path.write_text(yaml.safe_dump(planted_driver_data(), sort_keys=False))
    return path


@pytest.mark.slow
def test_planted_driver_ranks_first_and_discovery_bounds_it(planted: Path, tmp_path: Path) -> None:
    done = explore_file(planted, samples=20, replications=2, out=tmp_path / "x", workers=1)
    f, data = done.findings, done.findings.data
    assert f.leader == "engaged"  # meets keep_trust on part of the space; aloof never does
    lead = f.sensitivities[0]
    assert lead.output == "regret" and lead.leading == DRIVER
    trust = next(s for s in f.sensitivities if s.output == "final_trust")
    assert trust.leading == DRIVER
    assert trust.indices[0].low > max(ix.high for ix in trust.indices[1:])
    # Discovery: the box of misses is bounded on the driver alone, between the
    # last point where the objective held and the first where it did not.
    miss = next(r for r in f.regions if r.what == "misses keep_trust")
    assert miss.region is not None and [b.param for b in miss.region.bounds] == [DRIVER]
    x = data.X[:, data.params.index(DRIVER)]
    met = data.objectives["keep_trust"][:, data.policies.index("engaged")] >= 0.8
    assert x[met].max() <= miss.region.bounds[0].low < x[~met].min()
    assert miss.region.density == 1.0 and miss.region.coverage == 1.0
    md = (tmp_path / "x" / "explore.md").read_text()
    assert "When footprint\\_trust \\> " in md and "engaged misses keep\\_trust in 100% of" in md


@pytest.mark.slow
def test_cli_writes_the_three_files_and_the_findings(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["explore", str(planted), "--samples", "6", "--replications", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Most robust: engaged" in result.output
    assert {p.name for p in out.iterdir()} == {"points.parquet", "explore.md", "explore.html"}
    table = pq.read_table(out / "points.parquet")
    assert table.num_rows == 6 * 2 and DRIVER in table.column_names
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.output


@pytest.mark.slow
def test_an_interrupted_explore_resumes_to_the_same_file(planted: Path, tmp_path: Path) -> None:
    kw = {"samples": 6, "replications": 1, "workers": 1}
    whole = explore_file(planted, out=tmp_path / "whole", **kw)  # type: ignore[arg-type]

    class Stop(KeyboardInterrupt):
        pass

    def stop_after_two(label: str, total: int):  # type: ignore[no-untyped-def]
        from contextlib import nullcontext

        calls = []

        def update(done: int, _total: int) -> None:
            calls.append(done)
            if len(calls) == 3:  # the start, then two points
                raise Stop

        return nullcontext(update)

    with pytest.raises(Stop):
        explore_file(planted, out=tmp_path / "cut", progress=stop_after_two, **kw)  # type: ignore[arg-type]
    assert any((tmp_path / "cut" / CHECKPOINT).iterdir())
    refused = runner.invoke(
        app,
        [
            "explore",
            str(planted),
            "--samples",
            "6",
            "--replications",
            "1",
            "--out",
            str(tmp_path / "cut"),
        ],
    )
    assert refused.exit_code == 1 and "--resume" in refused.output
    resumed = explore_file(planted, out=tmp_path / "cut", resume=True, **kw)  # type: ignore[arg-type]
    assert resumed.explored.resumed == 2
    assert (tmp_path / "cut" / "points.parquet").read_bytes() == whole.paths[0].read_bytes()
    assert not (tmp_path / "cut" / CHECKPOINT).exists()


@pytest.mark.slow
def test_force_starts_again_over_a_checkpoint(planted: Path, tmp_path: Path) -> None:
    stale = tmp_path / "x" / CHECKPOINT
    stale.mkdir(parents=True)
    (stale / "manifest.json").write_text("{}")
    done = explore_file(planted, samples=2, replications=1, out=tmp_path / "x", force=True)
    assert done.explored.resumed == 0 and not stale.exists()


def test_force_and_resume_together_are_refused(planted: Path) -> None:
    result = runner.invoke(app, ["explore", str(planted), "--force", "--resume"])
    assert result.exit_code == 1 and "choose one" in result.output


def test_an_unknown_method_is_a_message(planted: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["explore", str(planted), "--method", "grid", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1 and "unknown method 'grid'" in result.output
    assert "Traceback" not in result.output


def test_satisfice_is_a_probability(planted: Path) -> None:
    result = runner.invoke(app, ["explore", str(planted), "--satisfice", "1.5"])
    assert result.exit_code == 2
    with pytest.raises(Exception, match="probability"):
        explore_file(planted, satisfice=-0.1)


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_seed_has_the_range_of_ttx_run(planted: Path, tmp_path: Path, seed: str) -> None:
    result = runner.invoke(
        app, ["explore", str(planted), "--seed", seed, "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--seed'" in result.output
    assert not (tmp_path / "x").exists()


def test_an_unknown_policy_is_a_message(planted: Path) -> None:
    result = runner.invoke(app, ["explore", str(planted), "--policies", "engaged,nope"])
    assert result.exit_code == 1 and "nope" in result.output


@pytest.mark.slow
def test_flagship_report_has_robustness_drivers_with_intervals_and_a_region(
    tmp_path: Path,
) -> None:
    """The acceptance command, cut to 8 points x 2 replications (64 x 20 is in docs/explore.md)."""
    out = tmp_path / "flagship"
    result = runner.invoke(
        app,
        [
            "explore",
            "scenarios/iraq_training_mission.yaml",
            "--samples",
            "8",
            "--replications",
            "2",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    md = (out / "explore.md").read_text()
    assert "### Where each policy is best" in md and "### Regret" in md
    assert "## What drives the result" in md
    assert "(95% interval)" in md
    regions = md.split("## Where the recommendation breaks", 1)[1].split("##", 1)[0]
    assert re.search(r"- When .+ in \d+% of cases; this region holds \d+% of all misses", regions)
    html = (out / "explore.html").read_text()
    assert html.count("<svg") >= 3
    table = pq.read_table(out / "points.parquet")
    assert table.num_rows == 8 * 2
    assert {"kpi.final_stability", "objective.keep_trust"} <= set(table.column_names)


def test_a_failed_replication_says_how_to_continue(
    planted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.explore import job
    from sim.explore.execute import ExploreFailed, PointFailure

    def fail(*args: object, **kwargs: object) -> None:
        raise ExploreFailed([PointFailure(3, "engaged", 1, 99, "boom")])

    monkeypatch.setattr(job, "explore_file", fail)
    result = runner.invoke(app, ["explore", str(planted)])
    assert result.exit_code == 1
    assert "point 3, policy 'engaged': replication 1 (seed 99) failed: boom" in result.output
    assert "--resume" in result.output


def test_ctrl_c_says_how_to_continue(planted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.explore import job

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(job, "explore_file", interrupt)
    result = runner.invoke(app, ["explore", str(planted)])
    assert result.exit_code == 130 and "--resume" in result.output
