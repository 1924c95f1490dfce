"""Terminal side of ``ttx play``: rich screens and the prompt loop.

Every string from the scenario is drawn as a :class:`~rich.text.Text`, never
as markup: a title holding ``[/bold]`` shows as written.

The session logic lives in :mod:`sim.play.session`; this module only draws its
:class:`~sim.play.session.Situation` and :class:`~sim.play.session.Outcome` and reads lines.
Input comes from a ``read(prompt) -> str`` callable that raises
:class:`EOFError` at end of input, so tests can pipe a whole session.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from sim.analysis.debrief import Debrief
from sim.analysis.wording import diff_decimals, interval, num, proportion, signed
from sim.play.session import (
    HELP,
    SHOWN_VARS,
    MonthLine,
    Outcome,
    PartnerView,
    Seat,
    Session,
    Situation,
)
from sim.play.session import parse_input as parse
from sim.scenario.vocabulary import OUTCOMES, SUCCEEDED

Reader = Callable[[str], str]


def _change(v: float) -> str:
    return "±0.00" if abs(v) < 0.005 else f"{v:+.2f}"


def partner_table(partners: tuple[PartnerView, ...], since: str) -> Table:
    """Each partner's shown state with its change (in brackets) since ``since``."""
    table = Table(title=f"Partners (change since {since})", title_justify="left")
    table.add_column("partner")
    for var in SHOWN_VARS:
        table.add_column(var, justify="right")
    for p in partners:
        table.add_row(
            Text(p.name), *(f"{p.values[v]:.2f} ({_change(p.changes[v])})" for v in SHOWN_VARS)
        )
    return table


def incident_table(incidents: tuple[tuple[str, str, int], ...], since: str) -> RenderableType:
    """Incidents by kind and outcome (a line when there were none)."""
    if not incidents:
        return Text(f"No incidents since {since}.")
    counts = {(k, o): n for k, o, n in incidents}
    table = Table(title=f"Incidents since {since}", title_justify="left")
    table.add_column("kind")
    for o in OUTCOMES:
        table.add_column(o, justify="right")
    for kind in sorted({k for k, _, _ in incidents}):
        table.add_row(Text(kind), *(str(counts.get((kind, o), 0)) for o in OUTCOMES))
    return table


def objective_table(objectives: tuple[Any, ...], title: str = "Objectives") -> RenderableType:
    """Objectives with their standing, coloured when settled."""
    table = Table(title=title, title_justify="left")
    table.add_column("objective")
    table.add_column("standing")
    for o in objectives:
        style = "" if o.ok is None else ("green" if o.ok else "red")
        table.add_row(Text(o.description or o.id), Text(o.standing, style=style))
    return table


def options_block(sit: Situation, descriptions: bool = True) -> Text:
    """The question and its options: number, id, label and description (never effects)."""
    lines = Text()
    lines.append(sit.prompt + "\n", style="bold")
    for o in sit.options:
        lines.append(f"  {o.number}. ", style="bold cyan")
        lines.append(f"{o.label} ", style="bold")
        lines.append(f"[{o.id}]\n", style="dim")
        if o.description and descriptions:
            lines.append(f"     {o.description}\n")
    lines.rstrip()
    return lines


def header(sit: Situation) -> str:
    """ "Decision k of N · month M", naming the cell when there are several."""
    number = sit.seat.number if sit.seat else sit.number
    of = f"{'up to ' if sit.may_not_come else ''}{sit.of}" if sit.of else "?"
    text = f"Decision {number} of {of} · month {sit.month}"
    if sit.seat is not None:
        text += f" · {sit.seat.cell.upper()}"
    return text


def _since(sit: Situation) -> str:
    return "the start" if sit.since == 0 and sit.number == 1 else f"month {sit.since}"


def _at_risk(standing: str) -> bool:
    return "at risk" in standing or "does not hold" in standing


def compact_line(sit: Situation) -> Text:
    """Incidents, budget (blue only), tensions and objectives at risk, in one line."""
    succeeded = sum(n for _, o, n in sit.incidents if o == SUCCEEDED)
    total = sum(n for _, _, n in sit.incidents)
    parts = [f"since {_since(sit)}: {total} incident(s), {succeeded} succeeded"]
    if sit.funds is not None:
        parts.append(f"budget {sit.funds:.2f}")
    parts += [f"{rid} tension {value:.2f}" for rid, value in sit.tensions]
    risk = sum(o.ok is False or (o.ok is None and _at_risk(o.standing)) for o in sit.objectives)
    if sit.objectives:
        parts.append(f"objectives at risk: {risk} of {len(sit.objectives)}")
    return Text(" · ".join(parts) + " · 'status' for the full picture", style="dim")


def situation_screen(sit: Situation) -> RenderableType:
    """The full screen at a decision point (what ``status`` shows)."""
    since = _since(sit)
    parts: list[RenderableType] = [Rule(Text(header(sit))), Text(sit.title, style="bold")]
    if sit.narrative:
        parts.append(Text(sit.narrative))
    parts += [Text(""), partner_table(sit.partners, since), incident_table(sit.incidents, since)]
    if sit.events:
        parts.append(Text("Also since " + since + ": " + "; ".join(sit.events)))
    money = [f"budget {sit.funds:.2f}"] if sit.funds is not None else []
    money += [f"{rid} tension {value:.2f}" for rid, value in sit.tensions]
    if money:
        parts.append(Text(" · ".join(money)))
    if sit.objectives:
        parts.append(objective_table(sit.objectives))
    parts += [Text(""), options_block(sit)]
    return Group(*parts)


#: Lines kept free under a decision screen: the prompt, the typed answer, a spare.
PROMPT_LINES = 3


def decision_screen(sit: Situation, console: Console) -> RenderableType:
    """The screen put at a decision: the full one if it fits the terminal, else a compact one.

    The compact screen keeps the header, the inject, the options and (under
    it) the prompt in view on an 80x24 terminal: the narrative and the
    option descriptions are cut to fit, and the partner table, incidents,
    budget, tensions and objectives shrink to one line, ``status`` away.
    """
    room = console.height - PROMPT_LINES
    full = situation_screen(sit)
    if _height(console, full) <= room:
        return full
    fixed: list[RenderableType] = [Rule(Text(header(sit))), Text(sit.title, style="bold")]
    tail: list[RenderableType] = [compact_line(sit), options_block(sit)]
    short = options_block(sit, descriptions=False)
    narrative = Text(sit.narrative)
    left = room - _height(console, Group(*fixed, *tail))
    if left < 1:  # long option descriptions: drop them, keep the labels
        tail[-1] = short
        left = room - _height(console, Group(*fixed, *tail))
    lines = narrative.wrap(console, console.width)
    if len(lines) > max(left, 1):
        keep = max(left - 1, 0)
        narrative = Text("\n").join(lines[:keep])
        narrative.append("\n… ('status' shows it all)", style="dim")
    return Group(*fixed, *([narrative] if sit.narrative else []), *tail)


def _height(console: Console, renderable: RenderableType) -> int:
    return len(console.render_lines(renderable, console.options, pad=False))


def handover_screen(seat: Seat, first: bool) -> RenderableType:
    """Between cells at one keyboard: who plays next, and (the first time) their briefing."""
    parts: list[RenderableType] = [
        Rule(Text(f"Hand the keyboard to {seat.cell.upper()} - {seat.name}"), style="bold magenta")
    ]
    if first and seat.briefing:
        parts += [Text(f"Briefing for {seat.name}", style="bold"), Text(seat.briefing)]
    return Group(*parts)


def brief_screen(seat: Seat | None, fallback: str) -> RenderableType:
    """The briefing of the cell at the keyboard (the scenario's description without cells)."""
    if seat is None:
        return Group(Rule("Briefing"), Text(fallback))
    return Group(Rule(Text(f"Briefing for {seat.name}")), Text(seat.briefing or fallback))


def month_line(line: MonthLine) -> Text:
    """One month passing, for ``--pace``."""
    text = Text(f"  month {line.month:>3}  stability {line.stability:.2f}  trust {line.trust:.2f}")
    if line.incidents:
        text.append(f"  {line.incidents} incident(s), {line.succeeded} succeeded")
    for title in line.injects:
        text.append(f"  · {title}", style="bold")
    return text


def outcome_screen(out: Outcome, titles: dict[str, tuple[str, dict[str, str]]]) -> RenderableType:
    """The end of the played run: partners start → end, objectives, decisions with months."""
    table = Table(title="Your run: partners at the end (change since the start)")
    table.add_column("partner")
    for var in SHOWN_VARS:
        table.add_column(var, justify="right")
    for p in out.partners:
        table.add_row(
            Text(p.name), *(f"{p.values[v]:.2f} ({_change(p.changes[v])})" for v in SHOWN_VARS)
        )
    decisions = Table(title="Your decisions")
    decisions.add_column("month", justify="right")
    decisions.add_column("inject")
    decisions.add_column("choice")
    for inject, option, month in out.answers:
        title, labels = titles.get(inject, (inject, {}))
        decisions.add_row(str(month), Text(title), Text(labels.get(option, option)))
    succeeded = int(out.result.kpis["incidents.total"])
    total = int(out.result.kpis["incidents.total.attempted"])
    parts: list[RenderableType] = [
        Rule("End of the exercise"),
        table,
        Text(f"Incidents: {total}, of which {succeeded} succeeded."),
    ]
    if out.objectives:
        parts.append(objective_table(out.objectives, "Objectives at the end"))
    parts.append(decisions)
    return Group(*parts)


def debrief_screen(data: Debrief) -> RenderableType:
    """The shadow-replication comparison for the terminal."""
    table = Table(
        title=Text(
            f"Choices or dice? Your answers over {data['replications']} replications "
            f"vs the default policy ({data['default_policy']['title']}), same seeds"
        )
    )
    for col in ("indicator", "your choices", "default", "difference", "this run", "percentile"):
        table.add_column(col, justify="left" if col == "indicator" else "right")
    for k in data["kpis"]:
        diff = k["difference"]
        table.add_row(
            Text(k["label"]),
            interval(k["team"]),
            interval(k["default"]),
            signed(diff["estimate"], diff_decimals(diff)) + (" *" if diff["significant"] else ""),
            num(k["played"]),
            f"{k['percentile']:.0f}",
        )
    parts: list[RenderableType] = [Rule("Debrief"), Text(data["headline"], style="bold"), table]
    parts.append(
        Text(
            "* the paired 95% interval of the difference excludes zero; percentile: where this "
            "run falls among the replays of your choices",
            style="dim",
        )
    )
    if data["objectives"]:
        obj = Table(title="Objectives: probability of success")
        for col in ("objective", "your choices", "default", "difference", "this run"):
            obj.add_column(col)
        for o in data["objectives"]:
            obj.add_row(
                Text(o["description"] or o["id"]),
                proportion(o["team"]),
                f"{o['default']['p']:.2f}",
                signed(o["difference"]["estimate"], 2),
                "met" if o["played"] else "not met",
            )
        parts.append(obj)
    return Group(*parts)


# --------------------------------------------------------------------------- the loop


def stdin_reader(console: Console) -> Reader:
    """Read a line from standard input; echo it when piped so transcripts read well."""
    interactive = sys.stdin.isatty()

    def read(prompt: str) -> str:
        if interactive:
            return console.input(Text(prompt))
        console.print(prompt, end="")
        line = sys.stdin.readline()
        if not line:
            console.print()
            raise EOFError
        console.print(line.rstrip("\n"), markup=False, highlight=False)
        return line

    return read


@dataclass
class Ended:
    """How the loop ended: ``finished``, ``quit``, ``eof`` or ``interrupted``."""

    how: str


#: Called when another cell takes the keyboard: its seat and whether it is its first turn.
Handover = Callable[[Seat, bool], None]


def keyboard_handover(console: Console, read: Reader) -> Handover:
    """At a real terminal: clear the last cell's screen, say who plays, wait for Enter."""

    def handover(seat: Seat, first: bool) -> None:
        console.clear()
        console.print(handover_screen(seat, first))
        read(f"{seat.cell.upper()}: press Enter when you are at the keyboard. ")

    return handover


def play_loop(
    session: Session,
    console: Console,
    read: Reader,
    pace: float = 0.0,
    sleep: Callable[[float], None] | None = None,
    handover: Handover | None = None,
) -> Ended:
    """Show each decision, read answers and commands until the run ends or the room stops.

    When several cells share the keyboard, ``handover`` is called before a
    decision of another cell than the last one (default: print who plays
    next and, the first time, their briefing). Ctrl-C anywhere (also while
    the run advances) ends the loop as ``interrupted``; the session then still
    holds every completed answer.
    """
    shown = handover or (lambda seat, first: console.print(handover_screen(seat, first)))
    try:
        return _loop(session, console, read, pace, sleep or time.sleep, shown)
    except KeyboardInterrupt:
        return Ended("interrupted")


def _loop(
    session: Session,
    console: Console,
    read: Reader,
    pace: float,
    sleep: Callable[[float], None],
    handover: Handover,
) -> Ended:
    fresh = True  # show the months passing only when moving forward
    seated: str | None = None  # the cell at the keyboard
    briefed: set[str] = set()
    while isinstance(session.state, Situation):
        sit = session.state
        if fresh and pace > 0:
            for line in sit.passing:
                console.print(month_line(line))
                sleep(pace)
        if sit.seat is not None and sit.seat.hot_seat and sit.seat.cell != seated:
            handover(sit.seat, sit.seat.cell not in briefed)
            briefed.add(sit.seat.cell)
            fresh = True
        seated = sit.seat.cell if sit.seat is not None else None
        if fresh:
            console.print(decision_screen(sit, console))
        fresh = False
        who = f"{sit.seat.cell.upper()}'s decision" if sit.seat else "Your decision"
        prompt = f"{who} (1-{len(sit.options)}, id, or help): "
        try:
            text = read(prompt)
        except EOFError:
            return Ended("eof")
        parsed = parse(text, sit.options)
        if parsed.hint:
            console.print(Text(parsed.hint, style="yellow"))
        elif parsed.command == "help":
            console.print(HELP, markup=False, highlight=False)
        elif parsed.command == "status":
            console.print(situation_screen(sit))
        elif parsed.command == "brief":
            console.print(brief_screen(sit.seat, session.game.scenario.description.strip()))
        elif parsed.command == "quit":
            return Ended("quit")
        elif parsed.command == "back":
            _back(session, console, sit)
        elif parsed.option is not None:
            chosen = next(o for o in sit.options if o.id == parsed.option)
            console.print(Text(f"Decided: {chosen.label} [{chosen.id}]", style="green"))
            session.choose(parsed.option)
            fresh = True
    if pace > 0 and isinstance(session.state, Outcome):
        for line in session.state.passing:
            console.print(month_line(line))
            sleep(pace)
    return Ended("finished")


def _back(session: Session, console: Console, sit: Situation) -> None:
    """Undo the last answer - only the cell's own: another cell's screen must not show."""
    last = session.last_cell()
    if last is None:
        console.print(Text("Nothing to undo: this is the first decision.", style="yellow"))
    elif sit.seat is not None and sit.seat.hot_seat and last != sit.seat.cell:
        console.print(
            Text(
                f"Nothing to undo for {sit.seat.cell.upper()}: the last decision was "
                f"{last.upper()}'s.",
                style="yellow",
            )
        )
    elif session.back() and isinstance(session.state, Situation):
        console.print(Text("Undid the last decision; back to it.", style="yellow"))
        console.print(decision_screen(session.state, console))
