"""Running a team's recorded answers (a policy file) over many replications.

``ttx run --policy-file`` and the play debrief's shadow replications both
come through here, so their figures agree on the same seeds.
"""

from __future__ import annotations

from typing import Any

from sim.runs.runner import Progress, RunReport, run
from sim.scenario.models import Policy, PolicyFile, Scenario
from sim.scenario.policyfile import resolve


def run_policy_file(
    scenario: Scenario,
    policy_file: PolicyFile,
    *,
    replications: int,
    seed: int,
    scenario_hash: str = "",
    progress: Progress | None = None,
    indices: range | None = None,
) -> RunReport:
    """Run a policy file over replications; the report's policy names the team.

    ``ttx run --policy-file`` does the same (runner plus :func:`name_team`)
    and the play debrief's shadow replications call this, so their figures
    agree (a test checks it on the same seeds).
    """
    policy = resolve(policy_file, scenario)
    report = run(
        scenario,
        policy,
        replications=replications,
        seed=seed,
        scenario_hash=scenario_hash,
        progress=progress,
        indices=indices,
    )
    name_team(report.results, policy)
    return report


def name_team(results: dict[str, Any], policy: Policy) -> None:
    """Title a report's policy after the team (a file's policy is not in the scenario)."""
    results["policy"] = {"id": policy.id, "title": policy.title or policy.id}
