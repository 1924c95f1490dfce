"""Policy files (sim.scenario.policyfile) and the play debrief.

(sim.analysis.debrief, sim.report.debrief)
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.debrief import DEBRIEF_KPIS, build_debrief
from sim.analysis.wording import num, ordinal
from sim.play.command import replay
from sim.report.debrief import render_html, render_markdown
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_policy_file, load_scenario, loads_scenario
from sim.scenario.models import ID_PATTERN, Policy, PolicyFile
from sim.scenario.policyfile import (
    dumps_policy_file,
    recorded_policy_file,
    resolve,
    team_policy_id,
    team_slug,
)

FIXTURE = Path(__file__).parent / "assets" / "three_decisions.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(FIXTURE)


# --------------------------------------------------------------------------- policy files


@pytest.mark.parametrize(
    ("team", "pid", "slug"),
    [
        ("Blue", "team_blue", "blue"),
        ("Red Cell 2", "team_red_cell_2", "red-cell-2"),
        ("  ", "team", "team"),
        ("Ünïcode Team!", "team_n_code_team", "n-code-team"),
        ("x" * 80, "team_" + "x" * 35, "x" * 80),
    ],
)
def test_team_ids(team, pid, slug):
    assert team_policy_id(team) == pid
    assert team_slug(team) == slug


@given(st.text(max_size=60))
@settings(max_examples=60, deadline=None)
def test_team_policy_id_is_always_a_valid_id(team):
    assert re.fullmatch(ID_PATTERN, team_policy_id(team))


def test_resolve_extends_a_scenario_policy(scenario):
    pf = PolicyFile(
        scenario="three_decisions",
        team="Blue",
        policy=Policy(
            id="steady",  # same id as the scenario policy it extends: not a cycle
            extends="steady",
            levers={"dialogue": 0.5},
            decisions={"second_call": "fund"},
        ),
    )
    policy = resolve(pf, scenario)
    assert policy.levers == {"training": 1.0, "dialogue": 0.5, "presence": 0.0}
    assert policy.decisions == {"first_call": "train_more", "second_call": "fund"}
    assert policy.title == "Blue (team answers)"
    assert policy.extends is None


def test_resolve_without_extends_keeps_the_policy(scenario):
    pf = PolicyFile(scenario="three_decisions", policy=Policy(id="mine", title="Mine"))
    assert resolve(pf, scenario) == Policy(id="mine", title="Mine")


def test_recorded_file_round_trips_through_the_loader(scenario, tmp_path):
    pf = recorded_policy_file(
        scenario,
        team="Green <b>",
        seed=42,
        answers=[("first_call", "hold_back", 4), ("second_call", "fund", 12)],
        start="forward",
        scenario_hash="abc",
    )
    path = tmp_path / "green.answers.yaml"
    text = dumps_policy_file(pf, "tests/assets/three_decisions.yaml")
    assert text.startswith("# Answers recorded by ttx play for team Green <b>.\n")
    assert "ttx run tests/assets/three_decisions.yaml --policy-file THIS_FILE" in text
    path.write_text(text)
    loaded = load_policy_file(path, scenario)
    assert loaded == pf
    policy = resolve(loaded, scenario)
    assert policy.levers["presence"] == 1.35  # from 'forward'
    assert policy.decisions == {"first_call": "hold_back", "second_call": "fund"}


def test_run_of_a_policy_file_names_the_team(scenario):
    pf = recorded_policy_file(
        scenario, team="Blue", seed=3, answers=[], start=None, scenario_hash=None
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=3)
    assert (spec.seed, spec.team) == (3, "Blue")  # the file's seed is the default
    results = run(spec).to_dict()["results"]
    assert results["policy"] == {"id": "team_blue", "title": "Blue (team answers)"}
    assert results["replications"] == 3


# --------------------------------------------------------------------------- debrief


@pytest.fixture(scope="module")
def debrief(scenario):
    pf = recorded_policy_file(
        scenario,
        team="Blue",
        seed=5,
        answers=[("first_call", "hold_back", 4), ("second_call", "deploy", 12)],
        start="steady",
        scenario_hash=None,
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=6, seed=5)
    played = replay(spec)
    return build_debrief(spec, played.result, list(played.answers))


def test_debrief_lines_up_the_played_run_with_replication_0(debrief):
    assert debrief["played_is_replication_0"]
    assert [k["name"] for k in debrief["kpis"]] == list(DEBRIEF_KPIS)
    for k in debrief["kpis"]:
        assert 0 <= k["percentile"] <= 100
        assert k["team"]["ci_low"] <= k["team"]["mean"] <= k["team"]["ci_high"]
        assert k["difference"]["estimate"] == pytest.approx(
            k["team"]["mean"] - k["default"]["mean"]
        )


def test_debrief_headline(debrief):
    head = debrief["kpis"][0]
    assert debrief["headline"].startswith(
        f"Your choices: final regional stability {num(head['team']['mean'])} ("
    )
    assert "percentile" in debrief["headline"]
    assert ordinal(round(head["percentile"])) in debrief["headline"]


def test_debrief_lists_decisions_with_months(debrief):
    assert debrief["played"]["decisions"] == [
        {
            "month": 4,
            "inject": "first_call",
            "title": "Jordan asks for more courses",
            "option": "hold_back",
            "label": "Keep the current programme",
        },
        {
            "month": 12,
            "inject": "second_call",
            "title": "Attack on a border post",
            "option": "deploy",
            "label": "Deploy a protection force",
        },
        {
            "month": 20,
            "inject": "third_call",
            "title": "Dialogue offer",
            "option": "accept",
            "label": "Accept the dialogue",
        },
    ]


def test_debrief_markdown(debrief):
    md = render_markdown(debrief)
    assert md.startswith("# Debrief: Three decisions in Jordan and Iraq\n")
    assert "| 12 | Attack on a border post | Deploy a protection force |" in md
    assert "## Choices or dice? Shadow replications" in md
    assert "over 6 replications" in md
    for k in debrief["kpis"]:
        assert k["sentence"].replace("_", "\\_") in md


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_debrief_html_is_self_contained_and_escaped(debrief):
    hostile = {**debrief, "team": "<script>alert(1)</script>"}
    html = render_html(hostile)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parser = _Collect()
    parser.feed(html)
    tags = {t for t, _ in parser.tags}
    assert "table" in tags
    assert not tags & {"script", "link", "img", "iframe"}  # nothing fetched from elsewhere
    assert not any(
        (a.get("src") or a.get("href") or "").startswith(("http", "//")) for _, a in parser.tags
    )
    text = " ".join(parser.text)
    assert "Choices or dice? Shadow replications" in text
    assert debrief["headline"] in text


def test_markdown_escapes_scenario_text(tmp_path):
    text = FIXTURE.read_text().replace(
        "title: Three decisions in Jordan and Iraq", "title: 'Three *bold* <b>decisions</b>'"
    )
    scenario = loads_scenario(text)
    pf = recorded_policy_file(
        scenario, team="a|b", seed=1, answers=[], start=None, scenario_hash=None
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=2, seed=1)
    played = replay(spec)
    data = build_debrief(spec, played.result, list(played.answers))
    md = render_markdown(data)
    assert "# Debrief: Three \\*bold\\* \\<b\\>decisions\\</b\\>" in md
    assert "Team **a\\|b**" in md


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (82, "82nd"),
        (100, "100th"),
        (0, "0th"),
        (111, "111th"),
    ],
)
def test_ordinal(n, text):
    assert ordinal(n) == text


@pytest.mark.parametrize(
    ("v", "text"), [(0.614, "0.61"), (-0.05, "-0.05"), (12.44, "12.4"), (393.2, "393")]
)
def test_num(v, text):
    assert num(v) == text


def test_debrief_says_when_answers_equal_the_default(scenario, debrief):
    pf = recorded_policy_file(
        scenario,
        team="Echo",
        seed=5,
        answers=[("first_call", "train_more", 4), ("second_call", "stay", 12)],
        start="steady",
        scenario_hash=None,
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=3, seed=5)
    played = replay(spec)
    data = build_debrief(spec, played.result, list(played.answers))
    assert "same results as the default policy on every seed" in data["headline"]
    assert all(k["difference"]["estimate"] == 0 for k in data["kpis"])
    assert data["kpis"][0]["sentence"] == (
        "Choosing as you did makes no difference to final regional stability."
    )
    assert "same results as the default" not in debrief["headline"]


@pytest.mark.parametrize(
    ("d", "decimals", "text"),
    [
        ({"estimate": 0.08, "ci_low": 0.05, "ci_high": 0.11}, 2, "+0.08 (+0.05 to +0.11)"),
        ({"estimate": -0.004, "ci_low": -0.006, "ci_high": -0.002}, 3, "-0.004 (-0.006 to -0.002)"),
        (
            {"estimate": -0.0004, "ci_low": -0.0006, "ci_high": -0.0002},
            4,
            "-0.0004 (-0.0006 to -0.0002)",
        ),
        ({"estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0}, 2, "+0.00 (+0.00 to +0.00)"),
        ({"estimate": -17.55, "ci_low": -20.1, "ci_high": -15.0}, 1, "-17.6 (-20.1 to -15.0)"),
        ({"estimate": 151.2, "ci_low": 151.2, "ci_high": 151.2}, 0, "+151 (+151 to +151)"),
    ],
)
def test_differences_keep_their_digits(d, decimals, text):
    from sim.analysis.wording import diff_decimals, difference

    assert diff_decimals(d) == decimals
    assert difference(d) == text
