"""The uncertainty space: targets, ranges, the default set, the separate file, apply_point."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from factories import base_data, make_scenario
from sim.errors import InputError
from sim.scenario.exploration import (
    DEFAULT_TARGETS,
    Target,
    apply_point,
    default_uncertainties,
    load_uncertainties,
    resolve_target,
    uncertainties_of,
)
from sim.scenario.loader import loads_scenario
from sim.scenario.ranges import Uncertainty


def _yaml(**overrides: object) -> str:
    return yaml.safe_dump(base_data(**overrides), sort_keys=False)


@pytest.mark.parametrize(
    ("target", "value", "bounds"),
    [
        ("model.footprint_trust", 0.03, (0.0, 1.0)),
        ("model.rate_tension", 0.5, (0, 10)),
        ("model.threats.disinformation.trust_harm", 0.06, (0.0, 1.0)),
        ("model.threats.cyber.deterrence_weight", 0.0, (0.0, 1.0)),
        ("model.footprints.military_presence", 0.6, (0.0, 1.0)),
        ("alpha.sensitivity", 0.5, (0.0, 1.0)),
        ("alpha.baseline_trust", 0.5, (0.0, 1.0)),
        ("threats.cells.rate", 0.5, (0, 30)),
        ("initiatives.train.gain", 0.06, (0, 1)),
        ("initiatives.train.footprint", 0.1, (0, 1)),
        ("alliance.budget", 20.0, (0, None)),
    ],
)
def test_targets_resolve_to_the_number_the_run_uses(
    target: str, value: float, bounds: tuple[float | None, float | None]
) -> None:
    found = resolve_target(make_scenario(), target)
    assert isinstance(found, Target)
    assert found.value == pytest.approx(value)
    assert found.lower == bounds[0]
    if bounds[1] is not None:
        assert found.upper == bounds[1]


def test_scenario_override_of_a_threat_coefficient_is_its_value() -> None:
    s = make_scenario(model={"threats": {"insurgency": {"trust_harm": 0.2}}})
    found = resolve_target(s, "model.threats.insurgency.trust_harm")
    assert isinstance(found, Target) and found.value == 0.2
    # Fields the override does not set keep the kind's default, as in the engine.
    found = resolve_target(s, "model.threats.insurgency.capacity_weight")
    assert isinstance(found, Target) and found.value == 0.6


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("model.footprint_trusts", "did you mean 'footprint_trust'"),
        ("model.threats.cyberwar.trust_harm", "unknown threat kind 'cyberwar'"),
        ("model.threats.cyber.harm", "unknown threat coefficient 'harm'"),
        ("model.footprints.navy", "unknown initiative kind 'navy'"),
        ("model.profiles.training_mission", "names no model number"),
        ("alpa.sensitivity", "did you mean 'alpha'"),
        ("alpha.name", "unknown trait 'name' of partner 'alpha'"),
        ("threats.cell.rate", "unknown threat 'cell'"),
        ("threats.cells.kind", "unknown number 'kind' of threat 'cells'"),
        ("threats.cells", "write threats.ID.PARAMETER"),
        ("initiatives.train.kind", "expected one of: cost, footprint, gain, intensity"),
        ("alliance.name", "unknown alliance number 'name'"),
    ],
)
def test_bad_targets_say_what_is_expected(target: str, message: str) -> None:
    found = resolve_target(make_scenario(), target)
    assert isinstance(found, str)
    assert message in found


def test_scenario_uncertainties_are_checked_with_positions() -> None:
    text = _yaml(
        uncertainties=[
            {"target": "model.footprint_trust", "low": 0.01, "high": 0.05},
            {"target": "alpha.sensitivty", "low": 0.2, "high": 0.8},
            {"target": "threats.cells.rate", "low": 0.1, "high": 40},
            {"target": "model.footprint_trust", "low": 0.02, "high": 0.03},
        ]
    )
    with pytest.raises(InputError) as info:
        loads_scenario(text, "s.yaml")
    lines = str(info.value).splitlines()
    text_lines = text.splitlines()
    assert any(
        "'sensitivty' of partner 'alpha'" in line and "did you mean 'sensitivity'" in line
        for line in lines
    )
    high = next(line for line in lines if "above 30" in line)
    line_no = int(high.split(":")[1])
    assert "high: 40" in text_lines[line_no - 1]
    assert any("already given at entry 1" in line for line in lines)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"target": "model.coop_rate", "low": 0.1, "high": 0.1}, "must be below high"),
        ({"target": "model.coop_rate", "low": 0.1, "high": 0.2, "mode": 0.3}, "within low..high"),
        ({"target": "Model.coop_rate", "low": 0.1, "high": 0.2}, "should match pattern"),
        ({"target": "model.coop_rate", "low": 0.1}, "missing required field 'high'"),
    ],
)
def test_entry_shape_errors(entry: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        loads_scenario(_yaml(uncertainties=[entry]), "s.yaml")


def test_valid_scenario_uncertainties_load() -> None:
    s = loads_scenario(
        _yaml(uncertainties=[{"target": "alpha.sensitivity", "low": 0.2, "high": 0.9, "mode": 0.5}])
    )
    assert s.uncertainties is not None
    assert s.uncertainties[0].distribution == "triangular"
    assert uncertainties_of(s) == list(s.uncertainties)


def test_separate_file_wins_and_is_checked(tmp_path: Path) -> None:
    s = make_scenario()
    good = tmp_path / "u.yaml"
    good.write_text("uncertainties:\n  - {target: threats.cells.rate, low: 0.2, high: 0.8}\n")
    assert [u.target for u in uncertainties_of(s, good)] == ["threats.cells.rate"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("uncertainties:\n  - target: threats.cels.rate\n    low: 0.2\n    high: 0.8\n")
    with pytest.raises(InputError) as info:
        load_uncertainties(bad, s)
    assert f"{bad}:2:" in str(info.value) and "did you mean 'cells'" in str(info.value)
    typo = tmp_path / "typo.yaml"
    typo.write_text("uncertainty:\n  - {target: threats.cells.rate, low: 0.2, high: 0.8}\n")
    with pytest.raises(InputError, match="unknown field 'uncertainty'"):
        load_uncertainties(typo, s)


def test_default_set_is_half_again_around_the_values_within_bounds() -> None:
    s = make_scenario(model={"rival_trust": 0.0})
    space = {u.target: u for u in default_uncertainties(s)}
    assert "model.rival_trust" not in space  # zero: no range around it
    assert set(space) == set(DEFAULT_TARGETS) - {"model.rival_trust"}
    ft = space["model.footprint_trust"]
    assert (ft.low, ft.high) == pytest.approx((0.015, 0.045))
    re = space["model.returns_exponent"]
    assert (re.low, re.high) == pytest.approx((0.35, 1.0))  # capped at its bound
    assert uncertainties_of(s) == default_uncertainties(s)


def test_apply_point_sets_each_target_and_leaves_the_input_alone() -> None:
    s = make_scenario()
    point = {
        "model.footprint_trust": 0.04,
        "model.threats.insurgency.trust_harm": 0.1,
        "model.footprints.training_mission": 0.3,
        "alpha.sensitivity": 0.9,
        "threats.cells.rate": 1.5,
        "initiatives.train.gain": 0.02,
        "alliance.budget": 30.0,
    }
    out = apply_point(s, point)
    for target, value in point.items():
        found = resolve_target(out, target)
        assert isinstance(found, Target) and found.value == value, target
    assert out.model.threats["insurgency"].capacity_weight == 0.6 or (
        "capacity_weight" not in out.model.threats["insurgency"].model_fields_set
    )
    assert s == make_scenario()
    assert apply_point(s, {}) == s


def test_apply_point_keeps_the_scenario_valid() -> None:
    s = make_scenario()
    out = apply_point(s, {"alpha.sensitivity": 0.8, "model.coop_rate": 0.12})
    assert type(out).model_validate(out.model_dump()) == out


def test_uncertainty_distribution_names() -> None:
    assert Uncertainty(target="model.coop_rate", low=0, high=1).distribution == "uniform"


def test_ttx_run_ignores_uncertainties() -> None:
    from sim.model.engine import simulate
    from sim.model.plan import compile_plan

    plain = make_scenario(horizon=12)
    declared = make_scenario(
        horizon=12, uncertainties=[{"target": "alpha.sensitivity", "low": 0.1, "high": 0.9}]
    )
    a = simulate(compile_plan(plain, plain.policy("full")), 3)
    b = simulate(compile_plan(declared, declared.policy("full")), 3)
    assert a.kpis == b.kpis and a.objectives == b.objectives


SPACE_TARGETS = (
    "model.footprint_trust",
    "model.rate_instability",
    "model.threats.insurgency.capacity_harm",
    "model.footprints.training_mission",
    "alpha.stability",
    "threats.cells.rate",
    "initiatives.train.cost",
)


@given(st.lists(st.floats(0, 1), min_size=len(SPACE_TARGETS), max_size=len(SPACE_TARGETS)))
def test_every_point_of_a_checked_space_is_a_valid_scenario(unit: list[float]) -> None:
    s = make_scenario()
    point = {}
    for target, u in zip(SPACE_TARGETS, unit, strict=True):
        found = resolve_target(s, target)
        assert isinstance(found, Target)
        low = found.lower if found.lower is not None else 0.0
        high = min(found.upper if found.upper is not None else 100.0, 100.0)
        point[target] = low + u * (high - low)
    out = apply_point(s, point)
    assert type(out).model_validate(out.model_dump()) == out
    for target, value in point.items():
        found = resolve_target(out, target)
        assert isinstance(found, Target) and found.value == value
