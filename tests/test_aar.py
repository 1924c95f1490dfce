"""The after-action report (sim.analysis.aar, sim.report.aar, sim.play.aar, ``ttx debrief``).

A constructed scenario makes every expected figure known: one decision at
month 6 whose ``cut`` option drops trust below the ``keep_trust`` threshold
(met throughout otherwise), and a ``steady`` objective that 3 of 20 replays
meet on seed 23, replication 0 among them (the luck call-out).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import make_scenario
from sim.analysis.aar import MATTERS, Team, assemble, group_teams, team_report
from sim.cli import app
from sim.errors import TtxError
from sim.play.aar import load_teams
from sim.play.command import replay
from sim.report.aar import render_html, render_markdown
from sim.report.markdown import md_escape
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario
from sim.scenario.models import Policy, PolicyFile, Scenario
from sim.scenario.policyfile import dumps_policy_file

N = 20
LUCKY_SEED = 23  # steady: 3 of 20 replays meet it, replication 0 among them
FIXTURE = Path(__file__).parent / "assets" / "three_decisions.yaml"


def scenario() -> Scenario:
    return make_scenario(
        default_policy="full",
        injects=[
            {
                "id": "crisis",
                "at": 6,
                "title": "A crisis of confidence",
                "narrative": "Alpha doubts the alliance.",
                "decision": {
                    "prompt": "What does the alliance do?",
                    "default": "keep",
                    "options": [
                        {"id": "keep", "label": "Keep faith", "description": "Stay the course."},
                        {
                            "id": "cut",
                            "label": "Cut support",
                            "description": "Withdraw the offer.",
                            "effects": [{"target": "alpha.trust", "delta": -0.45}],
                        },
                        {
                            "id": "boost",
                            "label": "Boost",
                            "description": "Add a little.",
                            "effects": [{"target": "alpha.stability", "delta": 0.05}],
                        },
                    ],
                },
            }
        ],
        objectives=[
            {
                "id": "keep_trust",
                "description": "Trust never falls below 0.3.",
                "condition": "alpha.trust >= 0.3",
                "check": "throughout",
            },
            {
                "id": "steady",
                "description": "Stability ends at 0.46 or more.",
                "condition": "alpha.stability >= 0.46",
                "check": "end",
            },
        ],
    )


SC = scenario()


def answers(option: str, team: str, seed: int = 7, cell: str = "blue") -> PolicyFile:
    return PolicyFile(
        scenario=SC.id,
        team=team,
        seed=seed,
        policy=Policy(
            id="team_" + team.lower().replace(" ", "_"),
            extends="full",
            decisions={"crisis": option},
            cell=cell,
        ),
    )


def report(option: str, team: str = "T", seed: int = 7):
    t = Team(team, (answers(option, team, seed),))
    outcome = replay(t.spec(SC, N, seed))
    return team_report(
        SC, t, replications=N, seed=seed, played=outcome.result, answers=list(outcome.answers)
    )


def objective_p(option: str, seed: int = 7) -> dict[str, float]:
    """An independent run with the decision forced: the figure each alternative must show."""
    policy = SC.policy("full").model_copy(update={"decisions": {"crisis": option}})
    results = run(RunSpec.of(SC, policy, replications=N, seed=seed)).to_dict()["results"]
    return {o: v["p"] for o, v in results["objectives"].items()}


def test_headline_names_the_objective_that_moved_most():
    r = report("cut")
    assert r["moved"] == "keep_trust"
    assert r["headline"].startswith("keep_trust: from 100% to 0%, the objective your choices")
    assert [(p["objective"], p["rating"]) for p in r["performance"]] == [
        ("keep_trust", "not met"),
        ("steady", "not met"),
    ]


def test_no_move_says_so():
    r = report("keep")
    assert r["moved"] is None
    assert "left every objective where the default policy leaves it" in r["headline"]


def test_each_alternative_shows_its_objectives_on_the_same_seeds():
    r = report("cut")
    [d] = r["decisions"]
    assert (d["inject"], d["chosen"], d["cell"]) == ("crisis", "cut", "blue")
    assert [o["option"] for o in d["options"]] == ["keep", "cut", "boost"]
    for o in d["options"]:
        assert o["chosen"] == (o["option"] == "cut")
        assert o["objectives"] == pytest.approx(objective_p(o["option"]))
    assert d["options"][0]["objectives"]["keep_trust"] == 1.0
    assert d["options"][1]["objectives"]["keep_trust"] == 0.0
    # The choice that cost keep_trust is the area for improvement.
    [imp] = [x for x in r["improvements"] if x["objective"] == "keep_trust"]
    assert (imp["inject"], imp["option"], imp["size"]) == ("crisis", "keep", 1.0)
    assert "would have raised it from 0% to 100%" in imp["sentence"]


def test_strength_is_tied_to_the_decision_that_caused_it():
    r = report("keep")
    [s] = [x for x in r["strengths"] if x["objective"] == "keep_trust"]
    assert (s["inject"], s["option"]) == ("crisis", "keep")
    assert "against 0% with 'Cut support'" in s["sentence"]


def test_luck_is_called_out_when_few_replays_meet_what_the_team_met():
    r = report("keep", seed=LUCKY_SEED)
    steady = next(p for p in r["performance"] if p["objective"] == "steady")
    assert steady["played"] and steady["p"] == pytest.approx(3 / N)
    assert [x["objective"] for x in r["luck"]] == ["steady"]
    assert r["luck"][0]["sentence"] == (
        "You met steady, which only 15% of replays of your choices do."
    )
    assert "You met steady, which only 15%" in render_markdown(
        assemble(SC, [r], seed=LUCKY_SEED, replications=N)
    )


def test_no_luck_on_an_ordinary_seed():
    assert report("keep")["luck"] == []


def test_three_teams_side_by_side():
    parts = [report("keep", "Amber"), report("cut", "Blue"), report("boost", "Cyan")]
    data = assemble(SC, parts, seed=7, replications=N, notes="Blue argued for *cuts*.")
    keep = next(r for r in data["table"] if r["objective"] == "keep_trust")
    assert keep["teams"] == {"Amber": 1.0, "Blue": 0.0, "Cyan": 1.0}
    assert keep["default"] == 1.0
    [diff] = data["differences"]
    assert diff["choices"] == {"Amber": "Keep faith", "Blue": "Cut support", "Cyan": "Boost"}
    md = render_markdown(data)
    assert "| objective | Amber | Blue | Cyan | default policy |" in md
    assert "| `keep_trust` | 100% | 0% | 100% | 100% |" in md
    assert "| A crisis of confidence | Keep faith | Cut support | Boost |" in md
    for part in ("## Teams side by side", "## Team Blue", "### Luck", "### Strengths"):
        assert part in md
    assert "### Areas for improvement" in md
    assert "## Facilitator's notes\n\nBlue argued for *cuts*." in md
    html = render_html(data)
    assert "<h2>Teams side by side</h2>" in html
    assert "Blue argued for *cuts*." in html
    assert "probability of meeting the objective (%)" in html  # labelled axes
    assert "decision: option" in html


def test_same_decisions_say_so():
    data = assemble(SC, [report("keep", "A"), report("keep", "B")], seed=7, replications=N)
    assert data["differences"] == []
    assert "The teams took the same decisions." in render_markdown(data)


def test_notes_are_escaped_in_html():
    data = assemble(SC, [report("keep")], seed=7, replications=N, notes="<script>x</script>")
    html = render_html(data)
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


# --------------------------------------------------------------------------- grouping


def test_a_sessions_blue_and_red_files_form_one_team():
    blue, red = answers("keep", "blue"), answers("keep", "red", cell="red")
    other = answers("cut", "other")
    teams = group_teams([("b", blue), ("r", red), ("o", other)])
    assert [(t.name, t.paths) for t in teams] == [("blue + red", ("b", "r")), ("other", ("o",))]
    north = [answers("keep", "North blue"), answers("keep", "North red", cell="red")]
    assert group_teams([("b", north[0]), ("r", north[1])])[0].name == "North"
    # Another seed starts another team even for another cell.
    teams = group_teams([("b", blue), ("r", answers("keep", "red", seed=8, cell="red"))])
    assert len(teams) == 2


# --------------------------------------------------------------------------- the command


def write(path: Path, pf: PolicyFile, scenario_file: Path = FIXTURE) -> Path:
    path.write_text(dumps_policy_file(pf, scenario_file))
    return path


def fixture_answers(tmp: Path, name: str, option: str, seed: int = 11) -> Path:
    pf = PolicyFile(
        scenario="three_decisions",
        team=name,
        seed=seed,
        policy=Policy(
            id=f"team_{name.lower()}", extends="steady", decisions={"second_call": option}
        ),
    )
    return write(tmp / f"{name.lower()}.answers.yaml", pf)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_debrief_two_teams_with_notes(runner, tmp_path):
    a = fixture_answers(tmp_path, "Amber", "deploy")
    b = fixture_answers(tmp_path, "Blue", "fund")
    notes = tmp_path / "notes.md"
    notes.write_text("Hot wash: Amber worried about the border.\n")
    out = tmp_path / "out"
    args = ["debrief", str(a), str(b), "--notes", str(notes), "--replications", "4"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    md = (out / "three_decisions.teams.debrief.md").read_text()
    assert md.startswith("# After-action report: Three decisions in Jordan and Iraq")
    assert "Hot wash: Amber worried about the border." in md
    assert (
        "| Attack on a border post | Deploy a protection force | Fund Iraqi units instead |" in md
    )
    assert (out / "three_decisions.teams.debrief.html").exists()
    # By default: next to the first answers file; never overwritten without --force.
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "three_decisions.teams.debrief.md").exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "--force" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_debrief_errors_are_clear(runner, tmp_path):
    a = fixture_answers(tmp_path, "Amber", "deploy")
    missing = runner.invoke(app, ["debrief", str(a), str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1
    assert "nope.yaml: no such answers file" in missing.output
    other = tmp_path / "other.answers.yaml"
    other.write_text("scenario: iran_saudi_rivalry\npolicy: {id: x}\n")
    mixed = runner.invoke(app, ["debrief", str(a), str(other)])
    assert mixed.exit_code == 1
    assert "is for scenario 'iran_saudi_rivalry'" in mixed.output
    assert "Traceback" not in mixed.output
    b = fixture_answers(tmp_path, "Blue", "fund", seed=12)
    seeds = runner.invoke(app, ["debrief", str(a), str(b)])
    assert "different seeds" in seeds.output


def test_load_teams_finds_the_scenario_from_the_header(tmp_path):
    a = fixture_answers(tmp_path, "Amber", "deploy")
    scenario, teams = load_teams([a])
    assert scenario.id == "three_decisions"
    assert [t.name for t in teams] == ["Amber"]
    bare = tmp_path / "bare.answers.yaml"
    bare.write_text("scenario: not_shipped\npolicy: {id: x}\n")
    with pytest.raises(TtxError, match="cannot find the scenario file of 'not_shipped'"):
        load_teams([bare])


def test_play_ends_with_the_same_report_as_ttx_debrief(runner, tmp_path):
    record = tmp_path / "team.answers.yaml"
    played = runner.invoke(
        app,
        ["play", str(FIXTURE), "--record", str(record), "--replications", "4", "--seed", "11"],
        input="2\nfund\ndecline\n",
    )
    assert played.exit_code == 0, played.output
    md = tmp_path / "team.debrief.md"
    from_play = md.read_text()
    assert from_play.startswith("# After-action report:")
    again = runner.invoke(app, ["debrief", str(record), "--replications", "4", "--force"])
    assert again.exit_code == 0, again.output
    assert md.read_text() == from_play


# --------------------------------------------------------------------------- cells

RIVALRY = Path(__file__).parent.parent / "scenarios" / "iran_saudi_rivalry.yaml"
TEHRAN = "Tehran - Supreme National Security Council"


def rivalry_session(*, red_played: bool = True, n: int = N):
    """The hot seat of the reproduction: both cells answer every decision with option 1."""
    sc = load_scenario(RIVALRY)

    def cell_file(cell: str, extends: str, decisions: dict[str, str]) -> PolicyFile:
        policy = Policy(id=f"team_{cell}", extends=extends, decisions=decisions, cell=cell)
        return PolicyFile(scenario=sc.id, team=cell, seed=sc.seed, policy=policy)

    blue = cell_file(
        "blue",
        "even_handed",
        {
            "talks_open": "send_batteries",
            "abqaiq_strike": "reinforce",
            "proliferation_scare": "extend_umbrella",
        },
    )
    red = cell_file(
        "red",
        "calibrated_pressure",
        {"tehran_reads_request": "quiet_diplomacy", "tehran_answers": "stand_down"},
    )
    team = Team("T", (blue, red)) if red_played else Team("T", (blue,), others=(red,))
    outcome = replay(team.spec(sc, n, sc.seed), frozenset(f.policy.cell for f in team.files))
    part = team_report(
        sc, team, replications=n, seed=sc.seed, played=outcome.result, answers=list(outcome.answers)
    )
    return sc, part


@pytest.fixture(scope="module")
def two_cells():
    return rivalry_session()


def test_findings_name_only_the_alliances_own_decisions(two_cells):
    """Every objective is the alliance's: red's choices are no strength and get no advice."""
    sc, r = two_cells
    red = {j.id for j in sc.injects if j.decision is not None and j.decision.cell == "red"}
    assert {d["inject"] for d in r["decisions"]} & red  # red's decisions were analysed...
    findings = [*r["strengths"], *r["improvements"]]
    assert findings  # ...blue's still give findings
    assert not {x["inject"] for x in findings} & red  # ...but red's are none of them
    assert not any("(red)" in x["sentence"] for x in findings)


def test_red_choices_are_reported_in_the_third_person(two_cells):
    sc, r = two_cells
    [cell] = r["other_cells"]
    assert (cell["cell"], cell["name"]) == ("red", TEHRAN)
    by_inject = {c["inject"]: c for c in cell["choices"]}
    answers = by_inject["tehran_answers"]
    # The objective the choice moved most, against the alternative that differs most.
    assert (answers["option"], answers["objective"], answers["alternative"]) == (
        "stand_down",
        "oman_on_side",
        "escalate",
    )
    assert answers["sentence"] == (
        f"At 'Tehran weighs the alliance's answer', {TEHRAN} chose 'Stand the proxies down': "
        "oman_on_side 5%, against 65% had it chosen 'Escalate'."
    )
    shadow = next(d for d in r["decisions"] if d["inject"] == "tehran_answers")
    chosen = next(o for o in shadow["options"] if o["chosen"])["objectives"]
    for o in shadow["options"]:  # no other (objective, option) differs more
        for x, p in o["objectives"].items():
            assert abs(p - chosen[x]) <= answers["size"]
    for c in cell["choices"]:  # one line per decision, only when it matters
        assert c["size"] >= MATTERS
        assert not any(w in c["sentence"] for w in ("would have", "instead of", "you"))
    data = assemble(sc, [r], seed=sc.seed, replications=N)
    md = render_markdown(data)
    heading = f"## {md_escape(TEHRAN)}'s choices"
    assert heading in md
    after = md.split(heading)[1].split("\n## ")[0]
    assert md_escape(answers["sentence"]) in after
    assert md.index("## Areas for improvement") < md.index(heading)
    html = render_html(data)
    assert f"<h2>{TEHRAN}&#39;s choices</h2>" in html
    assert "At &#39;Tehran weighs the alliance&#39;s answer&#39;" in html


def test_a_followed_red_policy_is_neither_advised_nor_listed():
    """Red following a policy file: its decisions are not the team's to analyse."""
    _, r = rivalry_session(red_played=False, n=4)
    assert {d["cell"] for d in r["decisions"]} == {"blue"}
    assert "other_cells" not in r


def test_a_blue_only_report_has_no_list_of_other_cells():
    r = report("cut")
    assert "other_cells" not in r
    data = assemble(SC, [r], seed=7, replications=N)
    assert "'s choices" not in render_markdown(data)
    assert "s choices</h" not in render_html(data)
