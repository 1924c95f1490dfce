"""The findings of an exploration: robustness, drivers and breaking regions, in one object.

Ties the three analyses to one results file and to each other: the most
robust policy (robustness) is the recommendation; sensitivity asks what
drives each headline KPI under it and what drives its lead over the
runner-up; discovery asks where it misses an objective or loses to another
policy. The renderers only format these findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.analysis.kpis import HEADLINE, kpi_label
from sim.explore.discovery import Region, discover
from sim.explore.robustness import DEFAULT_SATISFICE, Robustness, measures, robustness
from sim.explore.sensitivity import Method, Sensitivity, sensitivity
from sim.explore.store import ExploreData

REGRET_OUTPUT = "regret"


@dataclass(frozen=True)
class RegionFinding:
    """Where the recommended policy goes wrong in one way, found by discovery."""

    policy: str  # the recommended policy's title (its id if it has none)
    what: str  # "misses keep_trust", "loses to another policy on final regional stability"
    cases_word: str  # what one case is called in the sentence: "misses", "losses"
    cases: NDArray[np.bool_]  # one flag per point
    region: Region | None
    sentence: str
    axes: tuple[str, str]  # the two parameters a scatter of the region shows


@dataclass(frozen=True)
class Findings:
    """Everything the explore report shows."""

    data: ExploreData
    robustness: Robustness
    primary: str  # the measure losses and the regret between the leaders are judged on
    sensitivities: list[Sensitivity]
    regions: list[RegionFinding]
    labels: dict[str, str]  # parameter target -> words
    titles: dict[str, str] = field(default_factory=dict)  # policy id -> title

    @property
    def leader(self) -> str:
        return self.robustness.most_robust

    def title(self, policy: str) -> str:
        """A policy as a reader knows it: its title, else its id."""
        return self.titles.get(policy) or policy

    @property
    def runner_up(self) -> str | None:
        ranking = self.robustness.ranking
        return ranking[1] if len(ranking) > 1 else None

    def measure_label(self, name: str) -> str:
        kind = self.robustness.measure(name).kind
        return f"objective {name}" if kind == "objective" else kpi_label(name)


def param_label(target: str, partners: Mapping[str, str] | None = None) -> str:
    """Words for an uncertainty target: ``iraq.sensitivity`` -> ``Iraq's sensitivity``.

    Model coefficients keep their own name (``model.footprint_trust`` ->
    ``footprint_trust``) because that is how MODEL.md and the scenario call them.
    """
    parts = target.split(".")
    names = partners or {}
    if parts[0] == "model":
        if len(parts) == 4 and parts[1] == "threats":
            return f"{parts[3]} of {parts[2]} threats"
        return ".".join(parts[1:])
    if parts[0] == "threats" and len(parts) == 3:
        return f"{parts[2]} of threat {parts[1]}"
    if parts[0] == "initiatives" and len(parts) == 3:
        return f"{parts[2]} of initiative {parts[1]}"
    if len(parts) == 2:
        return f"{names.get(parts[0], parts[0].capitalize())}'s {parts[1]}"
    return target


def sensitivity_method(design: Mapping[str, object], n: int, k: int) -> tuple[Method, bool]:
    """Which estimator the design supports, and whether a Saltelli design has second order.

    Falls back to the given-data index whenever the points do not have the
    structure the design-specific estimator needs (a partial run, say).
    """
    analysis = str(design.get("analysis", "")).lower()
    if not analysis:  # files written before the design recorded its analysis
        method = str(design.get("method", "lhs")).lower()
        analysis = {"sobol": "saltelli", "saltelli": "saltelli", "morris": "morris"}.get(method, "")
    if analysis == "morris" and k and n % (k + 1) == 0:
        return "morris", False
    if analysis == "saltelli" and k:
        if design.get("second_order", False) and n % (2 * k + 2) == 0:
            return "saltelli", True
        if not design.get("second_order", False) and n % (k + 2) == 0:
            return "saltelli", False
    return "given-data", False


def primary_measure(data: ExploreData, rob: Robustness | None = None) -> str:
    """The headline KPI the recommendation is judged on when it comes to losing.

    The first headline KPI on which the most robust policy loses at some points
    but not at all of them - where the uncertain numbers decide the ranking,
    which is what sensitivity and discovery can explain; else the first
    headline KPI in the file (else the first objective, else the first KPI).
    """
    present = [name for name in HEADLINE if name in data.kpis]
    if rob is not None and len(rob.ranking) > 1:
        for name in present:
            m = rob.measure(name)
            share = float((m.regret[rob.most_robust] > m.tolerance).mean())
            if 0.0 < share < 1.0:
                return name
    if present:
        return present[0]
    return next(iter(data.objectives), next(iter(data.kpis), ""))


def analyse(
    data: ExploreData,
    *,
    threshold: float = DEFAULT_SATISFICE,
    seed: int = 0,
    partners: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> Findings:
    """Robustness, sensitivity and discovery of one results file.

    ``partners`` and ``titles`` (partner and policy id -> name) put the findings'
    sentences in the words the scenario uses; ids stand in for missing ones.
    """
    rob = robustness(data.policies, data.kpis, data.objectives, threshold)
    labels = {p: param_label(p, partners) for p in data.params}
    primary = primary_measure(data, rob)
    leader = rob.most_robust
    method, second = sensitivity_method(data.design, len(data.X), len(data.params))
    bounds = _bounds(data)
    col = data.policies.index(leader)

    def indices(output: str, y: NDArray[np.float64]) -> Sensitivity:
        return sensitivity(
            output,
            data.X,
            data.params,
            y,
            method=method,
            bounds=bounds,
            seed=seed,
            num_levels=int(str(data.design.get("num_levels", 4))),
            second_order=second,
        )

    sens = [indices(name, data.kpis[name][:, col]) for name in HEADLINE if name in data.kpis]
    turned = {m.name: m for m in measures(data.kpis, data.objectives)}
    if len(rob.ranking) > 1 and primary:
        score = turned[primary].score()
        lead = score[:, col] - score[:, data.policies.index(rob.ranking[1])]
        sens.insert(0, indices(REGRET_OUTPUT, lead))
    drivers = [s.leading for s in sens if s.leading]
    findings = Findings(data, rob, primary, sens, [], labels, dict(titles or {}))
    named = findings.title(leader)
    regions = [
        _finding(
            findings,
            data.objectives[o][:, col] < threshold,
            (f"misses {o}", "misses"),
            f"{named} meets {o} with probability at least {threshold:g} at every point explored.",
            drivers,
        )
        for o in data.objectives
    ]
    if primary and len(data.policies) > 1:
        m = rob.measure(primary)
        label = findings.measure_label(primary)
        regions.append(
            _finding(
                findings,
                m.regret[leader] > m.tolerance,
                (f"loses to another policy on {label}", "losses"),
                f"{named} is never beaten on {label} by more than {m.tolerance:.3g} "
                "at any point explored.",
                drivers,
            )
        )
    regions.sort(key=lambda r: r.region is None)
    return Findings(data, rob, primary, sens, regions, labels, findings.titles)


def _bounds(data: ExploreData) -> list[tuple[float, float]] | None:
    ranges = data.design.get("ranges")
    if not isinstance(ranges, Mapping) or any(p not in ranges for p in data.params):
        return None
    return [(float(ranges[p]["low"]), float(ranges[p]["high"])) for p in data.params]


def _finding(
    f: Findings,
    cases: NDArray[np.bool_],
    wording: tuple[str, str],
    never: str,
    drivers: list[str],
) -> RegionFinding:
    data, policy = f.data, f.title(f.leader)
    what, word = wording
    region = discover(data.X, data.params, cases)
    if region is None:
        sentence = never
    elif not region.bounds:
        sentence = f"{policy} {what} across the whole space explored."
    else:
        sentence = (
            f"When {region.condition(f.labels)}, {policy} {what} in {region.density:.0%} of "
            f"cases; this region holds {region.coverage:.0%} of all {word} "
            f"({region.cases} of {region.total_cases} points)."
        )
    axes = [b.param for b in region.bounds] if region else []
    for p in [*drivers, *data.params]:
        if p not in axes:
            axes.append(p)
    axes = [*axes, *axes][:2] if axes else ["", ""]
    return RegionFinding(policy, what, word, cases, region, sentence, (axes[0], axes[1]))
