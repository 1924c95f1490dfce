"""The condition language: evaluation, names, and refusals with positions."""

from __future__ import annotations

import pickle

import pytest

from sim.scenario.conditions import ExprError, Symbols, compile_condition, parse_target

SYMBOLS = Symbols(partners=("iraq", "jordan"), rivalries=("iran_saudi",), rivals=("iran",))


class FakeView:
    month = 14

    def __init__(self) -> None:
        self.values = {
            "trust": [0.25, 0.75],
            "capacity": [0.4, 0.6],
            "cooperation": [0.1, 0.2],
            "stability": [0.5, 0.5],
            "resilience": [0.3, 0.9],
        }

    def partner(self, index: int, var: str) -> float:
        return self.values[var][index]

    def partner_values(self, var: str) -> list[float]:
        return self.values[var]

    def rivalry_tension(self, index: int) -> float:
        return 0.6

    def influence(self, index: int) -> float:
        return 0.2

    def alliance(self, var: str) -> float:
        return {"funds": 12.0, "spent": 30.0}[var]

    def incidents(self, name: str) -> float:
        return {"incidents.cyber": 3, "incidents.total": 5, "harm.cyber": 1.5}.get(name, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iraq.trust < 0.3", True),
        ("iraq.trust < 0.3 and month >= 12", True),
        ("iraq.trust < 0.3 and month >= 15", False),
        ("not jordan.trust > 0.5", False),
        ("mean(partners.trust) == 0.5", True),
        ("min(partners.capacity) > 0.35 or max(partners.resilience) < 0.5", True),
        ("iran_saudi.tension >= 0.6", True),
        ("iran.influence > 0.1", True),
        ("nato.spent - nato.funds > 10", True),
        ("incidents.cyber >= 3 and incidents.total < 6", True),
        ("harm.cyber == 1.5 and incidents.cyber.mitigated == 0", True),
        ("0.2 < iraq.trust < 0.3", True),
        ("abs(iraq.trust - jordan.trust) > 0.4", True),
        ("(iraq.capacity + jordan.capacity) / 2 > 0.49", True),
        ("iraq.trust / 0 == 0", True),
        ("true", True),
    ],
)
def test_conditions_evaluate(text: str, expected: bool) -> None:
    assert compile_condition(text, SYMBOLS)(FakeView()) is expected


def test_compiled_condition_pickles() -> None:
    expr = compile_condition("mean(partners.trust) > 0.4 and month > 3", SYMBOLS)
    assert pickle.loads(pickle.dumps(expr))(FakeView()) is True


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("irak.trust < 0.3", "unknown actor 'irak'", 0),
        ("month > 3 and iraq.trst < 0.3", "partner 'iraq' has no variable 'trst'", 14),
        ("iraq < 0.3", "'iraq' needs a variable", 0),
        ("mean(partners.trust, 1) > 0", "takes one argument", 0),
        ("sum(partners.trust) > 0", "unknown function 'sum'", 0),
        ("iraq.trust.real > 0", "nested attribute access is not allowed", 0),
        ("partners[0] > 0", "subscripts", 0),
        ("(lambda: 1)() > 0", "not allowed", 0),
        ("[x for x in partners] == 1", "comprehensions is not allowed", 0),
        ("__import__('os') == 1", "unknown function '__import__'", 0),
        ("iraq.trust < 'a'", "expected a number", 13),
        ("iraq.trust < 0.3 and", "syntax error: incomplete condition", 20),
        ("month > > 3", "syntax error: invalid syntax", 8),
        ("iran_saudi.heat > 1", "rivalry 'iran_saudi' has only 'tension'", 0),
        ("incidents.piracy > 1", "unknown incident kind 'piracy'", 0),
        ("harm.piracy > 1", "unknown incident kind 'piracy'", 0),
        ("incidents.cyber.stopped > 1", "has no count 'stopped'", 0),
        ("incidents.cyber.succeeded > 1", "write 'incidents.cyber'", 0),
        ("partners.trust > 1", "use mean/min/max(partners.trust)", 0),
        ("month in (1, 2)", "only <, <=, >, >=, ==, != comparisons", 0),
    ],
)
def test_bad_conditions_say_what_and_where(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExprError) as info:
        compile_condition(text, SYMBOLS)
    assert message in info.value.message
    assert info.value.offset == offset


def test_limits() -> None:
    with pytest.raises(ExprError, match="too long"):
        compile_condition("month > 1 and " * 60 + "true", SYMBOLS)
    with pytest.raises(ExprError, match="nested too deeply"):
        compile_condition("(" * 40 + "month" + ")" * 40 + " > 1", SYMBOLS)


@pytest.mark.parametrize(
    ("text", "scope", "var"),
    [
        ("iraq.trust", "partner", "trust"),
        ("partners.stability", "partners", "stability"),
        ("iran_saudi.tension", "rivalry", "tension"),
        ("iran.influence", "rival", "influence"),
        ("nato.funds", "alliance", "funds"),
    ],
)
def test_effect_targets(text: str, scope: str, var: str) -> None:
    target = parse_target(text, SYMBOLS)
    assert (target.scope, target.var) == (scope, var)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("iraq", "expected ACTOR.VAR"),
        ("iraq.morale", "'morale' is not a partner variable"),
        ("nato.spent", "only nato.funds"),
        ("syria.trust", "unknown actor 'syria'"),
    ],
)
def test_bad_effect_targets(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=message):
        parse_target(text, SYMBOLS)
