"""The model documentation names every parameter and every source section it cites."""

from __future__ import annotations

import re
from pathlib import Path

from sim.scenario.params import ModelParameters

MODEL = Path("MODEL.md").read_text(encoding="utf-8")
SOURCE = Path("docs/source/nato-middle-east-security.txt").read_text(encoding="utf-8")


def test_every_model_parameter_is_documented() -> None:
    for name in ModelParameters.model_fields:
        assert f"`{name}`" in MODEL or name in ("threats", "footprints", "profiles"), name


def test_every_cited_section_exists_in_the_source() -> None:
    headings = {line.strip() for line in SOURCE.splitlines() if line.strip()}
    cited = re.findall(r'"([^"\n]{8,120})"', MODEL)
    sections = [c for c in cited if c[0].isupper() and not c.endswith(".")]
    assert len(sections) >= 8
    for section in sections:
        # Either a section heading or a verbatim quotation from the text.
        assert section in headings or section in SOURCE, section


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = Path("README.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"pip install -e '\.\[test\]' && (pytest[^`\n]*)", readme)
    assert command.strip() in Path(".ci/run").read_text(encoding="utf-8").splitlines()
