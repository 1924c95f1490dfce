"""The report contract: the layout of run and comparison reports, written once.

Analysts read report JSON from other tools (pandas, R, spreadsheets), so its
layout is a contract. It is stated here once, as ``TypedDict`` classes, and
everything else follows from them: the producers (aggregation, the runner,
the comparison) and the renderers are type-checked against them, reading a
report file checks it against them (:func:`sim.runs.reportfile.load_report`),
and the published JSON Schema is generated from them (:func:`report_schema`).

Why ``TypedDict`` and not pydantic models: a report is built on the run's hot
path and then only read, encoded and rendered as plain dicts; a ``TypedDict``
*is* a plain dict, so typing it costs nothing at run time and the encoder and
renderers need no change. pydantic's ``TypeAdapter`` over the same classes
supplies what models would: validation of a loaded file and
``json_schema()``. The classes come from ``typing_extensions`` because pydantic
needs that ``TypedDict`` before Python 3.12.

Objects allow extra keys, so a newer ttx can add a field without breaking
older readers; a change that removes or retypes a field must bump
``schema_version``. The run report's ``results`` are reproducible from
scenario, policy, seed and replications; ``meta`` (time, host, version) is not.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired, cast, get_args

from pydantic import ConfigDict, Discriminator, Field, Tag, TypeAdapter, with_config
from typing_extensions import TypedDict

from sim.stats import Difference, Proportion, Summary
from sim.stats.estimators import DifferenceMethod

SchemaVersion = Literal[2]
SUPPORTED_VERSIONS: tuple[int, ...] = get_args(SchemaVersion)
#: The version this ttx writes (run and comparison reports share the numbering).
SCHEMA_VERSION: SchemaVersion = 2
#: Versions this ttx no longer reads, and why: comparing them with new reports would mislead.
RETIRED_VERSIONS: dict[int, str] = {
    1: (
        "it was written before model v2, whose incident KPIs have other names and "
        "meanings (incidents.total now counts the incidents that succeeded; "
        "incidents.harmful and incidents.KIND.succeeded are gone) and whose results "
        "differ; run the scenario again with this ttx"
    ),
}

#: Field docstrings become descriptions in the generated JSON Schema.
_documented = with_config(ConfigDict(use_attribute_docstrings=True))

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from sim.runs.spill import SpilledColumn

    KpiValues = list[float] | NDArray[np.float64] | SpilledColumn[float]
    Outcomes = list[int] | SpilledColumn[int]
else:
    KpiValues = list[float]
    Outcomes = list[Annotated[int, Field(ge=0, le=1)]]
"""Per-replication KPI values: a list in a report read from JSON (what files hold and what
the validator checks), a float64 array in a report a run has just made (no Python float per
value; the report writer streams it as the same list text), or for a large ``ttx run`` a
:class:`~sim.runs.spill.SpilledColumn` (the values in a scratch file, read back in slices).
Readers take any of them (``np.asarray``, ``len``, slicing). Objective outcomes
(``Outcomes``) likewise: a list of 0 and 1, or a spilled int8 column that iterates as ints."""

Better = Literal["higher", "lower"]
Verdict = Literal["better", "worse", "negligible", "uncertain"]
Check = Literal["end", "by", "throughout"]

# --------------------------------------------------------------------------- shared parts


@_documented
class PolicyInfo(TypedDict):
    """The policy a run followed."""

    id: str
    """The blue (alliance) policy's id."""
    title: str
    cells: NotRequired[dict[str, str]]
    """When several cells played: cell id -> the policy it followed (blue's is ``id``)."""


@_documented
class KpiSummary(TypedDict):
    """One KPI over the replications: ci_low..ci_high is the 95% t interval of the mean;
    p5..p95 are percentiles of individual replications (numpy 'linear', Hyndman-Fan type 7)."""

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    min: float
    max: float


@_documented
class Interval(TypedDict):
    """A proportion (successes of n) with its Wilson 95% interval."""

    successes: int
    n: int
    p: float
    ci_low: float
    ci_high: float


@_documented
class DifferenceFields(TypedDict):
    """Run minus baseline with its 95% interval; df is null for a Newcombe interval, and
    significant means the interval excludes zero."""

    estimate: float
    ci_low: float
    ci_high: float
    method: DifferenceMethod
    n_a: int
    n_b: int
    df: float | None
    significant: bool


def kpi_summary(summary: Summary) -> KpiSummary:
    """A :class:`Summary` as report data (plain ``int``/``float``)."""
    return cast(KpiSummary, summary.to_dict())


def interval(proportion: Proportion) -> Interval:
    """A :class:`Proportion` as report data."""
    return cast(Interval, proportion.to_dict())


def difference_fields(diff: Difference) -> DifferenceFields:
    """A :class:`Difference` as report data."""
    return cast(DifferenceFields, diff.to_dict())


# --------------------------------------------------------------------------- run report


@_documented
class InjectInfo(TypedDict):
    """One inject of the scenario's timeline, as the charts mark it."""

    id: str
    title: str
    month: int | None
    """The month it fires; null when it fires on a condition (a different month per run)."""
    decision: bool
    """Whether the players (or the policy) decide something at it."""


@_documented
class ScenarioInfo(TypedDict):
    """The scenario a run played."""

    id: str
    title: str
    hash: str
    """Hash of the scenario file ('' when not recorded); equal hashes allow pairing."""
    horizon: int
    """Months simulated."""
    partners: dict[str, str]
    """Partner id -> name."""
    rivalries: list[str]
    min_difference: NotRequired[dict[str, float]]
    """The scenario's smallest meaningful differences (reporting.min_difference), when set."""
    rivalry_names: NotRequired[dict[str, str]]
    """Rivalry id -> its two sides in words ("Iran and Iraq"), for chart titles."""
    injects: NotRequired[list[InjectInfo]]
    """The scenario's injects in file order, for the charts' inject and decision marks."""


@_documented
class Kpi(KpiSummary):
    """One KPI over the replications: ci_low..ci_high is the 95% t interval of the mean;
    p5..p95 are percentiles of individual replications (numpy 'linear', Hyndman-Fan type 7).
    values are left out of runs made with --no-kpi-values."""

    values: NotRequired[KpiValues]
    """One value per replication, in index order (what paired comparisons use)."""


@_documented
class Objective(Interval):
    """How often an objective was met (successes of n) with its Wilson 95% interval."""

    description: str
    condition: str
    check: Check
    month: int | None
    values: NotRequired[Outcomes]
    """1 when the objective was met, per replication in index order."""
    met_by_month: NotRequired[list[Annotated[int, Field(ge=0)]]]
    """Per month (index = month): replications in which the objective stood met - for 'by',
    met by then; for 'throughout', held every month so far; for 'end', its condition held."""


@_documented
class Series(TypedDict):
    """One monthly series across replications: one value per month (index = month)."""

    mean: list[float]
    p5: list[float]
    p25: list[float]
    p50: list[float]
    p75: list[float]
    p95: list[float]


@_documented
class RunResults(TypedDict):
    """The reproducible part of a run report."""

    scenario: ScenarioInfo
    policy: PolicyInfo
    seed: int
    replications: Annotated[int, Field(ge=1)]
    replication_indices: NotRequired[list[int]]
    """The replications run, when not all of 0..replications-1 (one reproduced, or partial)."""
    chunk_size: NotRequired[int]
    """Replications per chunk, when not the default (it fixes the floating-point merge order)."""
    kpis: dict[str, Kpi]
    objectives: dict[str, Objective]
    months: list[int]
    series: dict[str, Series]
    incidents: dict[str, dict[str, float]]
    """Threat kind -> outcome -> mean count per replication."""
    decisions: dict[str, dict[str, int]]
    """Inject -> option -> how many replications took it."""
    percentile_method: NotRequired[str]


@_documented
class RunMeta(TypedDict, total=False):
    """How a run was computed: time, version, host. Not reproducible."""

    created: str
    ttx_version: str
    duration_s: float
    host: str
    python: str
    executor: str
    workers: int
    chunks: int
    resumed_chunks: int
    scheduler: str
    scenario_file: str
    policy_files: dict[str, str]
    """Policy file as given on the command line -> the id of the policy it holds."""


@_documented
class RunDocument(TypedDict):
    """One scenario run under one policy over many replications."""

    schema_version: SchemaVersion
    kind: Literal["run"]
    results: RunResults
    meta: RunMeta


# --------------------------------------------------------------------------- comparison report


@_documented
class ComparedScenario(TypedDict):
    """The scenario the compared runs played."""

    id: str
    title: str
    horizon: int
    partners: dict[str, str]
    hashes: list[str]
    """Distinct scenario-file hashes of the runs."""


@_documented
class RunEntry(TypedDict):
    """One compared run and how it is compared with the baseline."""

    name: str
    label: str
    policy: PolicyInfo
    seed: int
    replications: int
    scenario_hash: str
    method: Literal["baseline", "paired", "unpaired"]
    why: str
    """Why the run is (not) paired with the baseline."""


@_documented
class KpiEstimate(TypedDict):
    """One run's KPI mean with its 95% interval and a few percentiles."""

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    p5: float
    p50: float
    p95: float


@_documented
class AvailableDifference(DifferenceFields):
    """Run minus baseline with its 95% interval and a plain-language sentence; df is null
    for a Newcombe interval, and significant means the interval excludes zero."""

    available: Literal[True]
    sentence: str
    verdict: Verdict
    """better/worse: the interval excludes zero and the estimate is at least min_difference
    (direction from the KPI's better); negligible: the estimate is below min_difference and
    either the interval excludes zero or lies within +-min_difference ("no meaningful
    difference"); uncertain: anything else ("could be chance")."""
    min_difference: float
    """The smallest meaningful difference used, in the KPI's unit (a probability for objectives)."""
    constant: bool
    """The difference is the same in every replication (zero-width interval): a fact, not
    an estimate."""


@_documented
class UnavailableDifference(TypedDict):
    """Why no difference could be computed."""

    available: Literal[False]
    note: str


def _difference_tag(value: Any) -> str:
    ok = isinstance(value, dict) and value.get("available") is True
    return "AvailableDifference" if ok else "UnavailableDifference"


#: Run minus baseline with its 95% interval, or why none is available.
ComparedDifference = Annotated[
    Annotated[AvailableDifference, Tag("AvailableDifference")]
    | Annotated[UnavailableDifference, Tag("UnavailableDifference")],
    Discriminator(_difference_tag),
]


@_documented
class ComparedKpi(TypedDict):
    """One KPI in every run, and each run's difference to the baseline."""

    label: str
    better: Better
    runs: dict[str, KpiEstimate]
    differences: dict[str, ComparedDifference]


@_documented
class ComparedObjective(TypedDict):
    """One objective's success in every run, and each run's difference to the baseline."""

    description: str
    check: Check
    runs: dict[str, Interval]
    differences: dict[str, ComparedDifference]


@_documented
class RankEntry(TypedDict):
    """A run's place in the ranking."""

    rank: int
    """Competition rank (1, 1, 3): runs whose difference is not meaningful share a rank."""
    place: str
    """The rank as shown: '=1' for a tie."""
    name: str
    label: str
    mean: float
    ci_low: float
    ci_high: float
    vs_leader: NotRequired[ComparedDifference]


@_documented
class Ranking(TypedDict):
    """The runs ordered by one KPI, best first."""

    kpi: str
    label: str
    better: Better
    order: list[RankEntry]


@_documented
class Advice(TypedDict):
    """One KPI's precision in one run, and the replications a target precision needs."""

    relative_half_width: float | None
    """95% CI half-width over the mean; null when unbounded (mean 0)."""
    replications_needed: int | None
    """null when no replication count can reach the target."""
    meets: bool


@_documented
class ReplicationAdvice(TypedDict):
    """How many replications would bring the headline KPIs within the target precision."""

    precision: float
    focus: list[str]
    recommended: int
    sentence: str
    runs: dict[str, dict[str, Advice]]


@_documented
class TradeOffCell(TypedDict):
    """One run's value in a row of the trade-off matrix."""

    value: float
    text: str
    best: bool
    """Best in the row, or within the row's smallest meaningful difference of the best
    (never set when every run ties)."""


@_documented
class TradeOffRow(TypedDict):
    """One objective (probability of success) or KPI across the runs."""

    key: str
    """The objective id or KPI name."""
    kind: Literal["objective", "kpi"]
    label: str
    """The objective's description, or the KPI's label with its unit."""
    better: Better
    min_difference: float
    cells: dict[str, TradeOffCell]


@_documented
class ComparisonResults(TypedDict):
    """The reproducible part of a comparison report."""

    scenario: ComparedScenario
    level: float
    baseline: str
    runs: Annotated[list[RunEntry], Field(min_length=2)]
    bottom_line: list[str]
    """One sentence per compared run: what it buys and what it costs against the baseline."""
    tradeoffs: list[TradeOffRow]
    """Runs x objectives (and cost): probability of success, best marked."""
    min_difference: dict[str, float]
    """Smallest meaningful differences set by the scenario or the command line (KPI name or
    'objectives' -> size); the others are the catalogue's defaults."""
    kpis: dict[str, ComparedKpi]
    objectives: dict[str, ComparedObjective]
    ranking: Ranking
    advice: ReplicationAdvice


@_documented
class ComparisonMeta(TypedDict, total=False):
    """When and from which files the comparison was made. Not reproducible."""

    created: str
    ttx_version: str
    sources: dict[str, str]
    """Run name -> the report file it was read from."""
    command: str


@_documented
class ComparisonDocument(TypedDict):
    """Several runs of one scenario compared against a baseline."""

    schema_version: SchemaVersion
    kind: Literal["comparison"]
    results: ComparisonResults
    meta: ComparisonMeta


ReportDocument = Annotated[RunDocument | ComparisonDocument, Field(discriminator="kind")]
"""A run report or a comparison report, told apart by ``kind``."""

KINDS: dict[str, type[RunDocument] | type[ComparisonDocument]] = {
    "run": RunDocument,
    "comparison": ComparisonDocument,
}


# --------------------------------------------------------------------------- JSON Schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
REPORT_ID = "urn:ttx:schema:report"


@cache
def adapter(kind: str | None = None) -> TypeAdapter[Any]:
    """The validator of one kind of report (``None``: either kind), built on first use."""
    return TypeAdapter(ReportDocument if kind is None else KINDS[kind])


def _no_property_titles(node: Any) -> Any:
    """Drop the titles pydantic derives from field names ("Ci Low"): they add nothing."""
    if isinstance(node, list):
        return [_no_property_titles(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _no_property_titles(v) for k, v in node.items()}
    props = out.get("properties")
    if isinstance(props, dict):
        out["properties"] = {
            name: {k: v for k, v in schema.items() if k != "title"}
            for name, schema in props.items()
        }
    return out


def report_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a ttx run report or comparison report."""
    schema: dict[str, Any] = _no_property_titles(adapter().json_schema(mode="validation"))
    head = {
        "$schema": DIALECT,
        "$id": REPORT_ID,
        "title": "ttx report",
        "description": "A ttx run report (kind 'run') or comparison report (kind 'comparison'). "
        "'results' is reproducible from scenario, policy, seed and replications; 'meta' is not. "
        "Generated from sim/runs/contract.py.",
    }
    return {**head, **schema}
