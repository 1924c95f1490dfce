"""What a run computes: scenario, policy, replication count, seed.

A :class:`RunSpec` is the one value that the runner, a sweep, a policy
file's replay and the play debrief pass around instead of the same five
loose parameters. The defaults (the scenario's policy, replication count
and seed; a policy file's recorded seed) are resolved once, when the spec
is made, so every consumer sees the same numbers. How the run is computed
(executor, chunking, checkpoint, progress) is not part of the spec: it
never changes which replications are run or their seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.errors import TtxError
from sim.scenario.models import Policy, PolicyFile, Scenario
from sim.scenario.policyfile import resolve


class UnknownPolicy(TtxError):
    """A policy id that is not one of the scenario's policies."""


def scenario_policy(scenario: Scenario, policy: Policy | str | None) -> Policy:
    """A policy object as given, or the scenario's policy of that id (None: its default).

    Raises:
        UnknownPolicy: The scenario has no policy of that id.
    """
    if isinstance(policy, Policy):
        return policy
    try:
        return scenario.policy(policy)
    except KeyError as exc:
        raise UnknownPolicy(exc.args[0]) from None


@dataclass(frozen=True)
class RunSpec:
    """Replications ``0..replications-1`` of ``scenario`` under ``policy``, seeded ``seed``.

    Attributes:
        scenario: The validated scenario.
        policy: The policy that runs, with ``extends`` resolved.
        replications: How many replications the run has.
        seed: The run seed; replication ``k`` gets a seed derived from it and ``k``.
        scenario_hash: Hash of the scenario file, recorded in the results.
        team: The team whose recorded answers ``policy`` is (a policy file),
            else None.
    """

    scenario: Scenario
    policy: Policy
    replications: int
    seed: int
    scenario_hash: str = ""
    team: str | None = None

    @classmethod
    def of(
        cls,
        scenario: Scenario,
        policy: Policy | str | None = None,
        *,
        replications: int | None = None,
        seed: int | None = None,
        scenario_hash: str = "",
    ) -> RunSpec:
        """A run of a scenario policy (an id, a policy, or None for the default).

        Replications and seed default to the scenario's.

        Raises:
            UnknownPolicy: ``policy`` names no policy of the scenario.
        """
        return cls(
            scenario,
            scenario_policy(scenario, policy),
            scenario.replications if replications is None else replications,
            scenario.seed if seed is None else seed,
            scenario_hash,
        )

    @classmethod
    def of_policy_file(
        cls,
        scenario: Scenario,
        policy_file: PolicyFile,
        *,
        replications: int | None = None,
        seed: int | None = None,
        scenario_hash: str = "",
    ) -> RunSpec:
        """A run of a team's policy file; the seed defaults to the file's, then the scenario's.

        ``ttx run --policy-file`` and the play debrief's shadow replications
        both start here, so their figures agree on the same seeds.
        """
        if seed is None:
            seed = policy_file.seed
        return cls(
            scenario,
            resolve(policy_file, scenario),
            scenario.replications if replications is None else replications,
            scenario.seed if seed is None else seed,
            scenario_hash,
            policy_file.team,
        )

    def with_policy(self, policy: Policy | str | None) -> RunSpec:
        """The same replications and seeds under another scenario policy (common random numbers)."""
        return replace(self, policy=scenario_policy(self.scenario, policy), team=None)
