"""MODEL.md states every coefficient with the default the code uses.

The parameter tables of MODEL.md §3.4 are written by hand; these tests render
what each row must say from the code, so a changed default or a new
coefficient fails here with the line to put in MODEL.md.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from sim.scenario import models
from sim.scenario.params import ModelParameters, ThreatCoefficients, default_threat_coefficients
from sim.scenario.uncertainty import DEFAULT_POLITICAL_RATES, UncertaintySettings

MODEL = Path("MODEL.md").read_text(encoding="utf-8")
TABLES = ("threats", "footprints", "profiles")
DEFAULTS = ModelParameters()


def _number(value: float) -> str:
    return str(float(value))


def parameter_row(name: str) -> str:
    field = ModelParameters.model_fields[name]
    return f"| `{name}` | {_number(getattr(DEFAULTS, name))} | {field.description} |"


def threat_header() -> str:
    return "| kind | " + " | ".join(ThreatCoefficients.model_fields) + " |"


def threat_row(kind: str, coeffs: ThreatCoefficients) -> str:
    values = (_number(getattr(coeffs, f)) for f in ThreatCoefficients.model_fields)
    return f"| {kind} | " + " | ".join(values) + " |"


def initiative_row(kind: str) -> str:
    profile = DEFAULTS.profiles[kind]
    total = sum(profile.values())
    shares = ", ".join(f"{k} {v / total:.2f}" for k, v in profile.items())
    return f"| {kind} | {_number(DEFAULTS.footprints[kind])} | {shares} |"


def initiative_classes() -> list[type[BaseModel]]:
    union = typing.get_args(models.Initiative)[0]
    return list(typing.get_args(union))


def kind_defaults(cls: type[BaseModel]) -> str:
    own = [n for n in cls.model_fields if n not in models._InitiativeBase.model_fields]
    kind = typing.get_args(cls.model_fields["kind"].annotation)[0]
    parts = [f"`{n}` {_number(cls.model_fields[n].default)}" for n in own if n != "kind"]
    return f"{kind} " + ", ".join(parts)


@pytest.mark.parametrize("name", [n for n in ModelParameters.model_fields if n not in TABLES])
def test_every_scalar_coefficient_has_its_row_with_the_default(name: str) -> None:
    row = parameter_row(name)
    assert row in MODEL, f"MODEL.md §3.4 needs the row:\n{row}"


def test_every_threat_coefficient_is_tabulated_with_its_default() -> None:
    expected = [threat_header()] + [
        threat_row(kind, c) for kind, c in default_threat_coefficients().items()
    ]
    missing = [line for line in expected if line not in MODEL]
    assert not missing, "MODEL.md §3.4 needs the lines:\n" + "\n".join(missing)


def test_every_initiative_kind_has_its_footprint_and_profile() -> None:
    missing = [initiative_row(k) for k in DEFAULTS.footprints if initiative_row(k) not in MODEL]
    assert not missing, "MODEL.md §3.4 needs the lines:\n" + "\n".join(missing)


def test_every_kind_specific_initiative_default_is_stated() -> None:
    text = " ".join(MODEL.split())
    for cls in initiative_classes():
        line = kind_defaults(cls)
        assert line in text, f"MODEL.md §3.4 needs: {line}"
    common = models._InitiativeBase.model_fields
    for name in ("cycle", "cost", "intensity"):
        assert f"`{name}` {common[name].default}" in text, name


def _settings_rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, object]]:
    """(dotted name, default) of every scalar setting, nested blocks flattened."""
    rows: list[tuple[str, object]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += _settings_rows(annotation, f"{path}.")
        elif field.default_factory is None:  # a table (rates) is checked row by row below
            rows.append((path, field.default))
    return rows


def _setting_cell(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}"


@pytest.mark.parametrize("path, default", _settings_rows(UncertaintySettings))
def test_every_uncertainty_setting_has_its_row_with_the_default(path: str, default: object) -> None:
    row = f"| `{path}` | {_setting_cell(default)} |"
    assert row in MODEL, f"MODEL.md §3.3.7 needs a row starting:\n{row}"


@pytest.mark.parametrize("kind, rate", sorted(DEFAULT_POLITICAL_RATES.items()))
def test_every_political_event_rate_is_stated(kind: str, rate: float) -> None:
    row = f"| `{kind}` | {rate:g} |"
    assert row in MODEL, f"MODEL.md §3.3.7 needs the event row starting:\n{row}"
