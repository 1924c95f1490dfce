"""The explore findings and report: the planted driver found, stated and drawn; text escaped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.explore.findings import analyse, param_label, primary_measure, sensitivity_method
from sim.explore.report import Context, render_html, render_markdown
from sim.explore.store import ExploreData, load_points, synthetic

CTX = Context("Synthetic", "syn", "ttx explore syn.yaml --samples 64", "points.parquet")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> ExploreData:
    return load_points(synthetic(tmp_path_factory.mktemp("x") / "p.parquet", points=64))


def test_findings_name_the_driver_of_the_lead_and_bound_it(data: ExploreData) -> None:
    f = analyse(data)
    lead = f.sensitivities[0]
    assert lead.output == "regret" and lead.leading == "model.footprint_trust"
    region = f.regions[0].region
    assert region is not None
    (bound,) = region.bounds
    assert bound.param == "model.footprint_trust"
    edge = bound.high if bound.high is not None else bound.low
    assert edge == pytest.approx(0.5, abs=0.05)


def test_markdown_states_robustness_drivers_and_a_region_in_words(data: ExploreData) -> None:
    md = render_markdown(analyse(data), CTX)
    for heading in ("## Robustness", "## What drives the result", "## Where the recommendation"):
        assert heading in md
    assert re.search(
        r"When footprint\\_trust (\\<=|>) 0\.[45]\d*, \w+ misses keep\\_trust in \d+% "
        r"of cases; this region holds \d+% of all misses",
        md,
    ), md
    assert "(95% interval)" in md and re.search(r"\d\.\d{3} \(\d\.\d{3} to \d\.\d{3}\)", md)
    assert "`ttx explore syn.yaml --samples 64`" in md


@pytest.mark.slow
def test_html_is_self_contained_with_its_charts(data: ExploreData) -> None:
    html = render_html(analyse(data), CTX)
    assert html.count("<svg") >= 4  # regret, sensitivity, region
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "misses keep_trust" in html


HOSTILE = Context("<b>x</b> | *y*", "syn", "ttx explore a|b.yaml", "p.parquet")


@pytest.mark.slow
def test_scenario_text_is_escaped_in_html(data: ExploreData) -> None:
    html = render_html(analyse(data), HOSTILE)
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_scenario_text_is_escaped_in_markdown(data: ExploreData) -> None:
    ctx, f = HOSTILE, analyse(data)
    assert "\\<b\\>x\\</b\\> \\| \\*y\\*" in render_markdown(f, ctx)


def test_a_policy_that_never_fails_gets_a_sentence_not_a_region() -> None:
    rng = np.random.default_rng(0)
    n = 40
    data = ExploreData(
        params=["model.a"],
        X=rng.random((n, 1)),
        policies=["p", "q"],
        kpis={"final_stability": np.column_stack([np.full(n, 0.8), np.full(n, 0.5)])},
        objectives={"o": np.column_stack([np.full(n, 0.95), np.full(n, 0.1)])},
        design={"method": "lhs"},
    )
    f = analyse(data)
    assert f.leader == "p" and all(r.region is None for r in f.regions)
    assert (
        f.regions[0].sentence == "p meets o with probability at least 0.8 at every point explored."
    )
    md = render_markdown(f, CTX)
    assert "is never beaten on final regional stability" in md
    assert "no parameter drives it" in md  # constant KPI


def test_param_labels() -> None:
    assert param_label("model.footprint_trust") == "footprint_trust"
    assert param_label("model.threats.disinformation.trust_harm") == (
        "trust_harm of disinformation threats"
    )
    assert param_label("iraq.sensitivity", {"iraq": "Iraq"}) == "Iraq's sensitivity"
    assert param_label("threats.cells.rate") == "rate of threat cells"
    assert param_label("initiatives.train.cycle") == "cycle of initiative train"
    assert param_label("a.b.c.d.e") == "a.b.c.d.e"


@pytest.mark.parametrize(
    ("design", "n", "expected"),
    [
        ({"method": "lhs", "analysis": "given-data"}, 60, ("given-data", False)),
        ({"method": "sobol", "analysis": "saltelli"}, 50, ("saltelli", False)),  # 10 x (3+2)
        ({"analysis": "saltelli", "second_order": True}, 80, ("saltelli", True)),  # 10 x (2*3+2)
        ({"method": "sobol", "analysis": "saltelli"}, 51, ("given-data", False)),  # partial
        ({"method": "morris"}, 40, ("morris", False)),  # 10 x (3+1), older file
        ({"analysis": "morris"}, 41, ("given-data", False)),
    ],
)
def test_sensitivity_method_follows_the_design(
    design: dict[str, object], n: int, expected: tuple[str, bool]
) -> None:
    assert sensitivity_method(design, n, 3) == expected


def test_primary_measure_prefers_headline_kpis() -> None:
    X = np.zeros((2, 1))

    def d(kpis: list[str], objectives: list[str]) -> ExploreData:
        grid = np.zeros((2, 1))
        objs = dict.fromkeys(objectives, grid)
        return ExploreData(["a"], X, ["p"], dict.fromkeys(kpis, grid), objs)

    assert primary_measure(d(["cost", "final_stability"], ["o"])) == "final_stability"
    assert primary_measure(d(["x"], ["o"])) == "o"
    assert primary_measure(d(["x"], [])) == "x"


def test_primary_measure_is_where_the_uncertain_numbers_decide_the_ranking() -> None:
    n = 10
    flips = np.column_stack([np.linspace(0, 1, n), np.full(n, 0.5)])
    always = np.column_stack([np.zeros(n), np.ones(n)])
    data = ExploreData(
        ["a"],
        np.linspace(0, 1, n)[:, None],
        ["p", "q"],
        {"final_stability": always, "final_trust": flips, "cost": np.zeros((n, 2))},
        {},
    )
    f = analyse(data)
    assert f.leader == "q"  # best on stability everywhere, on trust half the time
    assert f.primary == "final_trust"
    assert f.sensitivities[0].output == "regret" and f.sensitivities[0].leading == "a"


def test_reads_the_file_written_by_the_store(tmp_path: Path) -> None:
    data = load_points(synthetic(tmp_path / "p.parquet", points=24, policies=("a", "b", "c")))
    f = analyse(data, threshold=0.7)
    assert f.robustness.threshold == 0.7 and len(f.robustness.ranking) == 3


def test_saltelli_points_get_sobol_columns_and_a_headline_without_objectives() -> None:
    from SALib.sample import sobol as saltelli

    problem = {"num_vars": 2, "names": ["model.a", "model.b"], "bounds": [[0, 1]] * 2}
    X = saltelli.sample(problem, 16, calc_second_order=False, seed=1)
    n = len(X)
    lead = np.where(X[:, 0] > 0.5, 0.1, -0.1)
    data = ExploreData(
        ["model.a", "model.b"],
        X,
        ["p", "q"],
        {"final_stability": np.column_stack([0.5 + lead, np.full(n, 0.5)])},
        {},
        design={"method": "sobol", "analysis": "saltelli", "second_order": False},
    )
    f = analyse(data)
    assert f.sensitivities[0].method == "saltelli" and f.sensitivities[0].leading == "model.a"
    md = render_markdown(f, CTX)
    assert "Sobol' total order (95% interval) | Sobol' first order |" in md
    assert "is the most robust policy: it is best or tied on final regional stability" in md


def test_region_sentences_name_the_policy_by_its_title(data: ExploreData) -> None:
    titles = {p: f"Policy {p.upper()} (long title)" for p in data.policies}
    f = analyse(data, titles=titles)
    named = titles[f.leader]
    sentences = [r.sentence for r in f.regions]
    assert sentences and all(s.startswith(("When ", named)) for s in sentences)
    assert all(named in s for s in sentences)
    assert all(f.regions[i].policy == named for i in range(len(f.regions)))
    # Without titles the ids stand in.
    assert all(f.leader in r.sentence for r in analyse(data).regions)
