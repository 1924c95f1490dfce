"""The import-layer contract bites: one wrong-way import in a copy of ``sim/`` breaks it.

A contract that never fails proves nothing (a typo in a layer name, a
package import-linter cannot find). Each test runs ``lint-imports`` on a
copy of ``sim/`` and ``pyproject.toml`` in a temporary folder, with that
folder first on ``PYTHONPATH``, so the copy is what is analysed and the
repository is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two lint-imports processes

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def first_module(package: Path) -> str:
    return sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")[0]


def test_the_unmodified_copy_keeps_every_contract(copy: Path) -> None:
    proc = lint_imports(copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_a_wrong_way_import_breaks_the_layers_contract(copy: Path) -> None:
    low = first_module(copy / "sim" / "scenario")
    high = first_module(copy / "sim" / "report")
    path = copy / "sim" / "scenario" / f"{low}.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # At the top, after 'from __future__ import ...', which must stay first.
    at = next((i + 1 for i, ln in enumerate(lines) if ln.startswith("from __future__")), 0)
    lines.insert(at, f"import sim.report.{high}\n")
    path.write_text("".join(lines), encoding="utf-8")

    proc = lint_imports(copy)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sim.scenario is not allowed to import sim.report" in proc.stdout
    assert f"- sim.scenario.{low} -> sim.report.{high} (l.{at + 1})" in proc.stdout
    assert "1 broken" in proc.stdout
