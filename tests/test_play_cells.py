"""``ttx play`` with cells: one cell against the others' policies, and hot seat.

What a cell's players see is checked by rendering every screen of a session
the way the terminal draws it and looking for the other cell's option labels,
prompts and briefing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from sim.cli import app
from sim.jobs.run import run_file
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.play import terminal
from sim.play.session import Game, Outcome, Session, Situation
from sim.scenario.cells import all_cells
from sim.scenario.loader import load_policy_file, load_scenario
from sim.scenario.models import Scenario

ROOT = Path(__file__).parent.parent
RIVALRY = ROOT / "scenarios" / "iran_saudi_rivalry.yaml"
FEW = ("--replications", "4")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(RIVALRY)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def secrets(scenario: Scenario, cell: str) -> list[str]:
    """What only ``cell``'s players may read: its options' labels, its prompts, its briefing."""
    out = [c.briefing.strip().splitlines()[0] for c in all_cells(scenario) if c.id == cell]
    for j in scenario.injects:
        if j.decision is not None and j.decision.cell == cell:
            out.append(j.decision.prompt)
            out += [o.label for o in j.decision.options]
            out += [o.description for o in j.decision.options if o.description]
    return out


def text_of(renderable: object, height: int = 24) -> str:
    console = Console(file=io.StringIO(), width=80, height=height, color_system=None)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return " ".join(out.split())  # undo the wrapping


def seen(scenario: Scenario, sit: Situation, first: bool) -> str:
    """Every screen the cell at the keyboard can call up at this decision."""
    console = Console(file=io.StringIO(), width=80, height=24)
    assert sit.seat is not None
    return " ".join(
        text_of(r)
        for r in (
            terminal.handover_screen(sit.seat, first),
            terminal.decision_screen(sit, console),
            terminal.situation_screen(sit),
            terminal.brief_screen(sit.seat, scenario.description),
        )
    )


@pytest.mark.parametrize("answer", [0, 1])
def test_a_cell_never_sees_the_other_cells_decisions_or_briefing(scenario, answer):
    game = Game(
        scenario,
        compile_plan(scenario),
        replication_seed(scenario.seed, 0),
        frozenset({"blue", "red"}),
    )
    session = Session(game)
    shown: dict[str, list[str]] = {"blue": [], "red": []}
    while isinstance(session.state, Situation):
        sit = session.state
        assert sit.seat is not None
        shown[sit.seat.cell].append(seen(scenario, sit, not shown[sit.seat.cell]))
        session.choose(sit.options[answer].id)
    assert shown["blue"] and shown["red"]
    for cell, other in (("blue", "red"), ("red", "blue")):
        screens = " ".join(shown[cell])
        assert all(" ".join(s.split()) in " ".join(shown[other]) for s in secrets(scenario, other))
        leaked = [s for s in secrets(scenario, other) if " ".join(s.split()) in screens]
        assert leaked == [], f"{cell} saw {other}'s {leaked}"


def test_hot_seat_piped_saves_each_cell_and_run_reproduces_it(runner, tmp_path, scenario):
    result = runner.invoke(
        app,
        [
            "play",
            str(RIVALRY),
            "--cells",
            "blue,red",
            "--save",
            str(tmp_path),
            "--replications",
            "4",
        ],
        input="send_batteries\nwarning_strikes\nreinforce\nextend_umbrella\nescalate\n",
    )
    out = result.output
    assert result.exit_code == 0, out
    assert out.count("Hand the keyboard to RED") == 2
    assert out.count("Hand the keyboard to BLUE") == 2  # the scare follows the strike: no handover
    answers = next(j for j in scenario.injects if j.id == "tehran_answers")
    assert f"Decision 2 of 2 · month {answers.at} · RED" in out
    blue_file = tmp_path / "iran_saudi_rivalry.blue.answers.yaml"
    red_file = tmp_path / "iran_saudi_rivalry.red.answers.yaml"
    blue, red = (load_policy_file(f, scenario) for f in (blue_file, red_file))
    assert (blue.policy.cell, red.policy.cell) == ("blue", "red")
    assert blue.policy.decisions == {
        "talks_open": "send_batteries",
        "abqaiq_strike": "reinforce",
        "proliferation_scare": "extend_umbrella",
    }
    assert red.policy.decisions == {
        "tehran_reads_request": "warning_strikes",
        "tehran_answers": "escalate",
    }
    assert (tmp_path / "iran_saudi_rivalry.debrief.md").exists()

    game = Game(
        scenario,
        compile_plan(scenario),
        replication_seed(scenario.seed, 0),
        frozenset({"blue", "red"}),
    )
    answers = [
        ("talks_open", "send_batteries"),
        ("tehran_reads_request", "warning_strikes"),
        ("abqaiq_strike", "reinforce"),
        ("proliferation_scare", "extend_umbrella"),
        ("tehran_answers", "escalate"),
    ]
    played = Session(game, answers).state
    assert isinstance(played, Outcome)
    done = run_file(
        RIVALRY, policy_file=[blue_file, red_file], replications=2, out=tmp_path / "run"
    )
    results = done.report["results"]
    assert results["seed"] == scenario.seed
    assert results["policy"]["cells"] == {"blue": blue.policy.id, "red": red.policy.id}
    for name, value in played.result.kpis.items():
        assert results["kpis"][name]["values"][0] == value, name


def test_one_cell_plays_red_against_blues_default(runner, tmp_path, scenario):
    record = tmp_path / "red.answers.yaml"
    result = runner.invoke(
        app,
        [
            "play",
            str(RIVALRY),
            "--cell",
            "red",
            "--record",
            str(record),
            "--replications",
            "4",
            "--policy",
            "reassure_riyadh",
        ],
        input="1\nbrief\n3\n",
    )
    out = result.output
    assert result.exit_code == 0, out
    assert "Hand the keyboard" not in out  # one cell: nobody to hand over to
    assert out.count("Briefing for Tehran") == 2  # at the start, then 'brief'
    assert "Alliance staff" not in out.split("End of the exercise")[0]
    assert "RED's decision (1-2" in out
    pf = load_policy_file(record, scenario)
    assert pf.policy.cell == "red" and pf.policy.extends == "calibrated_pressure"
    assert pf.policy.decisions == {
        "tehran_reads_request": "quiet_diplomacy",
        "tehran_answers": "escalate",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cell", "green"],
            "no cell 'green' in scenario 'iran_saudi_rivalry'; it has: blue, red",
        ),
        (["--cells", "blue,red", "--record", "x.yaml"], "give a folder with --save"),
        (["--cell", "red", "--cells", "blue"], "give either --cell or --cells"),
        (["--policy", "restraint", "--policy", "escalation"], "two policies for cell 'red'"),
    ],
)
def test_bad_cell_options_are_clear_errors(runner, args, message):
    result = runner.invoke(app, ["play", str(RIVALRY), *args], input="")
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_policy_file_for_a_played_cell_is_refused(runner, tmp_path):
    record = tmp_path / "red.answers.yaml"
    first = runner.invoke(
        app, ["play", str(RIVALRY), "--cell", "red", "--record", str(record)], input=""
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(
        app, ["play", str(RIVALRY), "--cell", "red", "--policy-file", str(record)], input=""
    )
    assert again.exit_code == 1
    assert "which is played here" in again.output


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_decision_screen_fits_80x24(path):
    """Header, inject title, options and the prompt's lines fit on an 80x24 terminal."""
    scenario = load_scenario(path)
    game = Game(
        scenario,
        compile_plan(scenario),
        replication_seed(scenario.seed, 0),
        frozenset(c.id for c in all_cells(scenario)),
    )
    session = Session(game)
    console = Console(file=io.StringIO(), width=80, height=24)
    while isinstance(session.state, Situation):
        sit = session.state
        screen = terminal.decision_screen(sit, console)
        lines = console.render_lines(screen, console.options, pad=False)
        assert len(lines) <= 24 - terminal.PROMPT_LINES, (sit.inject_id, len(lines))
        text = "\n".join("".join(seg.text for seg in line) for line in lines)
        assert terminal.header(sit) in text
        assert sit.title in text
        assert all(f"{o.number}. {o.label}" in text for o in sit.options)
        session.choose(sit.options[-1].id)


def test_hot_seat_report_advises_only_the_alliance(runner, tmp_path, scenario):
    """Both cells at one keyboard: red's choices are reported, not advised, in every output."""
    result = runner.invoke(
        app,
        ["play", str(RIVALRY), "--cells", "blue,red", "--save", str(tmp_path), *FEW],
        input="1\n" * 60,
    )
    out = result.output
    assert result.exit_code == 0, out
    red = next(c for c in all_cells(scenario) if c.id == "red")
    report = out.split("After-action report")[1]
    findings, _, reds = report.partition(f"{red.name}'s choices")
    assert reds, report
    listed = [line for line in findings.splitlines() if line.startswith("- ")]
    assert listed and not any("(red)" in line for line in listed)  # no red advice
    assert f"{red.name} chose '" in reds
    assert "would have" not in reds
    md = (tmp_path / "iran_saudi_rivalry.debrief.md").read_text()
    findings = md.split("## Strengths")[1].split("'s choices\n")[0]
    assert "(red)" not in findings
    assert "'s choices\n" in md
    # ttx debrief of the two answers files writes the same report, red's list included.
    files = [str(tmp_path / f"iran_saudi_rivalry.{c}.answers.yaml") for c in ("blue", "red")]
    again = runner.invoke(app, ["debrief", *files, *FEW, "--force"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "iran_saudi_rivalry.debrief.md").read_text() == md
