"""Run several policies of one scenario on the same seeds (common random numbers).

A sweep is just the runner called once per policy with the *same* run seed
and replication count (one :class:`~sim.runs.spec.RunSpec` per policy).
Because every random source draws from its own stream named by its id
(``sim.model.streams``), replication ``k`` of policy A and replication ``k``
of policy B face the same threat arrivals and severities
as far as the policies let them, so the comparison can pair runs seed by
seed and cancel most of the shared noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

from sim.errors import TtxError, did_you_mean
from sim.runs.executors import Executor
from sim.runs.runner import RunReport, run
from sim.runs.spec import RunSpec
from sim.scenario.models import BLUE, Scenario

#: ``progress(label, total)`` -> context manager yielding a ``(done, total)``
#: callback (or None); the CLI passes ``sim.report.terminal.progress_bar``.
ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int, int], None] | None]]


def resolve_policies(scenario: Scenario, spec: str | None) -> list[str]:
    """Turn ``--policies a,b`` / ``all`` / nothing into a list of policy ids.

    Nothing or ``all`` means every policy of the scenario in file order, with
    the scenario's default policy first so it becomes the baseline.

    Raises:
        TtxError: Unknown or repeated policy ids, or fewer than two policies
            (a sweep of one policy has nothing to compare).
    """
    # Blue's policies only: every other cell plays its default in every run.
    known = [p.id for p in scenario.policies if p.cell == BLUE]
    if spec is None or spec.strip() == "all":
        ids = list(known)
        if scenario.default_policy in ids:
            ids.remove(scenario.default_policy)
            ids.insert(0, scenario.default_policy)
    else:
        ids = [part.strip() for part in spec.split(",") if part.strip()]
        unknown = [i for i in ids if i not in known]
        other = [p for p in scenario.policies if p.id in unknown]
        if other:
            raise TtxError(
                f"policy '{other[0].id}' belongs to cell '{other[0].cell}'; a sweep varies "
                "the blue policies (every other cell plays its default)"
            )
        if unknown:
            raise TtxError(
                f"unknown polic{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)} in "
                f"scenario '{scenario.id}'; it has: {', '.join(known) or '(none)'}"
                f"{did_you_mean(unknown[0], known)}"
            )
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise TtxError(f"policy listed more than once: {', '.join(repeated)}")
    if len(ids) < 2:
        raise TtxError(
            f"a sweep needs at least two policies to compare, got {', '.join(ids) or 'none'}; "
            f"scenario '{scenario.id}' has: {', '.join(known) or '(none)'}"
        )
    return ids


def sweep(
    specs: Sequence[RunSpec],
    *,
    executor: Executor | None = None,
    progress: ProgressFactory | None = None,
) -> dict[str, RunReport]:
    """Run each spec; they differ only in their policy, so the seeds are common.

    Args:
        specs: One per policy, baseline first, with the same scenario, seed
            and replication count (e.g. ``[base.with_policy(p) for p in ids]``).
        executor: Where the chunks run (the caller's to close); default serial.
        progress: Optional progress-bar factory, called once per policy.

    Returns:
        Run reports keyed by policy id, in the order given.

    Raises:
        ValueError: The specs differ in more than the policy, or repeat one.
    """

    def shared(spec: RunSpec) -> tuple[object, ...]:
        return (spec.scenario, spec.scenario_hash, spec.seed, spec.replications)

    if any(shared(spec) != shared(specs[0]) for spec in specs):
        raise ValueError("a sweep's runs must share the scenario, seed and replication count")
    ids = [spec.policy.id for spec in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a sweep runs each policy once, got {', '.join(ids)}")
    reports: dict[str, RunReport] = {}
    for spec in specs:
        label = f"{spec.scenario.id}/{spec.policy.id}"
        with open_progress(progress, label, spec.replications) as bar:
            reports[spec.policy.id] = run(spec, executor=executor, progress=bar)
    return reports


def open_progress(
    factory: ProgressFactory | None, label: str, total: int
) -> AbstractContextManager[Callable[[int, int], None] | None]:
    """``factory(label, total)``, or a context yielding no callback when there is no factory."""
    return nullcontext(None) if factory is None else factory(label, total)
