"""The debrief after play: separating the team's judgement from the dice.

One played run is one draw. The debrief therefore shows, next to the played
trajectory, the team's answers replayed over many replications (*shadow
replications*) against the scenario's default policy on the *same* seeds
(common random numbers, so differences are paired), and where the played
run falls within the team's own distribution. "Our stability was poor" then
reads either "... and so would it have been on most dice with these
choices" or "... but that was bad luck: this run was at the 8th percentile".

The played replication is replication 0 of the shadow run (same seed), so
its figures are among the shadow values. The team's shadow run is the
:class:`~sim.runs.spec.RunSpec` of its policy file, run by
:func:`sim.runs.runner.run`, so the numbers equal those of
``ttx run --policy-file`` on the same seeds.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from typing_extensions import TypedDict

from sim.analysis.kpis import DEBRIEF_KPIS, kpi_label
from sim.analysis.wording import describe_difference, diff_decimals, interval, ordinal
from sim.model.engine import ReplicationResult
from sim.runs.contract import DifferenceFields, Interval, Kpi, PolicyInfo, difference_fields
from sim.runs.runner import Progress, run
from sim.runs.spec import RunSpec
from sim.scenario.models import Partner, Scenario
from sim.stats import paired_difference, paired_proportion_difference, percentile_of

# The debrief is only ever rendered, never saved as JSON, so its types are
# plain TypedDicts (no schema); a test validates a real debrief against them.


class MeanInterval(TypedDict):
    mean: float
    ci_low: float
    ci_high: float


class Chance(TypedDict):
    """A probability of success with its Wilson 95% interval."""

    p: float
    ci_low: float
    ci_high: float


class Change(TypedDict):
    start: float
    end: float


class PlayedKpi(TypedDict):
    name: str
    label: str
    value: float


class PlayedPartner(TypedDict):
    id: str
    name: str
    capacity: Change
    trust: Change
    cooperation: Change
    stability: Change


class PlayedObjective(TypedDict):
    id: str
    description: str
    met: bool


class PlayedDecision(TypedDict):
    month: int
    inject: str
    title: str
    option: str
    label: str


class PlayedSummary(TypedDict):
    """The played run alone: what the team saw happen."""

    kpis: list[PlayedKpi]
    partners: list[PlayedPartner]
    objectives: list[PlayedObjective]
    decisions: list[PlayedDecision]


class DebriefKpi(TypedDict):
    """One KPI under the team's choices and the default policy, paired by seed."""

    name: str
    label: str
    team: MeanInterval
    default: MeanInterval
    difference: DifferenceFields
    """Team minus default."""
    sentence: str
    played: float
    """The value in the played run."""
    percentile: float
    """Where the played run falls among the team's shadow replications."""


class DebriefObjective(TypedDict):
    id: str
    description: str
    team: Chance
    default: Chance
    difference: DifferenceFields
    played: bool


class DebriefScenario(TypedDict):
    id: str
    title: str
    horizon: int


class Debrief(TypedDict):
    """Everything the debrief shows (:func:`build_debrief`)."""

    team: str
    scenario: DebriefScenario
    seed: int
    replications: int
    team_policy: PolicyInfo
    default_policy: PolicyInfo
    played: PlayedSummary
    headline: str
    kpis: list[DebriefKpi]
    objectives: list[DebriefObjective]
    played_is_replication_0: bool


def _interval(k: Kpi) -> MeanInterval:
    return {"mean": k["mean"], "ci_low": k["ci_low"], "ci_high": k["ci_high"]}


def _chance(o: Interval) -> Chance:
    return {"p": o["p"], "ci_low": o["ci_low"], "ci_high": o["ci_high"]}


def played_summary(
    scenario: Scenario, result: ReplicationResult, answers: list[tuple[str, str, int]]
) -> PlayedSummary:
    """The team's own trajectory: final indicators, objectives and decisions with months."""
    results_like = {"scenario": {"partners": {p.id: p.name for p in scenario.partners}}}
    injects = {j.id: j for j in scenario.injects}
    decisions: list[PlayedDecision] = []
    for inject_id, option_id, month in answers:
        inj = injects[inject_id]
        assert inj.decision is not None
        option = next(o for o in inj.decision.options if o.id == option_id)
        decisions.append(
            {
                "month": month,
                "inject": inject_id,
                "title": inj.title,
                "option": option_id,
                "label": option.label,
            }
        )

    def change(p: Partner, var: str) -> Change:
        return {"start": getattr(p, var), "end": result.kpis[f"{p.id}.final_{var}"]}

    partners: list[PlayedPartner] = [
        {
            "id": p.id,
            "name": p.name,
            "capacity": change(p, "capacity"),
            "trust": change(p, "trust"),
            "cooperation": change(p, "cooperation"),
            "stability": change(p, "stability"),
        }
        for p in scenario.partners
    ]
    return {
        "kpis": [
            {"name": n, "label": kpi_label(n, results_like), "value": result.kpis[n]}
            for n in DEBRIEF_KPIS
        ],
        "partners": partners,
        "objectives": [
            {"id": o.id, "description": o.description, "met": bool(result.objectives[o.id])}
            for o in scenario.objectives
        ],
        "decisions": decisions,
    }


def build_debrief(
    spec: RunSpec,
    played: ReplicationResult,
    answers: list[tuple[str, str, int]],
    *,
    progress: Progress | None = None,
) -> Debrief:
    """Everything the debrief shows, as plain data (rendered by :mod:`sim.report.debrief`).

    Args:
        spec: The team's shadow run: its policy file over the shadow
            replications (at least 2 for intervals; fewer count as 2) on the
            session's seed (:meth:`RunSpec.of_policy_file`).
        played: The played replication (replication 0 of the run seed).
        answers: (inject, option, month) in the order taken.
        progress: Optional ``(done, total)`` callback over both shadow runs.
    """
    n = max(2, spec.replications)
    team_spec = replace(spec, replications=n)
    scenario, seed = spec.scenario, spec.seed

    def part(offset: int) -> Progress | None:
        if progress is None:
            return None
        cb = progress
        return lambda done, _total: cb(offset + done, 2 * n)

    team = run(team_spec, progress=part(0)).to_dict()["results"]
    default = run(team_spec.with_policy(None), progress=part(n)).to_dict()["results"]
    kpis: list[DebriefKpi] = []
    for name in DEBRIEF_KPIS:
        t, d = team["kpis"][name], default["kpis"][name]
        diff = paired_difference(d["values"], t["values"])
        label = kpi_label(name, team)
        kpis.append(
            {
                "name": name,
                "label": label,
                "team": _interval(t),
                "default": _interval(d),
                "difference": difference_fields(diff),
                "sentence": describe_difference(
                    "Choosing as you did", label, diff, diff_decimals(difference_fields(diff))
                ),
                "played": played.kpis[name],
                "percentile": percentile_of(played.kpis[name], t["values"]),
            }
        )
    objectives: list[DebriefObjective] = []
    for o in scenario.objectives:
        ot, od = team["objectives"][o.id], default["objectives"][o.id]
        odiff = paired_proportion_difference(od["values"], ot["values"])
        objectives.append(
            {
                "id": o.id,
                "description": o.description,
                "team": _chance(ot),
                "default": _chance(od),
                "difference": difference_fields(odiff),
                "played": bool(played.objectives[o.id]),
            }
        )
    same = all(
        np.array_equal(team["kpis"][k]["values"], default["kpis"][k]["values"])
        for k in team["kpis"]
    )
    head = kpis[0]
    headline = (
        f"Your choices: {head['label']} {interval(head['team'])} against "
        f"{interval(head['default'])} for the default policy; this run was at the "
        f"{ordinal(round(head['percentile']))} percentile of your own choices."
    )
    if same:
        headline += (
            " Your answers gave the same results as the default policy on every seed: "
            "the differences below are all zero."
        )
    return {
        "team": spec.team or spec.policy.id,
        "scenario": {"id": scenario.id, "title": scenario.title, "horizon": scenario.horizon},
        "seed": seed,
        "replications": n,
        "team_policy": team["policy"],
        "default_policy": default["policy"],
        "played": played_summary(scenario, played, answers),
        "headline": headline,
        "kpis": kpis,
        "objectives": objectives,
        "played_is_replication_0": all(
            bool(team["kpis"][k]["values"][0] == played.kpis[k]) for k in DEBRIEF_KPIS
        ),
    }
