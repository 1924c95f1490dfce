"""Pydantic models of a scenario: actors, threats, initiatives, injects, objectives.

Validation happens once, at the edge: the loader turns YAML into these frozen
models (``extra="forbid"``, so a misspelt key is an error, not a silent
default). Everything after the loader works with typed, immutable objects.
The shared field types are in :mod:`sim.scenario.fields`; policies, which a
scenario holds but a policy file may carry on its own, in
:mod:`sim.scenario.policies`.

Cross-references between parts of a scenario (ids that must resolve, levers
that must exist, conditions that must parse) are checked by
:mod:`sim.scenario.references`, which reports each problem with its own field path; a
pydantic model validator could only report them all at the root.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.errors import did_you_mean
from sim.scenario.cells import Cell, all_cells
from sim.scenario.fields import (
    ID_PATTERN,
    MAX_ITEMS,
    Condition,
    Frozen,
    Id,
    Intensity,
    Kind,
    Levers,
    Month,
    Name,
    Text,
    Unit,
)
from sim.scenario.params import ModelParameters
from sim.scenario.policies import (
    BLUE,
    CombinedPolicy,
    Policy,
    PolicyFile,
    RecordedDecision,
    Rule,
    combine_policies,
    resolve_policy,
)
from sim.scenario.ranges import Uncertainty
from sim.scenario.uncertainty import UncertaintySettings
from sim.scenario.vocabulary import PARTNER_VARS

# A scenario's policies are part of it: the policy models stay importable from here.
__all__ = [
    "BLUE",
    "ID_PATTERN",
    "MAX_ITEMS",
    "Alliance",
    "Cell",
    "CombinedPolicy",
    "CyberResponse",
    "Decision",
    "Effect",
    "Initiative",
    "Inject",
    "IntelligenceSharing",
    "JointExercise",
    "MilitaryPresence",
    "Objective",
    "Option",
    "Partner",
    "Policy",
    "PolicyFile",
    "RecordedDecision",
    "Reporting",
    "Rival",
    "Rivalry",
    "Rule",
    "Scenario",
    "Severity",
    "StrategicCommunication",
    "StrategicDialogue",
    "Threat",
    "TrainingMission",
    "combine_policies",
    "resolve_policy",
]


# --------------------------------------------------------------------------- actors


class Alliance(Frozen):
    """The alliance (NATO in the shipped scenarios)."""

    id: Id = Field("nato", description="Actor id used in conditions (e.g. nato.spent).")
    name: Name = Field("NATO", description="Display name.")
    budget: float = Field(
        10.0,
        ge=0,
        le=1e6,
        allow_inf_nan=False,
        description="Funds added each month, in illustrative budget units. Unspent "
        "funds carry over; an initiative cycle that cannot be paid is skipped.",
    )
    reserve: float = Field(
        0.0, ge=0, le=1e7, allow_inf_nan=False, description="Funds available at month 0."
    )


class Partner(Frozen):
    """A regional partner state; its state variables evolve, its traits do not."""

    id: Id
    name: Name
    capacity: Unit = Field(description="Initial security-force capacity (0-1).")
    trust: Unit = Field(description="Initial trust in the alliance (0-1).")
    cooperation: Unit = Field(description="Initial depth of practical cooperation (0-1).")
    stability: Unit = Field(description="Initial internal stability (0-1).")
    resilience: Unit = Field(description="Initial resilience to cyber and hybrid attack (0-1).")
    sensitivity: Unit = Field(
        0.5,
        description="Sovereignty concern / suspicion of foreign presence (0-1): scales "
        "the trust lost to the alliance's visible footprint.",
    )
    absorption: Unit = Field(0.5, description="How well training converts into capacity (0-1).")
    baseline_trust: Unit | None = Field(
        None,
        description="Level trust relaxes toward without engagement (0-1); "
        "defaults to the initial trust.",
    )
    priorities: dict[Kind, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict,
        description="The partner's own security agenda: relative weights over threat "
        "kinds (normalised). Empty means equal weights.",
    )


class Rival(Frozen):
    """A state actor competing with the alliance for influence over partners."""

    id: Id
    name: Name
    influence: dict[Id, Unit] = Field(
        default_factory=dict,
        description="Influence on each partner (partner id -> 0-1): pulls the "
        "partner's trust in the alliance down each month.",
    )
    lever: Id | None = Field(
        None,
        description="A lever (0-2, default 1) scaling this rival's influence pressure: "
        "how hard it works on the partners. Set by the cell that lists it in 'controls' "
        "(else blue), like an initiative lever.",
    )


class Rivalry(Frozen):
    """A regional rivalry whose tension feeds threats and erodes stability."""

    id: Id
    between: Annotated[list[Id], Field(min_length=2, max_length=2)] = Field(
        description="The two actors (partner or rival ids) in the rivalry."
    )
    tension: Unit = Field(description="Initial tension (0-1); relaxes back toward it.")
    spillover: list[Id] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Further partners exposed to this rivalry's tension.",
    )


# --------------------------------------------------------------------------- threats


class Severity(Frozen):
    """Severity of each incident: a Beta distribution given by mean and sd."""

    mean: float = Field(0.4, gt=0, lt=1, allow_inf_nan=False, description="Mean (0-1).")
    sd: float = Field(
        0.15, ge=0, lt=0.5, allow_inf_nan=False, description="Standard deviation; 0 = fixed."
    )

    @model_validator(mode="after")
    def _feasible(self) -> Severity:
        if self.sd > 0 and self.sd**2 >= self.mean * (1 - self.mean):
            limit = (self.mean * (1 - self.mean)) ** 0.5
            raise ValueError(
                f"sd {self.sd} is too large for a Beta with mean {self.mean}; "
                f"expected sd < {limit:.3f}"
            )
        return self


class Threat(Frozen):
    """A stochastic threat source: Poisson arrivals against each target partner."""

    id: Id
    kind: Kind = Field(description="Threat kind; sets how incidents are resolved.")
    name: Name | None = Field(None, description="Display name.")
    targets: Annotated[list[Id], Field(min_length=1, max_length=MAX_ITEMS)] = Field(
        description="Partner ids this threat strikes."
    )
    rate: float = Field(
        ge=0,
        le=30,
        allow_inf_nan=False,
        description="Base incidents per month per target (0-30), before modulation "
        "by tension, instability and deterrence.",
    )
    severity: Severity = Field(default_factory=Severity, description="Severity distribution.")
    start: Month = Field(0, description="First month the threat is active.")
    end: Month | None = Field(None, description="Month the threat stops (exclusive).")
    lever: Id | None = Field(
        None,
        description="A lever (0-2, default 1) scaling this threat's rate: the campaign "
        "intensity of whoever drives it. Several threats may share one lever. Set by "
        "the cell that lists it in 'controls' (else blue), like an initiative lever.",
    )


# --------------------------------------------------------------------------- initiatives


class _InitiativeBase(Frozen):
    id: Id
    name: Name | None = Field(None, description="Display name.")
    partners: list[Id] = Field(
        max_length=MAX_ITEMS, description="Partner ids the initiative works with."
    )
    start: Month = Field(0, description="First month the initiative can run.")
    end: Month | None = Field(None, description="Month it stops (exclusive).")
    cycle: int = Field(
        3, ge=1, le=24, description="Months between cycles (1-24); effects apply per cycle."
    )
    cost: float = Field(
        1.0,
        ge=0,
        le=1e5,
        allow_inf_nan=False,
        description="Cost per cycle per partner at intensity 1 (scales with intensity).",
    )
    intensity: Intensity = Field(1.0, description="Default intensity when no policy sets it.")
    footprint: float | None = Field(
        None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Visible foreign footprint at intensity 1 (0-1); defaults by kind.",
    )


class TrainingMission(_InitiativeBase):
    """Training and advisory mission (e.g. NTM-I): builds partner capacity."""

    kind: Literal["training_mission"]
    gain: float = Field(
        0.06, ge=0, le=1, description="Capacity gained per cycle at full absorption."
    )


class StrategicDialogue(_InitiativeBase):
    """Political dialogue (e.g. ICI, GCC fora): slowly builds trust."""

    kind: Literal["strategic_dialogue"]
    gain: float = Field(
        0.03, ge=0, le=1, description="Trust gained per cycle, accruing month by month."
    )


class JointExercise(_InitiativeBase):
    """Joint exercises: interoperability and cooperation, if the partner takes part."""

    kind: Literal["joint_exercise"]
    gain: float = Field(0.05, ge=0, le=1, description="Cooperation gained per cycle.")
    capacity_gain: float = Field(0.01, ge=0, le=1, description="Capacity gained per cycle.")
    min_trust: Unit = Field(
        0.35, description="A partner whose trust is below this declines the exercise."
    )


class IntelligenceSharing(_InitiativeBase):
    """Intelligence-sharing platform: raises interdiction, only above a trust threshold."""

    kind: Literal["intelligence_sharing"]
    min_trust: Unit = Field(
        0.5, description="Sharing is active for a partner only while its trust is at least this."
    )
    interdiction: Unit = Field(
        0.25, description="Added to the interdiction probability while active."
    )


class CyberResponse(_InitiativeBase):
    """Cyber and hybrid rapid-response teams: build resilience."""

    kind: Literal["cyber_response"]
    gain: float = Field(0.06, ge=0, le=1, description="Resilience gained per cycle.")


class StrategicCommunication(_InitiativeBase):
    """Strategic communication: counters disinformation, explains intentions."""

    kind: Literal["strategic_communication"]
    counter: Unit = Field(
        0.6,
        description="Counter-messaging strength while active: the chance (times the threat "
        "kind's comm_weight) that an incident that gets through is countered.",
    )
    trust_gain: float = Field(
        0.01, ge=0, le=1, description="Trust gained per cycle, accruing month by month."
    )


class MilitaryPresence(_InitiativeBase):
    """Forward presence / expanded operational scope: deters now, costs trust."""

    kind: Literal["military_presence"]
    deterrence: Unit = Field(
        0.3,
        description="Cut in threat arrival rates at intensity 1 while present (times each "
        "threat kind's deterrence_weight).",
    )
    tension_gain: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Added to the tension of rivalries touching the partner "
        "per cycle at intensity 1.",
    )


Initiative = Annotated[
    TrainingMission
    | StrategicDialogue
    | JointExercise
    | IntelligenceSharing
    | CyberResponse
    | StrategicCommunication
    | MilitaryPresence,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- injects


class Effect(Frozen):
    """A change to one state variable: add ``delta`` or ``set`` a value."""

    target: Annotated[str, Field(max_length=100)] = Field(
        description=f"What changes: PARTNER.VAR ({', '.join(PARTNER_VARS)}), "
        "partners.VAR (every partner), RIVALRY.tension, RIVAL.influence "
        "(all its influence), nato.funds, or PARTNER.political_risk (multiplier on the "
        "partner's political event rates, 1 normally, 0-5, fades back to 1)."
    )
    delta: float | None = Field(
        None, ge=-1e6, le=1e6, allow_inf_nan=False, description="Amount added (clipped to 0-1)."
    )
    set: float | None = Field(
        None, ge=-1e6, le=1e6, allow_inf_nan=False, description="Value set (clipped to 0-1)."
    )

    @model_validator(mode="after")
    def _one_of(self) -> Effect:
        if (self.delta is None) == (self.set is None):
            raise ValueError("give exactly one of 'delta' or 'set'")
        return self


class Option(Frozen):
    """One choice at a decision point."""

    id: Id
    label: Name = Field(description="Short label shown to players.")
    description: Text = Field("", description="What the option means, shown to players.")
    effects: list[Effect] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Immediate effects (hidden from players).",
    )
    levers: Levers = Field(
        default_factory=dict, description="Lever changes from this month on (hidden)."
    )


class Decision(Frozen):
    """A decision the players (or a policy) must take when the inject fires."""

    prompt: Text = Field(description="The question put to the players.")
    options: Annotated[list[Option], Field(min_length=2, max_length=9)]
    default: Id = Field(description="Option taken when a policy gives no answer.")
    cell: Id = Field(
        BLUE,
        description="The cell that takes this decision (default blue); its options may "
        "change only that cell's levers.",
    )


class Inject(Frozen):
    """A scripted event of the exercise (the master events list)."""

    id: Id
    title: Name
    narrative: Text = Field("", description="What the players are told.")
    at: Month | None = Field(None, description="Month it fires; or use 'when'.")
    when: Condition | None = Field(
        None, description="Fires once, the first month this condition holds."
    )
    effects: list[Effect] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Immediate effects."
    )
    decision: Decision | None = None
    expected_actions: Text = Field(
        "",
        description="What the controllers expect the players to do (ttx msel only; "
        "never shown to players).",
    )

    @model_validator(mode="after")
    def _timing(self) -> Inject:
        if (self.at is None) == (self.when is None):
            raise ValueError("give exactly one of 'at' (a month) or 'when' (a condition)")
        return self


# --------------------------------------------------------------------------- objectives


class Objective(Frozen):
    """An exercise objective, reported as a success probability."""

    id: Id
    description: Text = ""
    condition: Condition
    check: Literal["end", "by", "throughout"] = Field(
        "end",
        description="end: holds at the horizon; by: holds at some month up to 'month'; "
        "throughout: holds every month (up to 'month' if given).",
    )
    month: Month | None = Field(None, description="Deadline for 'by'; window end for 'throughout'.")

    @model_validator(mode="after")
    def _month(self) -> Objective:
        if self.check == "by" and self.month is None:
            raise ValueError("check 'by' needs a 'month'")
        return self


# --------------------------------------------------------------------------- reporting

MinDifference = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class Reporting(Frozen):
    """How reports of this scenario judge differences between policies."""

    min_difference: dict[str, MinDifference] = Field(
        default_factory=dict,
        description="Smallest meaningful difference per KPI name (e.g. final_stability: "
        "0.05, cost: 10) or 'objectives' (a probability, 0.05 = 5 points). Smaller "
        "differences read 'no meaningful difference'. Defaults: 0.02 on a 0-1 index, "
        "1 incident, 5% of the baseline's cost or harm, 0.05 for objectives.",
    )


# --------------------------------------------------------------------------- scenario


class Scenario(Frozen):
    """A complete exercise: actors, threats, initiatives, policies, timeline, objectives."""

    schema_version: Literal[1] = Field(
        1,
        description="Version of the scenario format (a versioned contract, see CHANGELOG.md); "
        "1 when omitted.",
    )
    id: Id
    title: Name
    description: Text = Field("", description="The briefing text.")
    sources: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)] = Field(
        description="Sections of the source document this scenario draws on."
    )
    horizon: int = Field(120, ge=12, le=240, description="Months simulated (12-240).")
    seed: int = Field(1, ge=0, lt=2**63, description="Default run seed.")
    replications: int = Field(
        200, ge=1, le=1_000_000, description="Default number of replications."
    )
    default_policy: Id | None = Field(
        None, description="Blue policy run when none is named (default: the first blue policy)."
    )
    cells: list[Cell] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Sides that play against each other. Without it there is one cell, "
        "'blue' (the alliance). Blue may be listed to give it a name and briefing.",
    )
    alliance: Alliance = Field(default_factory=Alliance)
    partners: Annotated[list[Partner], Field(min_length=1, max_length=50)]
    rivals: list[Rival] = Field(default_factory=list, max_length=MAX_ITEMS)
    rivalries: list[Rivalry] = Field(default_factory=list, max_length=MAX_ITEMS)
    threats: list[Threat] = Field(default_factory=list, max_length=MAX_ITEMS)
    initiatives: list[Initiative] = Field(default_factory=list, max_length=MAX_ITEMS)
    policies: Annotated[list[Policy], Field(min_length=1, max_length=MAX_ITEMS)]
    injects: list[Inject] = Field(default_factory=list, max_length=MAX_ITEMS)
    objectives: list[Objective] = Field(default_factory=list, max_length=MAX_ITEMS)
    model: ModelParameters = Field(
        default_factory=ModelParameters,
        description="Model coefficients (documented in MODEL.md); override with care.",
    )
    uncertainty: UncertaintySettings = Field(
        default_factory=UncertaintySettings,
        description="Random sources beyond threats: political events, programme effect and "
        "cost variation, rival drift (MODEL.md 3.3.7); 'enabled: false' turns them all off.",
    )
    uncertainties: list[Uncertainty] | None = Field(
        None,
        description="Ranges of model numbers that 'ttx explore' varies (none: its documented "
        "default set); ignored by 'ttx run'.",
    )
    reporting: Reporting = Field(
        default_factory=Reporting,
        description="How comparisons judge differences (smallest meaningful differences).",
    )

    # -- policies -------------------------------------------------------------
    def own_policy(self, policy_id: str) -> Policy:
        """One scenario policy by id, ``extends`` resolved, not combined with other cells."""
        by_id = {p.id: p for p in self.policies}
        if policy_id not in by_id:
            known = ", ".join(sorted(by_id))
            hint = did_you_mean(policy_id, by_id)
            raise KeyError(f"no policy '{policy_id}' in scenario '{self.id}'{hint} (have: {known})")
        return resolve_policy(by_id[policy_id], by_id)

    def combine(self, chosen: Mapping[str, Policy | str]) -> Policy:
        """One policy per cell merged into what a run follows; unnamed cells play their default.

        Without cells other than blue this is just blue's policy, so one-sided
        scenarios run exactly as before.
        """
        parts: list[tuple[str, Policy]] = []
        for c in all_cells(self):
            given = chosen.get(c.id, c.default_policy)
            if given is None:
                given = Policy(id=f"{c.id}_default", title=f"{c.name} default", cell=c.id)
            parts.append((c.id, self.own_policy(given) if isinstance(given, str) else given))
        if len(parts) == 1:
            return parts[0][1]
        return combine_policies(parts)

    def policy(self, policy_id: str | None = None) -> Policy:
        """A policy by id (blue's default when None), ``extends`` resolved, other cells at
        their defaults."""
        if policy_id is None:
            return self.combine({})
        own = self.own_policy(policy_id)
        return self.combine({own.cell: own})
