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

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from sim.analysis.debrief import Debrief, build_debrief
from sim.errors import TtxError
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.play.session import AnswerMismatch, Game, Outcome, Session, advance
from sim.play.terminal import Ended, Reader, debrief_screen, outcome_screen, play_loop
from sim.report.debrief import render_html, render_markdown
from sim.report.terminal import progress_bar
from sim.runs.reportfile import check_writable, write_atomic
from sim.runs.spec import RunSpec, scenario_policy
from sim.scenario.loader import load_policy_file, load_scenario, scenario_hash
from sim.scenario.models import Scenario
from sim.scenario.policyfile import (
    dumps_policy_file,
    hash_warning,
    recorded_policy_file,
    resolve,
    team_slug,
)


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


@dataclass
class PlayOptions:
    """What ``ttx play`` was asked to do (parsed by the CLI)."""

    scenario_file: Path
    team: str = "team"
    start: str | None = None
    seed: int | None = None
    record: Path | None = None
    replications: int = 100
    pace: float = 0.0
    force: bool = False
    resume: Path | None = None


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


def _debrief(console: Console, spec: RunSpec, outcome: Outcome) -> Debrief:
    console.print(outcome_screen(outcome, titles_of(spec.scenario)))
    with progress_bar("shadow replications", 2 * max(2, spec.replications)) as bar:
        data = build_debrief(spec, outcome.result, list(outcome.answers), progress=bar)
    console.print(debrief_screen(data))
    return data


def run_play(opts: PlayOptions, console: Console, read: Reader) -> tuple[Ended, list[str]]:
    """An interactive session: play, save the answers, and debrief if the run finished.

    With ``opts.resume`` the session continues from a saved answers file (its
    team, seed, starting policy and decisions); ``back`` can undo those too.
    Returns how the session ended and the files written.
    """
    scenario = load_scenario(opts.scenario_file)
    digest = scenario_hash(opts.scenario_file)
    team, start_id, resumed = opts.team, None, None
    answers: list[tuple[str, str]] = []
    if opts.resume is not None:
        resumed = load_policy_file(opts.resume, scenario)
        warning = hash_warning(resumed, digest)
        if warning:
            console.print(Text(warning, style="yellow"), soft_wrap=True)
        if opts.seed is not None and resumed.seed is not None and opts.seed != resumed.seed:
            raise SeedConflict(opts.resume, resumed.seed, opts.seed)
        team = resumed.team or opts.team
        start_id = resumed.policy.extends
        answers = [(r.inject, r.option) for r in resumed.recorded]
        policy = resolve(resumed, scenario)
        run_seed = resumed.seed if resumed.seed is not None else scenario.seed
    else:
        policy = scenario_policy(scenario, opts.start)
        start_id = policy.id
        run_seed = scenario.seed if opts.seed is None else opts.seed
    record = opts.record or opts.resume or Path(f"{scenario.id}-{team_slug(team)}.answers.yaml")
    md, html = debrief_paths(record)
    check_writable([p for p in (record, md, html) if p != opts.resume], opts.force)
    game = Game(scenario, compile_plan(scenario, policy), replication_seed(run_seed, 0))
    _briefing(console, scenario, team, run_seed, start_id or policy.id)
    try:
        session = Session(game, answers)
    except AnswerMismatch as exc:
        raise TtxError(
            f"{opts.resume}: the recorded decisions do not follow this run ({exc}); "
            "was it recorded on another version of the scenario?"
        ) from None
    if answers:
        console.print(Text(f"Resuming after {len(answers)} recorded decision(s).", style="dim"))
    ended = play_loop(session, console, read, opts.pace)
    taken = session.recorded()
    policy_file = recorded_policy_file(
        scenario,
        team=team,
        seed=run_seed,
        answers=taken,
        start=start_id,
        scenario_hash=digest,
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
    written = [str(record)]
    if not isinstance(session.state, Outcome):
        console.print(
            f"Stopped ({ended.how}) with {len(taken)} decision(s) taken; saved to {record}. "
            f"Replay it with: ttx play {opts.scenario_file} --answers {record}; "
            f"continue it with: ttx play {opts.scenario_file} --resume {record}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return ended, written
    spec = RunSpec.of_policy_file(
        scenario, policy_file, replications=opts.replications, seed=run_seed, scenario_hash=digest
    )
    try:
        data = _debrief(console, spec, session.state)
    except KeyboardInterrupt:
        console.print(
            f"Interrupted during the debrief; the answers are saved in {record}. "
            f"Debrief again with: ttx play {opts.scenario_file} --answers {record}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return Ended("interrupted"), written
    write_atomic(md, render_markdown(data))
    write_atomic(html, render_html(data))
    written += [str(md), str(html)]
    return ended, written


def run_replay(
    scenario_file: Path,
    answers_file: Path,
    console: Console,
    *,
    seed: int | None = None,
    replications: int = 100,
) -> tuple[Outcome, Debrief]:
    """Replay recorded answers non-interactively and print the trajectory and debrief."""
    scenario = load_scenario(scenario_file)
    policy_file = load_policy_file(answers_file, scenario)
    digest = scenario_hash(scenario_file)
    warning = hash_warning(policy_file, digest)
    if warning:
        console.print(Text(warning, style="yellow"), soft_wrap=True)
    spec = RunSpec.of_policy_file(
        scenario, policy_file, replications=replications, seed=seed, scenario_hash=digest
    )
    outcome = replay(spec)
    team = spec.team or spec.policy.id
    console.print(Rule(f"{scenario.title}: replay of {team}'s answers (seed {spec.seed})"))
    return outcome, _debrief(console, spec, outcome)


def replay(spec: RunSpec) -> Outcome:
    """The played replication of a policy file's run: replication 0 of its seed.

    Every decision is answered as in a run of the file: by its policy, else
    the decision's default.
    """
    game = Game(
        spec.scenario, compile_plan(spec.scenario, spec.policy), replication_seed(spec.seed, 0)
    )
    state = advance(game, [], fallback=True)
    assert isinstance(state, Outcome)  # with fallback every decision is answered
    return state
