"""The play session model (sim.play.session): no terminal needed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.play.session import (
    AnswerMismatch,
    Game,
    Outcome,
    Session,
    Situation,
    advance,
    parse_input,
)
from sim.play.terminal import compact_line, month_line
from sim.scenario.loader import load_scenario
from sim.scenario.vocabulary import INTERDICTED, MITIGATED, SUCCEEDED

ASSETS = Path(__file__).parent / "assets"
FIXTURE = ASSETS / "three_decisions.yaml"
IRAQ = Path(__file__).parent.parent / "scenarios" / "iraq_training_mission.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(FIXTURE)


@pytest.fixture
def game(scenario):
    return Game(scenario, compile_plan(scenario), replication_seed(scenario.seed, 0))


def test_first_situation_shows_month_inject_options_and_state(game):
    sit = advance(game, [])
    assert isinstance(sit, Situation)
    assert (sit.number, sit.month, sit.since, sit.inject_id) == (1, 4, 0, "first_call")
    assert sit.title == "Jordan asks for more courses"
    assert sit.prompt == "What does the alliance offer Amman?"
    assert [(o.number, o.id, o.label) for o in sit.options] == [
        (1, "train_more", "Double the courses"),
        (2, "hold_back", "Keep the current programme"),
    ]
    assert [p.id for p in sit.partners] == ["iraq", "jordan"]
    iraq = sit.partners[0]
    # Changes are measured from the scenario's initial state at the first decision.
    assert iraq.changes["trust"] == pytest.approx(iraq.values["trust"] - 0.55)
    assert iraq.changes["capacity"] == pytest.approx(iraq.values["capacity"] - 0.30)


def test_decisions_come_in_order_including_a_conditional_one(game):
    months = []
    answers: list[tuple[str, str]] = []
    state = advance(game, answers)
    while isinstance(state, Situation):
        months.append((state.inject_id, state.month, state.since))
        answers.append((state.inject_id, state.options[0].id))
        state = advance(game, answers)
    assert months == [("first_call", 4, 0), ("second_call", 12, 4), ("third_call", 20, 12)]
    assert isinstance(state, Outcome)
    assert state.answers == (
        ("first_call", "train_more", 4),
        ("second_call", "deploy", 12),
        ("third_call", "accept", 20),
    )
    assert state.result.decisions == list(state.answers)


def test_changes_are_since_the_previous_decision(game):
    first = advance(game, [])
    second = advance(game, [("first_call", "train_more")])
    assert isinstance(first, Situation)
    assert isinstance(second, Situation)
    for before, now in zip(first.partners, second.partners, strict=True):
        for var, value in now.values.items():
            assert now.changes[var] == pytest.approx(value - before.values[var])


def test_incidents_since_previous_decision_match_the_log(game):
    second = advance(game, [("first_call", "hold_back")])
    assert isinstance(second, Situation)
    total_shown = sum(n for _, _, n in second.incidents)
    outcome = advance(
        game, [("first_call", "hold_back"), ("second_call", "stay"), ("third_call", "accept")]
    )
    assert isinstance(outcome, Outcome)
    in_window = [e for e in outcome.result.log if e.kind == "incident" and 4 < e.time < 12]
    assert total_shown == len(in_window)
    assert {k for k, _, _ in second.incidents} <= {"insurgency", "terrorism", "disinformation"}


def test_objectives_standing_in_words(game):
    sit = advance(game, [("first_call", "train_more"), ("second_call", "stay")])
    assert isinstance(sit, Situation)
    standing = {o.id: o for o in sit.objectives}
    assert standing["iraq_capacity"].standing.endswith("now (judged at month 36)")
    assert standing["iraq_capacity"].ok is None
    # month 20 is past the 'by' deadline of month 18: settled one way or the other
    assert standing["jordan_stable"].ok is not None
    assert "month 18" in standing["jordan_stable"].standing
    assert standing["trust_holds"].description == "Iraqi trust never below 0.3."


def test_back_reproduces_the_past_exactly(game):
    session = Session(game)
    first = session.state
    session.choose("train_more")
    second = session.state
    session.choose("fund")
    assert isinstance(session.state, Situation)
    assert session.state.inject_id == "third_call"
    assert session.back()
    assert session.state == second
    assert session.back()
    assert session.state == first
    assert not session.back()
    assert session.answers == []


def test_session_rejects_an_unknown_option(game):
    session = Session(game)
    with pytest.raises(ValueError, match="'deploy' is not an option of 'first_call'"):
        session.choose("deploy")


def test_recorded_answers_carry_their_months(game):
    session = Session(game)
    session.choose("hold_back")
    session.choose("deploy")
    assert session.recorded() == [("first_call", "hold_back", 4), ("second_call", "deploy", 12)]
    session.choose("decline")
    assert session.finished
    assert session.recorded()[-1] == ("third_call", "decline", 20)


def test_answers_for_another_inject_are_a_mismatch(game):
    with pytest.raises(AnswerMismatch, match="answer 1 is for inject 'second_call'"):
        advance(game, [("second_call", "stay")])


def test_same_answers_same_run(game):
    answers = [("first_call", "hold_back"), ("second_call", "fund"), ("third_call", "accept")]
    a, b = advance(game, answers), advance(game, answers)
    assert isinstance(a, Outcome)
    assert isinstance(b, Outcome)
    np.testing.assert_array_equal(a.result.series, b.result.series)
    assert a.result.kpis == b.result.kpis


def test_different_answers_change_the_run(game):
    a = advance(
        game, [("first_call", "hold_back"), ("second_call", "fund"), ("third_call", "accept")]
    )
    b = advance(
        game, [("first_call", "hold_back"), ("second_call", "fund"), ("third_call", "decline")]
    )
    assert isinstance(a, Outcome)
    assert isinstance(b, Outcome)
    # the two runs agree up to month 20 (common random numbers) and differ after
    np.testing.assert_array_equal(a.result.series[:20], b.result.series[:20])
    assert a.result.kpis["iraq.final_trust"] > b.result.kpis["iraq.final_trust"]


def test_fallback_answers_from_the_plan(scenario):
    plan = compile_plan(scenario, "steady")
    game = Game(scenario, plan, replication_seed(1, 0))
    out = advance(game, [], fallback=True)
    assert isinstance(out, Outcome)
    # 'steady' answers two decisions; the third takes the decision's default
    assert [(i, o) for i, o, _ in out.answers] == [
        ("first_call", "train_more"),
        ("second_call", "stay"),
        ("third_call", "accept"),
    ]


def test_month_lines_cover_the_months_between_decisions(game):
    second = advance(game, [("first_call", "train_more")])
    assert isinstance(second, Situation)
    assert [m.month for m in second.passing] == list(range(5, 12))
    assert all(0 <= m.stability <= 1 for m in second.passing)


@pytest.mark.parametrize(
    ("text", "command", "option"),
    [
        ("help", "help", None),
        (" STATUS ", "status", None),
        ("?", "help", None),
        ("back", "back", None),
        ("quit", "quit", None),
        ("1", None, "train_more"),
        ("2\n", None, "hold_back"),
        ("hold_back", None, "hold_back"),
        ("Train_More", None, "train_more"),
    ],
)
def test_parse_input_accepts(game, text, command, option):
    sit = advance(game, [])
    assert isinstance(sit, Situation)
    parsed = parse_input(text, sit.options)
    assert (parsed.command, parsed.option, parsed.hint) == (command, option, None)


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("", "Type an option number or id"),
        ("3", "There is no option 3"),
        ("0", "There is no option 0"),
        ("deploy", "'deploy' is not an option or a command"),
        ("-1", "'-1' is not an option or a command"),
        ("\x1b[A", "is not an option or a command"),
    ],
)
def test_parse_input_hints(game, text, lead):
    sit = advance(game, [])
    assert isinstance(sit, Situation)
    parsed = parse_input(text, sit.options)
    assert parsed.command is None
    assert parsed.option is None
    assert parsed.hint is not None
    assert lead in parsed.hint
    assert "answer 1-2 or an option id (train_more, hold_back)" in parsed.hint


def test_iraq_arc_opens_at_month_36_and_follows_the_choices():
    scenario = load_scenario(IRAQ)
    game = Game(scenario, compile_plan(scenario), replication_seed(scenario.seed, 0))
    sit = advance(game, [])
    assert isinstance(sit, Situation)
    assert (sit.inject_id, sit.month) == ("host_request", 36)
    assert "month 1: Mission launched" in sit.events
    # Holding the posture costs trust, so the disinformation campaign comes at once.
    answers = [("host_request", "hold")]
    sit = advance(game, answers)
    assert isinstance(sit, Situation)
    assert (sit.inject_id, sit.month) == ("occupation_narrative", 37)
    answers.append(("occupation_narrative", "iraqi_voices"))
    sit = advance(game, answers)
    assert isinstance(sit, Situation)
    assert (sit.inject_id, sit.month) == ("mission_future", 72)
    assert isinstance(advance(game, [*answers, ("mission_future", "iraqi_lead")]), Outcome)


def test_objective_standings_by_kind():
    text = FIXTURE.read_text().replace(
        "condition: iraq.trust >= 0.3, check: throughout}",
        "condition: iraq.trust >= 0.3, check: throughout, month: 8}",
    )
    from sim.scenario.loader import loads_scenario

    scenario = loads_scenario(text)
    game = Game(scenario, compile_plan(scenario), replication_seed(scenario.seed, 0))
    first = advance(game, [])
    later = advance(game, [("first_call", "train_more")])
    assert isinstance(first, Situation)
    assert isinstance(later, Situation)
    at4 = {o.id: (o.ok, o.standing) for o in first.objectives}
    at12 = {o.id: (o.ok, o.standing) for o in later.objectives}
    assert at4["trust_holds"] == (None, "holding so far (must hold to month 8)")
    assert at12["trust_holds"] == (True, "met (held to month 8)")
    assert at4["jordan_stable"] == (None, "not yet; 14 months left (month 18)")
    end = advance(
        game, [("first_call", "train_more"), ("second_call", "stay"), ("third_call", "accept")]
    )
    assert isinstance(end, Outcome)
    assert {o.id: o.ok for o in end.objectives} == end.result.objectives


def test_incident_counts_say_what_they_count(game):
    """Countered (mitigated) incidents did no harm: only those that succeeded are called so."""
    second = advance(game, [("first_call", "train_more")])
    assert isinstance(second, Situation)
    mixed = dataclasses.replace(
        second,
        incidents=(
            ("disinformation", MITIGATED, 3),
            ("terrorism", SUCCEEDED, 2),
            ("terrorism", INTERDICTED, 1),
        ),
    )
    assert "6 incident(s), 2 succeeded" in compact_line(mixed).plain
    for line in second.passing:
        assert 0 <= line.succeeded <= line.incidents
        if line.incidents:
            assert f"{line.incidents} incident(s), {line.succeeded} succeeded" in (
                month_line(line).plain
            )
