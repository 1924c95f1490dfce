"""The trial run behind ``ttx validate --strict``: objectives no policy ever meets.

Static lints cannot tell whether an objective is reachable with the
scenario's numbers; a short run can. Each policy gets a few replications
through the ordinary runner (so the trial sees exactly what ``ttx run``
would), on a fixed seed so the warnings are the same every time. The
runner is imported only when a trial runs: it brings numpy and SimPy, and
``ttx validate`` without ``--strict`` must start fast.
"""

from __future__ import annotations

from sim.scenario.models import Scenario
from sim.scenario.source import Loc

TRIAL_REPLICATIONS = 10
TRIAL_SEED = 12345


def never_met(
    scenario: Scenario, replications: int = TRIAL_REPLICATIONS, seed: int = TRIAL_SEED
) -> list[tuple[Loc, str]]:
    """Objectives that no policy meets in any replication of a short trial run.

    Returns (where, message) findings for :func:`sim.authoring.lint.lint`.
    Policies are tried in file order until every objective has been met once.
    """
    if not scenario.objectives:
        return []
    from sim.runs.runner import run
    from sim.runs.spec import RunSpec

    met = dict.fromkeys((o.id for o in scenario.objectives), False)
    for policy in scenario.policies:
        spec = RunSpec.of(scenario, policy.id, replications=replications, seed=seed)
        objectives = run(spec, kpi_values=False).results["objectives"]
        for oid, outcome in objectives.items():
            met[oid] = met[oid] or outcome["p"] > 0
        if all(met.values()):
            break
    return [
        (
            ("objectives", i, "condition"),
            f"objective '{o.id}' was never met in a trial run ({replications} replications "
            f"of each of the {len(scenario.policies)} policies, seed {seed}); check its "
            "condition and the scenario's numbers",
        )
        for i, o in enumerate(scenario.objectives)
        if not met[o.id]
    ]
