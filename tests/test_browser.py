"""Open the HTML reports in a real headless Chromium and check what a viewer sees.

Uses the ``playwright`` Python package to drive the system's Debian
``chromium`` (``.ci/run`` installs it); Playwright's own browser download is
never used. In CI (``CI=true``) a missing browser or driver is a failure,
not a skip: this is the only test that proves the pages render.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.analysis.compare import compare
from sim.report.html import series_groups
from sim.report.outputs import write_comparison, write_run
from sim.runs.reportfile import dumps
from sim.runs.spec import RunSpec
from sim.runs.sweep import sweep
from sim.scenario.loader import load_scenario, scenario_hash

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; in CI the browser test must run (.ci/run installs chromium)")
    pytest.skip(f"{reason} (this test runs in CI)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A run page and a comparison page of the tiny scenario (20 replications)."""
    out = tmp_path_factory.mktemp("html")
    spec = RunSpec.of(
        load_scenario(TINY), "steady", replications=20, scenario_hash=scenario_hash(TINY)
    )
    runs = sweep([spec, spec.with_policy("heavy")])
    reports = {k: json.loads(dumps(v.to_dict())) for k, v in runs.items()}
    comparison = compare(list(reports.values()))
    write_run(reports["steady"], out / "steady", ["html"])
    write_comparison(comparison, list(reports.values()), out, ["html"])
    return {
        "run": out / "steady" / "report.html",
        "comparison": out / "comparison.html",
        "report": reports["steady"],
        "comparison_report": comparison,
    }


def _open(browser: Any, path: Path) -> tuple[Any, dict[str, list[str]]]:
    """Load ``path`` and record console errors, page errors, dialogs and any network use."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    seen: dict[str, list[str]] = {"console": [], "errors": [], "dialogs": [], "requests": []}
    url = path.resolve().as_uri()
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("requestfailed", lambda r: seen["requests"].append(f"failed: {r.url}"))
    page.on("request", lambda r: None if r.url == url else seen["requests"].append(r.url))
    page.goto(url, wait_until="load")
    return page, seen


def _n_fans(results: dict[str, Any]) -> int:
    return sum(len(charts) for _, charts in series_groups(results))


def _check_page(page: Any, seen: dict[str, list[str]], n_plots: int) -> str:
    assert seen == {"console": [], "errors": [], "dialogs": [], "requests": []}
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('svg'))"
        ".map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert len(sizes) == n_plots
    assert all(w > 100 and h > 50 for w, h in sizes), sizes
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    title = load_scenario(TINY).title
    assert page.inner_text("h1") == title  # the <script> title is shown as text
    return str(page.inner_text("body"))


def test_run_page_in_chromium(browser: Any, pages: dict[str, Any], tmp_path: Path) -> None:
    page, seen = _open(browser, pages["run"])
    r = pages["report"]["results"]
    text = _check_page(page, seen, _n_fans(r) + 3)  # + objectives by month, objectives, incidents
    assert f"{r['kpis']['final_stability']['mean']:.3f}" in text
    assert f"{r['kpis']['cost']['mean']:.3f}" in text
    assert "Steady <i>training</i>" in text
    page.screenshot(path=tmp_path / "run.png")
    page.locator("figure.plot").nth(2).screenshot(path=tmp_path / "run-fan.png")
    assert (tmp_path / "run.png").stat().st_size > 10_000
    page.close()


def test_comparison_page_in_chromium(browser: Any, pages: dict[str, Any], tmp_path: Path) -> None:
    page, seen = _open(browser, pages["comparison"])
    c = pages["comparison_report"]["results"]
    r = pages["report"]["results"]
    text = _check_page(page, seen, _n_fans(r) + len(r["objectives"]) + 2)
    d = c["kpis"]["final_stability"]["differences"]["heavy"]
    assert f"{d['estimate']:+.3f}" in text
    assert "paired by seed (common random numbers)" in text
    assert c["kpis"]["final_stability"]["label"] in text
    page.screenshot(path=tmp_path / "comparison.png", full_page=True)
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    # Print layout (handouts): the charts still render at a usable size.
    page.emulate_media(media="print")
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('svg')).map(s => s.getBoundingClientRect().width)"
    )
    assert min(widths) > 300
    page.close()


def test_after_action_page_in_chromium(browser: Any, tmp_path: Path) -> None:
    """Three teams with long names: no horizontal overflow at 1,280 px, labelled chart axes."""
    from sim.play.aar import after_action, load_teams
    from sim.report.aar import render_html
    from sim.scenario.models import Policy, PolicyFile
    from sim.scenario.policyfile import dumps_policy_file

    fixture = ROOT / "tests" / "assets" / "three_decisions.yaml"
    paths = []
    for name, option in [
        ("Amber team of the northern command", "deploy"),
        ("Blue team of the southern command", "fund"),
        ("Cyan team of the western command", "stay"),
    ]:
        slug = name.split()[0].lower()
        pf = PolicyFile(
            scenario="three_decisions",
            team=name,
            seed=11,
            policy=Policy(id=f"team_{slug}", extends="steady", decisions={"second_call": option}),
        )
        path = tmp_path / f"{slug}.answers.yaml"
        path.write_text(dumps_policy_file(pf, fixture))
        paths.append(path)
    scenario, teams = load_teams(paths)
    data = after_action(scenario, teams, replications=4, notes="A " + "very-long-word" * 30)
    page_file = tmp_path / "aar.html"
    page_file.write_text(render_html(data))
    page, seen = _open(browser, page_file)
    assert seen == {"console": [], "errors": [], "dialogs": [], "requests": []}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, width
    n_svg = page.evaluate("document.querySelectorAll('svg').length")
    assert n_svg == 1 + len(teams)  # teams x objectives, and one per team's options
    labels = page.evaluate("Array.from(document.querySelectorAll('svg')).map(s => s.textContent)")
    assert all("(%)" in t for t in labels)  # the probability axis
    assert "objective" in labels[0] and all("decision: option" in t for t in labels[1:])
    text = str(page.inner_text("body"))
    for part in ("Teams side by side", "Strengths", "Areas for improvement", "Luck"):
        assert part in text
    page.screenshot(path=tmp_path / "aar.png", full_page=True)
    assert (tmp_path / "aar.png").stat().st_size > 10_000
    page.close()


# --- layout: pages fit a 1,280 px window and an A4 page ----------------------------

FLAGSHIP = ROOT / "scenarios" / "iraq_training_mission.yaml"
THREE_POLICIES = ROOT / "scenarios" / "gcc_coordination.yaml"
A4_WIDTH = 794  # CSS pixels across an A4 sheet (210 mm at 96 px per inch)

OVERFLOWING = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => !(e instanceof SVGElement) && getComputedStyle(e).display !== 'inline'
               && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)"""


@pytest.fixture(scope="module")
def wide_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A three-policy comparison (few replications) and a run report of the flagship."""
    out = tmp_path_factory.mktemp("wide")
    scenario = load_scenario(THREE_POLICIES)
    assert len(scenario.policies) == 3
    spec = RunSpec.of(
        scenario,
        scenario.policies[0].id,
        replications=3,
        scenario_hash=scenario_hash(THREE_POLICIES),
    )
    runs = sweep([spec.with_policy(p.id) for p in scenario.policies])
    reports = [json.loads(dumps(v.to_dict())) for v in runs.values()]
    write_comparison(compare(reports), reports, out, ["html"])
    flagship = RunSpec.of(load_scenario(FLAGSHIP), replications=3, scenario_hash="")
    write_run(json.loads(dumps(sweep([flagship])[flagship.label].to_dict())), out / "run", ["html"])
    return {"comparison": out / "comparison.html", "run": out / "run" / "report.html"}


@pytest.mark.parametrize("which", ["comparison", "run"])
def test_pages_fit_the_window_and_an_a4_page(
    browser: Any, wide_pages: dict[str, Path], which: str
) -> None:
    page, seen = _open(browser, wide_pages[which])
    assert seen == {"console": [], "errors": [], "dialogs": [], "requests": []}
    for media, width in (("screen", 1280), ("print", A4_WIDTH)):
        page.set_viewport_size({"width": width, "height": 1000})
        page.emulate_media(media=media)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, media
        assert page.evaluate(OVERFLOWING) == [], media
    page.emulate_media(media="screen")
    assert page.locator("nav.toc a").count() >= 5  # a long page has contents
    page.close()


@pytest.mark.parametrize("which", ["comparison", "run"])
def test_every_chart_has_a_y_axis_label_and_the_marks(
    browser: Any, wide_pages: dict[str, Path], which: str
) -> None:
    page, _ = _open(browser, wide_pages[which])
    charts = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg')).map(s => ({
             label: s.getAttribute('aria-label'),
             ylabel: Array.from(s.querySelectorAll('[id$="-ylabel"]')).map(g => g.textContent)
                          .join('').trim(),
             ids: Array.from(s.querySelectorAll('[id]')).map(g => g.id)}))"""
    )
    assert len(charts) > 10
    assert all(c["ylabel"] for c in charts), [c["label"] for c in charts if not c["ylabel"]]
    fans = [c for c in charts if any("-mark-" in i for i in c["ids"])]
    # every chart over months carries the scheduled injects; incidents and objectives do not
    assert len(fans) == len(charts) - 2
    if which == "run":
        ids = {i for c in fans for i in c["ids"]}
        assert any(i.endswith("mark-decision-host_request") for i in ids)
        assert any(i.endswith("mark-inject-mission_launch") for i in ids)
        trust = next(c for c in charts if c["label"] == "Trust in Iraq")
        assert any("threshold-" in i and i.endswith("keep_trust") for i in trust["ids"])
        assert page.locator(".marks-key .mark").count() == 3  # the key: A, B, C
    assert "paired by seed" not in page.inner_text("body") or which == "comparison"
    page.close()
