"""The shipped scenario library: every scenario is valid, runs, and is a meaningful exercise.

"Meaningful" is checked statistically on a small paired run (every policy of
a scenario on the same replication seeds, so differences are paired by
common random numbers): every pair of policies differs on some outcome (a
headline KPI other than cost, or an objective) with a family-wise 95% CI
excluding zero, and no policy beats another on every headline indicator
(each pair trades off). Those checks need their replications and are marked
slow; the sanity checks run on a handful. Each scenario is simulated once
per policy and replication count, and the results are cached for all the
checks below.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.kpis import JUDGED, direction
from sim.model.engine import ReplicationResult, simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.runs.aggregate import Aggregator
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario
from sim.scenario.vocabulary import InitiativeKind, ThreatKind
from sim.stats import paired_difference, wilson_interval

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SOURCE = ROOT / "docs" / "source" / "nato-middle-east-security.txt"
MODELINE = "# yaml-language-server: $schema=../schema/scenario.schema.json"

# Small enough for the whole file to stay well under a minute on a loaded
# machine, large enough for the calibrated differences to show (they were
# tuned with 60-200 replications; see bench/calibrate.py).
REPLICATIONS = 30
# Enough for the sanity checks, which hold replication by replication.
SMOKE = 5

HEADLINE = {k: direction(k) for k in JUDGED}  # +1 higher is better, -1 lower

ids = [p.stem for p in SCENARIOS]


@functools.cache
def scenario(path: Path) -> Scenario:
    return load_scenario(path)


@functools.cache
def runs(path: Path, replications: int = REPLICATIONS) -> dict[str, list[ReplicationResult]]:
    """Every policy of the scenario over the same ``replications`` seeds."""
    sc = scenario(path)
    seeds = [replication_seed(sc.seed, k) for k in range(replications)]
    out = {}
    for policy in sc.policies:
        plan = compile_plan(sc, policy.id)
        out[policy.id] = [simulate(plan, s) for s in seeds]
    return out


def values(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """Per policy: per-replication values of the headline KPIs and objectives."""
    sc = scenario(path)
    out = {}
    for pid, results in runs(path).items():
        v = {k: np.array([r.kpis[k] for r in results]) for k in HEADLINE}
        for o in sc.objectives:
            v[f"objective:{o.id}"] = np.array([float(r.objectives[o.id]) for r in results])
        out[pid] = v
    return out


def direction(metric: str) -> int:
    return HEADLINE.get(metric, +1)


def headings() -> set[str]:
    return {line.strip() for line in SOURCE.read_text(encoding="utf-8").splitlines()}


# --------------------------------------------------------------------------- the library


def test_library_has_at_least_eight_scenarios() -> None:
    assert len(SCENARIOS) >= 8, [p.name for p in SCENARIOS]


def test_scenario_ids_match_file_names_and_are_unique() -> None:
    loaded = [scenario(p).id for p in SCENARIOS]
    assert loaded == ids


def test_library_covers_every_threat_kind() -> None:
    kinds = {t.kind for p in SCENARIOS for t in scenario(p).threats}
    assert kinds == set(ThreatKind), set(ThreatKind) - kinds


def test_library_covers_every_initiative_kind() -> None:
    kinds = {i.kind for p in SCENARIOS for i in scenario(p).initiatives}
    assert kinds == {k.value for k in InitiativeKind}, {k.value for k in InitiativeKind} - kinds


# --------------------------------------------------------------------------- each scenario


@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_starts_with_schema_modeline(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE


@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_sources_are_headings_of_the_source_document(path: Path) -> None:
    known = headings()
    missing = [s for s in scenario(path).sources if s not in known]
    assert not missing, f"not a heading line of {SOURCE.name}: {missing}"


@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_is_a_complete_exercise(path: Path) -> None:
    sc = scenario(path)
    assert len(sc.description.split()) >= 60, "the briefing text is too short"
    assert 60 <= sc.horizon <= 120
    assert sc.replications <= 500, "keep default runs modest"
    assert len(sc.policies) >= 2
    assert len(sc.injects) >= 3
    assert 2 <= len(sc.objectives) <= 4
    decisions = [i for i in sc.injects if i.decision is not None]
    assert decisions, "at least one inject must put a decision to the players"
    for inject in decisions:
        assert inject.decision is not None
        assert inject.decision.prompt.strip()
        for option in inject.decision.options:
            assert option.label.strip() and option.description.strip(), (inject.id, option.id)
    for policy in sc.policies:
        assert policy.title and policy.description, policy.id
    assert sc.default_policy in {p.id for p in sc.policies}


@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_runs_with_sensible_results(path: Path) -> None:
    sc = scenario(path)
    shares = [
        k
        for k in runs(path, SMOKE)[sc.policies[0].id][0].kpis
        if k.startswith(("final_", "mean_")) or ".final_" in k
    ]
    for pid, results in runs(path, SMOKE).items():
        assert len(results) == SMOKE
        policy = sc.policy(pid)
        for r in results:
            for k in shares:
                assert 0.0 <= r.kpis[k] <= 1.0, (pid, k, r.kpis[k])
            attempted = r.kpis["incidents.total.attempted"]
            assert attempted >= 1, (pid, "no incident at all")
            parts = ("incidents.total", "incidents.total.mitigated", "incidents.total.interdicted")
            assert sum(r.kpis[k] for k in parts) == attempted
            assert r.kpis["cost"] > 0, (pid, "the alliance spent nothing")
            assert set(r.objectives) == {o.id for o in sc.objectives}
            taken = {inject: option for inject, option, _ in r.decisions}
            for inject in sc.injects:
                if inject.decision is None or inject.at is None:
                    continue
                expected = policy.decisions.get(inject.id, inject.decision.default)
                assert taken.get(inject.id) == expected, (pid, inject.id)


@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_report_has_objective_probabilities(path: Path) -> None:
    """Each objective's probability is the share of replications meeting it, with its interval."""
    sc = scenario(path)
    for pid, results in runs(path, SMOKE).items():
        agg = Aggregator(sc, compile_plan(sc, pid))
        for r in results:
            agg.add(r)
        report = agg.results(seed=sc.seed, scenario_hash="")
        assert list(report["objectives"]) == [o.id for o in sc.objectives]
        for o in sc.objectives:
            obj = report["objectives"][o.id]
            met = [bool(r.objectives[o.id]) for r in results]
            interval = wilson_interval(sum(met), len(met))
            assert (obj["successes"], obj["n"]) == (sum(met), SMOKE), (pid, o.id)
            assert obj["p"] == sum(met) / SMOKE, (pid, o.id)
            assert (obj["ci_low"], obj["ci_high"]) == (interval.ci_low, interval.ci_high)
            assert 0.0 <= obj["ci_low"] <= obj["p"] <= obj["ci_high"] <= 1.0
            assert obj["values"] == [int(m) for m in met], (pid, o.id)


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_objectives_are_not_foregone_conclusions(path: Path) -> None:
    """No objective is met by every policy always, or by none ever."""
    v = values(path)
    for o in scenario(path).objectives:
        p = [float(v[pid][f"objective:{o.id}"].mean()) for pid in v]
        assert not all(x == 1.0 for x in p), (o.id, "always met by every policy")
        assert not all(x == 0.0 for x in p), (o.id, "never met by any policy")


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_policies_differ_significantly(path: Path) -> None:
    """Every pair of policies of one cell differs on an outcome: a paired CI excludes zero.

    Cost is left out: policies spend differently by design, so a difference in
    cost says nothing about what they do to the region. The confidence level
    is Bonferroni-corrected for the number of pairs and outcomes compared, so
    that one chance finding among many comparisons cannot pass the test.
    """
    v = values(path)
    cell = {p.id: p.cell for p in scenario(path).policies}
    pairs = [(a, b) for a, b in itertools.combinations(v, 2) if cell[a] == cell[b]]
    outcomes = [m for m in v[pairs[0][0]] if m != "cost"]
    level = 1 - 0.05 / (len(pairs) * len(outcomes))
    for a, b in pairs:
        differ = [
            m for m in outcomes if paired_difference(v[a][m], v[b][m], level=level).significant
        ]
        assert differ, f"'{a}' and '{b}' differ significantly on no outcome"


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=ids)
def test_no_policy_dominates(path: Path) -> None:
    """Every pair of blue policies trades off: each is better on some headline KPI or objective.

    The indicators are the alliance's: a red cell's policies may well be ranked by them.
    """
    v = values(path)
    blue = [p.id for p in scenario(path).policies if p.cell == "blue"]
    for a, b in itertools.permutations(blue, 2):
        better = [m for m in v[a] if direction(m) * (v[a][m].mean() - v[b][m].mean()) > 1e-9]
        assert better, f"policy '{b}' is at least as good as '{a}' on everything"
