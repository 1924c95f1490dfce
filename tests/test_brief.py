"""``ttx brief``: what participants may know, and none of what they may not."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.authoring.brief import frequency, level, render
from sim.authoring.scaffold import template_text
from sim.cli import app
from sim.scenario.loader import load_scenario, loads_scenario
from sim.scenario.models import Scenario

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
    for inj in s.injects:
        assert inj.title in text
        if inj.decision is not None:
            for option in inj.decision.options:
                assert option.label in text
    for obj in s.objectives:
        assert " ".join(obj.description.split()) in " ".join(text.split())
    for pol in s.policies:
        assert (pol.title or pol.id) in text
    assert "illustrative training parameters, not forecasts" in text
    assert leaks(text, s) == set()


def test_hidden_number_check_can_fail() -> None:
    s = load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml")
    hidden = hidden_numbers(s)
    # The decision's option effects (+0.06, -0.08) and the policy lever 1.2 are secret.
    assert {0.06, 0.08, 1.2} <= hidden
    assert leaks(render(s) + " trust -0.08 then 1.20", s) == {0.08, 1.2}


def test_iraq_brief_in_plain_words() -> None:
    out = render(load_scenario(ROOT / "scenarios" / "iraq_training_mission.yaml"))
    assert "- trust in the alliance: moderate (0.55)" in out
    assert "- sovereignty concern: very high (0.80)" in out
    assert "- security priorities: insurgency, terrorism, hybrid warfare" in out
    assert "- how often: frequent (about 4 a year) against each" in out
    assert "- when: Month 36" in out
    assert "- when: as soon as Iraq's internal stability is below 0.3" in out
    assert "**Decision:** How does the alliance answer Baghdad's request?" in out
    assert "- **Reduce the footprint**: Draw the presence down" in out
    assert "- checked: met at any point up to month 60" in out
    assert "### Iran and Iraq" in out
    # Timeline in order: timed injects by month, then triggered ones.
    assert (
        out.index("Mission launched")
        < out.index("Parliament debates")
        < out.index("Insurgent offensive")
    )
    # Hidden: effects, lever values, rule conditions.
    assert "force_protection" not in out
    assert "iraq.trust < 0.25" not in out


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
    missing = runner.invoke(app, ["brief", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 1
    assert "none.yaml:1:1: no such file" in missing.stderr
