"""The after-action report: what each choice cost, where luck decided, teams side by side.

A facilitator's hot wash needs the story, not a fixed indicator: which
objective the team's choices moved most (against the default policy), what
each alternative option of each decision would have given, and where the
played run was lucky or unlucky. Every figure is paired by seed (common
random numbers): the team's run, the default policy's run and each
*shadow alternative* (the team's policy with one decision forced to another
option) use replications ``0..n-1`` of the same run seed, so differences are
the choices' effect, not noise. The played run is replication 0.

The structure follows HSEEP's After-Action Report: objectives ->
performance (met / at risk / not met), strengths and areas for
improvement, each tied to the decision whose shadow difference is largest.
Every objective is the alliance's, so only blue's decisions can be strengths
or areas for improvement: advising a red cell how to help the alliance would
be nonsense in a debrief where both cells sit. Another cell's analysed
decisions are reported instead for what they did to the alliance's
objectives, in the third person (:class:`CellChoices`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NotRequired

from typing_extensions import TypedDict

from sim.analysis.debrief import Debrief, build_debrief
from sim.errors import TtxError
from sim.model.engine import ReplicationResult
from sim.runs.runner import Progress, run
from sim.runs.spec import RunSpec
from sim.scenario.cells import all_cells, decision_cells
from sim.scenario.models import PolicyFile, Scenario
from sim.scenario.policies import BLUE

#: A played objective is "met" at or above this probability, "not met" below LOW.
MET_AT = 0.8
NOT_MET_BELOW = 0.2
#: Luck: met though fewer than LUCKY of the replays meet it, or missed though over UNLUCKY do.
LUCKY = 0.2
UNLUCKY = 0.8
#: A decision counts as a strength or area for improvement when it moves an objective this much.
MATTERS = 0.05


class OptionResult(TypedDict):
    option: str
    label: str
    chosen: bool
    objectives: dict[str, float]
    """Objective id -> success probability with this option forced."""


class DecisionShadow(TypedDict):
    inject: str
    title: str
    cell: str
    chosen: str
    options: list[OptionResult]


class Luck(TypedDict):
    objective: str
    met: bool
    p: float
    sentence: str


class Performance(TypedDict):
    objective: str
    description: str
    p: float
    default: float
    rating: str
    """``met``, ``at risk`` or ``not met``."""
    played: bool


class Finding(TypedDict):
    objective: str
    inject: str
    option: str
    """The option that made the difference (chosen for a strength, the better one otherwise)."""
    sentence: str
    size: float


class OtherChoice(TypedDict):
    """What one decision of a non-blue cell did to the objective it moved most."""

    inject: str
    title: str
    option: str
    """The option the cell chose."""
    objective: str
    p: float
    """The objective's probability with the chosen option."""
    alternative: str
    """The option whose probability differs most from the chosen one's."""
    alternative_p: float
    size: float
    """``abs(p - alternative_p)``: at least :data:`MATTERS`."""
    sentence: str


class CellChoices(TypedDict):
    """A non-blue cell's decisions the team took, reported without advice."""

    cell: str
    name: str
    """The cell's display name in the scenario."""
    choices: list[OtherChoice]
    """One per decision that moved an objective by :data:`MATTERS` or more, in inject order."""


class TeamReport(TypedDict):
    name: str
    files: list[str]
    headline: str
    moved: str | None
    """The objective whose probability moved most against the default policy."""
    performance: list[Performance]
    decisions: list[DecisionShadow]
    luck: list[Luck]
    strengths: list[Finding]
    """From blue's decisions only: the objectives are the alliance's."""
    improvements: list[Finding]
    """From blue's decisions only, like ``strengths``."""
    debrief: Debrief
    other_cells: NotRequired[list[CellChoices]]
    """Present only when the team took another cell's decisions (played or given as an
    answers file): per such cell, in the scenario's order, its choices' effect on the
    alliance's objectives. Absent for a blue-only team, whose report is
    as before."""


class TeamDifference(TypedDict):
    inject: str
    title: str
    choices: dict[str, str]
    """Team name -> option label."""


class TableRow(TypedDict):
    objective: str
    teams: dict[str, float]
    """Team name -> success probability."""
    default: float


class AfterAction(TypedDict):
    scenario: dict[str, str | int]
    seed: int
    replications: int
    objectives: list[dict[str, str]]
    teams: list[TeamReport]
    table: list[TableRow]
    """Teams x objectives: each objective's probability per team and under the default."""
    differences: list[TeamDifference]
    notes: str | None


@dataclass(frozen=True)
class Team:
    """One team: its answers files (one per played cell of one session) and their names."""

    name: str
    files: tuple[PolicyFile, ...]
    paths: tuple[str, ...] = ()
    others: tuple[PolicyFile, ...] = ()
    """Policy files of cells the team did not play (followed, not analysed)."""
    policies: tuple[str, ...] = ()
    """Scenario policies of cells the team did not play."""

    def spec(self, scenario: Scenario, replications: int, seed: int) -> RunSpec:
        """The team's run on ``seed``: its files plus what the other cells follow."""
        return self.forced(scenario, replications, seed, list(self.files))

    def forced(
        self, scenario: Scenario, replications: int, seed: int, files: list[PolicyFile]
    ) -> RunSpec:
        """The team's run with its own files replaced by ``files``."""
        return RunSpec.of_cells(
            scenario,
            self.policies,
            [*files, *self.others],
            replications=replications,
            seed=seed,
        )


def group_teams(
    named: Sequence[tuple[str, PolicyFile]],
) -> list[Team]:
    """Group answers files into teams: consecutive files of different cells and one seed.

    A two-cell session (blue + red) saves one file per cell; given one after
    the other they form one team. A file whose cell the current team already
    has, or whose seed differs, starts the next team.
    """
    groups: list[list[tuple[str, PolicyFile]]] = []
    for path, pf in named:
        current = groups[-1] if groups else None
        if (
            current is None
            or pf.policy.cell in {f.policy.cell for _, f in current}
            or pf.seed != current[0][1].seed
        ):
            groups.append([(path, pf)])
        else:
            current.append((path, pf))
    return [
        Team(team_name([f for _, f in g]), tuple(f for _, f in g), tuple(p for p, _ in g))
        for g in groups
    ]


def team_name(files: Sequence[PolicyFile]) -> str:
    """One name for a session's files: ``North`` for ``North blue`` and ``North red``.

    ``ttx play --cells`` names each cell's file after the team and the cell;
    without a common team name the cells' names are joined (``blue + red``).
    """
    names = [f.team for f in files if f.team]
    if not names:
        return files[0].policy.id
    stems = {f.team.removesuffix(f" {f.policy.cell}") for f in files if f.team and len(files) > 1}
    if len(stems) == 1 and (stem := stems.pop()) not in names:
        return stem
    return " + ".join(names)


def _probabilities(spec: RunSpec) -> dict[str, list[bool]]:
    results = run(spec).to_dict()["results"]
    return {o: list(map(bool, v["values"])) for o, v in results["objectives"].items()}


def _p(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


def _rating(p: float) -> str:
    if p >= MET_AT:
        return "met"
    return "not met" if p < NOT_MET_BELOW else "at risk"


def _forced(pf: PolicyFile, inject: str, option: str) -> PolicyFile:
    policy = pf.policy.model_copy(update={"decisions": {**pf.policy.decisions, inject: option}})
    return pf.model_copy(update={"policy": policy})


def _shadows(
    scenario: Scenario, team: Team, replications: int, seed: int
) -> tuple[list[DecisionShadow], dict[str, list[bool]]]:
    """Per decision the team answered, each option's objective probabilities on the same seeds."""
    own = _probabilities(team.spec(scenario, replications, seed))
    owner = decision_cells(scenario)
    out: list[DecisionShadow] = []
    for inj in scenario.injects:
        if inj.decision is None:
            continue
        index = next((i for i, f in enumerate(team.files) if inj.id in f.policy.decisions), None)
        if index is None:
            continue
        chosen = team.files[index].policy.decisions[inj.id]
        options: list[OptionResult] = []
        for opt in inj.decision.options:
            if opt.id == chosen:
                probs = own
            else:
                files = list(team.files)
                files[index] = _forced(files[index], inj.id, opt.id)
                probs = _probabilities(team.forced(scenario, replications, seed, files))
            options.append(
                {
                    "option": opt.id,
                    "label": opt.label,
                    "chosen": opt.id == chosen,
                    "objectives": {o: _p(v) for o, v in probs.items()},
                }
            )
        out.append(
            {
                "inject": inj.id,
                "title": inj.title,
                "cell": owner[inj.id],
                "chosen": chosen,
                "options": options,
            }
        )
    return out, own


def _findings(
    decisions: list[DecisionShadow], objective: str
) -> tuple[Finding | None, Finding | None]:
    """The decision that helped ``objective`` most, and the one that cost it most."""
    best_gain: Finding | None = None
    best_loss: Finding | None = None
    for d in decisions:
        where = f"'{d['title']}'"
        chosen = next(o for o in d["options"] if o["chosen"])
        others = [o for o in d["options"] if not o["chosen"]]
        if not others:
            continue
        p = chosen["objectives"][objective]
        worst = min(others, key=lambda o: o["objectives"][objective])
        better = max(others, key=lambda o: o["objectives"][objective])
        gain = p - worst["objectives"][objective]
        loss = better["objectives"][objective] - p
        if gain >= MATTERS and (best_gain is None or gain > best_gain["size"]):
            best_gain = {
                "objective": objective,
                "inject": d["inject"],
                "option": chosen["option"],
                "size": gain,
                "sentence": (
                    f"{objective}: choosing '{chosen['label']}' at {where} gave "
                    f"{_pct(p)}, against {_pct(worst['objectives'][objective])} with "
                    f"'{worst['label']}'."
                ),
            }
        if loss >= MATTERS and (best_loss is None or loss > best_loss["size"]):
            best_loss = {
                "objective": objective,
                "inject": d["inject"],
                "option": better["option"],
                "size": loss,
                "sentence": (
                    f"{objective}: at {where}, '{better['label']}' instead of "
                    f"'{chosen['label']}' would have raised it from {_pct(p)} to "
                    f"{_pct(better['objectives'][objective])}."
                ),
            }
    return best_gain, best_loss


def _other_choice(d: DecisionShadow, objectives: list[str], name: str) -> OtherChoice | None:
    """The objective ``d``'s choice moved most (against the alternative that differs most).

    Ties go to the scenario's first objective, then the decision's first option.
    None when no alternative differs by :data:`MATTERS` on any objective.
    """
    chosen = next(o for o in d["options"] if o["chosen"])
    best: OtherChoice | None = None
    for x in objectives:
        p = chosen["objectives"][x]
        for alt in d["options"]:
            q = alt["objectives"][x]
            size = abs(q - p)
            if alt["chosen"] or size < MATTERS or (best is not None and size <= best["size"]):
                continue
            best = {
                "inject": d["inject"],
                "title": d["title"],
                "option": chosen["option"],
                "objective": x,
                "p": p,
                "alternative": alt["option"],
                "alternative_p": q,
                "size": size,
                "sentence": (
                    f"At '{d['title']}', {name} chose '{chosen['label']}': {x} {_pct(p)}, "
                    f"against {_pct(q)} had it chosen '{alt['label']}'."
                ),
            }
    return best


def _other_cells(
    scenario: Scenario, decisions: list[DecisionShadow], objectives: list[str]
) -> list[CellChoices]:
    """Per non-blue cell with a decision among ``decisions``, what its choices did."""
    out: list[CellChoices] = []
    for cell in all_cells(scenario):
        own = [d for d in decisions if d["cell"] == cell.id]
        if cell.id == BLUE or not own:
            continue
        choices = [c for d in own if (c := _other_choice(d, objectives, cell.name)) is not None]
        out.append({"cell": cell.id, "name": cell.name, "choices": choices})
    return out


def team_report(
    scenario: Scenario,
    team: Team,
    *,
    replications: int,
    seed: int,
    played: ReplicationResult,
    answers: list[tuple[str, str, int]],
    progress: Progress | None = None,
) -> TeamReport:
    """One team's part of the report (``played`` is replication 0 of ``seed``)."""
    spec = team.spec(scenario, replications, seed)
    debrief = build_debrief(spec, played, answers, progress=progress)
    decisions, own = _shadows(scenario, team, max(2, replications), seed)
    performance: list[Performance] = []
    luck: list[Luck] = []
    strengths: list[Finding] = []
    improvements: list[Finding] = []
    for o in debrief["objectives"]:
        p, default = _p(own[o["id"]]), o["default"]["p"]
        performance.append(
            {
                "objective": o["id"],
                "description": o["description"],
                "p": p,
                "default": default,
                "rating": _rating(p),
                "played": o["played"],
            }
        )
        if o["played"] and p < LUCKY:
            sentence = f"You met {o['id']}, which only {_pct(p)} of replays of your choices do."
            luck.append({"objective": o["id"], "met": True, "p": p, "sentence": sentence})
        elif not o["played"] and p > UNLUCKY:
            sentence = f"You missed {o['id']}, which {_pct(p)} of replays of your choices meet."
            luck.append({"objective": o["id"], "met": False, "p": p, "sentence": sentence})
        gain, loss = _findings([d for d in decisions if d["cell"] == BLUE], o["id"])
        if gain:
            strengths.append(gain)
        if loss:
            improvements.append(loss)
    moved = max(performance, key=lambda x: abs(x["p"] - x["default"]), default=None)
    if moved is None:
        headline = "The scenario has no objectives; see the indicators below."
    elif moved["p"] == moved["default"]:
        headline = (
            "Your choices left every objective where the default policy leaves it "
            f"(for example {moved['objective']}: {_pct(moved['p'])})."
        )
    else:
        headline = (
            f"{moved['objective']}: from {_pct(moved['default'])} to {_pct(moved['p'])}, "
            "the objective your choices moved most (from the default policy, "
            f"{debrief['default_policy']['title']}, on the same seeds)."
        )
    report: TeamReport = {
        "name": team.name,
        "files": list(team.paths),
        "headline": headline,
        "moved": None if moved is None or moved["p"] == moved["default"] else moved["objective"],
        "performance": performance,
        "decisions": decisions,
        "luck": luck,
        "strengths": strengths,
        "improvements": improvements,
        "debrief": debrief,
    }
    others = _other_cells(scenario, decisions, [p["objective"] for p in performance])
    if others:
        report["other_cells"] = others
    return report


def _differences(scenario: Scenario, teams: list[TeamReport]) -> list[TeamDifference]:
    """The decisions on which the teams chose differently."""
    out: list[TeamDifference] = []
    for inj in scenario.injects:
        if inj.decision is None:
            continue
        labels = {o.id: o.label for o in inj.decision.options}
        choices = {
            t["name"]: labels[d["chosen"]]
            for t in teams
            for d in t["decisions"]
            if d["inject"] == inj.id
        }
        if len(set(choices.values())) > 1:
            out.append({"inject": inj.id, "title": inj.title, "choices": choices})
    return out


def assemble(
    scenario: Scenario,
    teams: list[TeamReport],
    *,
    seed: int,
    replications: int,
    notes: str | None = None,
) -> AfterAction:
    """The whole report from the teams' parts, with the teams x objectives table."""
    names = [t["name"] for t in teams]
    if len(set(names)) < len(names):
        raise TtxError(
            f"two teams share a name ({', '.join(names)}); each answers file's 'team' must differ"
        )
    table: list[TableRow] = [
        {
            "objective": o.id,
            "teams": {t["name"]: t["performance"][i]["p"] for t in teams},
            "default": teams[0]["performance"][i]["default"] if teams else 0.0,
        }
        for i, o in enumerate(scenario.objectives)
    ]
    return {
        "scenario": {"id": scenario.id, "title": scenario.title, "horizon": scenario.horizon},
        "seed": seed,
        "replications": max(2, replications),
        "objectives": [{"id": o.id, "description": o.description} for o in scenario.objectives],
        "teams": teams,
        "table": table,
        "differences": _differences(scenario, teams),
        "notes": notes,
    }
