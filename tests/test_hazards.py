"""Hostile and broken scenario files: each is refused with a positioned message, quickly.

Every file in ``tests/assets/hazards/`` (except ``valid_base.yaml``, the
scenario they are all derived from) changes one thing. Each test asserts the
exit code of ``ttx validate``, the exact ``FILE:LINE:COL: path:`` prefix and
the message, and that validation finishes in under two seconds. Files too
big to commit are generated into ``tmp_path``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from sim.cli import app
from sim.errors import InputError
from sim.scenario import source as yamlsrc
from sim.scenario.loader import load_scenario

HAZARDS = Path(__file__).parent / "assets" / "hazards"
TIME_LIMIT_S = 2.0  # acceptance: `ttx validate` on a hazard file finishes in under two seconds
runner = CliRunner()


@dataclass(frozen=True)
class Hazard:
    """A hazard file and the first problem ``ttx validate`` must print for it."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:  # pytest ids
        return self.file.removesuffix(".yaml")


_TAG = "is not allowed; only plain YAML values (text, numbers, true/false, lists, mappings) are"
_ID = "not a valid id: use a lower-case letter, then lower-case letters, digits or '_'"
_LANG = "not allowed; use comparisons, and/or/not, + - * /, month, ACTOR.VAR"

CASES = [
    # YAML tags that would construct objects (scalar, mapping and sequence forms).
    Hazard(
        "python_apply_os_system.yaml",
        3,
        8,
        "title",
        f"tag '!!python/object/apply:os.system' {_TAG}",
    ),
    Hazard("python_name_scalar.yaml", 3, 8, "title", f"tag '!!python/name:os.system' {_TAG}"),
    Hazard(
        "python_object_mapping.yaml",
        7,
        11,
        "partners[0].name",
        f"tag '!!python/object:subprocess.Popen' {_TAG}",
    ),
    Hazard(
        "python_object_sequence.yaml", 4, 10, "sources", f"tag '!!python/object/new:tuple' {_TAG}"
    ),
    Hazard("local_tag.yaml", 17, 11, "threats[0].rate", f"tag '!cost' {_TAG}"),
    # Expansion bomb: nine levels of ten aliases each, a few hundred bytes.
    Hazard(
        "billion_laughs.yaml",
        34,
        11,
        "lol6[0]",
        f"document too large: more than {yamlsrc.MAX_NODES} values (after expanding aliases)",
    ),
    Hazard("latin1.yaml", 7, 15, "", "file is not valid UTF-8 text (byte 0xe9); save it as UTF-8"),
    Hazard("control_character.yaml", 3, 15, "", "character U+0007 is not allowed in YAML"),
    Hazard("empty.yaml", 1, 1, "", "file is empty; expected a mapping of fields"),
    Hazard("comment_only.yaml", 1, 1, "", "file is empty; expected a mapping of fields"),
    Hazard(
        "top_level_list.yaml",
        1,
        1,
        "",
        "expected a mapping of fields at the top level, found a list",
    ),
    Hazard(
        "top_level_scalar.yaml",
        1,
        1,
        "",
        "expected a mapping of fields at the top level, found 'just some text'",
    ),
    Hazard("nested_scalar.yaml", 5, 11, "partners", "input should be a valid list; found 5"),
    Hazard(
        "nested_list_for_mapping.yaml",
        26,
        11,
        "alliance",
        "expected a mapping of fields; found ['nato', 10]",
    ),
    Hazard(
        "duplicate_keys.yaml",
        11,
        5,
        "partners[0].trust",
        "duplicate key 'trust' (first defined on line 9); YAML would silently keep only the last",
    ),
    # Non-finite and absurd numbers.
    Hazard(
        "nan_rate.yaml", 17, 11, "threats[0].rate", "input should be a finite number; found nan"
    ),
    Hazard(
        "inf_cost.yaml", 22, 11, "initiatives[0].cost", "input should be a finite number; found inf"
    ),
    Hazard(
        "absurd_budget.yaml",
        23,
        20,
        "alliance.budget",
        "input should be less than or equal to 1000000; found 1e+308",
    ),
    Hazard(
        "nan_severity.yaml",
        18,
        22,
        "threats[0].severity.mean",
        "input should be a finite number; found nan",
    ),
    Hazard(
        "inf_effect_delta.yaml",
        30,
        76,
        "injects[0].effects[0].delta",
        "input should be a finite number; found -inf",
    ),
    Hazard(
        "nan_model_footprint.yaml",
        29,
        40,
        "model.footprints.training_mission",
        "input should be a finite number; found nan",
    ),
    # Ids that are not simple identifiers.
    Hazard(
        "id_with_space.yaml",
        6,
        9,
        "partners[0].id",
        f"{_ID}, at most 40 characters; found 'iraq north'",
    ),
    Hazard(
        "id_lookalike.yaml",
        6,
        9,
        "partners[0].id",
        f"{_ID}, at most 40 characters (it contains '\u0430', U+0430, which is not a plain "
        "ASCII letter); found 'ir\u0430q'",
    ),
    Hazard("id_path.yaml", 14, 9, "threats[0].id", f"{_ID}, at most 40 characters; found '../x'"),
    Hazard(
        "id_too_long.yaml", 2, 5, "id", f"{_ID}, at most 40 characters (it is 300 characters long)"
    ),
    # Conditions outside the language.
    Hazard(
        "condition_too_long.yaml",
        28,
        16,
        "objectives[0].condition",
        "string should have at most 500 characters",
    ),
    Hazard(
        "condition_too_deep.yaml",
        28,
        48,
        "objectives[0].condition",
        "condition is nested too deeply (limit 32)",
    ),
    Hazard(
        "condition_attribute.yaml",
        28,
        16,
        "objectives[0].condition",
        f"nested attribute access is {_LANG}",
    ),
    Hazard(
        "condition_call.yaml",
        28,
        16,
        "objectives[0].condition",
        "unknown function 'open'; expected mean, min, max (of partners.VAR) or abs",
    ),
    Hazard(
        "condition_subscript.yaml",
        28,
        16,
        "objectives[0].condition",
        f"subscripts ([...]) is {_LANG}",
    ),
    Hazard(
        "condition_lambda.yaml",
        28,
        16,
        "objectives[0].condition",
        f"calling anything but mean, min, max or abs is {_LANG}",
    ),
    Hazard(
        "condition_comprehension.yaml",
        28,
        16,
        "objectives[0].condition",
        f"comprehensions is {_LANG}",
    ),
    Hazard(
        "condition_dunder.yaml",
        28,
        16,
        "objectives[0].condition",
        "'__class__': names starting with '__' are not allowed",
    ),
    Hazard(
        "condition_import.yaml",
        28,
        16,
        "objectives[0].condition",
        "unknown function '__import__'; expected mean, min, max (of partners.VAR) or abs",
    ),
]


def validate(path: Path) -> tuple[Result, float]:
    """``ttx validate PATH`` in-process; returns the result and the seconds it took."""
    started = time.perf_counter()
    result = runner.invoke(app, ["validate", str(path)])
    return result, time.perf_counter() - started


def assert_refused(path: Path, line: int, col: int, where: str, message: str) -> None:
    result, seconds = validate(path)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    prefix = f"{path}:{line}:{col}: " + (f"{where}: " if where else "")
    assert first.startswith(prefix), first
    assert message in first, first
    assert seconds < TIME_LIMIT_S, f"validate took {seconds:.2f} s"


def test_the_base_of_every_hazard_file_is_valid() -> None:
    # Otherwise a hazard test could pass because of some unrelated mistake.
    result, _ = validate(HAZARDS / "valid_base.yaml")
    assert result.exit_code == 0, result.output
    assert "ok (hazard_base: 1 policies" in result.output


def test_every_hazard_file_has_a_test() -> None:
    tested = {c.file for c in CASES} | {"valid_base.yaml"}
    assert {p.name for p in HAZARDS.glob("*.yaml")} == tested


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hazard_is_refused_with_its_position(case: Hazard) -> None:
    assert_refused(HAZARDS / case.file, case.line, case.col, case.path, case.message)


def test_duplicate_keys_name_both_lines() -> None:
    result, _ = validate(HAZARDS / "duplicate_keys.yaml")
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines  # 'trust' and 'cooperation' both repeat; both are reported
    assert (
        "duplicate_keys.yaml:12:5: partners[0].cooperation: duplicate key 'cooperation' "
        in (lines[1])
    )
    assert "(first defined on line 10)" in lines[1]


def test_python_tags_never_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    text = (
        (HAZARDS / "valid_base.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "title: Minimal scenario", f'title: !!python/object/apply:os.system ["touch {marker}"]'
        )
    )
    path = tmp_path / "apply.yaml"
    path.write_text(text, encoding="utf-8")
    assert_refused(path, 3, 8, "title", "tag '!!python/object/apply:os.system' is not allowed")
    assert not marker.exists()


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    padding = "# " + "x" * 98 + "\n"
    base = (HAZARDS / "valid_base.yaml").read_text(encoding="utf-8")
    path.write_text(base + padding * (yamlsrc.MAX_BYTES // len(padding) + 1), encoding="utf-8")
    size = path.stat().st_size
    assert_refused(path, 1, 1, "", f"file is too large ({size} bytes, limit {yamlsrc.MAX_BYTES})")


def test_file_just_under_the_size_limit_is_refused_quickly(tmp_path: Path) -> None:
    # 2 MB of small values: parsed with libyaml and stopped by the value budget.
    path = tmp_path / "many.yaml"
    rows = "".join(f"  - {{a: {i}, b: {i}.5}}\n" for i in range(75_000))
    path.write_text("id: x\nnotes:\n" + rows, encoding="utf-8")
    assert path.stat().st_size < yamlsrc.MAX_BYTES
    result, seconds = validate(path)
    assert result.exit_code == 1
    assert f"document too large: more than {yamlsrc.MAX_NODES} values" in result.stderr
    assert seconds < TIME_LIMIT_S


def test_deeply_nested_mappings(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(
        "id: x\nnest:\n"
        + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(100))
        + "  " * 101
        + "x\n",
        encoding="utf-8",
    )
    # The 65th mapping starts on the line of its key k63 (line 3 + 63), after 'k63: '.
    assert_refused(
        path,
        66,
        2 * 65 - 1,
        "nest.k0.k1.k2...(64 levels)",
        "document nested too deeply (limit 64 levels)",
    )


def test_deeply_nested_flow_sequences(tmp_path: Path) -> None:
    path = tmp_path / "deep_flow.yaml"
    # The root mapping is the first level, so the 64th bracket (column 4 + 64) is one too many.
    path.write_text("id: [" + "[" * 100 + "]" * 101 + "\n", encoding="utf-8")
    assert_refused(path, 1, 4 + 64, "id[0][0][0]...(64 levels)", "document nested too deeply")


def test_pathologically_nested_flow_sequences_finish_fast(tmp_path: Path) -> None:
    # 100,000 open brackets made PyYAML's pure-Python scanner run for minutes.
    path = tmp_path / "brackets.yaml"
    path.write_text("id: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result, seconds = validate(path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:1:")
    assert "nest" in result.stderr  # 'nested too deeply' or libyaml's 'maximum nesting depth'
    assert seconds < TIME_LIMIT_S


def test_too_many_aliases(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    refs = ", ".join(["*a"] * (yamlsrc.MAX_ALIASES + 1))
    path.write_text(f"id: &a x\nrefs: [{refs}]\n", encoding="utf-8")
    col = 8 + 4 * yamlsrc.MAX_ALIASES  # the alias past the limit
    assert_refused(path, 2, col, f"refs[{yamlsrc.MAX_ALIASES}]", "too many aliases (limit 1000)")


def test_lone_surrogate_in_text_is_refused_with_a_position() -> None:
    # Only reachable through loads_scenario (files are strict UTF-8); found by the fuzz test.
    from sim.scenario.loader import loads_scenario

    with pytest.raises(InputError) as info:
        loads_scenario("id: x\ntitle: a\ud800b\n", "text.yaml")
    assert [str(p) for p in info.value.problems] == ["text.yaml:2:9: invalid character U+D800"]


@pytest.mark.parametrize(
    "name",
    [
        "python_apply_os_system.yaml",
        "python_object_mapping.yaml",
        "billion_laughs.yaml",
        "duplicate_keys.yaml",
        "nan_rate.yaml",
        "valid_base.yaml",
    ],
)
def test_large_files_parsed_by_libyaml_give_the_same_answer(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files over PY_PARSE_CHARS go through libyaml; the answer must not change."""
    if yamlsrc._Loader is yaml.SafeLoader:
        pytest.skip("PyYAML was built without libyaml")
    path = tmp_path / name
    padding = "# padding to pass the pure-Python size\n" * (yamlsrc.PY_PARSE_CHARS // 40 + 1)
    path.write_bytes((HAZARDS / name).read_bytes() + padding.encode())

    def outcome() -> Any:
        try:
            return load_scenario(path)
        except InputError as exc:
            return exc.problems

    with_libyaml = outcome()
    monkeypatch.setattr(yamlsrc, "_Loader", yaml.SafeLoader)
    assert outcome() == with_libyaml


@pytest.mark.slow
@pytest.mark.parametrize("name", ["python_apply_os_system.yaml", "billion_laughs.yaml"])
def test_real_process_exit_code_and_time(name: str) -> None:
    """The same through a real ``python -m sim validate`` process."""
    path = HAZARDS / name
    # Interpreter start-up on a shared, loaded machine is not ttx's work: allow for it.
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import sim.cli, sim.scenario.loader"], check=True, timeout=60
    )
    startup = time.perf_counter() - started
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    seconds = time.perf_counter() - started
    case = next(c for c in CASES if c.file == name)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{path}:{case.line}:{case.col}: {case.path}: {case.message}")
    assert "Traceback" not in proc.stderr
    assert seconds < TIME_LIMIT_S + startup
