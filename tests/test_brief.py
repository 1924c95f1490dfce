"""``ttx brief``: what participants may know, and none of what they may not."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import make_scenario
from sim.authoring.brief import OPENING_MONTHS, frequency, level, opening, render, year_of
from sim.authoring.scaffold import template_text
from sim.authoring.words import ConditionWords, effect_words, paragraphs
from sim.cli import app
from sim.scenario.cells import all_cells, cell_ids, get_cell, is_multi_cell
from sim.scenario.loader import load_scenario, loads_scenario
from sim.scenario.models import Effect, Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
NUMBER = re.compile(r"\d*\.\d+|\d+")  # 0.25, .25 and 25


class _Text(HTMLParser):
    """The visible text of a page (no markup, no style sheet)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip = tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self.skip = False

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def numbers(text: str) -> set[float]:
    return {round(float(x), 6) for x in NUMBER.findall(text)}


def hidden_numbers(s: Scenario) -> set[float]:
    """Effect amounts and lever settings the players must not see.

    Whole numbers (lever 0, 1, 2) are left out: they are indistinguishable
    from months and counts and reveal nothing. So are values the scenario
    itself shows: numbers in its texts and conditions, and starting values.
    """
    values: list[float] = []
    for inj in s.injects:
        effects = list(inj.effects)
        if inj.decision is not None:
            for option in inj.decision.options:
                effects += option.effects
                values += option.levers.values()
        values += [e.delta if e.delta is not None else e.set or 0.0 for e in effects]
    for p in s.policies:
        values += p.levers.values()
        for rule in p.rules:
            values += rule.set.values()
    shown: set[float] = set()
    texts = [s.title, s.description, *s.sources]
    for inj in s.injects:
        texts += [inj.title, inj.narrative, inj.when or ""]
        if inj.decision is not None:
            texts.append(inj.decision.prompt)
            texts += [f"{o.label} {o.description}" for o in inj.decision.options]
    texts += [f"{o.description} {o.condition}" for o in s.objectives]
    texts += [f"{p.title} {p.description}" for p in s.policies]
    for text in texts:
        shown |= numbers(text)
    for p in s.partners:
        for var in ("capacity", "trust", "cooperation", "stability", "resilience"):
            shown.add(round(getattr(p, var), 2))
        shown |= {round(p.sensitivity, 2), round(p.absorption, 2)}
    shown |= {round(r.tension, 2) for r in s.rivalries}
    shown |= {round(v, 2) for r in s.rivals for v in r.influence.values()}
    hidden = {round(abs(v), 6) for v in values}
    return {v for v in hidden if v != int(v) and v not in shown}


def leaks(output: str, s: Scenario) -> set[float]:
    return hidden_numbers(s) & numbers(output)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_brief_shows_the_situation_not_the_hidden_numbers(path: Path, fmt: str) -> None:
    s = load_scenario(path)
    out = render(s, fmt)
    text = visible_text(out) if fmt == "html" else out.replace("\\", "")
    for partner in s.partners:
        assert partner.name in text
    for rival in s.rivals:
        assert rival.name in text
    for obj in s.objectives:
        assert " ".join(obj.description.split()) in " ".join(text.split())
    assert "illustrative training parameters, not forecasts" in text
    assert leaks(text, s) == set()


def test_hidden_number_check_can_fail() -> None:
    s = load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml")
    hidden = hidden_numbers(s)
    # The decision's option effects (+0.06, -0.08) and the policy lever 1.2 are secret.
    assert {0.06, 0.08, 1.2} <= hidden
    assert leaks(render(s) + " trust -0.08 then 1.20", s) == {0.08, 1.2}


def test_iraq_brief_in_plain_words() -> None:
    # Numbers come from the scenario, so recalibrating it does not break the wording checks.
    s = load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml")
    out = render(s)
    (iraq,) = s.partners
    assert f"- trust in the alliance: {level(iraq.trust)} ({iraq.trust:.2f})" in out
    assert f"- sovereignty concern: {level(iraq.sensitivity)} ({iraq.sensitivity:.2f})" in out
    (priorities,) = [
        line for line in out.splitlines() if line.startswith("- security priorities: ")
    ]
    assert set(priorities.split(": ")[1].split(", ")) == {
        "insurgency",
        "terrorism",
        "hybrid warfare",
    }
    assert f"- how often: {frequency(s.threats[0].rate)} against each" in out
    assert "- checked: met at any point up to month 60" in out
    assert "### Iran and Iraq" in out
    # The opening inject (month 1) sets the scene; the later decisions are
    # announced by year only, the conditional injects not at all.
    assert "## The opening situation\n\n### Mission launched\n\n- when: Month 1" in out
    scheduled = sorted(j.at for j in s.injects if j.decision is not None and j.at is not None)
    assert len(scheduled) >= 2
    years = sorted({year_of(m) for m in scheduled})
    (sentence,) = [
        line for line in out.splitlines() if line.startswith(f"{len(scheduled)} decision points")
    ]
    assert sentence.startswith(f"{len(scheduled)} decision points are scheduled: ")
    assert [int(y) for y in re.findall(r"in year (\d+)", sentence)] == years
    assert f"The exercise covers {s.horizon} months ({s.horizon // 12} years)" in out
    assert "The players are the NATO team" in out
    later = [j.title for j in s.injects if j.at is None or j.at > OPENING_MONTHS]
    assert later
    for hidden in [*later, "Baghdad's request", "as soon as"]:
        assert hidden not in out
    # Hidden: effects, lever values, rule conditions, policies.
    assert "force_protection" not in out
    for policy in s.policies:
        for rule in policy.rules:
            assert rule.when not in out
    assert "Policies on the table" not in out


def test_scenario_text_is_escaped() -> None:
    text = template_text().replace(
        "title: A new exercise", "title: '<script>alert(1)</script> *bold* [x](y)'"
    )
    s = loads_scenario(text)
    html = render(s, "html")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = render(s, "md")
    assert "# \\<script\\>alert(1)\\</script\\> \\*bold\\* \\[x\\](y)" in md


def test_html_is_self_contained_and_printable() -> None:
    html = render(load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml"), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "@media print" in html
    assert not re.search(r"<(link|script|img)\b", html)
    assert "http" not in html


@pytest.mark.parametrize(
    ("x", "word"),
    [
        (0.0, "very low"),
        (0.19, "very low"),
        (0.2, "low"),
        (0.55, "moderate"),
        (0.6, "high"),
        (0.8, "very high"),
        (1.0, "very high"),
    ],
)
def test_level_words(x: float, word: str) -> None:
    assert level(x) == word


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        (0.0, "dormant"),
        (0.02, "rare (about once in 4 years)"),
        (0.1, "occasional (about 1 a year)"),
        (0.35, "frequent (about 4 a year)"),
        (2.0, "constant (about 2 a month)"),
    ],
)
def test_frequency_words(rate: float, words: str) -> None:
    assert frequency(rate) == words


def test_cli_brief(tmp_path: Path) -> None:
    runner = CliRunner()
    path = ROOT / "scenarios" / "iraq_training_mission.yaml"
    result = runner.invoke(app, ["brief", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Training mission in Iraq under insurgent pressure")
    out = tmp_path / "brief.html"
    result = runner.invoke(app, ["brief", str(path), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "<h1>Training mission in Iraq under insurgent pressure</h1>" in out.read_text()
    bad = runner.invoke(app, ["brief", str(path), "--format", "pdf"])
    assert bad.exit_code == 1
    assert "error: unknown format 'pdf'; expected md or html" in bad.stderr
    rivalry = ROOT / "scenarios" / "iran_saudi_rivalry.yaml"
    red = runner.invoke(app, ["brief", str(rivalry), "--cell", "red"])
    assert red.exit_code == 0, red.output
    assert "situation manual for Tehran" in red.stdout
    green = runner.invoke(app, ["brief", str(rivalry), "--cell", "green"])
    assert green.exit_code == 1
    assert green.stderr == (
        "error: no cell 'green' in scenario 'iran_saudi_rivalry' (have: blue, red); check --cell\n"
    )
    missing = runner.invoke(app, ["brief", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 1
    assert "none.yaml:1:1: no such file" in missing.stderr


# ------------------------------------------------------------------ nothing still to come


def _future(s: Scenario) -> list[str]:
    """Texts the players must not read before the session: every decision and later event."""
    found: list[str] = []
    for inj in s.injects:
        if inj.when is not None or (inj.at or 0) > OPENING_MONTHS:
            found += [inj.title, inj.narrative]
        if inj.decision is not None:
            found.append(inj.decision.prompt)
            for o in inj.decision.options:
                found += [o.label, o.description]
        found.append(inj.expected_actions)
    return [" ".join(t.split()) for t in found if t.strip()]


def _option_ids(s: Scenario) -> set[str]:
    return {o.id for j in s.injects if j.decision is not None for o in j.decision.options}


def _brief_texts(s: Scenario, cell: str | None = None) -> list[tuple[str, str]]:
    """(format, visible text) of the brief in both formats, with whitespace folded."""
    md = render(s, "md", cell).replace("\\", "")
    return [
        ("md", " ".join(md.split())),
        ("html", " ".join(visible_text(render(s, "html", cell)).split())),
    ]


def _audiences(path: Path) -> list[str | None]:
    """Every brief of a scenario: the common one and one per cell."""
    return [None, *cell_ids(load_scenario(path))]


@pytest.mark.parametrize(
    ("path", "cell"),
    [(p, c) for p in SCENARIOS for c in _audiences(p)],
    ids=[f"{p.stem}-{c or 'all'}" for p in SCENARIOS for c in _audiences(p)],
)
def test_brief_reveals_no_decision_and_no_later_event(path: Path, cell: str | None) -> None:
    s = load_scenario(path)
    others = [c for c in all_cells(s) if c.id != cell and is_multi_cell(s)]
    for fmt, text in _brief_texts(s, cell):
        for hidden in _future(s):
            assert hidden not in text, (fmt, hidden)
        for option_id in _option_ids(s):
            assert not re.search(rf"\b{re.escape(option_id)}\b", text), (fmt, option_id)
        for other in others:  # another cell's briefing is that cell's alone
            for para in paragraphs(other.briefing):
                assert para not in text, (fmt, other.id)
        for c in all_cells(s):
            assert c.name in text


def test_a_cell_reads_its_own_briefing_and_its_own_decisions() -> None:
    s = load_scenario(ROOT / "scenarios" / "iran_saudi_rivalry.yaml")
    red, blue = get_cell(s, "red"), get_cell(s, "blue")
    red_brief = render(s, "md", "red").replace("\\", "")
    assert red_brief.startswith(f"# {s.title}\n\n*Participant's situation manual for {red.name}.*")
    assert paragraphs(red.briefing)[0] in red_brief
    assert paragraphs(blue.briefing)[0] not in red_brief
    shared = render(s).replace("\\", "")
    assert paragraphs(red.briefing)[0] not in shared
    assert paragraphs(blue.briefing)[0] not in shared
    counts = {  # scheduled decisions only: a conditional one is not announced
        c: sum(1 for j in s.injects if j.decision and j.decision.cell == c and j.at is not None)
        for c in ("red", "blue")
    }
    assert counts["red"] >= 2 and counts["blue"] >= 2
    assert f"{counts['red']} decision points are scheduled for your cell" in red_brief
    blue_brief = render(s, "md", "blue")
    assert f"{counts['blue']} decision points are scheduled for your cell" in blue_brief
    total = sum(counts.values())
    assert f"{total} decision points are scheduled:" in shared
    with pytest.raises(KeyError, match=r"no cell 'green'.*have: blue, red"):
        render(s, "md", "green")


def test_the_leak_check_can_fail() -> None:
    s = load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml")
    future = _future(s)
    assert "Insurgent offensive" in future  # conditional
    assert "Parliament debates the foreign presence" in future  # timed, month 36
    assert "Reduce the footprint" in future and "hold" in _option_ids(s)
    assert "Mission launched" not in future  # the opening scene is told
    text = _brief_texts(s)[0][1]
    assert "Mission launched" in text


def _decision(prompt: str) -> dict[str, object]:
    options = [{"id": "yes", "label": "Say yes"}, {"id": "no", "label": "Say no"}]
    return {"prompt": prompt, "default": "yes", "options": options}


def test_opening_injects_are_told_in_order_and_decisions_counted_by_year() -> None:
    s = make_scenario(
        horizon=48,
        injects=[
            {"id": "later", "at": 2, "title": "Later news", "decision": _decision("Q1?")},
            {"id": "second", "at": 1, "title": "Second news", "narrative": "Told second."},
            {"id": "first", "at": 0, "title": "First news", "decision": _decision("Q0?")},
            {"id": "third", "at": 30, "title": "Third news", "decision": _decision("Q2?")},
            {
                "id": "cond",
                "when": "alpha.trust < 0.2",
                "title": "Sudden news",
                "decision": _decision("Q"),
            },
        ],
    )
    assert [j.id for j in opening(s)] == ["first", "second"]
    out = render(s)
    assert out.index("### First news") < out.index("### Second news")
    assert "Told second." in out
    # The conditional decision is not counted: even its existence is not told.
    assert "3 decision points are scheduled: 2 in year 1, 1 in year 3." in out
    for hidden in ("Later news", "Third news", "Sudden news", "Q0?", "Say yes"):
        assert hidden not in out
    assert "No decision is scheduled in advance." in render(make_scenario())


@pytest.mark.parametrize(
    ("month", "year"), [(0, 1), (1, 1), (12, 1), (13, 2), (36, 3), (37, 4), (120, 10)]
)
def test_year_of(month: int, year: int) -> None:
    assert year_of(month) == year


def test_conditions_and_effects_in_words() -> None:
    s = make_scenario(
        rivals=[{"id": "rival", "name": "Rival", "influence": {"alpha": 0.2}}],
        rivalries=[{"id": "feud", "between": ["rival", "alpha"], "tension": 0.3}],
    )
    words = ConditionWords(s)
    assert words.condition("not alpha.trust < 0.3 or abs(alpha.trust - feud.tension) > 0.1") == (
        "either it is not the case that Alpha's trust in the alliance is below 0.3 or the size "
        "of (Alpha's trust in the alliance - tension in the Rival-Alpha rivalry) is above 0.1"
    )
    assert words.condition("-alpha.trust < 0 and rival.influence * 2 > nato.funds / 3") == (
        "minus Alpha's trust in the alliance is below 0 and (Rival's influence × 2) is above "
        "(NATO's available funds / 3)"
    )
    assert words.condition("abs(alpha.trust) > 0.1") == (
        "the size of (Alpha's trust in the alliance) is above 0.1"
    )
    said = [
        effect_words(s, Effect(target=t, delta=d, set=v))
        for t, d, v in [
            ("rival.influence", 0.1, None),
            ("nato.funds", None, 5.0),
            ("partners.trust", -0.1, None),
            ("feud.tension", 0.05, None),
        ]
    ]
    assert said == [
        "Rival's influence on every partner rises by 0.1",
        "NATO's available funds is set to 5",
        "every partner's trust in the alliance falls by 0.1",
        "tension in the Rival-Alpha rivalry rises by 0.05",
    ]
