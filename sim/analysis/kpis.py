"""Human names for KPIs and series, shared by every renderer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_REGIONAL = {
    "capacity": "partner capacity",
    "trust": "partner trust",
    "cooperation": "cooperation",
    "stability": "regional stability",
    "resilience": "resilience",
}

JUDGED = (
    "final_stability",
    "final_capacity",
    "final_trust",
    "final_cooperation",
    "final_resilience",
    "incidents.harmful",
    "cost",
)
"""KPIs on which one policy can be said to do better than another (see :func:`direction`)."""

HEADLINE = (
    "final_stability",
    "mean_stability",
    "final_capacity",
    "final_trust",
    "final_cooperation",
    "incidents.harmful",
    "cost",
)


def kpi_label(name: str, results: Mapping[str, Any] | None = None) -> str:
    """``iraq.final_trust`` -> ``final trust in Iraq``; ``mean_stability`` -> ``mean regional
    stability``."""
    partners = (results or {}).get("scenario", {}).get("partners", {})
    if name == "cost":
        return "total cost"
    if name == "incidents.total":
        return "incidents (all)"
    if name == "incidents.harmful":
        return "harmful incidents"
    if name.startswith("incidents."):
        _, kind, outcome = name.split(".")
        return f"{kind} incidents {outcome}"
    head, _, tail = name.partition(".")
    if tail:
        when, _, var = tail.partition("_")
        where = partners.get(head, head)
        return f"{when} {var} in {where}" if head in partners else f"{when} {var} ({head})"
    when, _, var = name.partition("_")
    return f"{when} {_REGIONAL.get(var, var)}"


def lower_is_better(kpi: str) -> bool:
    """Whether a smaller value of ``kpi`` is the better outcome (cost, harm, tension)."""
    return kpi in ("cost", "incidents.total", "incidents.harmful") or kpi.endswith(
        (".succeeded", "_tension")
    )


def direction(kpi: str) -> int:
    """+1 when higher is better, -1 when lower is better (objectives: higher)."""
    return -1 if lower_is_better(kpi) else +1
