"""Field types and the base class shared by every scenario and policy model.

Ids, shares, months, intensities, texts and conditions are constrained the
same way wherever they appear, so the loader, the JSON Schema and the error
messages say the same thing about, say, a month in a threat and in an inject.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from sim.scenario.vocabulary import ThreatKind

ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="Identifier: lower-case letter, then letters, digits or '_' (max 40).",
    ),
]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Month = Annotated[int, Field(ge=0, le=240, description="Month from the start (0-240).")]
Intensity = Annotated[
    float,
    Field(
        ge=0.0,
        le=2.0,
        allow_inf_nan=False,
        description="Initiative intensity lever: 0 = off, 1 = nominal, 2 = doubled.",
    ),
]
Text = Annotated[str, Field(max_length=20_000)]
#: Most items in any list of a scenario or policy (partners have their own, lower cap):
#: generous for an exercise, small enough that no list alone makes a run unbounded.
MAX_ITEMS = 200
Name = Annotated[str, Field(min_length=1, max_length=200)]
Condition = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="A condition in the ttx condition language, e.g. "
        "'iraq.trust < 0.3 and month >= 12'.",
    ),
]


# Threat kinds are written as text in YAML: accept the text in strict models.
Kind = Annotated[ThreatKind, Strict(False)]


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected.

    ``allow_inf_nan=False`` applies to every float of every model, including
    those inside dicts: a NaN compares false with every bound, so a field
    without its own bounds would otherwise let ``.nan`` through into the model.

    ``strict``: a YAML 'yes' or a quoted "0.5" is an error, not silently a number;
    the exported JSON Schema says the same, so editor and loader agree.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )


Levers = dict[Id, Intensity]
