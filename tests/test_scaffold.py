"""``ttx new``: valid, commented scenarios; never overwrites."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.authoring.informative import check
from sim.authoring.lint import lint
from sim.authoring.scaffold import ScaffoldError, new_scenario, template_text, with_id
from sim.cli import app
from sim.scenario.loader import load_scenario, load_scenario_with_source, loads_scenario

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_new_then_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", "x"])
    assert result.exit_code == 0, result.output
    assert "wrote x.yaml" in result.stdout
    checked = runner.invoke(app, ["validate", "x.yaml"])
    assert checked.exit_code == 0, checked.output
    assert "x.yaml: ok (x: 2 policies" in checked.stdout
    text = (tmp_path / "x.yaml").read_text()
    assert text.count("\n#") + text.count("  # ") >= 20  # heavily commented
    assert load_scenario(tmp_path / "x.yaml").id == "x"


def test_template_is_lint_clean_even_strict() -> None:
    path = ROOT / "sim" / "authoring" / "templates" / "scenario.yaml"
    scenario, source = load_scenario_with_source(path)
    assert lint(scenario, source) == []
    assert check(scenario) == []  # every objective in doubt, every decision a trade-off
    # It shows a decision arc, with a conditional inject, and the uncertainty block.
    assert sum(j.decision is not None for j in scenario.injects) >= 3
    assert any(j.when is not None and j.decision is not None for j in scenario.injects)
    assert "\n# uncertainty:\n" in template_text()
    assert template_text() == path.read_text("utf-8")
    doc = ROOT / "docs" / "source" / "nato-middle-east-security.txt"
    headings = {line.strip() for line in doc.read_text("utf-8").splitlines()}
    assert set(scenario.sources) <= headings


def test_template_commented_blocks_load_when_uncommented() -> None:
    """The optional blocks (rivals, uncertainty) are valid as soon as the author uncomments them."""
    text = template_text()
    for block in ("# rivals:\n", "# uncertainty:\n"):
        start = text.index(block)
        end = text.index("\n\n", start)
        lines = text[start:end].splitlines()
        text = text[:start] + "\n".join(line[2:] for line in lines) + text[end:]
    scenario = loads_scenario(text)
    assert scenario.rivals and scenario.uncertainty.model_fields_set >= {"programme_sd"}


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "x.yaml"
    target.write_bytes(b"id: mine\n# my work\n")
    result = runner.invoke(app, ["new", "x", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"error: {target} already exists; choose another name or remove it first" in (
        result.stderr
    )
    assert target.read_bytes() == b"id: mine\n# my work\n"


def test_new_from_shipped_id_keeps_comments(tmp_path: Path) -> None:
    # Laid out like the repository, so the modeline comes out the same.
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "scenario.schema.json").write_text("{}")
    (tmp_path / "scenarios").mkdir()
    path = new_scenario("copy_of_iraq", tmp_path / "scenarios", "iraq_training_mission")
    shipped = ROOT / "scenarios" / "iraq_training_mission.yaml"
    original, text = shipped.read_text().splitlines(), path.read_text().splitlines()
    assert "# strong sovereignty concern" in path.read_text()
    changed = [(a, b) for a, b in zip(original, text, strict=True) if a != b]
    assert changed == [("id: iraq_training_mission", "id: copy_of_iraq")]
    copy = load_scenario(path)
    assert (copy.id, copy.title) == ("copy_of_iraq", load_scenario(shipped).title)


def test_new_from_path_and_schema_modeline(tmp_path: Path) -> None:
    # A folder inside a project with schema/ gets a modeline pointing at it.
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "scenario.schema.json").write_text("{}")
    (tmp_path / "mine").mkdir()
    src = ROOT / "scenarios" / "iraq_training_mission.yaml"
    path = new_scenario("mine_copy", tmp_path / "mine", str(src))
    assert path.read_text().splitlines()[0] == (
        "# yaml-language-server: $schema=../schema/scenario.schema.json"
    )


def test_new_outside_a_project_says_how_to_get_the_schema(tmp_path: Path) -> None:
    path = new_scenario("lonely", tmp_path)
    head = path.read_text().splitlines()[:2]
    if os.path.exists(Path(tmp_path).anchor + "schema/scenario.schema.json"):
        pytest.skip("a schema at the file-system root would be found")
    assert head == [
        "# yaml-language-server: $schema=scenario.schema.json",
        "# (write the schema with `ttx schema --out scenario.schema.json`)",
    ]


@pytest.mark.parametrize("name", ["Bad", "1x", "has-dash", "x" * 41, ""])
def test_new_rejects_bad_names(tmp_path: Path, name: str) -> None:
    result = runner.invoke(app, ["new", name, "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"error: '{name}' is not a valid scenario id" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_from_unknown_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", "y", "--from", "no_such_thing", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: no scenario file or scenario id 'no_such_thing'" in result.stderr


def test_new_from_invalid_source_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\n")
    with pytest.raises(Exception, match="missing required field 'sources'"):
        new_scenario("good", tmp_path, str(bad))
    assert not (tmp_path / "good.yaml").exists()


def test_with_id_needs_a_top_level_id() -> None:
    assert with_id("id: old  # note\nx: 1\n", "new", "f") == "id: new  # note\nx: 1\n"
    assert with_id("title: t\nid: 'old'\n", "new", "f") == "title: t\nid: new\n"
    with pytest.raises(ScaffoldError, match="f has no top-level 'id:' line"):
        with_id("partners:\n  - id: a\n", "new", "f")


def test_new_into_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", "x", "--dir", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr
