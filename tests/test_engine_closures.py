"""The engine calls compiled conditions as their closures and records objectives flat."""

from __future__ import annotations

import dataclasses

from factories import make_scenario
from sim.model.engine import _closure, _Objectives, simulate
from sim.model.plan import compile_plan
from sim.model.world import World
from sim.scenario import condition_nodes as cn
from sim.scenario.conditions import Expr


def test_a_compiled_condition_is_called_as_its_closure() -> None:
    expr = Expr("month >= 2", cn.Compare((cn.Month(), cn.Const(2)), ("ge",)), frozenset())
    assert _closure(expr) is expr.run


def test_any_other_callable_is_called_as_it_is() -> None:
    def mine(view: World) -> bool:
        return True

    class Own(Expr):
        pass

    own = Own("month >= 2", cn.Compare((cn.Month(), cn.Const(2)), ("ge",)), frozenset())
    assert _closure(mine) is mine
    assert _closure(own) is own  # a subclass may answer differently: left as it is


def test_no_objectives_give_a_record_with_no_columns() -> None:
    plan = dataclasses.replace(compile_plan(make_scenario(), None), objectives=())
    result = simulate(plan, 7)
    assert result.objective_trace.shape == (plan.horizon + 1, 0)
    assert result.objectives == {}


def test_the_record_has_one_row_per_month() -> None:
    plan = compile_plan(make_scenario(), None)
    objectives = _Objectives(plan)
    result = simulate(plan, 7)
    assert result.objective_trace.shape == (plan.horizon + 1, len(plan.objectives))
    assert result.objective_trace.dtype == bool
    assert objectives.state == {o.id: o.check == "throughout" for o in plan.objectives}
