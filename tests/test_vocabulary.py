"""The shared vocabulary and the tables built on it cover each other."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import get_args

import pytest

from sim.analysis.kpis import CATALOGUE, DEBRIEF_KPIS, HEADLINE, JUDGED, kpi_spec
from sim.model.dynamics import PartnerState
from sim.model.engine import series_names, simulate
from sim.model.initiatives import PLAN_CLASSES, InitiativePlan
from sim.model.plan import compile_plan
from sim.scenario.loader import load_scenario
from sim.scenario.models import Initiative
from sim.scenario.params import ModelParameters, default_threat_coefficients
from sim.scenario.vocabulary import INITIATIVE_KINDS, PARTNER_VARS, THREAT_KINDS

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def test_partner_state_follows_the_vocabulary() -> None:
    assert PartnerState._fields == PARTNER_VARS


def test_kind_tables_cover_every_kind() -> None:
    assert set(default_threat_coefficients()) == set(THREAT_KINDS)
    params = ModelParameters()
    assert set(params.footprints) == set(params.profiles) == set(INITIATIVE_KINDS)
    assert set(PLAN_CLASSES) == set(INITIATIVE_KINDS)


def test_each_plan_class_reads_fields_its_model_has() -> None:
    variants = get_args(get_args(Initiative)[0])  # the models of the discriminated union
    models = {get_args(m.model_fields["kind"].annotation)[0]: m for m in variants}
    common = {f.name for f in fields(InitiativePlan)}
    for kind, cls in PLAN_CLASSES.items():
        own = {f.name for f in fields(cls)} - common
        assert own <= set(models[kind].model_fields), (kind, own)


def test_short_lists_are_named_kpis_of_the_catalogue() -> None:
    named = {k.pattern for k in CATALOGUE}
    assert set(HEADLINE) | set(JUDGED) | set(DEBRIEF_KPIS) <= named
    assert HEADLINE[0] == DEBRIEF_KPIS[0] == "final_stability"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_engine_kpi_is_in_the_catalogue(path: Path) -> None:
    plan = compile_plan(load_scenario(path))
    result = simulate(plan, 1)
    assert [n for n in result.kpis if kpi_spec(n) is None] == []
    assert series_names(plan)[: len(PARTNER_VARS)] == list(PARTNER_VARS)
