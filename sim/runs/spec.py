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

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sim.errors import TtxError
from sim.scenario.models import CombinedPolicy, Policy, PolicyFile, Scenario
from sim.scenario.policyfile import resolve


class UnknownPolicy(TtxError):
    """A policy id that is not one of the scenario's policies."""


class CellConflict(TtxError):
    """Two policies given for one cell: a run follows one policy per cell."""


def _own(scenario: Scenario, policy_id: str) -> Policy:
    try:
        return scenario.own_policy(policy_id)
    except KeyError as exc:
        raise UnknownPolicy(exc.args[0]) from None


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
        return cls.of_cells(
            scenario,
            policy_files=[policy_file],
            replications=replications,
            seed=seed,
            scenario_hash=scenario_hash,
        )

    @classmethod
    def of_cells(
        cls,
        scenario: Scenario,
        policies: Sequence[str] = (),
        policy_files: Sequence[PolicyFile] = (),
        *,
        replications: int | None = None,
        seed: int | None = None,
        scenario_hash: str = "",
    ) -> RunSpec:
        """A run combining one policy per cell: scenario policy ids and team policy files.

        Each policy plays for its own cell; cells given nothing play their
        default. The seed defaults to the policy files' recorded seed (the
        first file's), then the scenario's, so replaying every cell's answers
        of a played session reproduces it.

        Raises:
            UnknownPolicy: A policy id names no policy of the scenario.
            CellConflict: Two of the policies are for the same cell.
        """
        chosen: dict[str, Policy] = {}
        owns = [_own(scenario, p) for p in policies]
        for own in [*owns, *(resolve(pf, scenario) for pf in policy_files)]:
            if own.cell in chosen:
                raise CellConflict(
                    f"two policies for cell '{own.cell}' ('{chosen[own.cell].id}' and "
                    f"'{own.id}'); give one policy per cell"
                )
            chosen[own.cell] = own
        if seed is None:
            seed = next((pf.seed for pf in policy_files if pf.seed is not None), None)
        teams = [pf.team for pf in policy_files if pf.team]
        return cls(
            scenario,
            scenario.combine(chosen),
            scenario.replications if replications is None else replications,
            scenario.seed if seed is None else seed,
            scenario_hash,
            " + ".join(teams) if teams else None,
        )

    @property
    def label(self) -> str:
        """Names the run in folders and progress bars: the policy, or every cell's policy."""
        if isinstance(self.policy, CombinedPolicy):
            return "-".join(self.policy.cells.values())
        return self.policy.id

    def with_policy(self, policy: Policy | str | None) -> RunSpec:
        """The same replications and seeds under another scenario policy (common random numbers)."""
        return replace(self, policy=scenario_policy(self.scenario, policy), team=None)
