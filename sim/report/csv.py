"""CSV exports of a run report, in long ("tidy") format for spreadsheets and pandas.

Two files, because they have different grains:

* monthly series: ``month, series, stat, value`` — one row per month,
  series (``stability``, ``iraq.trust``...) and statistic (``mean``,
  ``p5``...``p95``); ``pandas.read_csv(...).pivot_table(...)`` gets any wide
  layout back;
* per-replication KPIs: ``replication, kpi, value`` — one row per
  replication and KPI, plus ``objective.<id>`` rows holding 1 (met) or 0,
  so any statistic can be recomputed from the raw runs.

Floats are written with Python's shortest round-trip representation, so a
value read back is bit-identical to the report's. A text cell starting with
``=``, ``+``, ``-`` or ``@`` (a hand-edited series name) gets a leading ``'``
so no spreadsheet runs it as a formula; numbers are never changed.
"""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from sim.runs.contract import RunDocument
from sim.text import csv_cell


def _write(header: list[str], rows: Any) -> str:
    """CSV text; text cells a spreadsheet would run as a formula are made plain text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buf.getvalue()


def series_csv(report: RunDocument) -> str:
    """The monthly series of a run report as ``month,series,stat,value`` rows."""
    r = report["results"]
    months = r["months"]

    def rows() -> Any:
        for name, stats in r["series"].items():
            for stat, values in cast("dict[str, list[float]]", stats).items():
                for month, value in zip(months, values, strict=True):
                    yield month, name, stat, value

    return _write(["month", "series", "stat", "value"], rows())


def kpis_csv(report: RunDocument) -> str:
    """Per-replication KPI values (and objective outcomes) as ``replication,kpi,value`` rows.

    Replication numbers are the run's replication indices (``0..n-1``, or the
    subset a ``--replication K`` run recorded), so a row can be reproduced
    with ``ttx run --replication K``.
    """
    r = report["results"]
    indices = r.get("replication_indices") or list(range(r["replications"]))

    def rows() -> Any:
        for name, k in r["kpis"].items():
            for rep, value in zip(indices, k["values"], strict=True):
                yield rep, name, value
        for oid, o in r["objectives"].items():
            for rep, value in zip(indices, o["values"], strict=True):
                yield rep, f"objective.{oid}", int(value)

    return _write(["replication", "kpi", "value"], rows())
