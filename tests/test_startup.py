"""Fast start: ``ttx --help``, ``ttx list`` and ``ttx validate`` import nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a fresh interpreter per test

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "dask", "distributed", "simpy", "numpy", "scipy", "pandas")
PROBE = """
import json, sys
from sim.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})), file=sys.stderr)
"""


def loaded(*args: str) -> list[str]:
    probe = PROBE.replace("{heavy}", repr(set(HEAVY)))
    proc = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["list", "scenarios"],
        ["validate", "scenarios/iraq_training_mission.yaml"],
    ],
)
def test_light_commands_import_nothing_heavy(args: list[str]) -> None:
    assert loaded(*args) == []


def test_probe_sees_heavy_imports(tmp_path: Path) -> None:
    # The probe would notice: a run imports the engine (numpy, simpy).
    scenario = "scenarios/iraq_training_mission.yaml"
    mods = loaded("run", scenario, "--replications", "1", "--quiet", "--out", str(tmp_path))
    assert "numpy" in mods and "simpy" in mods
