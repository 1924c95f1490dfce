"""The interactive tabletop session, without any terminal I/O.

A replication is deterministic given (scenario, policy, seed, answers), so a
session does not need to pause SimPy: :func:`advance` runs the replication
from the start with the answers given so far and stops, by raising a private
exception out of the decider, at the first decision not yet answered. That
makes ``back`` exact (drop the last answer and run again reproduces the past
bit for bit) at the cost of one replication per answer (milliseconds).

What the players may see is built here as plain data (:class:`Situation`,
:class:`Outcome`): partner states, incidents, objectives' standing and the
options' ids, labels and descriptions. Option effects and lever changes are
never copied into it, so no renderer can leak them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.model.engine import Event, InjectPlan, Replication, ReplicationResult, World
from sim.model.plan import Plan
from sim.model.uncertainty import POLITICAL
from sim.scenario.cells import all_cells
from sim.scenario.models import BLUE, Inject, Scenario
from sim.scenario.vocabulary import PARTNER_VARS, PER_PARTNER_VARS, SUCCEEDED

SHOWN_VARS = PER_PARTNER_VARS
COMMANDS = ("help", "status", "brief", "back", "quit")
Answer = tuple[str, str, int]  # inject id, option id, month


class AnswerMismatch(Exception):
    """The recorded answers do not follow the decisions of this run (a bug, not user input)."""


@dataclass(frozen=True)
class OptionView:
    """An option as players see it: number, id, label and description only."""

    number: int
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class PartnerView:
    """A partner's shown state and its change since the previous decision (or the start)."""

    id: str
    name: str
    values: dict[str, float]
    changes: dict[str, float]


@dataclass(frozen=True)
class ObjectiveView:
    """An objective's current standing in words; ``ok`` is None while still open."""

    id: str
    description: str
    standing: str
    ok: bool | None


@dataclass(frozen=True)
class MonthLine:
    """One month passing (for ``--pace``): mean stability and trust, incidents, injects."""

    month: int
    stability: float
    trust: float
    incidents: int
    succeeded: int  # neither interdicted nor countered
    injects: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """The state remembered at a decision, to compute changes at the next one."""

    month: int
    time: float
    log_size: int
    values: tuple[dict[str, float], ...]


@dataclass(frozen=True)
class Situation:
    """Everything shown to the players at a decision point."""

    number: int  # 1-based count of this decision in the session
    month: int
    since: int  # month of the previous decision (0 at the first)
    inject_id: str
    title: str
    narrative: str
    prompt: str
    options: tuple[OptionView, ...]
    partners: tuple[PartnerView, ...]
    incidents: tuple[tuple[str, str, int], ...]  # kind, outcome, count
    events: tuple[str, ...]  # other injects and political events since the previous decision
    objectives: tuple[ObjectiveView, ...]
    answered: tuple[Answer, ...] = ()
    passing: tuple[MonthLine, ...] = field(default=(), compare=False)
    seat: Seat | None = None  # whose decision this is; None: the only cell (blue)
    of: int = 0  # the cell's decisions in the scenario ("decision k of N")
    may_not_come: bool = False  # some of them are conditional: "of up to N"
    funds: float | None = None  # the alliance's funds: shown to blue only
    tensions: tuple[tuple[str, float], ...] = ()  # rivalry id, tension


@dataclass(frozen=True)
class Seat:
    """The cell at the keyboard: what only its players are told, and how far they are."""

    cell: str
    name: str
    briefing: str
    number: int  # 1-based count of this cell's decisions so far
    hot_seat: bool  # several cells share the keyboard


@dataclass(frozen=True)
class Outcome:
    """The end of the played replication: what the team's choices led to."""

    result: ReplicationResult
    partners: tuple[PartnerView, ...]
    objectives: tuple[ObjectiveView, ...]
    answers: tuple[Answer, ...]
    incidents: tuple[tuple[str, str, int], ...]
    passing: tuple[MonthLine, ...] = field(default=(), compare=False)


class _NeedDecision(Exception):
    """Raised out of the decider to stop the replication at an unanswered decision.

    SimPy re-raises a failed process's exception as ``type(exc)(*exc.args)``,
    so the situation must travel in ``args``.
    """

    def __init__(self, situation: Situation) -> None:
        super().__init__(situation)
        self.situation = situation


# --------------------------------------------------------------------------- views


def _values(world: World) -> tuple[dict[str, float], ...]:
    return tuple(
        {v: float(getattr(world, v)[i]) for v in SHOWN_VARS}
        for i in range(len(world.plan.partner_ids))
    )


def _initial(plan: Plan) -> Snapshot:
    values = tuple(dict(zip(SHOWN_VARS, row[:4], strict=True)) for row in plan.initial)
    return Snapshot(0, 0.0, 0, values)


def _partners(
    scenario: Scenario, now: tuple[dict[str, float], ...], before: tuple[dict[str, float], ...]
) -> tuple[PartnerView, ...]:
    return tuple(
        PartnerView(
            p.id,
            p.name,
            now[i],
            {v: now[i][v] - before[i][v] for v in SHOWN_VARS},
        )
        for i, p in enumerate(scenario.partners)
    )


def _incidents(plan: Plan, events: Sequence[Event]) -> tuple[tuple[str, str, int], ...]:
    kinds = {t.id: t.kind for t in plan.threats}
    counts = Counter((kinds[e.source], e.detail) for e in events if e.kind == "incident")
    return tuple((k, o, n) for (k, o), n in sorted(counts.items()))


def _objectives(rep: Replication, scenario: Scenario, final: bool) -> tuple[ObjectiveView, ...]:
    """Each objective's standing: settled (met/failed) or how it looks so far."""
    world, plan = rep.world, rep.plan
    descriptions = {o.id: o.description for o in scenario.objectives}
    out = []
    for o in plan.objectives:
        state = rep.objectives.state[o.id]
        month = world.month
        text: str
        ok: bool | None
        if final:
            ok = state
            text = "met" if state else "not met"
        elif o.check == "by":
            deadline = o.month or 0
            if state:
                ok, text = True, f"met (deadline month {deadline})"
            elif month > deadline:
                ok, text = False, f"failed (not met by month {deadline})"
            else:
                ok, text = None, f"not yet; {deadline - month} months left (month {deadline})"
        elif o.check == "throughout":
            end = o.month if o.month is not None else plan.horizon
            if not state:
                ok, text = False, "failed (broken earlier)"
            elif month > end:
                ok, text = True, f"met (held to month {end})"
            elif not o.condition(world):
                ok, text = None, "at risk: does not hold right now"
            else:
                ok, text = None, f"holding so far (must hold to month {end})"
        else:
            holds = bool(o.condition(world))
            ok = None
            text = f"{'holds' if holds else 'does not hold'} now (judged at month {plan.horizon})"
        out.append(ObjectiveView(o.id, descriptions.get(o.id, ""), text, ok))
    return tuple(out)


def _month_lines(rep: Replication, start: int, stop: int) -> tuple[MonthLine, ...]:
    """Months ``start <= m < stop`` that have been recorded, for pacing."""
    rows, log = rep.rows, rep.world.log
    # The first columns of a row are the regional means, in PARTNER_VARS order.
    trust_col, stab_col = PARTNER_VARS.index("trust"), PARTNER_VARS.index("stability")
    lines = []
    for m in range(start, min(stop, len(rows))):
        in_month = [e for e in log if m - 1 < e.time <= m] if m else []
        incidents = [e for e in in_month if e.kind == "incident"]
        lines.append(
            MonthLine(
                m,
                float(rows[m][stab_col]),
                float(rows[m][trust_col]),
                len(incidents),
                sum(e.detail == SUCCEEDED for e in incidents),
                tuple(e.detail for e in in_month if e.kind == "inject"),
            )
        )
    return tuple(lines)


# --------------------------------------------------------------------------- advancing


@dataclass
class Game:
    """What stays fixed during a session: scenario, compiled start policy, seed, played cells.

    Decisions of cells not in ``played`` are taken by the plan (the other
    cells' policies, else the decision's default) without asking anyone.
    """

    scenario: Scenario
    plan: Plan
    seed: int  # the replication seed of the played run
    played: frozenset[str] = frozenset({BLUE})

    def inject(self, inject_id: str) -> Inject:
        return next(j for j in self.scenario.injects if j.id == inject_id)

    def asks(self, inj: InjectPlan) -> bool:
        return inj.cell in self.played

    def planned(self, inj: InjectPlan) -> str:
        return self.plan.answers.get(inj.id, inj.default or inj.options[0].id)


def advance(
    game: Game, answers: Sequence[tuple[str, str]], *, fallback: bool = False
) -> Situation | Outcome:
    """Run the replication with ``answers`` (inject, option) and stop at the next decision.

    Returns the :class:`Situation` of the first unanswered decision, or the
    :class:`Outcome` if every decision that came up was answered. With
    ``fallback`` an unanswered decision takes the plan's answer (or the
    decision's default) instead, which is how a policy file is replayed.
    """
    rep = Replication(game.plan, game.seed)
    snapshots: list[Snapshot] = [_initial(game.plan)]
    taken: list[Answer] = []

    def decide(inj: InjectPlan, world: World) -> str:
        if not game.asks(inj):
            return game.planned(inj)
        previous = snapshots[-1]
        k = len(taken)
        if k < len(answers):
            inject_id, option = answers[k]
            if inject_id != inj.id:
                raise AnswerMismatch(
                    f"answer {k + 1} is for inject '{inject_id}' but the run reached '{inj.id}'"
                )
            taken.append((inj.id, option, world.month))
            snapshots.append(Snapshot(world.month, rep.env.now, len(world.log), _values(world)))
            return option
        if fallback:
            option = game.planned(inj)
            taken.append((inj.id, option, world.month))
            snapshots.append(Snapshot(world.month, rep.env.now, len(world.log), _values(world)))
            return option
        raise _NeedDecision(situation(game, rep, inj, previous, tuple(taken)))

    rep.decide = decide
    try:
        result = rep.run()
    except _NeedDecision as stop:
        return stop.situation
    last = snapshots[-1]
    return Outcome(
        result=result,
        partners=_partners(game.scenario, _values(rep.world), _initial(game.plan).values),
        objectives=_objectives(rep, game.scenario, final=True),
        answers=tuple(taken),
        incidents=_incidents(game.plan, result.log),
        passing=_month_lines(rep, last.month + 1, game.plan.horizon + 1),
    )


def situation(
    game: Game, rep: Replication, inj: InjectPlan, previous: Snapshot, answered: tuple[Answer, ...]
) -> Situation:
    """The screen model of the decision at inject ``inj`` (a pure read of the world)."""
    world = rep.world
    spec = game.inject(inj.id)
    assert spec.decision is not None  # only injects with a decision reach the decider
    since = world.log[previous.log_size :]
    mine = [j for j in game.plan.injects if j.has_decision and j.cell == inj.cell]
    own = {j.id for j in mine}
    seat = None
    if game.scenario.cells:
        cell = next(c for c in all_cells(game.scenario) if c.id == inj.cell)
        number = 1 + sum(a[0] in own for a in answered)
        seat = Seat(cell.id, cell.name, cell.briefing.strip(), number, len(game.played) > 1)
    return Situation(
        number=len(answered) + 1,
        month=world.month,
        since=previous.month,
        inject_id=inj.id,
        title=spec.title,
        narrative=spec.narrative.strip(),
        prompt=spec.decision.prompt.strip(),
        options=tuple(
            OptionView(n, o.id, o.label, o.description.strip())
            for n, o in enumerate(spec.decision.options, 1)
        ),
        partners=_partners(game.scenario, _values(world), previous.values),
        incidents=_incidents(game.plan, since),
        events=tuple(
            f"month {int(e.time)}: {e.detail}"
            for e in since
            if (e.kind == "inject" and e.source != inj.id) or e.kind == POLITICAL
        ),
        objectives=_objectives(rep, game.scenario, final=False),
        answered=answered,
        passing=_month_lines(rep, previous.month + 1, world.month),
        seat=seat,
        of=len(mine),
        may_not_come=any(j.when is not None for j in mine),
        funds=world.funds if inj.cell == BLUE else None,
        tensions=tuple((r.id, world.tension[k]) for k, r in enumerate(game.plan.rivalries)),
    )


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Parsed:
    """A line typed at the prompt: a command, an option id, or a hint why not."""

    command: str | None = None
    option: str | None = None
    hint: str | None = None


def parse_input(text: str, options: Sequence[OptionView]) -> Parsed:
    """Interpret one line: ``help``/``status``/``back``/``quit``, a number or an option id."""
    word = text.strip().lower()
    if not word:
        return Parsed(hint=_hint(options, "Type an option number or id"))
    if word in COMMANDS or word == "?":
        return Parsed(command="help" if word == "?" else word)
    if word.isdigit():
        n = int(word)
        for o in options:
            if o.number == n:
                return Parsed(option=o.id)
        return Parsed(hint=_hint(options, f"There is no option {n}"))
    for o in options:
        if o.id == word:
            return Parsed(option=o.id)
    return Parsed(hint=_hint(options, f"'{text.strip()[:40]}' is not an option or a command"))


def _hint(options: Sequence[OptionView], lead: str) -> str:
    numbers = f"1-{len(options)}" if options else "a number"
    ids = ", ".join(o.id for o in options)
    return f"{lead}: answer {numbers} or an option id ({ids}); or help, status, back, quit."


HELP = (
    "Answer with the option's number or its id.\n"
    "Commands:\n"
    "  help    this text\n"
    "  status  the full situation: partners, incidents, budget, tensions, objectives\n"
    "  brief   your cell's briefing again\n"
    "  back    undo the last decision (the run replays exactly up to it)\n"
    "  quit    stop; the decisions taken so far are saved\n"
    "End of input or Ctrl-C also save the decisions taken so far."
)


class Session:
    """A play session's state: the answers so far and where the run stands."""

    def __init__(self, game: Game, answers: Sequence[tuple[str, str]] = ()) -> None:
        self.game = game
        self.answers: list[tuple[str, str]] = list(answers)
        self.state: Situation | Outcome = advance(game, self.answers)

    @property
    def finished(self) -> bool:
        return isinstance(self.state, Outcome)

    def choose(self, option: str) -> Situation | Outcome:
        """Answer the current decision with ``option`` and run on to the next one."""
        if not isinstance(self.state, Situation):
            raise ValueError("the session is over; there is no decision to answer")
        if option not in {o.id for o in self.state.options}:
            raise ValueError(f"'{option}' is not an option of '{self.state.inject_id}'")
        self.answers.append((self.state.inject_id, option))
        self.state = advance(self.game, self.answers)
        return self.state

    def back(self) -> bool:
        """Undo the last answer; False if there is none to undo."""
        if not self.answers:
            return False
        self.answers.pop()
        self.state = advance(self.game, self.answers)
        return True

    def last_cell(self) -> str | None:
        """The cell whose answer ``back`` would undo (None: no answer yet)."""
        if not self.answers:
            return None
        inject = self.answers[-1][0]
        return next(j.cell for j in self.game.plan.injects if j.id == inject)

    def recorded(self) -> list[Answer]:
        """The answers so far, each with the month it was taken."""
        if isinstance(self.state, Outcome):
            return list(self.state.answers)
        return list(self.state.answered)
