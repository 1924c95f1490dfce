"""Golden values: the engine's output for fixed seeds is pinned in tests/golden/*.json.

Speed work on :mod:`sim.model.engine` must not change results; this test
fails on any change to the KPIs, objectives, monthly series, event log,
decisions or event count of these replications, and says which of them
moved. A change that is meant to move them (a model change) regenerates the
file and commits the difference with the change that caused it::

    pytest tests/test_engine_golden.py --regen-golden

``digest`` is the hash the values were first pinned with (KPIs, series, log
and decisions together), kept so the file shows that nothing moved since.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from sim.model.engine import ReplicationResult, simulate
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/iraq_training_mission.yaml"
GOLDEN = Path(__file__).parent / "golden" / "iraq_training_mission.json"
RUN_SEED = 42
CASES = [("supportive", 0), ("supportive", 3), ("expanded", 0), ("expanded", 3)]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def observe(r: ReplicationResult) -> dict[str, Any]:
    """What is pinned of one replication, as JSON-ready values."""
    kpis = json.dumps(r.kpis, sort_keys=True).encode()
    series, log, decisions = r.series.tobytes(), repr(r.log).encode(), repr(r.decisions).encode()
    return {
        "events": r.events,
        "kpis": dict(sorted(r.kpis.items())),
        "objectives": dict(sorted(r.objectives.items())),
        "decisions": [list(d) for d in r.decisions],
        "series": {
            "shape": list(r.series.shape),
            "dtype": str(r.series.dtype),
            "sha": _sha(series),
        },
        "log": {"entries": len(r.log), "sha": _sha(log)},
        "digest": _sha(kpis + series + log + decisions),
    }


def observe_all() -> dict[str, Any]:
    scenario = load_scenario(ROOT / SCENARIO)
    replications = {}
    for policy, index in CASES:
        result = simulate(compile_plan(scenario, policy), replication_seed(RUN_SEED, index))
        replications[f"{policy}/{index}"] = observe(result)
    return {"scenario": SCENARIO, "run_seed": RUN_SEED, "replications": replications}


def dumps(data: dict[str, Any]) -> str:
    """Indented JSON with each list of plain values on one line, for readable diffs."""
    text = json.dumps(data, indent=2)
    flat = re.compile(r"\[\s+([^\[\]{}]*?)\s+\]")
    return flat.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text) + "\n"


@pytest.fixture(scope="module")
def golden(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.config.getoption("regen_golden"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(dumps(observe_all()), encoding="utf-8")
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def moved(expected: dict[str, Any], observed: dict[str, Any]) -> list[str]:
    """One line per pinned value that changed: ``kpis.final_trust: 0.43 -> 0.44``."""
    lines = []
    for field in sorted(expected.keys() | observed.keys()):
        old, new = expected.get(field), observed.get(field)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(old.keys() | new.keys()):
                if old.get(key) != new.get(key):
                    lines.append(f"{field}.{key}: {old.get(key)!r} -> {new.get(key)!r}")
        else:
            lines.append(f"{field}: {old!r} -> {new!r}")
    return lines


def test_golden_file_covers_the_cases(golden: dict[str, Any]) -> None:
    assert golden["scenario"] == SCENARIO and golden["run_seed"] == RUN_SEED
    assert sorted(golden["replications"]) == sorted(f"{p}/{i}" for p, i in CASES)


@pytest.mark.parametrize(("policy", "index"), CASES)
def test_engine_output_is_pinned(golden: dict[str, Any], policy: str, index: int) -> None:
    plan = compile_plan(load_scenario(ROOT / SCENARIO), policy)
    observed = json.loads(json.dumps(observe(simulate(plan, replication_seed(RUN_SEED, index)))))
    changes = moved(golden["replications"][f"{policy}/{index}"], observed)
    assert not changes, (
        f"{policy}/{index} moved from {GOLDEN.name}:\n  "
        + "\n  ".join(changes)
        + "\nIf the model was meant to change: pytest tests/test_engine_golden.py --regen-golden"
    )
