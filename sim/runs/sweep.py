"""Run several policies of one scenario on the same seeds (common random numbers).

A sweep is just the runner called once per policy with the *same* run seed
and replication count. Because every random source draws from its own
stream named by its id (``sim.model.streams``), replication ``k`` of policy A and
replication ``k`` of policy B face the same threat arrivals and severities
as far as the policies let them, so the comparison can pair runs seed by
seed and cancel most of the shared noise.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from sim.errors import TtxError
from sim.scenario.models import Scenario

if TYPE_CHECKING:
    from sim.runs.contract import RunDocument

#: ``make_progress(label, total)`` -> context manager yielding a ``(done, total)``
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
    known = [p.id for p in scenario.policies]
    if spec is None or spec.strip() == "all":
        ids = list(known)
        if scenario.default_policy in ids:
            ids.remove(scenario.default_policy)
            ids.insert(0, scenario.default_policy)
    else:
        ids = [part.strip() for part in spec.split(",") if part.strip()]
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise TtxError(
                f"unknown polic{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)} in "
                f"scenario '{scenario.id}'; it has: {', '.join(known) or '(none)'}"
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
    scenario: Scenario,
    policies: list[str],
    *,
    replications: int | None = None,
    seed: int | None = None,
    scenario_hash: str = "",
    scenario_file: str | None = None,
    make_progress: ProgressFactory | None = None,
) -> dict[str, RunDocument]:
    """Run each policy over the same seed and replication count.

    Args:
        scenario: The validated scenario.
        policies: Policy ids, baseline first (see :func:`resolve_policies`).
        replications: Replications per policy (default: the scenario's).
        seed: Run seed shared by every policy (default: the scenario's).
        scenario_hash: Hash of the scenario file, recorded so a comparison
            can tell the runs came from the same scenario text.
        scenario_file: Path of the scenario file, recorded in ``meta`` for the
            "command to reproduce" line (not in ``results``, which must not
            depend on where the file lives).
        make_progress: Optional progress-bar factory, called once per policy.

    Returns:
        Run report dicts (``RunReport.to_dict()``) keyed by policy id, in
        the order given.
    """
    from sim.runs.runner import run

    n = scenario.replications if replications is None else replications
    run_seed = scenario.seed if seed is None else seed
    reports: dict[str, RunDocument] = {}
    for pid in policies:
        with _progress(make_progress, f"{scenario.id}/{pid}", n) as bar:
            report = run(
                scenario,
                scenario.policy(pid),
                replications=n,
                seed=run_seed,
                scenario_hash=scenario_hash,
                progress=bar,
            ).to_dict()
        if scenario_file is not None:
            report["meta"]["scenario_file"] = scenario_file
        reports[pid] = report
    return reports


def _progress(
    factory: ProgressFactory | None, label: str, total: int
) -> AbstractContextManager[Callable[[int, int], None] | None]:
    return nullcontext(None) if factory is None else factory(label, total)
