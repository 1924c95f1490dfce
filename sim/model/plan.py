"""A scenario and policy compiled into flat, picklable run plans.

The engine runs the same scenario thousands of times; resolving ids, merging
default parameters and compiling conditions once, here, keeps each
replication lean and keeps pydantic out of the hot loop. A :class:`Plan` is
plain data (tuples, floats, compiled expression trees) so it pickles cheaply
to worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.model.dynamics import normalise
from sim.model.initiatives import InitiativePlan, initiative_plan
from sim.scenario.cells import red_levers
from sim.scenario.conditions import Expr, Target, compile_condition, parse_target
from sim.scenario.models import Effect, Scenario
from sim.scenario.params import ModelParameters, ThreatCoefficients, default_threat_coefficients
from sim.scenario.policies import BLUE, CombinedPolicy, Policy
from sim.scenario.references import symbols_of
from sim.scenario.uncertainty import UncertaintySettings
from sim.scenario.vocabulary import PARTNER_VARS, THREAT_KINDS

#: The highest lever intensity (the format's Intensity bound): threats thin from it.
LEVER_MAX = 2.0


@dataclass(frozen=True)
class EffectPlan:
    target: Target
    delta: float | None
    set_to: float | None


@dataclass(frozen=True)
class ThreatPlan:
    id: str
    kind: str
    targets: tuple[int, ...]
    rate: float
    severity_mean: float
    severity_sd: float
    start: int
    end: int
    coeffs: ThreatCoefficients
    lever: str | None = None  # scales the rate (a red cell's campaign intensity)


@dataclass(frozen=True)
class OptionPlan:
    id: str
    label: str
    effects: tuple[EffectPlan, ...]
    levers: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class InjectPlan:
    id: str
    title: str
    at: int | None
    when: Expr | None
    effects: tuple[EffectPlan, ...]
    options: tuple[OptionPlan, ...] = ()
    default: str | None = None
    cell: str = BLUE

    @property
    def has_decision(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class RulePlan:
    when: Expr
    levers: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ObjectivePlan:
    id: str
    condition: Expr
    check: str
    month: int | None


@dataclass(frozen=True)
class RivalryPlan:
    id: str
    tension: float
    partner_sides: tuple[int, ...]  # partners that are a side of the rivalry
    rival_sides: tuple[int, ...]  # rivals that are a side
    exposed: tuple[int, ...]  # partners exposed: sides plus spillover


@dataclass(frozen=True)
class Plan:
    """Everything one replication needs, resolved to indices."""

    scenario_id: str
    policy_id: str
    policy_title: str
    horizon: int
    partner_ids: tuple[str, ...]
    initial: tuple[tuple[float, ...], ...]  # [partner][PARTNER_VARS]
    baseline_trust: tuple[float, ...]
    sensitivity: tuple[float, ...]
    absorption: tuple[float, ...]
    priorities: tuple[dict[str, float], ...]
    influence: tuple[tuple[float, ...], ...]  # [rival][partner]
    rivalries: tuple[RivalryPlan, ...]
    threats: tuple[ThreatPlan, ...]
    initiatives: tuple[InitiativePlan, ...]
    injects: tuple[InjectPlan, ...]
    rules: tuple[RulePlan, ...]
    objectives: tuple[ObjectivePlan, ...]
    levers: dict[str, float]
    answers: dict[str, str]
    budget: float
    reserve: float
    params: ModelParameters
    threat_kinds: tuple[str, ...] = field(default=())
    rival_ids: tuple[str, ...] = field(default=())
    uncertainty: UncertaintySettings = field(default_factory=UncertaintySettings)
    rival_levers: tuple[str | None, ...] = ()  # [rival]: lever scaling its influence pressure
    cells: tuple[tuple[str, str], ...] = ()  # (cell, policy id) when several cells play
    #: Values derived from this plan alone, kept across its replications (speed only;
    #: not copied by ``dataclasses.replace``, so a changed plan starts empty).
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


def merged_threat_coefficients(params: ModelParameters) -> dict[str, ThreatCoefficients]:
    """Per-kind coefficients: a scenario's ``model.threats`` override only the fields it sets.

    An author writing ``cyber: {resilience_weight: 0.8}`` means "change that one
    number for cyber", not "reset cyber's other coefficients to generic defaults".
    """
    out = default_threat_coefficients()
    for kind, given in params.threats.items():
        if kind in out:
            out[kind] = out[kind].model_copy(
                update={f: getattr(given, f) for f in given.model_fields_set}
            )
        else:
            out[kind] = given
    return out


def _effects(effects: list[Effect], scenario: Scenario) -> tuple[EffectPlan, ...]:
    symbols = symbols_of(scenario)
    return tuple(EffectPlan(parse_target(e.target, symbols), e.delta, e.set) for e in effects)


def compile_plan(scenario: Scenario, policy: Policy | str | None = None) -> Plan:
    """Compile a validated scenario and one of its policies (or an outside one)."""
    if not isinstance(policy, Policy):
        policy = scenario.policy(policy)
    symbols = symbols_of(scenario)
    pidx = {p.id: i for i, p in enumerate(scenario.partners)}
    ridx = {r.id: i for i, r in enumerate(scenario.rivals)}
    params = scenario.model
    coeffs = merged_threat_coefficients(params)
    horizon = scenario.horizon

    threats = tuple(
        ThreatPlan(
            id=t.id,
            kind=t.kind.value,
            targets=tuple(pidx[x] for x in t.targets),
            rate=t.rate,
            severity_mean=t.severity.mean,
            severity_sd=t.severity.sd,
            start=t.start,
            end=horizon if t.end is None else min(t.end, horizon),
            coeffs=coeffs[t.kind.value],
            lever=t.lever,
        )
        for t in scenario.threats
    )
    footprints = {**ModelParameters().footprints, **params.footprints}
    profiles = {**ModelParameters().profiles, **params.profiles}
    initiatives = tuple(
        initiative_plan(
            ini,
            id=ini.id,
            partners=tuple(pidx[x] for x in ini.partners),
            start=ini.start,
            end=horizon if ini.end is None else min(ini.end, horizon),
            cycle=ini.cycle,
            cost=ini.cost,
            footprint=footprints[ini.kind] if ini.footprint is None else ini.footprint,
            profile=normalise(profiles[ini.kind]),
        )
        for ini in scenario.initiatives
    )
    injects = []
    for inj in scenario.injects:
        options: tuple[OptionPlan, ...] = ()
        default = None
        if inj.decision is not None:
            options = tuple(
                OptionPlan(o.id, o.label, _effects(o.effects, scenario), tuple(o.levers.items()))
                for o in inj.decision.options
            )
            default = inj.decision.default
        injects.append(
            InjectPlan(
                id=inj.id,
                title=inj.title,
                at=inj.at,
                when=None if inj.when is None else compile_condition(inj.when, symbols),
                effects=_effects(inj.effects, scenario),
                options=options,
                default=default,
                cell=BLUE if inj.decision is None else inj.decision.cell,
            )
        )
    rivalries = []
    for rv in scenario.rivalries:
        partner_sides = tuple(pidx[a] for a in rv.between if a in pidx)
        rival_sides = tuple(ridx[a] for a in rv.between if a in ridx)
        exposed = tuple(sorted({*partner_sides, *(pidx[x] for x in rv.spillover)}))
        rivalries.append(RivalryPlan(rv.id, rv.tension, partner_sides, rival_sides, exposed))
    levers = {ini.id: ini.intensity for ini in scenario.initiatives}
    levers.update(dict.fromkeys(red_levers(scenario), 1.0))
    levers.update(policy.levers)
    return Plan(
        scenario_id=scenario.id,
        policy_id=policy.id,
        policy_title=policy.title or policy.id,
        horizon=horizon,
        partner_ids=tuple(pidx),
        initial=tuple(tuple(getattr(p, v) for v in PARTNER_VARS) for p in scenario.partners),
        baseline_trust=tuple(
            p.trust if p.baseline_trust is None else p.baseline_trust for p in scenario.partners
        ),
        sensitivity=tuple(p.sensitivity for p in scenario.partners),
        absorption=tuple(p.absorption for p in scenario.partners),
        priorities=tuple(
            {k.value: v for k, v in p.priorities.items()} or dict.fromkeys(THREAT_KINDS, 1.0)
            for p in scenario.partners
        ),
        influence=tuple(tuple(r.influence.get(p, 0.0) for p in pidx) for r in scenario.rivals),
        rivalries=tuple(rivalries),
        threats=threats,
        initiatives=initiatives,
        injects=tuple(injects),
        rules=tuple(
            RulePlan(compile_condition(r.when, symbols), tuple(r.set.items())) for r in policy.rules
        ),
        objectives=tuple(
            ObjectivePlan(o.id, compile_condition(o.condition, symbols), o.check, o.month)
            for o in scenario.objectives
        ),
        levers=levers,
        answers=dict(policy.decisions),
        budget=scenario.alliance.budget,
        reserve=scenario.alliance.reserve,
        params=params,
        threat_kinds=tuple(sorted({t.kind for t in threats})),
        rival_ids=tuple(ridx),
        uncertainty=scenario.uncertainty,
        rival_levers=tuple(r.lever for r in scenario.rivals),
        cells=tuple(policy.cells.items()) if isinstance(policy, CombinedPolicy) else (),
    )
