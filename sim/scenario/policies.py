"""Pydantic models of policies: courses of action, in a scenario or in a policy file.

A policy sets levers, answers decisions and adds monthly rules; ``extends``
lets one policy start from another's settings (:func:`resolve_policy`). A
policy file (:class:`PolicyFile`) is a policy kept outside the scenario, as
written by a team or recorded by ``ttx play``; its I/O is
:mod:`sim.scenario.policyfile`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.fields import Condition, Frozen, Id, Levers, Month, Name, Text


class Rule(Frozen):
    """A monthly policy rule: when the condition holds, set levers."""

    when: Condition
    set: Annotated[Levers, Field(min_length=1)] = Field(description="Levers to set.")


class Policy(Frozen):
    """A named course of action: lever settings, decision answers and rules."""

    id: Id
    title: Name | None = None
    description: Text = ""
    extends: Id | None = Field(
        None, description="Another policy whose settings this one starts from."
    )
    levers: Levers = Field(
        default_factory=dict,
        description="Initiative intensities (initiative id -> 0-2); unset levers "
        "keep the initiative's own intensity.",
    )
    decisions: dict[Id, Id] = Field(
        default_factory=dict, description="Answers: inject id -> option id."
    )
    rules: list[Rule] = Field(default_factory=list, description="Rules checked monthly.")


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
    return Policy(
        id=policy.id,
        title=policy.title,
        description=policy.description,
        levers=levers,
        decisions=decisions,
        rules=rules,
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
        default_factory=list, description="Decisions in the order they were taken."
    )
