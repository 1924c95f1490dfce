"""Pydantic models of policies: courses of action, in a scenario or in a policy file.

A policy sets levers, answers decisions and adds monthly rules; ``extends``
lets one policy start from another's settings (:func:`resolve_policy`). A
policy file (:class:`PolicyFile`) is a policy kept outside the scenario, as
written by a team or recorded by ``ttx play``; its I/O is
:mod:`sim.scenario.policyfile`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from sim.scenario.fields import MAX_ITEMS, Condition, Frozen, Id, Levers, Month, Name, Text

#: The alliance's cell: every scenario has it, declared or not.
BLUE = "blue"


class Rule(Frozen):
    """A monthly policy rule: when the condition holds, set levers."""

    when: Condition
    set: Annotated[Levers, Field(min_length=1)] = Field(description="Levers to set.")


class Policy(Frozen):
    """A named course of action: lever settings, decision answers and rules."""

    id: Id
    title: Name | None = None
    description: Text = ""
    cell: Id = Field(
        BLUE,
        description="The cell whose course of action this is (default blue, the alliance); "
        "it may set only that cell's levers and answer only that cell's decisions.",
    )
    extends: Id | None = Field(
        None, description="Another policy whose settings this one starts from."
    )
    levers: Levers = Field(
        default_factory=dict,
        description="Lever intensities (lever id -> 0-2): initiative ids for blue, "
        "threat and rival levers for the cell that controls them; unset levers keep "
        "their default (an initiative's own intensity, 1 for a threat or rival lever).",
    )
    decisions: dict[Id, Id] = Field(
        default_factory=dict, max_length=MAX_ITEMS, description="Answers: inject id -> option id."
    )
    rules: list[Rule] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Rules checked monthly."
    )


def resolve_policy(policy: Policy, by_id: dict[str, Policy]) -> Policy:
    """Flatten a chain of ``extends`` into one policy (later settings win)."""
    chain = [policy]
    while chain[-1].extends is not None:
        parent = by_id[chain[-1].extends]
        if parent in chain:
            raise ValueError(f"policy '{policy.id}' extends itself through '{parent.id}'")
        chain.append(parent)
    levers: dict[str, float] = {}
    decisions: dict[str, str] = {}
    rules: list[Rule] = []
    for p in reversed(chain):
        levers.update(p.levers)
        decisions.update(p.decisions)
        rules.extend(p.rules)
    # Built from validated parts, not revalidated: the list caps are per file
    # entry, and a chain of policies may hold more rules in all.
    return Policy.model_construct(
        id=policy.id,
        title=policy.title,
        description=policy.description,
        cell=policy.cell,
        levers=levers,
        decisions=decisions,
        rules=rules,
    )


class CombinedPolicy(Policy):
    """One policy per cell, merged into the single policy a run follows.

    Cells own disjoint levers and decisions, so the merge loses nothing; the
    id stays the blue policy's (reports and sweeps keep naming runs by it) and
    ``cells`` says which policy each cell played. Made by
    :func:`combine_policies`, never read from YAML.
    """

    cells: dict[Id, Id] = Field(default_factory=dict, description="Cell id -> policy id.")


def _named(title: str, cell: str) -> str:
    """A policy title that says its cell ("Escalation (red)"), unless it already does."""
    return (
        title if re.search(rf"\b{re.escape(cell)}\b", title, re.IGNORECASE) else f"{title} ({cell})"
    )


def combine_policies(parts: Sequence[tuple[str, Policy]]) -> CombinedPolicy:
    """Merge resolved policies, one per cell: ``(cell id, policy)``, blue first.

    The title names every cell's policy: "Even-handed (blue) vs Measured pressure (red)".
    """
    levers: dict[str, float] = {}
    decisions: dict[str, str] = {}
    rules: list[Rule] = []
    for _, p in parts:
        levers.update(p.levers)
        decisions.update(p.decisions)
        rules.extend(p.rules)
    head = parts[0][1]
    title = " vs ".join(_named(p.title or p.id, cell) for cell, p in parts)
    return CombinedPolicy.model_construct(  # validated parts (see resolve_policy)
        id=head.id,
        title=title,
        description=head.description,
        cell=head.cell,
        levers=levers,
        decisions=decisions,
        rules=rules,
        cells={cell: p.id for cell, p in parts},
    )


class RecordedDecision(Frozen):
    """One answer recorded during interactive play."""

    inject: Id
    option: Id
    month: Month | None = None


class PolicyFile(Frozen):
    """A policy kept outside the scenario: written by a team or recorded by ``ttx play``."""

    scenario: Id = Field(description="Id of the scenario this policy is for.")
    scenario_hash: str | None = Field(None, description="Hash of the scenario file played.")
    team: Name | None = None
    seed: int | None = Field(None, ge=0, lt=2**63, description="Seed of the recorded session.")
    policy: Policy
    recorded: list[RecordedDecision] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Decisions in the order they were taken.",
    )
