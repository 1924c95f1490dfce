"""CSV exports of run and comparison reports, long ("tidy") or wide, rounded to what matters.

Two layouts (``--csv-layout``):

* **long** (the default, for pandas and R): one value per row.
  ``report_series.csv`` is ``month, series, stat, value``; ``report_kpis.csv``
  is ``replication, kpi, value`` with ``objective.<id>`` rows holding 1 (met)
  or 0; a comparison is ``run, policy, indicator, mean, ci_low, ci_high``
  plus the difference to the baseline.
* **wide** (for spreadsheets): one row per month (series, one column per
  series and statistic), per replication (KPIs, one column each) or per
  policy (a comparison: each indicator's mean and 95% interval in columns).

Values are rounded to the precision that carries meaning, so a spreadsheet
shows ``0.4123``, not ``0.41234567890123``: 0-1 indices to 4 decimals,
probabilities to 3, money to 2, harm to 3, counts as integers where they
are integers (a mean of counts to 2 decimals). Trailing zeros are dropped.
The report JSON keeps the full values.
A text cell starting with ``=``, ``+``, ``-`` or ``@`` (a hand-edited
name) gets a leading ``'`` so no spreadsheet runs it as a formula; numbers
are never changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Literal, cast

from sim.analysis.kpis import BUDGET, COUNT, HARM, kpi_unit
from sim.errors import TtxError
from sim.runs.contract import ComparisonDocument, RunDocument
from sim.text import csv_cell

Layout = Literal["long", "wide"]
LAYOUTS: tuple[Layout, ...] = ("long", "wide")

INDEX_DIGITS = 4
PROBABILITY_DIGITS = 3
_UNIT_DIGITS = {BUDGET: 2, HARM: 3, COUNT: 2}
_SERIES_STATS = ("mean", "p5", "p25", "p50", "p75", "p95")


def layout(name: str) -> Layout:
    """``"wide"`` -> ``"wide"``; an unknown name is an error naming the two layouts."""
    wanted = name.strip().lower()
    if wanted not in LAYOUTS:
        raise TtxError(f"unknown CSV layout {name!r}; choose long or wide")
    return "wide" if wanted == "wide" else "long"


def rounded(value: float, digits: int) -> int | float:
    """``value`` to ``digits`` decimals; a whole number as an ``int`` (``96``, not ``96.0``)."""
    r = round(float(value), digits)
    return int(r) if r.is_integer() else r


def kpi_digits(name: str) -> int:
    """Decimals that matter for a KPI: by its unit in the KPI catalogue (indices: 4)."""
    return _UNIT_DIGITS.get(kpi_unit(name), INDEX_DIGITS)


def series_digits(name: str) -> int:
    """Decimals that matter for a monthly series: money 2, everything else an index (4)."""
    return 2 if name.startswith("nato.") else INDEX_DIGITS


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text; text cells a spreadsheet would run as a formula are made plain text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buf.getvalue()


ROWS = 4096
"""Rows of CSV text made at a time by :func:`_write_pieces`."""


def _write_pieces(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The text of :func:`_write`, :data:`ROWS` rows at a time."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(cell) for cell in header])
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(cell) for cell in row])
        if n % ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def series_csv(report: RunDocument, layout: Layout = "long") -> str:
    """The monthly series of a run report: ``month,series,stat,value`` rows, or one row a month."""
    r = report["results"]
    months = r["months"]
    series = cast("dict[str, dict[str, list[float]]]", r["series"])
    if layout == "wide":
        columns = [(name, stat) for name, stats in series.items() for stat in stats]
        return _write(
            ["month", *(f"{name}.{stat}" for name, stat in columns)],
            (
                [month] + [rounded(series[n][s][i], series_digits(n)) for n, s in columns]
                for i, month in enumerate(months)
            ),
        )

    def rows() -> Iterable[Sequence[Any]]:
        for name, stats in series.items():
            digits = series_digits(name)
            for stat, values in stats.items():
                for month, value in zip(months, values, strict=True):
                    yield month, name, stat, rounded(value, digits)

    return _write(["month", "series", "stat", "value"], rows())


def kpis_csv(report: RunDocument, layout: Layout = "long") -> str:
    """Per-replication KPI values and objective outcomes (1 met, 0 not).

    Long: ``replication,kpi,value`` rows; wide: one row per replication, one
    column per KPI and ``objective.<id>``. Replication numbers are the run's
    replication indices (``0..n-1``, or the subset a ``--replication K`` run
    recorded), so a row can be reproduced with ``ttx run --replication K``.
    A run made without per-replication values has none to write.
    """
    return "".join(kpis_csv_pieces(report, layout))


def kpis_csv_pieces(report: RunDocument, layout: Layout = "long") -> Iterator[str]:
    """The text of :func:`kpis_csv` in pieces of :data:`ROWS` rows.

    Values are rounded as they are written, and read :data:`ROWS` at a time
    (a slice of each column: per-replication values may be arrays, or columns
    of a run's scratch file, :class:`sim.runs.spill.SpilledColumn`), so a run
    of 100,000 replications never holds its values as Python floats or its
    CSV text whole (tens of MB).
    """
    r = report["results"]
    indices = r.get("replication_indices") or range(r["replications"])
    n = len(indices)
    columns: list[tuple[str, Callable[[Any], int | float], Any]] = [
        (name, partial(rounded, digits=kpi_digits(name)), k["values"])
        for name, k in r["kpis"].items()
        if len(k.get("values", ()))
    ]
    columns += [
        (f"objective.{oid}", int, o["values"])
        for oid, o in r["objectives"].items()
        if len(o.get("values", ()))
    ]
    for name, _, values in columns:
        if len(values) != n:
            raise ValueError(f"{name} has {len(values)} values for {n} replications")
    if layout == "wide":

        def wide_rows() -> Iterator[list[Any]]:
            for start in range(0, n, ROWS):
                block = [(cell, values[start : start + ROWS]) for _, cell, values in columns]
                for i, rep in enumerate(indices[start : start + ROWS]):
                    yield [rep] + [cell(part[i]) for cell, part in block]

        return _write_pieces(["replication", *(name for name, _, _ in columns)], wide_rows())

    def long_rows() -> Iterator[tuple[Any, str, int | float]]:
        for name, cell, values in columns:
            for start in range(0, n, ROWS):
                part = values[start : start + ROWS]
                for rep, value in zip(indices[start : start + ROWS], part, strict=True):
                    yield rep, name, cell(value)

    return _write_pieces(["replication", "kpi", "value"], long_rows())


def _estimate(entry: Mapping[str, Any], digits: int, key: str = "mean") -> list[int | float]:
    return [rounded(entry[k], digits) for k in (key, "ci_low", "ci_high")]


def _difference(diff: Mapping[str, Any], digits: int) -> list[int | float | str]:
    if not diff.get("available"):
        return ["", "", ""]
    return list(_estimate(diff, digits, "estimate"))


def comparison_csv(comparison: ComparisonDocument, layout: Layout = "long") -> str:
    """A comparison's indicators and objectives per policy.

    Wide: one row per policy, each indicator's ``mean``, ``ci_low`` and
    ``ci_high`` (objectives: ``p`` and its Wilson interval) in columns. Long:
    one row per policy and indicator, with the difference to the baseline
    (blank for the baseline itself).
    """
    c = comparison["results"]
    kpis = sorted(c["kpis"].items())
    objectives = sorted(c["objectives"].items())
    if layout == "wide":
        header = ["run", "policy", "baseline", "seed", "replications"]
        for name, _ in kpis:
            header += [f"{name}.mean", f"{name}.ci_low", f"{name}.ci_high"]
        for oid, _ in objectives:
            header += [f"objective.{oid}.p", f"objective.{oid}.ci_low", f"objective.{oid}.ci_high"]
        rows = []
        for run in c["runs"]:
            row: list[Any] = [
                run["name"],
                run["label"],
                int(run["name"] == c["baseline"]),
                run["seed"],
                run["replications"],
            ]
            for name, k in kpis:
                row += _estimate(k["runs"][run["name"]], kpi_digits(name))
            for _, o in objectives:
                row += _estimate(o["runs"][run["name"]], PROBABILITY_DIGITS, "p")
            rows.append(row)
        return _write(header, rows)
    header = ["run", "policy", "indicator", "mean", "ci_low", "ci_high"]
    header += ["minus_baseline", "minus_baseline_ci_low", "minus_baseline_ci_high"]

    def long_rows() -> Iterable[Sequence[Any]]:
        for run in c["runs"]:
            name_, label = run["name"], run["label"]
            base = name_ == c["baseline"]
            for name, k in kpis:
                digits = kpi_digits(name)
                diff = ["", "", ""] if base else _difference(k["differences"][name_], digits)
                yield [name_, label, name, *_estimate(k["runs"][name_], digits), *diff]
            for oid, o in objectives:
                p = o["runs"][name_]
                diff = (
                    ["", "", ""]
                    if base
                    else _difference(o["differences"][name_], PROBABILITY_DIGITS)
                )
                yield [
                    name_, label, f"objective.{oid}",
                    *_estimate(p, PROBABILITY_DIGITS, "p"), *diff,
                ]  # fmt: skip

    return _write(header, long_rows())
