"""Hostile and broken scenario files: each is refused with a positioned message, cheaply.

Every file in ``tests/assets/hazards/`` (except ``valid_base.yaml``, the
scenario they are all derived from) changes one thing. Each test asserts the
exit code of ``ttx validate``, the exact ``FILE:LINE:COL: path:`` prefix and
the message, and that the work done stays bounded whatever the input: the
file is read at most once, the event scan stops within its value budget and
the builder within its own. The hazards that exist to be slow (an expansion
bomb, a file near the size limit, 100,000 brackets) are held to tighter,
specific bounds. Work is counted, not timed, so a loaded machine cannot fail
these tests and a fast one cannot hide a regression. Files too big to commit
are generated into ``tmp_path``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
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
# The most parser events the scan can pull before a limit stops it: every event but a
# collection's end (at most one per start) and the four stream and document events
# adds at least one value to the expanded total, which may not pass MAX_NODES.
SCAN_BUDGET = 2 * (yamlsrc.MAX_NODES + 1) + 4
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


@dataclass
class Work:
    """What validating one file took: bytes read, parser events scanned, values built."""

    bytes_read: int = 0
    parser: Any = None  # the loader class the event scan used
    events: int = 0
    built: int = 0

    def assert_bounded(self, path: Path) -> None:
        """The bounds every input must respect, hostile or not."""
        assert self.bytes_read <= path.stat().st_size, "the file was read more than once"
        assert self.events <= SCAN_BUDGET, f"the scan pulled {self.events} events"
        assert self.built <= yamlsrc.MAX_NODES + 1, f"the builder built {self.built} values"


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Count the work of every validation in the test through wrappers around the reader.

    The composer that follows a passing scan consumes the same event stream,
    so bounding the scan bounds it too.
    """
    w = Work()
    scan, build, read_bytes = yamlsrc._scan, yamlsrc._Builder.build, Path.read_bytes

    def counting_scan(text: str, file: str, loader_class: Any) -> None:
        class Counting(loader_class):  # type: ignore[misc, valid-type]
            def get_event(self) -> Any:
                w.events += 1
                return super().get_event()

        w.parser = loader_class
        scan(text, file, Counting)

    def counting_build(self: Any, node: Any, loc: Any, depth: int) -> Any:
        w.built += 1
        return build(self, node, loc, depth)

    def counting_read(self: Path) -> bytes:
        data = read_bytes(self)
        w.bytes_read += len(data)
        return data

    monkeypatch.setattr(yamlsrc, "_scan", counting_scan)
    monkeypatch.setattr(yamlsrc._Builder, "build", counting_build)
    monkeypatch.setattr(Path, "read_bytes", counting_read)
    yield w


def validate(path: Path) -> Result:
    """``ttx validate PATH`` in-process."""
    return runner.invoke(app, ["validate", str(path)])


def assert_refused(path: Path, line: int, col: int, where: str, message: str, work: Work) -> None:
    result = validate(path)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    prefix = f"{path}:{line}:{col}: " + (f"{where}: " if where else "")
    assert first.startswith(prefix), first
    assert message in first, first
    work.assert_bounded(path)


def libyaml() -> Any:
    """The libyaml loader that files over PY_PARSE_CHARS go through (skip without it)."""
    if yamlsrc._Loader is yaml.SafeLoader:
        pytest.skip("PyYAML was built without libyaml")
    return yamlsrc._Loader


def test_the_base_of_every_hazard_file_is_valid(work: Work) -> None:
    # Otherwise a hazard test could pass because of some unrelated mistake.
    path = HAZARDS / "valid_base.yaml"
    result = validate(path)
    assert result.exit_code == 0, result.output
    assert "ok (hazard_base: 1 policies" in result.output
    work.assert_bounded(path)
    assert work.events > 0 and work.built > 0  # the meter sees a real validation


def test_every_hazard_file_has_a_test() -> None:
    tested = {c.file for c in CASES} | {"valid_base.yaml"}
    assert {p.name for p in HAZARDS.glob("*.yaml")} == tested


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hazard_is_refused_with_its_position(case: Hazard, work: Work) -> None:
    assert_refused(HAZARDS / case.file, case.line, case.col, case.path, case.message, work)


def test_expansion_bomb_is_stopped_by_the_scan_before_anything_is_built(work: Work) -> None:
    path = HAZARDS / "billion_laughs.yaml"
    assert validate(path).exit_code == 1
    assert work.built == 0
    # A billion values on expansion; the scan pulls fewer events than the file has bytes.
    assert 0 < work.events <= path.stat().st_size


def test_duplicate_keys_name_both_lines() -> None:
    result = validate(HAZARDS / "duplicate_keys.yaml")
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines  # 'trust' and 'cooperation' both repeat; both are reported
    assert (
        "duplicate_keys.yaml:12:5: partners[0].cooperation: duplicate key 'cooperation' "
        in (lines[1])
    )
    assert "(first defined on line 10)" in lines[1]


def test_python_tags_never_run_code(tmp_path: Path, work: Work) -> None:
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
    assert_refused(
        path, 3, 8, "title", "tag '!!python/object/apply:os.system' is not allowed", work
    )
    assert not marker.exists()


def test_file_over_the_size_limit(tmp_path: Path, work: Work) -> None:
    path = tmp_path / "huge.yaml"
    padding = "# " + "x" * 98 + "\n"
    base = (HAZARDS / "valid_base.yaml").read_text(encoding="utf-8")
    path.write_text(base + padding * (yamlsrc.MAX_BYTES // len(padding) + 1), encoding="utf-8")
    size = path.stat().st_size
    limit = f"file is too large ({size} bytes, limit {yamlsrc.MAX_BYTES})"
    assert_refused(path, 1, 1, "", limit, work)
    assert work.bytes_read == 0  # refused by its size, unread


def test_file_just_under_the_size_limit_is_refused_early(tmp_path: Path, work: Work) -> None:
    # 2 MB of small values: parsed with libyaml and stopped by the value budget.
    path = tmp_path / "many.yaml"
    rows = 75_000
    path.write_text(
        "id: x\nnotes:\n" + "".join(f"  - {{a: {i}, b: {i}.5}}\n" for i in range(rows)),
        encoding="utf-8",
    )
    assert path.stat().st_size < yamlsrc.MAX_BYTES
    result = validate(path)
    assert result.exit_code == 1
    assert f"document too large: more than {yamlsrc.MAX_NODES} values" in result.stderr
    assert work.parser is libyaml()
    assert work.built == 0
    # Six events a row: the scan stopped within the budget, long before the end of the file.
    assert work.events <= SCAN_BUDGET < 6 * rows


def test_deeply_nested_mappings(tmp_path: Path, work: Work) -> None:
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
        work,
    )
    assert work.built == 0


def test_deeply_nested_flow_sequences(tmp_path: Path, work: Work) -> None:
    path = tmp_path / "deep_flow.yaml"
    # The root mapping is the first level, so the 64th bracket (column 4 + 64) is one too many.
    path.write_text("id: [" + "[" * 100 + "]" * 101 + "\n", encoding="utf-8")
    assert_refused(path, 1, 4 + 64, "id[0][0][0]...(64 levels)", "document nested too deeply", work)
    assert work.built == 0


def test_pathologically_nested_flow_sequences_stop_at_the_depth_limit(
    tmp_path: Path, work: Work
) -> None:
    # 100,000 open brackets made PyYAML's pure-Python scanner run for minutes.
    path = tmp_path / "brackets.yaml"
    path.write_text("id: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:1:")
    assert "nest" in result.stderr  # 'nested too deeply' or libyaml's 'maximum nesting depth'
    assert work.parser is libyaml()
    assert work.built == 0
    # Stream, document, the root mapping and 'id', then one event per bracket up to the limit.
    assert work.events <= yamlsrc.MAX_DEPTH + 4


def test_too_many_aliases(tmp_path: Path, work: Work) -> None:
    path = tmp_path / "aliases.yaml"
    refs = ", ".join(["*a"] * (yamlsrc.MAX_ALIASES + 1))
    path.write_text(f"id: &a x\nrefs: [{refs}]\n", encoding="utf-8")
    col = 8 + 4 * yamlsrc.MAX_ALIASES  # the alias past the limit
    assert_refused(
        path, 2, col, f"refs[{yamlsrc.MAX_ALIASES}]", "too many aliases (limit 1000)", work
    )
    assert work.built == 0
    assert work.events <= yamlsrc.MAX_ALIASES + 8


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
    libyaml()
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
def test_real_process_exit_code_and_message(name: str) -> None:
    """The same through a real ``python -m sim validate`` process (the work is bounded above)."""
    path = HAZARDS / name
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,  # a hang fails the test rather than the whole suite
        check=False,
    )
    case = next(c for c in CASES if c.file == name)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{path}:{case.line}:{case.col}: {case.path}: {case.message}")
    assert "Traceback" not in proc.stderr
