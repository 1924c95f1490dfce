"""``ttx msel``: the controllers' events list shows every inject and what it does."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from test_brief import visible_text
from test_browser import browser  # noqa: F401  (the shared Chromium fixture)
from typer.testing import CliRunner

from factories import make_scenario
from sim.authoring.msel import CSV_HEADER, msel_data, objectives_for, ordered, render
from sim.authoring.scaffold import template_text
from sim.authoring.words import paragraphs
from sim.cli import app
from sim.scenario.cells import get_cell
from sim.scenario.loader import load_scenario, loads_scenario
from sim.scenario.models import Inject, Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
IRAQ = ROOT / "scenarios" / "iraq_training_mission.yaml"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _inject(s: Scenario, inject_id: str) -> Inject:
    return next(j for j in s.injects if j.id == inject_id)


def _by(x: float) -> str:
    """How the list writes an amount (the renderer's own format, checked in the factory tests)."""
    return f"{abs(x):g}"


def test_iraq_events_list_in_plain_words() -> None:
    # Numbers come from the scenario, so recalibrating it does not break the wording checks.
    s = load_scenario(IRAQ)
    out = render(s)
    assert "**For controllers only: do not hand this out." in out
    timed = [j for j in s.injects if j.at is not None]
    conditional = [j for j in s.injects if j.when is not None]
    asks = sum(j.decision is not None for j in s.injects)
    assert timed and conditional and asks >= 3
    assert (
        f"{len(s.injects)} injects over {s.horizon} months: {len(timed)} timed, "
        f"{len(conditional)} conditional; {asks} ask for a decision." in out
    )
    # In time order, timed by month, then the conditional ones with their triggers.
    host, offensive = _inject(s, "host_request"), _inject(s, "insurgent_offensive")
    assert (
        out.index("## 1. Mission launched")
        < out.index(f"## {ordered(s).index(host) + 1}. {host.title} (`host_request`)")
        < out.index(f"{ordered(s).index(offensive) + 1}. {offensive.title}")
    )
    assert offensive.when is not None
    bar = float(re.fullmatch(r"iraq\.stability < ([\d.]+)", offensive.when)[1])  # type: ignore[index]
    assert f"- **When:** As soon as Iraq's internal stability is below {bar:g}" in out
    assert f"- **Condition:** `{offensive.when}`" in out
    assert "- **Goes to:** NATO" in out
    assert "> After a deadly attack blamed on foreign forces" in out
    # Hidden effects and lever changes, in words, under each option.
    (shock,) = host.effects
    assert shock.delta is not None and shock.delta < 0
    assert f"- Iraq's trust in the alliance falls by {_by(shock.delta)}" in out
    assert host.decision is not None
    comply, negotiate = host.decision.options[:2]
    assert f"- **{comply.label}** (`comply`, the default): Draw the presence down" in out
    assert comply.effects[0].delta is not None
    assert f"  - Iraq's trust in the alliance rises by {_by(comply.effects[0].delta)}" in out
    assert "  - Expanded force presence: intensity 0 (switched off)" in out
    reduced = negotiate.levers["force_protection"]
    assert 0 < reduced < 1
    assert f"  - Expanded force presence: intensity {reduced:g} (reduced)" in out
    assert "- Tension in the Iran-Iraq rivalry rises by" in out
    keep_trust = next(o for o in s.objectives if o.id == "keep_trust")
    assert f"**Bears on objectives:**\n\n- {keep_trust.description}\n" in out
    assert f"Choose one option: {host.decision.prompt}" in out
    assert "Take note; no decision is asked for." in out


def _scenario(**inject: Any) -> Scenario:
    """The test scenario with two partners, a rivalry and one objective per variable."""
    return make_scenario(
        partners=[
            {"id": p, "name": p.title(), "capacity": 0.3, "trust": 0.5, "cooperation": 0.4}
            | {"stability": 0.5, "resilience": 0.3}
            for p in ("alpha", "beta")
        ],
        rivals=[{"id": "rival", "name": "Rival", "influence": {"beta": 0.2}}],
        rivalries=[{"id": "feud", "between": ["rival", "beta"], "tension": 0.3}],
        threats=[],
        objectives=[
            {"id": "a_trust", "description": "A trust", "condition": "alpha.trust > 0.5"},
            {"id": "b_trust", "description": "B trust", "condition": "beta.trust > 0.5"},
            {
                "id": "mean_stab",
                "description": "Stable",
                "condition": "mean(partners.stability) > 0.5",
            },
            {"id": "calm", "description": "Calm", "condition": "feud.tension < 0.3"},
            {"id": "a_cap", "description": "A capacity", "condition": "alpha.capacity > 0.5"},
            {"id": "money", "description": "Money", "condition": "nato.spent < 30"},
            {"id": "cash", "description": "Cash", "condition": "nato.funds > 1"},
            {"id": "late", "description": "Late", "condition": "month > 30"},
        ],
        injects=[{"id": "event", "title": "Event", "at": 5} | inject],
    )


@pytest.mark.parametrize(
    ("inject", "bears_on"),
    [
        ({"effects": [{"target": "beta.trust", "delta": -0.1}]}, ["B trust"]),
        ({"effects": [{"target": "partners.trust", "set": 0.2}]}, ["A trust", "B trust"]),
        ({"effects": [{"target": "beta.stability", "delta": -0.1}]}, ["Stable"]),
        ({"effects": [{"target": "feud.tension", "delta": 0.1}]}, ["Calm"]),
        ({"effects": [{"target": "rival.influence", "delta": 0.1}]}, []),
        # A lever change bears on what the initiative works on, and on spending.
        (
            {
                "decision": {
                    "prompt": "Train more?",
                    "default": "no",
                    "options": [
                        {"id": "yes", "label": "Yes", "levers": {"train": 2.0}},
                        {"id": "no", "label": "No"},
                    ],
                }
            },
            ["A trust", "A capacity", "Money", "Cash"],
        ),
        ({"effects": [{"target": "nato.funds", "delta": -5.0}]}, ["Cash"]),
        ({}, []),
    ],
)
def test_objectives_an_inject_bears_on(inject: dict[str, Any], bears_on: list[str]) -> None:
    s = _scenario(**inject)
    assert objectives_for(s, s.injects[0]) == bears_on


def test_expected_actions_reach_the_msel_only() -> None:
    text = template_text().replace(
        "    title: Request for support\n",
        "    title: Request for support\n"
        "    expected_actions: |\n"
        "      Ask what the unit is for.\n\n"
        "      Weigh the cost against the partner's trust.\n",
    )
    s = loads_scenario(text)
    md = render(s)
    assert "Ask what the unit is for.\n\nWeigh the cost against the partner's trust." in md
    assert "Ask what the unit is for." in visible_text(render(s, "html"))
    row = _rows(render(s, "csv"))[0]
    assert row["expected_actions"].startswith("Ask what the unit is for.\n\nWeigh")
    from sim.authoring.brief import render as brief

    assert "Ask what the unit is for" not in brief(s) + brief(s, "html")


def test_csv_one_row_per_option_or_inject() -> None:
    s = load_scenario(IRAQ)
    rows = _rows(render(s, "csv"))
    assert list(rows[0]) == CSV_HEADER
    # One row per option of a decision, one for an inject without a decision.
    expected: list[tuple[str, str, str]] = []
    for j in ordered(s):
        if j.decision is None:
            expected.append((j.id, "", ""))
        else:
            default = j.decision.default
            expected += [
                (j.id, o.id, "yes" if o.id == default else "no") for o in j.decision.options
            ]
    assert [(r["inject"], r["option"], r["default"]) for r in rows] == expected
    negotiate = next(r for r in rows if r["option"] == "negotiate")
    reduced = _inject(s, "host_request").decision.options[1].levers["force_protection"]
    assert negotiate["lever_changes"] == f"Expanded force presence: intensity {reduced:g} (reduced)"
    launch = next(r for r in rows if r["inject"] == "mission_launch")
    offensive = next(r for r in rows if r["inject"] == "insurgent_offensive")
    assert launch["month"] == "1" and offensive["month"] == ""
    assert offensive["condition"] == _inject(s, "insurgent_offensive").when


def test_csv_cells_are_never_formulas() -> None:
    s = loads_scenario(
        template_text().replace("title: Request for support", "title: '=HYPERLINK(\"x\")'")
    )
    rows = _rows(render(s, "csv"))
    assert rows[0]["title"] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_inject_option_and_effect_is_listed(path: Path) -> None:
    s = load_scenario(path)
    md = render(s).replace("\\", "")
    html = " ".join(visible_text(render(s, "html")).split())
    rows = _rows(render(s, "csv"))
    assert [e.id for e in msel_data(s)["entries"]] == [j.id for j in ordered(s)]
    months = [j.at for j in ordered(s) if j.at is not None]
    assert months == sorted(months)
    for inj in s.injects:
        for text in (md, html):
            assert inj.title in text
        if inj.decision is None:
            assert sum(r["inject"] == inj.id for r in rows) == 1
            continue
        for o in inj.decision.options:
            assert o.label in md and o.label in html
            assert f"`{o.id}`" in md
            assert any(r["inject"] == inj.id and r["option"] == o.id for r in rows)
        effects = [e for o in inj.decision.options for e in o.effects] + list(inj.effects)
        for e in effects:
            amount = e.set if e.set is not None else abs(e.delta or 0.0)
            assert f"by {amount:g}" in md or f"set to {amount:g}" in md


def test_html_is_self_contained_printable_and_escaped() -> None:
    html = render(load_scenario(IRAQ), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in html and "@media print" in html
    assert not re.search(r"<(link|script|img)\b", html)
    assert "http" not in html
    s = loads_scenario(
        template_text().replace("title: Request for support", "title: '<b>bold</b> *x*'")
    )
    assert "&lt;b&gt;bold&lt;/b&gt;" in render(s, "html")
    assert "\\<b\\>bold\\</b\\> \\*x\\*" in render(s, "md")


def test_a_scenario_without_injects() -> None:
    s = make_scenario()
    assert "0 injects over 36 months" in render(s)
    assert _rows(render(s, "csv")) == []
    assert "0 injects" in render(s, "html")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="expected md, html, csv"):
        render(make_scenario(), "pdf")


def test_cli_msel(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["msel", str(IRAQ)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Master scenario events list: Training mission in Iraq")
    out = tmp_path / "msel.csv"
    result = runner.invoke(app, ["msel", str(IRAQ), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    assert out.read_text().startswith("number,inject,title")
    again = runner.invoke(app, ["msel", str(IRAQ), "--format", "html", "--out", str(out)])
    assert again.exit_code == 1
    assert f"error: {out} already exists; use --force to overwrite" in again.stderr
    assert out.read_text().startswith("number,inject,title")  # left as it was
    forced = ["msel", str(IRAQ), "--format", "html", "--out", str(out), "--force"]
    assert runner.invoke(app, forced).exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["msel.csv"]  # no temporary left
    bad = runner.invoke(app, ["msel", str(IRAQ), "--format", "pdf"])
    assert bad.exit_code == 1
    assert "error: unknown format 'pdf'; expected md, html, csv" in bad.stderr
    missing = runner.invoke(app, ["msel", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 1
    assert "none.yaml:1:1: no such file" in missing.stderr
    blocked = tmp_path / "file"
    blocked.write_text("")
    nowhere = runner.invoke(app, ["msel", str(IRAQ), "--out", str(blocked / "msel.md")])
    assert nowhere.exit_code == 1
    assert nowhere.stderr.startswith(f"error: cannot write {blocked / 'msel.md'}")


@pytest.mark.browser
@pytest.mark.slow
def test_html_fits_the_screen_and_an_a4_page(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    """No horizontal scrolling at 1280px, nor in print (A4 is about 718px between margins)."""
    for path in SCENARIOS:
        page_file = tmp_path / f"{path.stem}.html"
        page_file.write_text(render(load_scenario(path), "html"))
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert page.evaluate(overflow) <= 0, path.stem
        page.set_viewport_size({"width": 718, "height": 1000})
        page.emulate_media(media="print")
        assert page.evaluate(overflow) <= 0, path.stem
        assert page.locator("section.inject").count() == len(load_scenario(path).injects)
        page.close()


def test_cells_each_inject_goes_to_its_deciding_cell() -> None:
    s = load_scenario(ROOT / "scenarios" / "iran_saudi_rivalry.yaml")
    red, blue = get_cell(s, "red"), get_cell(s, "blue")
    out = render(s).replace("\\", "")
    # The controllers see every cell's briefing and the levers it sets.
    assert "## Cells" in out
    for c in (red, blue):
        assert f"### {c.name} (`{c.id}`)" in out
        assert paragraphs(c.briefing)[0] in out
    assert "Sets: Proxy drone and missile strikes on oil infrastructure;" in out
    entries = {e.id: e for e in msel_data(s)["entries"]}
    for inj in s.injects:
        e = entries[inj.id]
        if inj.decision is None:
            assert (e.cell_id, e.cell) == ("", "every cell")
        else:
            assert (e.cell_id, e.cell) == (inj.decision.cell, get_cell(s, inj.decision.cell).name)
    assert {e.cell_id for e in entries.values()} == {"", "red", "blue"}
    # A red lever change reads as what it scales, and bears on what that changes.
    assert "  - Iran's influence pressure: intensity 1.6 (stepped up)" in out
    rows = _rows(render(s, "csv"))
    assert {r["cell"] for r in rows} == {"", "red", "blue"}
    assert red.name in visible_text(render(s, "html"))


def test_a_rival_lever_bears_on_influence_and_trust() -> None:
    s = make_scenario(
        rivals=[{"id": "rival", "name": "Rival", "influence": {"alpha": 0.2}, "lever": "push"}],
        threats=[
            {
                "id": "cells",
                "kind": "insurgency",
                "targets": ["alpha"],
                "rate": 0.2,
                "lever": "raids",
            }
        ],
        cells=[{"id": "red", "name": "Red", "controls": ["push", "raids"]}],
        policies=[{"id": "none"}],
        objectives=[
            {"id": "t", "description": "Trust", "condition": "alpha.trust > 0.5"},
            {"id": "i", "description": "Influence", "condition": "rival.influence < 0.5"},
            {"id": "n", "description": "Few incidents", "condition": "incidents.total < 5"},
            {"id": "c", "description": "Capacity", "condition": "alpha.capacity > 0.5"},
        ],
        injects=[
            {
                "id": "choice",
                "title": "Choice",
                "at": 3,
                "decision": {
                    "prompt": "Push?",
                    "cell": "red",
                    "default": "no",
                    "options": [
                        {"id": "yes", "label": "Yes", "levers": {"push": 2.0}},
                        {"id": "raid", "label": "Raid", "levers": {"raids": 2.0}},
                        {"id": "no", "label": "No"},
                    ],
                },
            }
        ],
    )
    assert objectives_for(s, s.injects[0]) == ["Trust", "Influence", "Few incidents"]
    assert "  - Insurgency: intensity 2 (stepped up)" in render(s)
