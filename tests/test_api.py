"""The public API (``import sim``): every name resolves, lazily, and the README example runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "simpy", "scipy", "matplotlib", "pydantic")


def readme_example() -> str:
    """The Python block of the README's "Python API" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python block in the README's Python API section"
    return match.group(1)


@pytest.mark.slow  # a fresh interpreter runs the example
def test_readme_example_runs() -> None:
    code = readme_example()
    assert len(code.strip().splitlines()) <= 12  # short enough to read at a glance
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0, proc.stderr
    mean, advice = proc.stdout.strip().splitlines()
    assert 0 <= float(mean) <= 1
    assert "replications" in advice


def test_every_public_name_resolves() -> None:
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    assert set(sim.__all__) <= set(dir(sim))
    assert issubclass(sim.InputError, sim.TtxError)
    assert issubclass(sim.RunFailed, sim.TtxError)


@pytest.mark.slow  # a fresh interpreter
def test_import_sim_is_light() -> None:
    probe = (
        "import json, sys, sim; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert json.loads(proc.stdout) == []


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        sim.no_such_name  # noqa: B018
