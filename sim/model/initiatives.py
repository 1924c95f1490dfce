"""The alliance's instruments in the engine: one plan class per initiative kind.

Each class holds the parameters its kind reads from the scenario and answers
four questions for the engine: who a cycle is paid for, who of those
actually takes part (a partner declining an exercise or denied intelligence
bears no footprint from it and earns no focus credit), what a cycle does to
one partner, and what the initiative exerts on a partner while it runs
(deterrence, counter-messaging, shared intelligence, engagement).
The engine asks; it never switches on the kind. Adding an initiative kind is
a scenario model (:mod:`sim.scenario.models`), its default footprint and
profile (:mod:`sim.scenario.params`) and one class here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from sim.model import dynamics as dyn
from sim.scenario.vocabulary import InitiativeKind

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass
class Exerted:
    """What the running initiatives exert on each partner, summed over initiatives."""

    footprint: list[float]
    deterrence: list[float]
    comm: list[float]
    intel: list[list[tuple[float, float]]]  # (min_trust, interdiction bonus) per platform
    focus: list[list[tuple[dict[str, float], float]]]  # (profile, effective intensity)
    engagement: list[float]  # trust built per month (times the gap to 1)

    @classmethod
    def none(cls, n: int) -> Exerted:
        return cls(
            [0.0] * n,
            [0.0] * n,
            [0.0] * n,
            [[] for _ in range(n)],
            [[] for _ in range(n)],
            [0.0] * n,
        )


@dataclass(frozen=True)
class InitiativePlan:
    """An initiative resolved to partner indices; a kind's own class says what it does."""

    kind: ClassVar[str] = ""
    id: str
    partners: tuple[int, ...]
    start: int
    end: int
    cycle: int
    cost: float
    footprint: float
    profile: dict[str, float]

    def members(self, world: World, now: float) -> list[int]:
        """The partners this cycle is paid for."""
        return list(self.partners)

    def takes_part(self, world: World, i: int, now: float) -> bool:
        """Whether paid-for partner ``i`` takes part in this cycle: only those who
        do bear its footprint, get its effects and count it toward alignment."""
        return True

    def act(self, world: World, i: int, eff: float, now: float) -> None:
        """One cycle's effect on partner ``i`` at effective intensity ``eff``."""

    def exert(self, on: Exerted, i: int, eff: float) -> None:
        """Add what this initiative exerts on partner ``i`` while it runs."""


def asks(ini: InitiativePlan) -> tuple[bool, bool, bool]:
    """Which of :meth:`~InitiativePlan.members`, :meth:`~InitiativePlan.takes_part` and
    :meth:`~InitiativePlan.act` the kind of ``ini`` answers itself.

    The engine skips asking a kind that keeps the base class's answer (everyone
    listed is paid for and takes part; a cycle does nothing to the partner by
    itself): the same outcome, without a call per partner per cycle.
    """
    cls = type(ini)
    return (
        cls.members is not InitiativePlan.members,
        cls.takes_part is not InitiativePlan.takes_part,
        cls.act is not InitiativePlan.act,
    )


@dataclass(frozen=True)
class TrainingMissionPlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.training_mission.value
    gain: float

    def act(self, world: World, i: int, eff: float, now: float) -> None:
        world.capacity[i] = dyn.train(
            world.capacity[i], eff, self.gain, world.plan.absorption[i], world.cooperation[i]
        )


@dataclass(frozen=True)
class StrategicDialoguePlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.strategic_dialogue.value
    gain: float

    def exert(self, on: Exerted, i: int, eff: float) -> None:
        # The cycle's trust gain accrues month by month while it runs (MODEL.md §3.3.4).
        on.engagement[i] += self.gain * eff / self.cycle


@dataclass(frozen=True)
class JointExercisePlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.joint_exercise.value
    gain: float
    capacity_gain: float
    min_trust: float

    def members(self, world: World, now: float) -> list[int]:
        members = [i for i in self.partners if dyn.takes_part(world.trust[i], self.min_trust)]
        for i in set(self.partners) - set(members):
            world.note(now, "declined", self.id, world.plan.partner_ids[i])
        return members

    def act(self, world: World, i: int, eff: float, now: float) -> None:
        world.cooperation[i] = dyn.converge(world.cooperation[i], eff, self.gain)
        world.capacity[i] = dyn.converge(world.capacity[i], eff, self.capacity_gain)


@dataclass(frozen=True)
class IntelligenceSharingPlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.intelligence_sharing.value
    min_trust: float
    interdiction: float

    def takes_part(self, world: World, i: int, now: float) -> bool:
        # Paid for every partner; a partner below the threshold gets nothing this cycle.
        if dyn.takes_part(world.trust[i], self.min_trust):
            return True
        world.note(now, "withheld", self.id, world.plan.partner_ids[i])
        return False

    def exert(self, on: Exerted, i: int, eff: float) -> None:
        on.intel[i].append((self.min_trust, self.interdiction * eff))


@dataclass(frozen=True)
class CyberResponsePlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.cyber_response.value
    gain: float

    def act(self, world: World, i: int, eff: float, now: float) -> None:
        world.resilience[i] = dyn.converge(world.resilience[i], eff, self.gain)


@dataclass(frozen=True)
class StrategicCommunicationPlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.strategic_communication.value
    counter: float
    trust_gain: float

    def exert(self, on: Exerted, i: int, eff: float) -> None:
        on.comm[i] += self.counter * eff
        on.engagement[i] += self.trust_gain * eff / self.cycle


@dataclass(frozen=True)
class MilitaryPresencePlan(InitiativePlan):
    kind: ClassVar[str] = InitiativeKind.military_presence.value
    deterrence: float
    tension_gain: float

    def act(self, world: World, i: int, eff: float, now: float) -> None:
        world.raise_tension_around(i, self.tension_gain * eff)

    def exert(self, on: Exerted, i: int, eff: float) -> None:
        on.deterrence[i] += self.deterrence * eff


PLAN_CLASSES: dict[str, type[InitiativePlan]] = {
    cls.kind: cls
    for cls in (
        TrainingMissionPlan,
        StrategicDialoguePlan,
        JointExercisePlan,
        IntelligenceSharingPlan,
        CyberResponsePlan,
        StrategicCommunicationPlan,
        MilitaryPresencePlan,
    )
}

_COMMON = frozenset(f.name for f in fields(InitiativePlan))


def initiative_plan(initiative: Any, **common: Any) -> InitiativePlan:
    """The plan of one scenario initiative: ``common`` gives the resolved shared fields;
    the kind's own parameters are read from the scenario model by name."""
    cls = PLAN_CLASSES[initiative.kind]
    own: Mapping[str, Any] = {
        f.name: getattr(initiative, f.name) for f in fields(cls) if f.name not in _COMMON
    }
    return cls(**common, **own)
