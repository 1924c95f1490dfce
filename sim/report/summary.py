"""The terminal summary of a run: figures at the precision their unit deserves.

A count reads as a count (``43``, a mean ``42.9``), money as money with its
unit and no spurious decimals, a 0-1 index with three decimals; a KPI that
does not vary within the run (a cost fixed by the levers) is a fact, so it
is stated without an interval. Kept apart from the CLI so the rows can be
tested as text and reused by other screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.analysis.kpis import BUDGET, COUNT, HARM, HEADLINE, kpi_label, kpi_unit
from sim.analysis.wording import fixed
from sim.runs.contract import RunResults

CONSTANT = "constant"
"""Said in the interval column of a KPI that has the same value in every replication."""

_AMOUNTS = (BUDGET, HARM)


def _amount_decimals(v: float) -> int:
    size = abs(v)
    return 0 if size >= 100 else 1 if size >= 10 else 2


def is_constant(k: Mapping[str, Any]) -> bool:
    """Whether a KPI has the same value in every replication (no interval to state)."""
    sd = k.get("sd")
    if sd is not None:
        return bool(sd == 0)
    return bool(k["ci_low"] == k["ci_high"] == k["mean"])


def kpi_cells(name: str, k: Mapping[str, Any], replications: int = 2) -> tuple[str, str, str]:
    """``(mean, 95% CI, p5-p95)`` of one KPI, each at its unit's precision.

    One replication has no spread to speak of, so it gets neither an
    interval nor the word "constant".
    """
    unit = kpi_unit(name)
    mean = float(k["mean"])
    if unit == COUNT:
        ci, pct = 1, 0
        m_text = fixed(mean, 0 if mean == round(mean) else 1)
    elif unit in _AMOUNTS:
        ci = pct = _amount_decimals(mean)
        m_text = fixed(mean, ci)
    else:
        ci = pct = 3
        m_text = fixed(mean, 3)
    if replications < 2:
        return m_text, "", ""
    if is_constant(k):
        return m_text, CONSTANT, ""
    return (
        m_text,
        f"{fixed(k['ci_low'], ci)} to {fixed(k['ci_high'], ci)}",
        f"{fixed(k['p5'], pct)} to {fixed(k['p95'], pct)}",
    )


def kpi_row_label(name: str, results: Mapping[str, Any]) -> str:
    """The KPI's words, with the unit where it is money or harm (``total cost (budget units)``)."""
    label = kpi_label(name, results)
    unit = kpi_unit(name)
    return f"{label} ({unit})" if unit in _AMOUNTS else label


def kpi_rows(results: RunResults) -> list[tuple[str, str, str, str]]:
    """The headline KPIs of a run as ``(label, mean, 95% CI, p5-p95)`` rows."""
    return [
        (
            kpi_row_label(name, results),
            *kpi_cells(name, results["kpis"][name], results["replications"]),
        )
        for name in HEADLINE
        if name in results["kpis"]
    ]


def _pct(p: float) -> str:
    return f"{p * 100:.0f}%"


def objective_rows(results: RunResults) -> list[tuple[str, str, str]]:
    """Objectives as ``(id, success, 95% CI)`` rows, probabilities in whole percent."""
    return [
        (oid, _pct(o["p"]), f"{_pct(o['ci_low'])} to {_pct(o['ci_high'])}")
        for oid, o in results["objectives"].items()
    ]
