"""Cells: the sides of an exercise, and which levers and decisions each one owns.

A scenario without ``cells`` has one cell, ``blue`` (the alliance), which
sets every lever and takes every decision, so one-sided scenarios read and
run as before. A listed non-blue cell (a red team playing the rival) sets
the threat and rival levers it ``controls`` and takes the decisions marked
with its id; blue keeps everything else. Keeping the ownership questions
here, as functions of a scenario, lets the reference checks, the run
specification and the play session ask them the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sim.scenario.fields import Frozen, Id, Name, Text
from sim.scenario.policies import BLUE, Policy

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


class Cell(Frozen):
    """A side of the exercise: a team with its own briefing, levers, decisions and policies."""

    id: Id = Field(description="Cell id ('blue' is the alliance; e.g. 'red').")
    name: Name = Field(description="Display name (e.g. 'Tehran - Supreme National Security').")
    briefing: Text = Field("", description="What this cell's players are told, and only they.")
    default_policy: Id | None = Field(
        None,
        description="The cell's policy when none is named (required if the cell has "
        "policies; for blue, use the scenario's default_policy).",
    )
    controls: list[Id] = Field(
        default_factory=list,
        description="Threat and rival levers this cell sets. Blue controls every "
        "initiative lever and every lever no other cell lists.",
    )


def all_cells(s: Scenario) -> list[Cell]:
    """Every cell, blue first: the listed ones, and blue if it is not listed.

    Blue's ``default_policy`` is the scenario's (else its first blue policy);
    an unlisted blue is named after the alliance and briefed with the
    scenario's description.
    """
    listed = {c.id: c for c in s.cells}
    blue = listed.pop(BLUE, None) or Cell(id=BLUE, name=s.alliance.name, briefing=s.description)
    blue = blue.model_copy(update={"default_policy": blue_default(s)})
    return [blue, *listed.values()]


def cell_ids(s: Scenario) -> list[str]:
    return [c.id for c in all_cells(s)]


def get_cell(s: Scenario, cell_id: str) -> Cell:
    """A cell by id (blue always exists).

    Raises:
        KeyError: No such cell; the message lists the scenario's cells.
    """
    for c in all_cells(s):
        if c.id == cell_id:
            return c
    known = ", ".join(cell_ids(s))
    raise KeyError(f"no cell '{cell_id}' in scenario '{s.id}' (have: {known})")


def red_levers(s: Scenario) -> dict[str, list[str]]:
    """Threat and rival levers -> the threats and rivals they scale."""
    out: dict[str, list[str]] = {}
    for lever, owner in [(t.lever, t.id) for t in s.threats] + [(r.lever, r.id) for r in s.rivals]:
        if lever is not None:
            out.setdefault(lever, []).append(owner)
    return out


def lever_cells(s: Scenario) -> dict[str, str]:
    """Every lever -> the cell that sets it."""
    owners = {ini.id: BLUE for ini in s.initiatives}
    owners.update(dict.fromkeys(red_levers(s), BLUE))
    for c in s.cells:
        if c.id != BLUE:
            owners.update(dict.fromkeys(c.controls, c.id))
    return owners


def levers_of(s: Scenario, cell_id: str) -> set[str]:
    return {lever for lever, owner in lever_cells(s).items() if owner == cell_id}


def decision_cells(s: Scenario) -> dict[str, str]:
    """Inject id -> the cell that takes its decision."""
    return {j.id: j.decision.cell for j in s.injects if j.decision is not None}


def policies_of(s: Scenario, cell_id: str) -> list[Policy]:
    return [p for p in s.policies if p.cell == cell_id]


def blue_default(s: Scenario) -> str | None:
    """Blue's default policy id: the scenario's ``default_policy``, else its first blue policy."""
    if s.default_policy is not None:
        return s.default_policy
    blue = policies_of(s, BLUE)
    return blue[0].id if blue else None


def is_multi_cell(s: Scenario) -> bool:
    return any(c.id != BLUE for c in s.cells)
