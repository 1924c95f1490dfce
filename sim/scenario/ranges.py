"""One entry of ``uncertainties:``: a model number and the range it might plausibly take.

Kept apart from :mod:`sim.scenario.exploration` (which resolves targets
against a whole scenario) so that the scenario model can hold a list of
these without an import cycle.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.fields import Frozen

TARGET_PATTERN = r"^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39}){1,3}$"


class Uncertainty(Frozen):
    """A number of the scenario that ``ttx explore`` varies over a range."""

    target: str = Field(
        pattern=TARGET_PATTERN,
        description="What varies: model.COEFFICIENT, model.threats.KIND.COEFFICIENT, "
        "model.footprints.KIND, PARTNER.TRAIT (e.g. iraq.sensitivity), threats.ID.rate, "
        "initiatives.ID.PARAMETER or alliance.budget.",
    )
    low: float = Field(description="Lowest value explored.")
    high: float = Field(description="Highest value explored.")
    mode: float | None = Field(
        None,
        description="Most likely value: a triangular distribution over low..high; "
        "without it the range is uniform.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Uncertainty:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie within low..high")
        return self

    @property
    def distribution(self) -> str:
        """``uniform`` or ``triangular``."""
        return "uniform" if self.mode is None else "triangular"
