"""Cross-reference checks: every id unique, every reference resolvable.

Each check yields ``(location, message, column offset)``; the loader turns the
location into ``FILE:LINE:COL``. Conditions and effect targets are compiled
here too, so an unknown actor in ``when: irak.trust < 0.3`` is a load error
pointing at that condition, not a failure twenty months into a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sim.scenario.cells import cell_ids, decision_cells, lever_cells, red_levers
from sim.scenario.conditions import ExprError, Symbols, compile_condition, parse_target
from sim.scenario.exploration import check_uncertainties
from sim.scenario.models import Effect, Scenario
from sim.scenario.policies import BLUE, Policy, PolicyFile
from sim.scenario.source import Loc
from sim.scenario.vocabulary import INITIATIVE_KINDS, THREAT_KINDS

Found = tuple[Loc, str, int]
KEY = -1  # offset meaning "point at the mapping key, not its value"
RESERVED = {"partners", "incidents", "harm", "month", "true", "false", "mean", "min", "max", "abs"}


def symbols_of(scenario: Scenario) -> Symbols:
    """The names a scenario's conditions may use."""
    return Symbols(
        partners=tuple(p.id for p in scenario.partners),
        rivalries=tuple(r.id for r in scenario.rivalries),
        rivals=tuple(r.id for r in scenario.rivals),
        alliance=scenario.alliance.id,
    )


def _choices(names: Iterable[str]) -> str:
    names = sorted(names)
    return ", ".join(names) if names else "(none defined)"


def _unique(items: Sequence[Any], section: str) -> Iterator[Found]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in seen:
            yield (
                (section, i, "id"),
                f"duplicate id '{item.id}' (also {section}[{seen[item.id]}])",
                0,
            )
        else:
            seen[item.id] = i


def _refs(values: Iterable[str], known: set[str], loc: Loc, what: str) -> Iterator[Found]:
    for j, value in enumerate(values):
        if value not in known:
            yield ((*loc, j), f"unknown {what} '{value}'; expected one of {_choices(known)}", 0)


def _condition(text: str | None, symbols: Symbols, loc: Loc) -> Iterator[Found]:
    if text is None:
        return
    try:
        compile_condition(text, symbols)
    except ExprError as exc:
        yield (loc, exc.message, exc.offset)


def _effects(effects: Sequence[Effect], symbols: Symbols, loc: Loc) -> Iterator[Found]:
    for i, effect in enumerate(effects):
        try:
            parse_target(effect.target, symbols)
        except ExprError as exc:
            yield ((*loc, i, "target"), exc.message, 0)


class _Owners:
    """Which cell sets each lever, and how to list the levers in a message."""

    def __init__(self, scenario: Scenario) -> None:
        self.cells = lever_cells(scenario)
        kinds = (
            "initiative ids and threat/rival levers" if red_levers(scenario) else "initiative ids"
        )
        self.listing = f"levers are {kinds}: {_choices(self.cells)}"


def _levers(levers: Iterable[str], owners: _Owners, cell: str, loc: Loc) -> Iterator[Found]:
    """Levers must exist and belong to ``cell`` (the policy's or the decision's)."""
    for name in levers:
        if name not in owners.cells:
            yield ((*loc, name), f"unknown lever '{name}'; {owners.listing}", KEY)
        elif owners.cells[name] != cell:
            mine = [lever for lever, owner in owners.cells.items() if owner == cell]
            yield (
                (*loc, name),
                f"lever '{name}' belongs to cell '{owners.cells[name]}', not '{cell}'; "
                f"cell '{cell}' sets: {_choices(mine)}",
                KEY,
            )


def check_policy(policy: Policy, scenario: Scenario, loc: Loc) -> Iterator[Found]:
    """Check one policy's levers, decision answers and rules against a scenario."""
    symbols = symbols_of(scenario)
    owners = _Owners(scenario)
    decisions = {j.id: j.decision for j in scenario.injects if j.decision is not None}
    policies = {p.id: p.cell for p in scenario.policies}
    cell = policy.cell
    cells = cell_ids(scenario)
    if cell not in cells:
        yield ((*loc, "cell"), f"unknown cell '{cell}'; expected one of {_choices(cells)}", 0)
    if policy.extends is not None and policy.extends not in policies:
        yield (
            (*loc, "extends"),
            f"unknown policy '{policy.extends}'; expected one of {_choices(policies)}",
            0,
        )
    elif policy.extends is not None and policies[policy.extends] != cell:
        yield (
            (*loc, "extends"),
            f"policy '{policy.extends}' belongs to cell '{policies[policy.extends]}', not "
            f"'{cell}'; a policy extends only a policy of its own cell",
            0,
        )
    yield from _levers(policy.levers, owners, cell, (*loc, "levers"))
    for inject_id, option in policy.decisions.items():
        where = (*loc, "decisions", inject_id)
        if inject_id not in decisions:
            yield (
                where,
                f"unknown decision inject '{inject_id}'; injects with a decision: "
                f"{_choices(decisions)}",
                KEY,
            )
            continue
        decision = decisions[inject_id]
        if decision.cell != cell:
            yield (
                where,
                f"decision '{inject_id}' is taken by cell '{decision.cell}', not '{cell}'; "
                "a policy answers only its own cell's decisions",
                KEY,
            )
            continue
        options = {o.id for o in decision.options}
        if option not in options:
            yield (
                where,
                f"inject '{inject_id}' has no option '{option}'; expected one of "
                f"{_choices(options)}",
                0,
            )
    for i, rule in enumerate(policy.rules):
        yield from _condition(rule.when, symbols, (*loc, "rules", i, "when"))
        yield from _levers(rule.set, owners, cell, (*loc, "rules", i, "set"))


def _extends_cycles(scenario: Scenario) -> Iterator[Found]:
    by_id = {p.id: p for p in scenario.policies}
    for i, policy in enumerate(scenario.policies):
        seen = {policy.id}
        current = policy
        while current.extends is not None and current.extends in by_id:
            current = by_id[current.extends]
            if current.id in seen:
                yield (
                    ("policies", i, "extends"),
                    f"policy '{policy.id}' extends itself (through '{current.id}')",
                    0,
                )
                break
            seen.add(current.id)


def check_scenario(scenario: Scenario) -> list[Found]:
    """All cross-reference problems of a schema-valid scenario."""
    return list(_check_scenario(scenario))


def _check_scenario(s: Scenario) -> Iterator[Found]:
    symbols = symbols_of(s)
    partners = set(symbols.partners)
    actors = {*partners, *symbols.rivals}
    for section in (
        "partners",
        "rivals",
        "rivalries",
        "threats",
        "initiatives",
        "policies",
        "injects",
        "objectives",
    ):
        yield from _unique(getattr(s, section), section)
    # Partners, rivals, rivalries and the alliance share the condition namespace.
    owners: dict[str, str] = {s.alliance.id: "alliance"}
    for section in ("partners", "rivals", "rivalries"):
        for i, item in enumerate(getattr(s, section)):
            if item.id in RESERVED:
                yield (
                    (section, i, "id"),
                    f"'{item.id}' is reserved in conditions; choose another id",
                    0,
                )
            elif item.id in owners and owners[item.id] != section:
                yield (
                    (section, i, "id"),
                    f"id '{item.id}' is already used by "
                    f"{owners[item.id]}; actor ids must be unique",
                    0,
                )
            owners.setdefault(item.id, section)
    for i, rival in enumerate(s.rivals):
        yield from _refs(rival.influence, partners, ("rivals", i, "influence"), "partner")
    for i, rivalry in enumerate(s.rivalries):
        yield from _refs(rivalry.between, actors, ("rivalries", i, "between"), "actor")
        if len(set(rivalry.between)) < 2:
            yield (("rivalries", i, "between"), "a rivalry needs two different actors", 0)
        yield from _refs(rivalry.spillover, partners, ("rivalries", i, "spillover"), "partner")
    for i, threat in enumerate(s.threats):
        yield from _refs(threat.targets, partners, ("threats", i, "targets"), "partner")
        if threat.end is not None and threat.end <= threat.start:
            yield (
                ("threats", i, "end"),
                f"end ({threat.end}) must be after start ({threat.start})",
                0,
            )
    for i, ini in enumerate(s.initiatives):
        yield from _refs(ini.partners, partners, ("initiatives", i, "partners"), "partner")
        if ini.end is not None and ini.end <= ini.start:
            yield (
                ("initiatives", i, "end"),
                f"end ({ini.end}) must be after start ({ini.start})",
                0,
            )
    if s.default_policy is not None and s.default_policy not in {p.id for p in s.policies}:
        yield (
            ("default_policy",),
            f"unknown policy '{s.default_policy}'; expected one of "
            f"{_choices(p.id for p in s.policies)}",
            0,
        )
    yield from _cells(s)
    yield from _extends_cycles(s)
    for i, policy in enumerate(s.policies):
        yield from check_policy(policy, s, ("policies", i))
    levers = _Owners(s)
    cells = cell_ids(s)
    for i, inject in enumerate(s.injects):
        yield from _condition(inject.when, symbols, ("injects", i, "when"))
        yield from _effects(inject.effects, symbols, ("injects", i, "effects"))
        if inject.decision is None:
            continue
        options = [o.id for o in inject.decision.options]
        cell = inject.decision.cell
        if cell not in cells:
            yield (
                ("injects", i, "decision", "cell"),
                f"unknown cell '{cell}'; expected one of {_choices(cells)}",
                0,
            )
        yield from _unique(inject.decision.options, f"injects[{i}].decision.options")
        if inject.decision.default not in options:
            yield (
                ("injects", i, "decision", "default"),
                f"default '{inject.decision.default}' "
                f"is not one of the options: {_choices(options)}",
                0,
            )
        for k, option in enumerate(inject.decision.options):
            where = ("injects", i, "decision", "options", k)
            yield from _effects(option.effects, symbols, (*where, "effects"))
            yield from _levers(option.levers, levers, cell, (*where, "levers"))
    for i, objective in enumerate(s.objectives):
        yield from _condition(objective.condition, symbols, ("objectives", i, "condition"))
    yield from _model_keys(s)
    yield from ((loc, msg, 0) for loc, msg in check_uncertainties(s, s.uncertainties or []))


def _cells(s: Scenario) -> Iterator[Found]:
    """Cells: unique, owning real threat/rival levers, each with a default policy of its own."""
    yield from _unique(s.cells, "cells")
    policies = {p.id: p.cell for p in s.policies}
    if s.default_policy in policies and policies[s.default_policy] != BLUE:
        yield (
            ("default_policy",),
            f"'{s.default_policy}' is a policy of cell '{policies[s.default_policy]}'; "
            "default_policy names blue's default (give other cells their own default_policy)",
            0,
        )
    initiatives = {x.id for x in s.initiatives}
    levers = [("threats", i, t.lever) for i, t in enumerate(s.threats)]
    levers += [("rivals", i, r.lever) for i, r in enumerate(s.rivals)]
    for section, i, lever in levers:
        if lever is not None and lever in initiatives:
            yield (
                (section, i, "lever"),
                f"lever '{lever}' is already an initiative id; choose another lever id",
                0,
            )
    red = set(red_levers(s))
    claimed: dict[str, str] = {}
    for i, cell in enumerate(s.cells):
        where = ("cells", i)
        if cell.id == BLUE:
            if cell.default_policy is not None:
                yield (
                    (*where, "default_policy"),
                    "blue's default policy is the scenario's default_policy; leave this empty",
                    0,
                )
            if cell.controls:
                yield (
                    (*where, "controls"),
                    "blue controls every initiative lever and every lever no other cell "
                    "lists; leave its controls empty",
                    0,
                )
            continue
        for j, lever in enumerate(cell.controls):
            if lever not in red:
                yield (
                    (*where, "controls", j),
                    f"'{lever}' is not a threat or rival lever; expected one of "
                    f"{_choices(red)} (initiative levers are blue's)",
                    0,
                )
            elif lever in claimed:
                yield (
                    (*where, "controls", j),
                    f"lever '{lever}' is already controlled by cell '{claimed[lever]}'",
                    0,
                )
            else:
                claimed[lever] = cell.id
        own = [p for p, c in policies.items() if c == cell.id]
        if cell.default_policy is None and own:
            yield (
                (*where, "id"),
                f"cell '{cell.id}' has policies ({_choices(own)}); name its default_policy",
                0,
            )
        elif cell.default_policy is not None and cell.default_policy not in own:
            yield (
                (*where, "default_policy"),
                f"'{cell.default_policy}' is not a policy of cell '{cell.id}'; "
                f"expected one of {_choices(own)}",
                0,
            )


def _model_keys(s: Scenario) -> Iterator[Found]:
    threat_kinds = set(THREAT_KINDS)
    initiative_kinds = set(INITIATIVE_KINDS)
    for key in s.model.threats:
        if key not in threat_kinds:
            yield (
                ("model", "threats", key),
                f"unknown threat kind '{key}'; expected one of {_choices(threat_kinds)}",
                0,
            )
    for section in ("footprints", "profiles"):
        for key in getattr(s.model, section):
            if key not in initiative_kinds:
                yield (
                    ("model", section, key),
                    f"unknown initiative kind '{key}'; expected "
                    f"one of {_choices(initiative_kinds)}",
                    0,
                )
    for kind, profile in s.model.profiles.items():
        for key in profile:
            if key not in threat_kinds:
                yield (
                    ("model", "profiles", kind, key),
                    f"unknown threat kind '{key}'; expected one of {_choices(threat_kinds)}",
                    0,
                )


def check_policy_file(pf: PolicyFile, scenario: Scenario) -> list[tuple[Loc, str]]:
    """Problems of a policy file with respect to the scenario it claims to be for."""
    if pf.scenario != scenario.id:
        return [
            (("scenario",), f"this policy is for scenario '{pf.scenario}', not '{scenario.id}'")
        ]
    found = [(loc, msg) for loc, msg, _ in check_policy(pf.policy, scenario, ("policy",))]
    decisions = {j.id: j.decision for j in scenario.injects if j.decision is not None}
    cells = decision_cells(scenario)
    for i, rec in enumerate(pf.recorded):
        if rec.inject not in decisions:
            found.append(
                (
                    ("recorded", i, "inject"),
                    f"unknown decision inject '{rec.inject}'; "
                    f"expected one of {_choices(decisions)}",
                )
            )
            continue
        if cells[rec.inject] != pf.policy.cell:
            found.append(
                (
                    ("recorded", i, "inject"),
                    f"decision '{rec.inject}' is taken by cell '{cells[rec.inject]}', "
                    f"not '{pf.policy.cell}'",
                )
            )
            continue
        options = {o.id for o in decisions[rec.inject].options}
        if rec.option not in options:
            found.append(
                (
                    ("recorded", i, "option"),
                    f"inject '{rec.inject}' has no option "
                    f"'{rec.option}'; expected one of {_choices(options)}",
                )
            )
    return found
