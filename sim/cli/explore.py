"""``ttx explore``: options in, one call to :func:`sim.explore.job.explore_file`, output.

The job's errors name no flags; the wording that does (``--resume``,
``--force``, how to reproduce a failed replication) is added here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import EXIT_INTERRUPTED, echo, err, user_errors
from sim.cli.runs import seed_option
from sim.errors import TtxError

METHODS_HELP = "lhs (Latin hypercube), qmc (quasi-random Sobol'), sobol (Saltelli) or morris"


def explore_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file.")],
    policies: Annotated[
        str,
        typer.Option(
            metavar="IDS", help="Comma-separated policy ids, or 'all' (the default first)."
        ),
    ] = "all",
    samples: Annotated[
        int,
        typer.Option(
            min=2,
            metavar="N",
            help="Points (base points for sobol, trajectories for morris).",
        ),
    ] = 64,
    replications: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Replications per policy and point (default 20)."),
    ] = None,
    method: Annotated[str, typer.Option(metavar="METHOD", help=f"Design: {METHODS_HELP}.")] = "lhs",
    seed: Annotated[
        int | None,
        seed_option("Seed of the design and the replications, 0 to 2^63-1 (as for ttx run)."),
    ] = None,
    satisfice: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="P",
            help="Probability an objective must reach to count as met.",
        ),
    ] = 0.8,
    uncertainties: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="File of uncertainty ranges (default: the scenario's, else a default set).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Worker processes (default: from the size)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="Output folder.")] = None,
    force: Annotated[
        bool, typer.Option(help="Overwrite existing outputs and start again.")
    ] = False,
    resume: Annotated[
        bool, typer.Option(help="Continue the unfinished exploration in the output folder.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar or summary.")] = False,
) -> None:
    """Does the policy ranking survive other plausible numbers? Robustness, drivers, regions.

    Runs every policy at every point of the uncertainty space on common seeds
    and writes points.parquet, explore.md and explore.html. Results are the
    same whatever the executor or worker count.
    """
    with user_errors():
        from sim.explore.execute import ExploreFailed
        from sim.explore.job import InterruptedExplore, explore_file
        from sim.report.terminal import progress_bar

        if force and resume:
            raise TtxError("--force starts again and --resume continues: choose one")
        try:
            done = explore_file(
                file,
                policies=policies,
                samples=samples,
                replications=replications,
                method=method,
                seed=seed,
                satisfice=satisfice,
                uncertainties=uncertainties,
                workers=workers,
                scheduler=scheduler,
                out=out,
                force=force,
                resume=resume,
                progress=lambda label, total: progress_bar(label, total, quiet),
            )
        except InterruptedExplore as exc:
            raise TtxError(
                f"{exc}: add --resume to continue it, or --force to start again"
            ) from None
        except ExploreFailed as exc:
            raise TtxError(
                f"{exc}. Finished points are checkpointed: fix the cause and add --resume"
            ) from None
        except KeyboardInterrupt:
            err("interrupted; finished points are checkpointed: add --resume to continue")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        if not quiet:
            f = done.findings
            others = ", ".join(f.title(p) for p in f.robustness.ranking)
            typer.echo(f"Most robust: {f.title(f.leader)} (of {others})")
            for s in f.sensitivities[:1]:
                if s.leading:
                    typer.echo(f"Strongest driver of its lead: {f.labels[s.leading]}")
            for r in f.regions:
                typer.echo(f"- {r.sentence}")
        names = ", ".join(str(p) for p in done.paths)
        echo(f"wrote {names}")
