"""``ttx play`` and ``ttx run --policy-file`` end to end (piped stdin, CliRunner).

The real-terminal test is in ``test_play_terminal.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.analysis.debrief import DEBRIEF_KPIS, build_debrief
from sim.analysis.wording import interval
from sim.cli import app
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.play import terminal
from sim.play.command import replay
from sim.play.session import Game, Outcome, Session
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_policy_file, load_scenario
from sim.scenario.models import Scenario

ROOT = Path(__file__).parent.parent
IRAQ = ROOT / "scenarios" / "iraq_training_mission.yaml"
FIXTURE = Path(__file__).parent / "assets" / "three_decisions.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def play(runner: CliRunner, tmp: Path, scenario: Path, stdin: str, *args: str):
    record = tmp / "team.answers.yaml"
    result = runner.invoke(
        app,
        ["play", str(scenario), "--record", str(record), "--replications", "8", *args],
        input=stdin,
    )
    return result, record


def run_policy_file(runner: CliRunner, record: Path, replications: int, out: Path):
    """``ttx run FIXTURE --policy-file RECORD`` into ``out``."""
    return runner.invoke(
        app,
        [
            "run",
            str(FIXTURE),
            "--policy-file",
            str(record),
            "--replications",
            str(replications),
            "--out",
            str(out),
            "--quiet",
        ],
    )


# --- a piped session end to end ---------------------------------------------------------------


def test_piped_session_through_shipped_scenario(runner, tmp_path):
    scenario = load_scenario(IRAQ)
    decisions = {j.id: j for j in scenario.injects if j.decision is not None}
    first = min((j for j in decisions.values() if j.at is not None), key=lambda j: j.at or 0)
    assert first.decision is not None and len(first.decision.options) >= 2
    second_option = first.decision.options[1]
    # Answer every decision that comes with its second option (one '2' per possible decision).
    stdin = "xx\nback\nstatus\n" + "2\n" * len(decisions)
    result, record = play(runner, tmp_path, IRAQ, stdin, "--team", "Blue")
    out = result.output
    assert result.exit_code == 0, out
    n = len(first.decision.options)
    assert f"'xx' is not an option or a command: answer 1-{n}" in out
    assert "Nothing to undo: this is the first decision." in out
    # First screen, then status: the count of decisions is an upper bound (some are conditional).
    assert out.count(f"Decision 1 of up to {len(decisions)} · month {first.at}") == 2
    assert f"Decided: {second_option.label} [{second_option.id}]" in out
    assert "End of the exercise" in out
    assert "Your choices: final regional stability" in out
    md, html = tmp_path / "team.debrief.md", tmp_path / "team.debrief.html"
    assert f"wrote {record}, {md}, {html}" in out
    pf = load_policy_file(record, scenario)
    assert pf.team == "Blue"
    assert pf.seed == scenario.seed
    assert pf.policy.extends == scenario.default_policy
    recorded = [(r.inject, r.option, r.month) for r in pf.recorded]
    assert recorded[0] == (first.id, second_option.id, first.at)
    months = [month for _, _, month in recorded]
    assert months == sorted(months)
    for inject, option, _ in recorded:
        decision = decisions[inject].decision
        assert decision is not None and option == decision.options[1].id
    answers = [(inject, option) for inject, option, _ in recorded]
    assert pf.policy.decisions == dict(answers)
    assert second_option.label in md.read_text()
    assert f"<h1>After-action report: {scenario.title}</h1>" in html.read_text()

    # Replaying the answers with the same seed gives the identical trajectory.
    game = Game(scenario, compile_plan(scenario), replication_seed(scenario.seed, 0))
    played = Session(game, answers).state
    assert isinstance(played, Outcome)
    replayed = replay(RunSpec.of_policy_file(scenario, pf, seed=scenario.seed))
    np.testing.assert_array_equal(played.result.series, replayed.result.series)
    assert played.result.kpis == replayed.result.kpis
    assert played.answers == replayed.answers

    # ... and the CLI replay prints the same end-of-run screen as the session.
    again = runner.invoke(app, ["play", str(IRAQ), "--answers", str(record), "--replications", "8"])
    assert again.exit_code == 0, again.output
    assert _section(again.output, "End of the exercise", "Debrief") == _section(
        out, "End of the exercise", "Debrief"
    )
    # ... and the same debrief and after-action report, on the same replications.
    assert "After-action report" in again.output
    assert _from(again.output, "Debrief") == _from(out, "Debrief")
    assert "wrote" not in again.output


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def _from(text: str, start: str) -> list[str]:
    """The lines of ``text`` from ``start`` on, without the list of files written."""
    return [
        line for line in text[text.index(start) :].splitlines() if not line.startswith("wrote ")
    ]


def test_piped_multi_decision_session_with_back(runner, tmp_path):
    stdin = "1\nback\n2\ndeploy\nhelp\n5\nstatus\naccept\n"
    result, record = play(runner, tmp_path, FIXTURE, stdin, "--team", "Red Cell")
    out = result.output
    assert result.exit_code == 0, out
    assert "Undid the last decision; back to it." in out
    assert "There is no option 5" in out
    assert "back    undo the last decision" in out
    pf = load_policy_file(record, load_scenario(FIXTURE))
    assert pf.policy.id == "team_red_cell"
    assert [(r.inject, r.option, r.month) for r in pf.recorded] == [
        ("first_call", "hold_back", 4),
        ("second_call", "deploy", 12),
        ("third_call", "accept", 20),
    ]


def test_refuses_to_overwrite_answers_without_force(runner, tmp_path):
    record = tmp_path / "team.answers.yaml"
    record.write_text("keep me\n")
    result = runner.invoke(app, ["play", str(FIXTURE), "--record", str(record)], input="1\n")
    assert result.exit_code == 1
    assert "already exists; use --force" in result.output
    assert record.read_text() == "keep me\n"


# --- interrupted sessions keep their answers --------------------------------------------------


@pytest.mark.parametrize(("stdin", "how"), [("2\n", "eof"), ("2\nquit\n", "quit")])
def test_end_of_input_halfway_saves_answers_so_far(runner, tmp_path, stdin, how):
    result, record = play(runner, tmp_path, FIXTURE, stdin)
    assert result.exit_code == 0, result.output
    assert f"Stopped ({how}) with 1 decision(s) taken; saved to {record}" in result.output
    assert not (tmp_path / "team.debrief.md").exists()
    scenario = load_scenario(FIXTURE)
    pf = load_policy_file(record, scenario)
    assert [(r.inject, r.option, r.month) for r in pf.recorded] == [("first_call", "hold_back", 4)]
    # replayable: decisions not taken fall back to the starting policy's answers
    out = replay(RunSpec.of_policy_file(scenario, pf, seed=pf.seed or 0))
    assert [(i, o) for i, o, _ in out.answers] == [
        ("first_call", "hold_back"),
        ("second_call", "stay"),
        ("third_call", "accept"),
    ]
    again = runner.invoke(
        app, ["play", str(FIXTURE), "--answers", str(record), "--replications", "4"]
    )
    assert again.exit_code == 0, again.output
    assert "replay of team's answers" in again.output
    ran = run_policy_file(runner, record, 3, tmp_path / "run")
    assert ran.exit_code == 0, ran.output


def test_end_of_input_before_any_answer_saves_an_empty_valid_file(runner, tmp_path):
    result, record = play(runner, tmp_path, FIXTURE, "")
    assert result.exit_code == 0, result.output
    assert "Stopped (eof) with 0 decision(s) taken" in result.output
    pf = load_policy_file(record, load_scenario(FIXTURE))
    assert pf.recorded == []
    assert pf.policy.extends == "steady"


# --- the debrief agrees with a replay of the answers ------------------------------------------


def test_debrief_figures_equal_run_policy_file(runner, tmp_path):
    result, record = play(runner, tmp_path, FIXTURE, "2\nfund\ndecline\n", "--seed", "11")
    assert result.exit_code == 0, result.output
    out_dir = tmp_path / "run"
    ran = run_policy_file(runner, record, 8, out_dir)
    assert ran.exit_code == 0, ran.output
    report = json.loads((out_dir / "report.json").read_text())["results"]
    assert report["seed"] == 11  # the recorded seed is the default
    assert report["policy"] == {"id": "team_team", "title": "team (team answers)"}

    scenario = load_scenario(FIXTURE)
    pf = load_policy_file(record, scenario)
    spec = RunSpec.of_policy_file(scenario, pf, replications=8, seed=11)
    played = replay(spec)
    data = build_debrief(spec, played.result, list(played.answers))
    for k in data["kpis"]:
        r = report["kpis"][k["name"]]
        assert k["team"] == {"mean": r["mean"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
        assert k["played"] == r["values"][0]  # the played run is replication 0
    for o in data["objectives"]:
        r = report["objectives"][o["id"]]
        assert o["team"] == {"p": r["p"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
    assert data["played_is_replication_0"]

    # The debrief file the session wrote shows exactly these figures.
    md = (tmp_path / "team.debrief.md").read_text()
    for name in DEBRIEF_KPIS:
        assert interval(report["kpis"][name]) in md

    # The default policy column equals a plain run of the default policy on the same seeds.
    default_dir = tmp_path / "default"
    plain = runner.invoke(
        app,
        [
            "run",
            str(FIXTURE),
            "--seed",
            "11",
            "--replications",
            "8",
            "--out",
            str(default_dir),
            "--quiet",
        ],
    )
    assert plain.exit_code == 0, plain.output
    default = json.loads((default_dir / "report.json").read_text())["results"]
    for k in data["kpis"]:
        assert k["default"]["mean"] == default["kpis"][k["name"]]["mean"]


# --- players never see hidden effects ---------------------------------------------------------


def hidden_numbers(scenario: Scenario) -> set[str]:
    """Every effect delta/set and lever value of the scenario's injects, as printed by Python."""
    values: list[float] = []
    for inj in scenario.injects:
        effects = list(inj.effects)
        if inj.decision is not None:
            for option in inj.decision.options:
                effects += option.effects
                values += option.levers.values()
        values += [e.delta if e.delta is not None else e.set for e in effects]  # type: ignore[misc]
    return {repr(abs(v)) for v in values} | {repr(v) for v in values}


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def leaked(text: str, hidden: set[str]) -> set[str]:
    """Hidden numbers that appear as whole numeric tokens on the screen."""
    return set(NUMBER.findall(text)) & hidden


def test_hidden_numbers_of_the_fixture_are_distinctive():
    hidden = hidden_numbers(load_scenario(FIXTURE))
    assert {"0.037", "1.65", "0.0415", "-0.0415", "3.125", "0.0", "1.85"} <= hidden


def test_effect_numbers_never_on_screen_fixture(runner, tmp_path):
    """Whole transcript of a session with every command, checked for every hidden number."""
    stdin = "help\nstatus\n1\nback\n2\nstatus\nx\n3\nhelp\n1\n"
    result, _ = play(runner, tmp_path, FIXTURE, stdin)
    assert result.exit_code == 0, result.output
    decisions = result.output[: result.output.index("End of the exercise")]
    assert decisions.count("Decision") >= 5
    assert leaked(decisions, hidden_numbers(load_scenario(FIXTURE))) == set()


def test_effect_numbers_never_on_screen_iraq(runner, tmp_path):
    """The Iraq effects have two decimals, like state changes: check the decision text."""
    result, _ = play(runner, tmp_path, IRAQ, "help\nstatus\n3\n3\n3\n")
    assert result.exit_code == 0, result.output
    out = result.output
    hidden = hidden_numbers(load_scenario(IRAQ))
    assert {"0.06", "0.6", "0.0", "-0.08"} <= hidden
    screen = out[out.index("Decision 1") : out.index("End of the exercise")]
    lines = [line for line in screen.splitlines() if "Iraq " not in line]  # drop state rows
    assert "How does the alliance answer Baghdad's request?" in screen
    assert leaked("\n".join(lines), hidden) == set()


def test_leak_check_catches_a_leaky_render(runner, tmp_path, monkeypatch):
    """The check above can fail: a render that prints effects is caught."""
    scenario = load_scenario(FIXTURE)
    honest = terminal.options_block

    def leaky(sit, **kw):
        spec = next(j for j in scenario.injects if j.id == sit.inject_id)
        assert spec.decision is not None
        text = honest(sit, **kw)
        for o in spec.decision.options:
            text.append(f"{o.id}: {[e.delta for e in o.effects]} levers {o.levers}\n")
        return text

    monkeypatch.setattr(terminal, "options_block", leaky)
    result, _ = play(runner, tmp_path, FIXTURE, "1\n")
    found = leaked(result.output, hidden_numbers(scenario))
    assert {"0.037", "1.65", "0.0415"} <= found


# --------------------------------------------------------------------------- refusals


def _answers(tmp: Path, text: str) -> Path:
    path = tmp / "answers.yaml"
    path.write_text(text)
    return path


WRONG_SCENARIO = """
scenario: three_decisions
team: Blue
policy: {id: team_blue, decisions: {first_call: train_more}}
"""
UNKNOWN_INJECT = """
scenario: iraq_training_mission
policy:
  id: team_blue
  decisions: {host_requests: comply}
"""
UNKNOWN_OPTION = """
scenario: iraq_training_mission
policy:
  id: team_blue
  decisions: {host_request: surrender}
recorded:
  - {inject: host_request, option: surrender, month: 36}
"""


@pytest.mark.parametrize("command", ["run", "play"])
@pytest.mark.parametrize(
    ("text", "messages"),
    [
        (
            WRONG_SCENARIO,
            [
                "answers.yaml:2:11: scenario: this policy is for scenario 'three_decisions', "
                "not 'iraq_training_mission'"
            ],
        ),
        (
            UNKNOWN_INJECT,
            [
                "answers.yaml:5:30: policy.decisions.host_requests: unknown decision inject "
                "'host_requests'; injects with a decision: host_request"
            ],
        ),
        (
            UNKNOWN_OPTION,
            [
                "policy.decisions.host_request: inject 'host_request' has no option "
                "'surrender'; expected one of comply, hold, negotiate",
                "recorded[0].option: inject 'host_request' has no option 'surrender'",
            ],
        ),
    ],
    ids=["other-scenario", "unknown-inject", "unknown-option"],
)
def test_policy_file_refused_with_clear_message(runner, tmp_path, command, text, messages):
    path = _answers(tmp_path, text)
    flag = "--policy-file" if command == "run" else "--answers"
    result = runner.invoke(
        app,
        [command, str(IRAQ), flag, str(path), "--out", str(tmp_path / "o")]
        if command == "run"
        else [command, str(IRAQ), flag, str(path)],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for message in messages:
        assert message in result.output
    assert not (tmp_path / "o").exists()


def test_policy_and_policy_file_together_refused(runner, tmp_path):
    result, record = play(runner, tmp_path, IRAQ, "1\n")
    assert result.exit_code == 0
    both = runner.invoke(
        app, ["run", str(IRAQ), "--policy", "expanded", "--policy-file", str(record)]
    )
    assert both.exit_code == 1
    assert "two policies for cell 'blue'" in both.output


def test_unknown_starting_policy_refused(runner, tmp_path):
    result, _ = play(runner, tmp_path, IRAQ, "1\n", "--policy", "bold")
    assert result.exit_code == 1
    assert "no policy 'bold' in scenario 'iraq_training_mission'" in result.output


def test_hash_mismatch_warns(runner, tmp_path):
    result, record = play(runner, tmp_path, IRAQ, "1\n")
    assert result.exit_code == 0
    record.write_text(record.read_text().replace("scenario_hash: ", "scenario_hash: 0000"))
    again = runner.invoke(app, ["play", str(IRAQ), "--answers", str(record), "--replications", "3"])
    assert again.exit_code == 0, again.output
    assert "recorded on another version of scenario 'iraq_training_mission'" in again.output


# --------------------------------------------------------------------------- pacing


def test_pace_shows_the_months_passing(runner, tmp_path, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(terminal.time, "sleep", slept.append)
    result, _ = play(runner, tmp_path, FIXTURE, "1\n1\n1\n", "--pace", "0.25")
    assert result.exit_code == 0, result.output
    months = [int(m) for m in re.findall(r"^\s+month\s+(\d+)\s+stability", result.output, re.M)]
    # months 1-3 before the first decision, 5-11, 13-19, then 21-36 after the last one
    assert months == [*range(1, 4), *range(5, 12), *range(13, 20), *range(21, 37)]
    assert slept == [0.25] * len(months)


def test_no_pace_by_default(runner, tmp_path):
    result, _ = play(runner, tmp_path, FIXTURE, "1\n1\n1\n")
    assert result.exit_code == 0
    assert not re.search(r"^\s+month\s+\d+\s+stability", result.output, re.M)


# --------------------------------------------------------------------------- resume


def test_resume_continues_a_saved_session(runner, tmp_path):
    first, record = play(runner, tmp_path, FIXTURE, "2\n", "--team", "Gold", "--seed", "9")
    assert first.exit_code == 0, first.output
    assert f"continue it with: ttx play {FIXTURE} --resume {record}" in first.output
    result = runner.invoke(
        app,
        ["play", str(FIXTURE), "--resume", str(record), "--replications", "4"],
        input="deploy\naccept\n",
    )
    out = result.output
    assert result.exit_code == 0, out
    assert "Resuming after 1 recorded decision(s)." in out
    assert "Team Gold · seed 9" in out
    assert "Decision 1 of" not in out
    assert "Decision 2 of up to 3 · month 12" in out
    pf = load_policy_file(record, load_scenario(FIXTURE))
    assert (pf.team, pf.seed, pf.policy.extends) == ("Gold", 9, "steady")
    assert [(r.inject, r.option) for r in pf.recorded] == [
        ("first_call", "hold_back"),
        ("second_call", "deploy"),
        ("third_call", "accept"),
    ]
    assert (tmp_path / "team.debrief.html").exists()
    # the same answers played in one go give the same run
    scenario = load_scenario(FIXTURE)
    game = Game(scenario, compile_plan(scenario), replication_seed(9, 0))
    whole = Session(game, [(r.inject, r.option) for r in pf.recorded]).state
    assert isinstance(whole, Outcome)
    np.testing.assert_array_equal(
        whole.result.series, replay(RunSpec.of_policy_file(scenario, pf, seed=9)).result.series
    )


def test_resume_can_go_back_past_the_saved_answers(runner, tmp_path):
    first, record = play(runner, tmp_path, FIXTURE, "2\n")
    assert first.exit_code == 0, first.output
    result = runner.invoke(app, ["play", str(FIXTURE), "--resume", str(record)], input="back\n1\n")
    assert result.exit_code == 0, result.output
    assert "Undid the last decision; back to it." in result.output
    pf = load_policy_file(record, load_scenario(FIXTURE))
    assert [(r.inject, r.option) for r in pf.recorded] == [("first_call", "train_more")]


def test_resume_refuses_answers_out_of_order(runner, tmp_path):
    path = _answers(
        tmp_path,
        "scenario: three_decisions\nseed: 7\npolicy: {id: t, extends: steady}\n"
        "recorded:\n  - {inject: second_call, option: deploy}\n",
    )
    result = runner.invoke(app, ["play", str(FIXTURE), "--resume", str(path)], input="1\n")
    assert result.exit_code == 1
    assert (
        "the recorded decisions do not follow this run (answer 1 is for inject 'second_call' "
        "but the run reached 'first_call')" in result.output
    )


def test_resume_keeps_its_seed(runner, tmp_path):
    first, record = play(runner, tmp_path, FIXTURE, "2\n", "--seed", "9")
    assert first.exit_code == 0
    result = runner.invoke(
        app, ["play", str(FIXTURE), "--resume", str(record), "--seed", "10"], input="1\n"
    )
    assert result.exit_code == 1
    assert "was recorded with seed 9; a resumed session keeps its seed" in result.output


def test_two_teams_side_by_side_with_compare(runner, tmp_path):
    """Teams that played one scenario and seed are compared pair by pair."""
    reports = []
    for team, answers in (("Red", "1\nfund\naccept\n"), ("Blue", "2\nstay\ndecline\n")):
        folder = tmp_path / team
        folder.mkdir()
        result, record = play(runner, folder, FIXTURE, answers, "--seed", "5", "--team", team)
        assert result.exit_code == 0, result.output
        out = folder / "run"
        ran = run_policy_file(runner, record, 12, out)
        assert ran.exit_code == 0, ran.output
        reports.append(out / "report.json")
    compared = runner.invoke(
        app, ["compare", *map(str, reports), "--out", str(tmp_path / "cmp"), "--format", "md"]
    )
    assert compared.exit_code == 0, compared.output
    comparison = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    text = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "Red" in text and "Blue" in text
    assert "paired" in text
    methods = {d["method"] for d in _differences(comparison)}
    assert methods == {"paired"}


def _differences(node):
    if isinstance(node, dict):
        if "method" in node and "estimate" in node:
            yield node
        for value in node.values():
            yield from _differences(value)
    elif isinstance(node, list):
        for value in node:
            yield from _differences(value)


@pytest.mark.parametrize("clash", ["answers", "debrief"])
def test_files_that_appear_while_playing_are_kept_and_the_session_saved_beside_them(
    runner, tmp_path, monkeypatch, clash
):
    """Two sessions with the same team name in one folder: the second to finish
    gets numbered files instead of replacing the first's."""
    from sim.play import command

    record = tmp_path / "team.answers.yaml"
    theirs = record if clash == "answers" else tmp_path / "team.debrief.md"
    real = command.play_loop

    def meanwhile(*args, **kwargs):
        ended = real(*args, **kwargs)
        theirs.write_text("another session's file\n")  # written while this one played
        return ended

    monkeypatch.setattr(command, "play_loop", meanwhile)
    result, _ = play(runner, tmp_path, FIXTURE, "1\n1\n1\n")
    assert result.exit_code == 0, result.output
    assert theirs.read_text() == "another session's file\n"
    assert f"{theirs} appeared while you played (another session?); saving this session" in (
        " ".join(result.output.split())
    )
    mine = [tmp_path / f"team-2.{end}" for end in ("answers.yaml", "debrief.md", "debrief.html")]
    assert all(p.exists() for p in mine), sorted(p.name for p in tmp_path.iterdir())
    assert load_policy_file(mine[0], load_scenario(FIXTURE)).recorded
    assert f"wrote {mine[0]}" in result.output.replace("\n", "")


def test_numbered_names_keep_a_session_s_files_together(tmp_path):
    from sim.play.command import debrief_paths, numbered, unclaimed

    record = tmp_path / "x-team.answers.yaml"
    md, html = debrief_paths(record)
    assert [numbered(p, 2).name for p in (record, md, html)] == [
        "x-team-2.answers.yaml",
        "x-team-2.debrief.md",
        "x-team-2.debrief.html",
    ]
    assert debrief_paths(numbered(tmp_path / "custom.yaml", 3)) == (
        numbered(tmp_path / "custom.debrief.md", 3),
        numbered(tmp_path / "custom.debrief.html", 3),
    )
    targets = [record, md, html]
    assert unclaimed(targets, set()) == {p: p for p in targets}  # nothing appeared
    md.write_text("")
    assert unclaimed(targets, {md}) == {p: p for p in targets}  # there before (--force)
    numbered(record, 2).write_text("")  # -2 taken as well: -3 for all three
    assert unclaimed(targets, set()) == {p: numbered(p, 3) for p in targets}
