"""Policy files: a team's answers kept outside the scenario.

A policy file (:class:`sim.scenario.policies.PolicyFile`) is what ``ttx play`` records
and what ``ttx run --policy-file`` replays. It names the scenario it was
made for (and the hash of the scenario file), the team, the seed of the
session, a policy (decisions, optionally levers and rules, and ``extends``
naming one of the *scenario's* policies as the starting point) and the
decisions in the order they were taken.

The scenario's own :meth:`~sim.scenario.models.Scenario.policy` resolves ``extends``
only among scenario policies; :func:`resolve` does the same for a policy
that lives in a file, so a team policy called ``supportive`` that extends
the scenario's ``supportive`` is not mistaken for a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.models import Scenario
from sim.scenario.policies import BLUE, Policy, PolicyFile, RecordedDecision
from sim.text import visible

_SLUG = re.compile(r"[^a-z0-9]+")


def team_policy_id(team: str) -> str:
    """A valid policy id naming a team: ``"Blue Team 2"`` -> ``team_blue_team_2``."""
    slug = _SLUG.sub("_", team.lower()).strip("_")
    return f"team_{slug}"[:40].rstrip("_") if slug else "team"


def team_slug(team: str) -> str:
    """A file-name friendly form of a team name (``"Blue Team"`` -> ``blue-team``)."""
    return _SLUG.sub("-", team.lower()).strip("-") or "team"


def resolve(policy_file: PolicyFile, scenario: Scenario) -> Policy:
    """The file's policy with ``extends`` resolved against the scenario's policies.

    Later settings win: the file's levers and decisions override those of the
    policy it extends; rules of both apply (the parent's first). The title
    names the team when the policy has none, so reports say whose answers
    they show.
    """
    own = policy_file.policy
    title = own.title or (f"{policy_file.team} (team answers)" if policy_file.team else own.id)
    if own.extends is None:
        return own.model_copy(update={"title": title})
    base = scenario.own_policy(own.extends)
    return Policy(
        id=own.id,
        title=title,
        description=own.description or base.description,
        cell=own.cell,
        levers={**base.levers, **own.levers},
        decisions={**base.decisions, **own.decisions},
        rules=[*base.rules, *own.rules],
    )


def recorded_policy_file(
    scenario: Scenario,
    *,
    team: str,
    seed: int,
    answers: Sequence[tuple[str, str, int]],
    start: str | None,
    scenario_hash: str | None,
    cell: str = BLUE,
) -> PolicyFile:
    """The policy file of a play session (one cell's answers): ``answers`` are (inject,
    option, month) in order."""
    return PolicyFile(
        scenario=scenario.id,
        scenario_hash=scenario_hash,
        team=team,
        seed=seed,
        policy=Policy(
            id=team_policy_id(team),
            title=f"{team} (team answers)",
            cell=cell,
            extends=start,
            decisions={inject: option for inject, option, _ in answers},
        ),
        recorded=[RecordedDecision(inject=i, option=o, month=m) for i, o, m in answers],
    )


def dumps_policy_file(policy_file: PolicyFile, scenario_file: str | Path | None = None) -> str:
    """YAML text of a policy file, with a header saying how to replay it."""
    data: dict[str, Any] = policy_file.model_dump(mode="json", exclude_defaults=True)
    target = str(scenario_file) if scenario_file is not None else "SCENARIO.yaml"
    # The header is a YAML comment: a line break in a team name or path would end
    # it and let the rest be read as data.
    team = " ".join(visible(policy_file.team or "?").split())
    target = " ".join(visible(target).split())
    header = (
        f"# Answers recorded by ttx play for team {team}.\n"
        f"# Replay over many replications: ttx run {target} --policy-file THIS_FILE\n"
        f"# Replay the session:             ttx play {target} --answers THIS_FILE\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def hash_warning(policy_file: PolicyFile, current_hash: str) -> str | None:
    """A warning when the file was recorded on another version of the scenario file."""
    if policy_file.scenario_hash and policy_file.scenario_hash != current_hash:
        return (
            f"warning: this policy file was recorded on another version of scenario "
            f"'{policy_file.scenario}' (hash {policy_file.scenario_hash}, now {current_hash}); "
            "results may differ from the recorded session"
        )
    return None
