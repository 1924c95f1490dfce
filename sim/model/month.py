"""One month of drift for every partner and rivalry, and the month's conditions,
as the engine's monthly process calls them.

The equations are :mod:`sim.model.dynamics`' (``drift_for``,
``learn_baseline_for``, ``drift_tension_for``); this module wires them to a
replication's state. Every pressure is taken from the state at the start of
the month, then every partner moves, then every rivalry.

Why generated source: the month runs 121 times a replication, and a loop over
partners that builds tuples of pressures and calls a bound step per partner
spent most of its time on the calls and the tuples, not the arithmetic. So for
each plan the month is written out once as straight-line Python - every
partner's pressures and step, every rivalry's drift, in the order the loop
took them - compiled once and kept in ``plan.memo``; each replication only
binds its own lists to it. The equations come from one place,
:data:`PARTNER_STEP`, :data:`LEARN` and :data:`TENSION`, written expression for
expression as in :mod:`sim.model.dynamics`, so values are the same to the last
bit (``tests/test_monthly_codegen.py`` checks the generated month against the
pure functions on random states). The month's conditions are written out the
same way (:mod:`sim.scenario.condition_source`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.scenario.condition_source import HELPERS, LISTS, expression
from sim.scenario.conditions import Expr
from sim.scenario.vocabulary import PARTNER_VARS

if TYPE_CHECKING:
    from sim.model.plan import Plan
    from sim.model.world import World

PARTNER_STEP = (
    "new_trust = ("
    "trust + relax * (baseline_trust - trust) - footprint_trust * footprint * sensitivity"
    " - rival_trust * rival_influence - side_trust * side_gap)",
    "target_coop = trust * (floor + floor_gap * alignment)",
    "new_coop = cooperation + coop_rate * (target_coop - cooperation)",
    "target_stab = base + base_gap * capacity",
    "new_stab = stability + recovery * (target_stab - stability) - tension_stability * exposure",
    "new_cap = capacity * keep",
    "floor_res = floor_share * capacity",
    "rate = decay if resilience > floor_res else recovery_res",
    "new_res = resilience + rate * (floor_res - resilience)",
)
"""One month of a partner (``dynamics.drift_for``'s step), over its values and
pressures as plain names; the new values are ``new_cap``, ``new_trust``,
``new_coop``, ``new_stab``, ``new_res``, each clipped to [0, 1]."""

LEARN = (
    "new_baseline = baseline_trust + engagement * (1 - baseline_trust)"
    " - forgetting * (baseline_trust - initial)"
)
"""The remembered trust (``dynamics.learn_baseline_for``), clipped to [0, 1]."""

TENSION = (
    "new_tension = tension + tension_relax * (initial - tension) + from_alignment * provocation"
)
"""One month of a rivalry (``dynamics.drift_tension_for``), clipped to [0, 1]."""


def coefficients(plan: Plan) -> dict[str, float]:
    """The names :data:`PARTNER_STEP`, :data:`LEARN` and :data:`TENSION` read, from
    the plan's parameters (derived ones computed as ``dynamics`` computes them)."""
    p = plan.params
    return {
        "relax": p.trust_relax,
        "footprint_trust": p.footprint_trust,
        "rival_trust": p.rival_trust,
        "side_trust": p.side_trust,
        "floor": p.alignment_floor,
        "floor_gap": 1 - p.alignment_floor,
        "coop_rate": p.coop_rate,
        "base": p.stability_base,
        "base_gap": 1 - p.stability_base,
        "recovery": p.stability_recovery,
        "tension_stability": p.tension_stability,
        "keep": 1 - p.capacity_decay,
        "floor_share": p.resilience_floor,
        "decay": p.resilience_decay,
        "recovery_res": p.resilience_recovery,
        "forgetting": p.baseline_forgetting,
        "tension_relax": p.tension_relax,
        "from_alignment": p.tension_from_alignment,
    }


def _clip(name: str) -> str:
    """``dynamics.clip`` written out (no call)."""
    return f"0.0 if {name} < 0.0 else 1.0 if {name} > 1.0 else {name}"


def _literal(value: float) -> str:
    """A plan constant as source: its exact ``repr``, which reads back as the same float."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return f"({value!r})"


# The containers the generated month reads and writes, bound per replication.
_STATE = (
    "capacity_of",
    "trust_of",
    "cooperation_of",
    "stability_of",
    "resilience_of",
    "baseline_of",
    "sensitivity_of",
    "tension_of",
    "levers",
    "world",
)


def drift_source(plan: Plan) -> str:
    """The source of ``make(<state>, <coefficients>, influence rows) -> drift``.

    Written out from the plan's structure (who sides with whom, which rivalries
    expose whom, which rivals have a lever), so the month itself has no loops:
    the same reads and arithmetic as the loop over partners, in the same order.
    """
    n = len(plan.partner_ids)
    rivalries = plan.rivalries
    rows = [f"influence_{r}" for r in range(len(plan.influence))]
    params = [*_STATE, *coefficients(plan), *rows]
    out = [f"def make({', '.join(params)}):", "    def drift():"]
    emit = out.append
    # The exerted pressures are rebound by World.refresh: read from the world each month.
    emit("        footprint_of, alignment_of = world.footprint, world.alignment")
    emit("        engagement_of = world.engagement")
    # World.pressures' side gap and the rivalries' provocations read cooperation
    # before any partner moves; the rest of a partner's pressures read what the
    # partners' steps do not change, so they are taken just before its step.
    for i in range(n):
        emit(f"        side_gap_{i} = 0.0")
        for r in rivalries:
            sides = r.partner_sides
            if i in sides and len(sides) == 2:
                other = sides[0] if sides[1] == i else sides[1]
                # max(side_gap, gap), written out: the later one only if strictly greater.
                emit(f"        gap = cooperation_of[{other}] - cooperation_of[{i}]")
                emit(f"        side_gap_{i} = gap if gap > side_gap_{i} else side_gap_{i}")
    for k, r in enumerate(rivalries):
        if r.rival_sides:
            coop = "".join(f"cooperation_of[{j}], " for j in r.partner_sides)
            emit(f"        provocation_{k} = sum(({coop}))")
        else:
            emit(f"        provocation_{k} = 0.0")
    for i in range(n):
        # World.pressures' rival influence: 0.0, then each rival's in turn (a red lever scales it).
        rival = "0.0"
        for q, lever in enumerate(plan.rival_levers[: len(rows)]):
            rival += (
                f" + influence_{q}[{i}] * levers.get({lever!r}, 1.0)"
                if lever
                else f" + influence_{q}[{i}]"
            )
        exposing = [k for k, r in enumerate(rivalries) if i in r.exposed]
        if len(exposing) == 1:
            exposure = f"tension_of[{exposing[0]}]"
        elif exposing:
            exposure = f"max({', '.join(f'tension_of[{k}]' for k in exposing)})"
        else:
            exposure = "0.0"
        emit(f"        # partner {i}")
        for name, value in (
            ("capacity", f"capacity_of[{i}]"),
            ("trust", f"trust_of[{i}]"),
            ("cooperation", f"cooperation_of[{i}]"),
            ("stability", f"stability_of[{i}]"),
            ("resilience", f"resilience_of[{i}]"),
            ("baseline_trust", f"baseline_of[{i}]"),
            ("sensitivity", f"sensitivity_of[{i}]"),
            ("footprint", f"footprint_of[{i}]"),
            ("rival_influence", rival),
            ("side_gap", f"side_gap_{i}"),
            ("alignment", f"alignment_of[{i}]"),
            ("exposure", exposure),
            ("engagement", f"engagement_of[{i}]"),
            ("initial", _literal(plan.baseline_trust[i])),
        ):
            emit(f"        {name} = {value}")
        for line in (*PARTNER_STEP, LEARN):
            emit(f"        {line}")
        for name, new in (
            ("capacity", "new_cap"),
            ("trust", "new_trust"),
            ("cooperation", "new_coop"),
            ("stability", "new_stab"),
            ("resilience", "new_res"),
            ("baseline", "new_baseline"),
        ):
            emit(f"        {name}_of[{i}] = {_clip(new)}")
    for k, r in enumerate(rivalries):
        emit(f"        # rivalry {k}")
        emit(f"        tension = tension_of[{k}]")
        emit(f"        initial = {_literal(r.tension)}")
        emit(f"        provocation = provocation_{k}")
        emit(f"        {TENSION}")
        emit(f"        tension_of[{k}] = {_clip('new_tension')}")
    emit("        return None")
    out.append("    return drift")
    return "\n".join(out) + "\n"


class _Compiled(dict[str, Any]):
    """What this module compiled for one plan, in ``plan.memo``: functions don't
    pickle, so a pickled plan carries none and its copy compiles its own."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Compiled, ())


def _compiled(
    plan: Plan, key: str, build: Callable[[], tuple[str, dict[str, Any]]], name: str
) -> Any:
    """The function ``name`` of the source ``build`` writes, compiled once per plan
    (under ``key`` in the plan's memo; a worker's copy of the plan compiles its own)."""
    compiled: _Compiled = plan.memo.setdefault("month", _Compiled())
    function = compiled.get(key)
    if function is None:
        source, names = build()
        exec(compile(source, f"<{key}>", "exec"), names)  # our own source
        function = compiled[key] = names[name]
    return function


def month_of_drift(plan: Plan, world: World, sensitivity: list[float]) -> Callable[[], None]:
    """The function that drifts ``world`` by one month.

    ``sensitivity`` is the uncertainty sources' (a government change shifts it).
    Every list is changed in place and never rebound, so the function binds them
    once; the exerted pressures (rebound by ``World.refresh``) it reads each month.
    """
    make = _compiled(plan, "drift", lambda: (drift_source(plan), {}), "make")
    drift: Callable[[], None] = make(
        world.capacity,
        world.trust,
        world.cooperation,
        world.stability,
        world.resilience,
        world.baseline,
        sensitivity,
        world.tension,
        world.levers,
        world,
        *coefficients(plan).values(),
        *world.influence_of,
    )
    return drift


def conditions(plan: Plan) -> tuple[Callable[..., Any], ...]:
    """Every condition the month asks, in this order: the policy's rules, the
    conditional injects (plan order), the objectives."""
    return (
        *(rule.when for rule in plan.rules),
        *(inj.when for inj in plan.injects if inj.when is not None),
        *(o.condition for o in plan.objectives),
    )


def conditions_source(plan: Plan) -> tuple[str, dict[str, Any]]:
    """The source of ``bind(<LISTS>) -> (condition, ..., trace_row)`` and the names it needs.

    One ``lambda v:`` per condition of :func:`conditions`, written as source
    over the world's lists (:func:`sim.scenario.condition_source.expression`);
    a condition without a source form is called as the engine called it
    before. ``trace_row(v, now)`` is the objectives' month in the "chance met by
    month" record: each end-of-run objective's answer now (``bool``, in column
    order, as ``_Objectives.observe`` asked them), every other one's outcome so far.
    """
    names: dict[str, Any] = dict(HELPERS)
    asked = conditions(plan)
    texts = []
    for k, condition in enumerate(asked):
        text = expression(condition.root) if type(condition) is Expr else None
        if text is None:
            names[f"_condition{k}"] = condition.run if type(condition) is Expr else condition
            text = f"_condition{k}(v)"
        texts.append(text)
    first = len(asked) - len(plan.objectives)
    row = [
        f"now[{j}]"
        if o.check in ("by", "throughout")
        else f"(True if {texts[first + j]} else False)"
        for j, o in enumerate(plan.objectives)
    ]
    items = [*(f"lambda v: {text}" for text in texts), f"lambda v, now: [{', '.join(row)}]"]
    body = "".join(f"        {item},\n" for item in items)
    return f"def bind({', '.join(LISTS)}):\n    return (\n{body}    )\n", names


def bound_conditions(
    plan: Plan, world: World
) -> tuple[list[Callable[[World], Any]], Callable[[World, list[bool]], list[bool]]]:
    """The month's conditions (:func:`conditions`) as functions of ``world``, and
    the objectives' trace row (see :func:`conditions_source`), compiled once per
    plan and bound to this world's lists."""
    bind = _compiled(plan, "conditions", lambda: conditions_source(plan), "bind")
    *asked, trace_row = bind(*(getattr(world, name) for name in LISTS))
    return asked, trace_row


def tick_source(plan: Plan) -> tuple[str, dict[str, Any]]:
    """The source of ``make(...) -> month`` and the names it needs: the monthly
    process's month, written out for the plan.

    ``month(m)`` does what the process did with loops over lists of rules and
    injects: budget, drift and the uncertainty sources (from month 1), each rule
    in order (its levers when it holds), the timed injects, each conditional
    inject not yet fired whose condition holds, the month's row (as
    ``World.row``, added to the end of the replication's flat record), then the
    objectives. The conditions are inline source over the world's lists (as
    :func:`conditions_source`), the row a list display.
    """
    names: dict[str, Any] = dict(HELPERS)
    rules = plan.rules
    injects = [inj for inj in plan.injects if inj.when is not None]
    texts = []
    for k, condition in enumerate((*(r.when for r in rules), *(i.when for i in injects))):
        text = expression(condition.root) if type(condition) is Expr else None
        if text is None:
            names[f"_condition{k}"] = condition.run if type(condition) is Expr else condition
            text = f"_condition{k}(v)"
        texts.append(text)
    params = [
        "world",
        "drift",
        "sources_month",
        "extend",
        "observe",
        "fire",
        "fired",
        "timed",
        "set_levers",
        "budget",
        *(f"levers_{k}" for k in range(len(rules))),
        *(f"inject_{k}" for k in range(len(injects))),
        *LISTS,
    ]
    out = [f"def make({', '.join(params)}):", "    v = world", "    def month(m):"]
    emit = out.append
    emit("        world.month = m")
    emit("        world.funds += budget")
    emit("        if m:")
    emit("            drift()")
    emit("            sources_month(world, m)")
    for k in range(len(rules)):
        emit(f"        if {texts[k]}:")
        emit(f"            set_levers(levers_{k})")
    emit("        if m in timed:")
    emit("            for inj in timed[m]:")
    emit("                fire(inj)")
    for k, inj in enumerate(injects):
        emit(f"        if {inj.id!r} not in fired and {texts[len(rules) + k]}:")
        emit(f"            fire(inject_{k})")
    emit(f"        extend({row_source(len(plan.partner_ids))})")
    emit("        observe(world)")
    out.append("    return month")
    return "\n".join(out) + "\n", names


def row_source(n: int) -> str:
    """``World.row`` as one list display over the world's lists (:data:`LISTS` names)
    for ``n`` partners: the means, each partner's values, the tensions, funds, spent."""
    if n == 1:
        # The mean of one value, sum([x]) / 1, is 0.0 + x to the bit.
        means = [f"0.0 + {var}[0]" for var in PARTNER_VARS]
    else:
        means = [f"sum({var}) / {n}" for var in PARTNER_VARS]
    values = [f"{var}[{i}]" for i in range(n) for var in PARTNER_VARS]
    return f"[{', '.join([*means, *values, '*tension', 'world.funds', 'world.spent'])}]"


def month_tick(
    plan: Plan,
    world: World,
    *,
    drift: Callable[[], None],
    sources_month: Callable[[World, int], None],
    flat: list[float],
    observe: Callable[[World], None],
    fire: Callable[[Any], None],
    fired: set[str],
    timed: dict[int, list[Any]],
) -> Callable[[int], None]:
    """The monthly process's month ``m`` for this replication (see :func:`tick_source`),
    compiled once per plan and bound to this world and the process's helpers."""
    make = _compiled(plan, "tick", lambda: tick_source(plan), "make")
    month: Callable[[int], None] = make(
        world,
        drift,
        sources_month,
        flat.extend,
        observe,
        fire,
        fired,
        timed,
        world.set_levers,
        plan.budget,
        *(rule.levers for rule in plan.rules),
        *(inj for inj in plan.injects if inj.when is not None),
        *(getattr(world, name) for name in LISTS),
    )
    return month
