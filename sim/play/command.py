"""What ``ttx play`` does: a session from briefing to debrief files, and replays.

The CLI command only parses options and calls :func:`run_play` or
:func:`run_replay`; the session logic is in :mod:`sim.play.session` and the screens
in :mod:`sim.play.terminal`.

The played replication is replication 0 of the run seed, so it lines up with
the debrief's shadow replications and with ``ttx run --policy-file``. The
starting policy (``--policy``, else the scenario's default) supplies levers
and rules; the recorded policy file ``extends`` it, so a replay runs with the
same levers the room played with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from sim.analysis.aar import AfterAction, Team, assemble, team_name, team_report
from sim.errors import TtxError
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.play.session import AnswerMismatch, Game, Outcome, Session, advance
from sim.play.terminal import (
    Ended,
    Handover,
    Reader,
    debrief_screen,
    outcome_screen,
    play_loop,
)
from sim.report import aar as aar_report
from sim.report.terminal import progress_bar
from sim.runs.reportfile import check_writable, write_atomic, write_outputs
from sim.runs.spec import RunSpec
from sim.scenario.cells import cell_ids, decision_cells, get_cell
from sim.scenario.loader import load_policy_file, load_scenario, scenario_hash
from sim.scenario.models import BLUE, CombinedPolicy, PolicyFile, Scenario
from sim.scenario.policyfile import (
    dumps_policy_file,
    hash_warning,
    recorded_policy_file,
    team_slug,
)
from sim.text import visible

#: Options people bring from other commands, and what ``ttx play`` has instead: a
#: session writes an answers file, not a report folder.
FLAG_HINTS: dict[str, str] = dict.fromkeys(
    ("--out", "--output", "-o", "--checkpoint", "--format"),
    "ttx play writes an answers file: name it with --record FILE (or a folder "
    "with --save DIR for --cells), continue a saved session with --resume FILE",
)
FLAG_HINTS |= {
    "--replay": "replay recorded answers with --answers FILE",
    "--policies": "choose the starting policy with --policy ID (one per cell)",
    "--workers": "a session plays one replication; set the debrief's with --replications N",
}


class SeedConflict(TtxError):
    """A seed was given for a resumed session, which keeps the seed it was recorded with."""

    def __init__(self, record: Path, recorded: int, given: int) -> None:
        self.record, self.recorded, self.given = record, recorded, given
        super().__init__(
            f"{record} was recorded with seed {recorded}; a resumed session keeps its seed"
        )


def titles_of(scenario: Scenario) -> dict[str, tuple[str, dict[str, str]]]:
    """Inject id -> (title, option id -> label), for naming decisions on screen."""
    return {
        j.id: (j.title, {o.id: o.label for o in j.decision.options})
        for j in scenario.injects
        if j.decision is not None
    }


def debrief_paths(record: Path) -> tuple[Path, Path]:
    """Markdown and HTML debrief files next to the record file."""
    stem = record.name.removesuffix(".yaml").removesuffix(".yml").removesuffix(".answers")
    return record.with_name(f"{stem}.debrief.md"), record.with_name(f"{stem}.debrief.html")


_SUFFIXES = (".answers.yaml", ".debrief.md", ".debrief.html")


def numbered(path: Path, n: int) -> Path:
    """``path`` with ``-n`` before its suffix: ``x.answers.yaml`` -> ``x-2.answers.yaml``."""
    for suffix in _SUFFIXES:
        if path.name.endswith(suffix):
            return path.with_name(f"{path.name.removesuffix(suffix)}-{n}{suffix}")
    return path.with_name(f"{path.stem}-{n}{path.suffix}")


def unclaimed(paths: Sequence[Path], existed: set[Path]) -> dict[Path, Path]:
    """Where a session's files go at its end: where planned, unless one of them
    appeared while it was played (another session with the same team name in the
    same folder, say). Then all of them take the first free number, the same one,
    so they still belong together: a session's answers are never lost, and never
    replace another session's."""
    if not any(p.exists() and p not in existed for p in paths):
        return {p: p for p in paths}
    n = 2
    while any(numbered(p, n).exists() for p in paths):
        n += 1
    return {p: numbered(p, n) for p in paths}


@dataclass
class PlayOptions:
    """What ``ttx play`` was asked to do (parsed by the CLI).

    ``cells`` are the cells played at this keyboard (none: blue);
    ``policies`` are starting policies (one per cell, for played and other
    cells alike) and ``policy_files`` what the cells not played follow.
    With several cells, each cell's answers go to ``save`` (a folder) as
    ``<scenario>.<cell>.answers.yaml``.
    """

    scenario_file: Path
    team: str = "team"
    policies: tuple[str, ...] = ()
    seed: int | None = None
    record: Path | None = None
    replications: int = 100
    pace: float = 0.0
    force: bool = False
    resume: Path | None = None
    cells: tuple[str, ...] = ()
    policy_files: tuple[Path, ...] = ()
    save: Path | None = None
    handover: Handover | None = None


def _briefing(console: Console, scenario: Scenario, team: str, seed: int, start: str) -> None:
    console.print(Rule(scenario.title))
    if scenario.description:
        console.print(Text(scenario.description.strip()))
    console.print(
        Text(
            f"Team {team} · seed {seed} · {scenario.horizon} months · starting policy {start}. "
            "Type help at any prompt.",
            style="dim",
        )
    )


def _after_action(
    console: Console, team: Team, spec: RunSpec, outcome: Outcome, notes: str | None = None
) -> AfterAction:
    """The session's after-action report (the same as ``ttx debrief`` of its answers files)."""
    console.print(outcome_screen(outcome, titles_of(spec.scenario)))
    with progress_bar("shadow replications", 2 * max(2, spec.replications)) as bar:
        part = team_report(
            spec.scenario,
            team,
            replications=spec.replications,
            seed=spec.seed,
            played=outcome.result,
            answers=list(outcome.answers),
            progress=bar,
        )
    console.print(debrief_screen(part["debrief"]))
    console.print(Rule("After-action report"))
    console.print(Text(part["headline"], style="bold"), soft_wrap=True)
    for x in [*part["luck"], *part["strengths"], *part["improvements"]]:
        console.print(Text("- " + x["sentence"]), soft_wrap=True)
    for c in part.get("other_cells", []):  # reported, not advised: see sim.analysis.aar
        console.print(Text(aar_report.other_cells_heading(c) + ":", style="bold"), soft_wrap=True)
        lines = [x["sentence"] for x in c["choices"]]
        for line in lines or [aar_report.NO_OTHER_CHOICE.format(name=c["name"])]:
            console.print(Text("- " + line), soft_wrap=True)
    return assemble(spec.scenario, [part], seed=spec.seed, replications=spec.replications)


def _played(scenario: Scenario, opts: PlayOptions) -> tuple[str, ...]:
    known = cell_ids(scenario)
    cells = opts.cells or (BLUE,)
    for cell in cells:
        if cell not in known:
            raise TtxError(
                f"no cell '{cell}' in scenario '{scenario.id}'; it has: {', '.join(known)}"
            )
    if len(set(cells)) < len(cells):
        raise TtxError(f"a cell is listed twice in {', '.join(cells)}")
    return tuple(cells)


def _others(scenario: Scenario, opts: PlayOptions, played: tuple[str, ...]) -> list[PolicyFile]:
    """The policy files of the cells not played (a file for a played cell is an error)."""
    files = []
    for path in opts.policy_files:
        pf = load_policy_file(path, scenario)
        if pf.policy.cell in played:
            raise TtxError(
                f"{path} is a policy of cell '{pf.policy.cell}', which is played here; "
                "a played cell starts from its default or a starting policy"
            )
        files.append(pf)
    return files


def _records(
    scenario: Scenario, opts: PlayOptions, played: tuple[str, ...], team: str
) -> dict[str, Path]:
    """Where each played cell's answers go."""
    if len(played) == 1:
        default = Path(f"{scenario.id}-{team_slug(team)}.answers.yaml")
        return {played[0]: opts.record or opts.resume or default}
    if opts.record is not None:
        raise TtxError(
            "several cells write one answers file each: name a folder for them, not one file"
        )
    folder = opts.save or Path()
    return {c: folder / f"{scenario.id}.{c}.answers.yaml" for c in played}


def _team(opts: PlayOptions, cell: str, played: tuple[str, ...]) -> str:
    if len(played) == 1:
        return opts.team
    return cell if opts.team == "team" else f"{opts.team} {cell}"


def run_play(opts: PlayOptions, console: Console, read: Reader) -> tuple[Ended, list[str]]:
    """An interactive session: play, save the answers, and debrief if the run finished.

    With ``opts.resume`` the session continues from a saved answers file (its
    team, seed, starting policy and decisions); ``back`` can undo those too.
    Several ``opts.cells`` play in turn at one keyboard, each saving its own
    answers file. Returns how the session ended and the files written.
    """
    scenario = load_scenario(opts.scenario_file)
    digest = scenario_hash(opts.scenario_file)
    played = _played(scenario, opts)
    others = _others(scenario, opts, played)
    team, resumed = opts.team, None
    answers: list[tuple[str, str]] = []
    if opts.resume is not None:
        if len(played) > 1:
            raise TtxError(
                "a session of several cells cannot be resumed; replay its answers files instead"
            )
        resumed = load_policy_file(opts.resume, scenario)
        warning = hash_warning(resumed, digest)
        if warning:
            console.print(Text(warning, style="yellow"), soft_wrap=True)
        if opts.seed is not None and resumed.seed is not None and opts.seed != resumed.seed:
            raise SeedConflict(opts.resume, resumed.seed, opts.seed)
        team = resumed.team or opts.team
        played = (resumed.policy.cell,)
        answers = [(r.inject, r.option) for r in resumed.recorded]
        start = RunSpec.of_cells(scenario, opts.policies, [*others, resumed])
        starts = {resumed.policy.cell: resumed.policy.extends}
        run_seed = resumed.seed if resumed.seed is not None else scenario.seed
    else:
        start = RunSpec.of_cells(scenario, opts.policies, others)
        cells = start.policy.cells if isinstance(start.policy, CombinedPolicy) else {}
        known = {p.id for p in scenario.policies}  # a cell without policies extends nothing
        starts = {
            c: pid if (pid := cells.get(c, start.policy.id)) in known else None for c in played
        }
        run_seed = scenario.seed if opts.seed is None else opts.seed
    records = _records(scenario, opts, played, team)
    first = next(iter(records.values()))
    md, html = (
        debrief_paths(first)
        if len(played) == 1
        else debrief_paths(first.with_name(f"{scenario.id}.answers.yaml"))
    )
    targets = [p for p in [*records.values(), md, html] if p != opts.resume]
    check_writable(targets, opts.force)
    existed = {p for p in targets if p.exists()}  # replaced with --force, on purpose
    game = Game(
        scenario,
        compile_plan(scenario, start.policy),
        replication_seed(run_seed, 0),
        frozenset(played),
    )
    shown = ", ".join(f"{starts[c] or '-'}" + (f" ({c})" if scenario.cells else "") for c in played)
    _briefing(console, scenario, team if len(played) == 1 else " + ".join(played), run_seed, shown)
    if len(played) == 1 and scenario.cells:
        seat = get_cell(scenario, played[0])
        if seat.briefing:
            console.print(Rule(f"Briefing for {seat.name}"))
            console.print(Text(seat.briefing.strip()))
    try:
        session = Session(game, answers)
    except AnswerMismatch as exc:
        raise TtxError(
            f"{opts.resume}: the recorded decisions do not follow this run ({exc}); "
            "was it recorded on another version of the scenario?"
        ) from None
    if answers:
        console.print(Text(f"Resuming after {len(answers)} recorded decision(s).", style="dim"))
    ended = play_loop(session, console, read, opts.pace, handover=opts.handover)
    moved = unclaimed(targets, existed)
    if any(p != q for p, q in moved.items()):
        clash = next(p for p in targets if p != moved[p] and p.exists())
        console.print(
            Text(
                f"{visible(str(clash))} appeared while you played (another session?); "
                f"saving this session as {visible(str(moved[clash]))} instead, so neither "
                "is lost.",
                style="yellow",
            ),
            soft_wrap=True,
        )
        records = {c: moved.get(r, r) for c, r in records.items()}
        first = next(iter(records.values()))
        md, html = moved[md], moved[html]
    taken = session.recorded()
    owner = decision_cells(scenario)
    files = []
    for cell, record in records.items():
        policy_file = recorded_policy_file(
            scenario,
            team=_team(opts, cell, played) if resumed is None else team,
            seed=run_seed,
            answers=[a for a in taken if owner[a[0]] == cell],
            start=starts[cell],
            scenario_hash=digest,
            cell=cell,
        )
        if resumed is not None:  # keep any levers or rules of the resumed file
            policy_file = policy_file.model_copy(
                update={
                    "policy": resumed.policy.model_copy(
                        update={"decisions": policy_file.policy.decisions}
                    )
                }
            )
        write_atomic(record, dumps_policy_file(policy_file, opts.scenario_file))
        files.append(policy_file)
    written = [str(r) for r in records.values()]
    if not isinstance(session.state, Outcome):
        names = " ".join(f"--answers {r}" for r in records.values())
        resume = (
            f"; continue it with: ttx play {opts.scenario_file} --resume {first}"
            if len(played) == 1
            else ""
        )
        console.print(  # file names may hold any character: shown, not sent
            visible(
                f"Stopped ({ended.how}) with {len(taken)} decision(s) taken; saved to "
                f"{', '.join(written)}. Replay it with: ttx play {opts.scenario_file} "
                f"{names}{resume}"
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return ended, written
    fixed = tuple(p for p in opts.policies if scenario.own_policy(p).cell not in played)
    spec = RunSpec.of_cells(
        scenario,
        fixed,
        [*files, *others],
        replications=opts.replications,
        seed=run_seed,
        scenario_hash=digest,
    )
    playing = Team(
        team_name(files),
        tuple(files),
        tuple(written),
        tuple(others),
        fixed,
    )
    try:
        data = _after_action(console, playing, spec, session.state)
    except KeyboardInterrupt:
        console.print(
            visible(
                f"Interrupted during the debrief; the answers are saved in "
                f"{', '.join(written)}. Debrief again with: ttx play {opts.scenario_file} "
                + " ".join(f"--answers {r}" for r in records.values())
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return Ended("interrupted"), written
    write_outputs(
        [
            (md, lambda: aar_report.render_markdown(data)),
            (html, lambda: aar_report.render_html(data)),
        ]
    )
    written += [str(md), str(html)]
    return ended, written


def run_replay(
    scenario_file: Path,
    answers_files: Path | Sequence[Path],
    console: Console,
    *,
    seed: int | None = None,
    replications: int = 100,
) -> tuple[Outcome, AfterAction]:
    """Replay recorded answers (one file per cell) without asking; print the run, the
    debrief and the after-action report as the session printed them (writes nothing:
    ``ttx debrief`` writes the report files)."""
    scenario = load_scenario(scenario_file)
    paths = [answers_files] if isinstance(answers_files, Path) else list(answers_files)
    policy_files = [load_policy_file(p, scenario) for p in paths]
    digest = scenario_hash(scenario_file)
    for pf in policy_files:
        warning = hash_warning(pf, digest)
        if warning:
            console.print(Text(warning, style="yellow"), soft_wrap=True)
    spec = RunSpec.of_cells(
        scenario, (), policy_files, replications=replications, seed=seed, scenario_hash=digest
    )
    outcome = replay(spec, frozenset(pf.policy.cell for pf in policy_files))
    team = spec.team or spec.policy.id
    console.print(Rule(f"{scenario.title}: replay of {team}'s answers (seed {spec.seed})"))
    # The same end as the session's: the debrief and then the after-action report.
    playing = Team(team_name(policy_files), tuple(policy_files), tuple(str(p) for p in paths))
    return outcome, _after_action(console, playing, spec, outcome)


def replay(spec: RunSpec, played: frozenset[str] = frozenset({BLUE})) -> Outcome:
    """The played replication of a policy file's run: replication 0 of its seed.

    Every decision is answered as in a run of the file: by its policy, else
    the decision's default; ``played`` says whose answers the outcome lists.
    """
    game = Game(
        spec.scenario,
        compile_plan(spec.scenario, spec.policy),
        replication_seed(spec.seed, 0),
        played,
    )
    state = advance(game, [], fallback=True)
    assert isinstance(state, Outcome)  # with fallback every decision is answered
    return state
