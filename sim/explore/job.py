"""``ttx explore``: a scenario file in; the results file and its Markdown and HTML report out.

Like the use cases of :mod:`sim.jobs`, it resolves defaults, checks the
outputs may be written before any work, runs (through
:func:`sim.explore.execute.explore`, on any executor, with a checkpoint
in the output folder) and writes the report. An interrupted exploration
leaves its checkpoint; the same call with ``resume`` continues it and
writes what an uninterrupted one would have.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sim.errors import TtxError
from sim.explore.execute import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SAMPLES,
    Explored,
    build_spec,
    explore,
    work_estimate,
)
from sim.explore.findings import Findings, analyse
from sim.explore.report import Context, render_html, render_markdown
from sim.explore.robustness import DEFAULT_SATISFICE
from sim.explore.store import load_points
from sim.runs.executors import auto_workers, make_executor
from sim.runs.reportfile import check_writable, write_atomic
from sim.runs.sweep import ProgressFactory, open_progress, resolve_policies
from sim.scenario.exploration import uncertainties_of
from sim.scenario.loader import load_scenario, scenario_hash

RESULTS, MARKDOWN, HTML, CHECKPOINT = "points.parquet", "explore.md", "explore.html", "checkpoint"


class InterruptedExplore(TtxError):
    """An earlier exploration into the same folder did not finish (its checkpoint is there)."""

    def __init__(self, checkpoint: Path) -> None:
        self.checkpoint = checkpoint
        super().__init__(f"{checkpoint} holds an unfinished exploration")


@dataclass(frozen=True)
class ExploreDone:
    """A finished exploration: what ran, what it found and the files written."""

    explored: Explored
    findings: Findings
    paths: list[Path]  # results file, Markdown, HTML


def output_paths(out: Path) -> list[Path]:
    """The files an exploration writes into ``out``."""
    return [out / RESULTS, out / MARKDOWN, out / HTML]


def explore_file(
    file: Path,
    *,
    policies: str | None = "all",
    samples: int = DEFAULT_SAMPLES,
    replications: int | None = None,
    method: str = "lhs",
    seed: int | None = None,
    satisfice: float = DEFAULT_SATISFICE,
    uncertainties: Path | None = None,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    out: Path | None = None,
    force: bool = False,
    resume: bool = False,
    progress: ProgressFactory | None = None,
) -> ExploreDone:
    """Explore a scenario file's uncertainty space and write the results and report.

    Args:
        file: The scenario file.
        policies: Comma-separated policy ids, or ``all`` (the default policy first).
        samples: Points of the design (base points for ``sobol``, trajectories
            for ``morris``).
        replications: Per policy and point (default :data:`DEFAULT_REPLICATIONS`).
        method: ``lhs``, ``qmc``, ``sobol`` (Saltelli) or ``morris``.
        seed: Seeds both the design and the replications (default: the scenario's).
        satisfice: The probability an objective must reach to count as met.
        uncertainties: A file of ranges instead of the scenario's (or the default set).
        executor, workers, scheduler: Where points run, as for ``ttx run``.
        out: Output folder (default ``runs/<scenario>-explore-s<seed>``).
        force: Overwrite existing outputs and start again (discarding a checkpoint).
        resume: Continue the unfinished exploration in ``out``.
        progress: Progress-bar factory, called once with the label and the
            replications in all.

    Raises:
        OutputExists: Outputs exist, and neither ``force`` nor ``resume`` is set.
        InterruptedExplore: A checkpoint is there, and neither ``force`` nor ``resume``.
        ExploreFailed, ExploreCheckpointError, DesignError, TtxError: Bad input or a
            failing replication (finished points stay checkpointed).
    """
    if not 0.0 <= satisfice <= 1.0:
        raise TtxError(f"the satisfice threshold is a probability (0 to 1), got {satisfice}")
    scenario = load_scenario(file)
    ids = resolve_policies(scenario, policies)
    spec = build_spec(
        scenario,
        uncertainties_of(scenario, uncertainties),
        policies=ids,
        samples=samples,
        method=method,
        replications=replications or DEFAULT_REPLICATIONS,
        seed=seed,
        scenario_hash=scenario_hash(file),
    )
    run_seed = spec.seed
    target = out or Path("runs") / f"{scenario.id}-explore-s{run_seed}"
    checkpoint = target / CHECKPOINT
    paths = output_paths(target)
    if force and checkpoint.exists():
        shutil.rmtree(checkpoint)
    elif not resume:
        check_writable(paths, force)
        if checkpoint.exists() and any(checkpoint.iterdir()):
            raise InterruptedExplore(checkpoint)
    work = work_estimate(spec)
    if workers is None and executor is None and scheduler is None:
        workers = auto_workers(work.runs, scenario.horizon)
    with (
        make_executor(executor, workers, scheduler) as ex,
        open_progress(progress, f"{scenario.id}/explore", work.runs) as bar,
    ):
        explored = explore(spec, target / RESULTS, executor=ex, checkpoint=checkpoint, progress=bar)
    data = load_points(explored.path)
    titles = {p.id: p.title or p.id for p in scenario.policies}
    findings = analyse(
        data,
        threshold=satisfice,
        seed=run_seed,
        partners={p.id: p.name for p in scenario.partners},
        titles=titles,
    )
    ctx = Context(
        scenario.title,
        scenario.id,
        f"ttx explore {file} --policies {','.join(ids)} --samples {samples} "
        f"--replications {spec.replications} --method {method} --seed {run_seed} "
        f"--satisfice {satisfice:g}"
        + (f" --uncertainties {uncertainties}" if uncertainties else ""),
        RESULTS,
        titles,
    )
    write_atomic(target / MARKDOWN, render_markdown(findings, ctx))
    write_atomic(target / HTML, render_html(findings, ctx))
    shutil.rmtree(checkpoint, ignore_errors=True)
    return ExploreDone(explored, findings, paths)
