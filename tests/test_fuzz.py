"""Property tests: no mutation of a scenario, and no condition text, crashes the loader.

Loading either succeeds or raises :class:`~sim.errors.InputError` whose every
problem has a real position; compiling a condition either succeeds or raises
:class:`~sim.scenario.conditions.ExprError`. Any other exception is a bug. The number of
examples comes from the hypothesis profile (``tests/conftest.py``).
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from sim.errors import InputError
from sim.scenario import conditions
from sim.scenario.conditions import ExprError, Symbols, compile_condition
from sim.scenario.loader import loads_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
MUTATIONS = (
    "drop_key",
    "add_key",
    "swap_type",
    "out_of_range",
    "truncate",
    "duplicate_key",
    "insert_text",
)

# Values of the "wrong" type, and numbers no field accepts (or only just).
OTHER_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["id", "x", "kind"]), st.integers(0, 3), max_size=2),
)
BAD_NUMBERS = st.sampled_from(
    [-1, -1e-9, 1.0000001, 2.5, 241, 10**6 + 1, 1e308, -1e308, 2**63, 2**70, math.nan, math.inf]
)


def paths(data: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in parsed YAML data (the root first)."""
    out = [loc]
    if isinstance(data, dict):
        for key, value in data.items():
            out += paths(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += paths(value, (*loc, i))
    return out


def get(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


def mutate(text: str, kind: str, draw: Any) -> str:
    """Apply one mutation of ``kind`` to scenario ``text``, drawing choices from hypothesis."""
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "insert_text":
        at = draw(st.integers(0, len(text)))
        junk = draw(
            st.text(
                alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`\n\t ,?")) | st.characters(),
                max_size=8,
            )
        )
        return text[:at] + junk + text[at:]
    if kind == "duplicate_key":
        lines = text.splitlines(keepends=True)
        keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*(- )?[a-z_]+:", line)]
        i = draw(st.sampled_from(keyed))
        copy = lines[i].replace("- ", "  ", 1)  # repeat the key inside the same mapping
        return "".join([*lines[: i + 1], copy, *lines[i + 1 :]])
    data = yaml.safe_load(text)
    if kind == "out_of_range":
        numeric = [p for p in paths(data) if p and type(get(data, p)) in (int, float)]
        loc = draw(st.sampled_from(numeric))
        get(data, loc[:-1])[loc[-1]] = draw(BAD_NUMBERS)
    elif kind == "swap_type":
        loc = draw(st.sampled_from([p for p in paths(data) if p]))
        get(data, loc[:-1])[loc[-1]] = draw(OTHER_VALUES)
    else:
        mappings = [p for p in paths(data) if isinstance(get(data, p), dict) and get(data, p)]
        target = get(data, draw(st.sampled_from(mappings)))
        if kind == "drop_key":
            del target[draw(st.sampled_from(sorted(target)))]
        else:
            name = draw(st.sampled_from(["extra", "titel", "id2", "kind", "notes", "1", "yes"]))
            target[name] = draw(OTHER_VALUES)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def assert_loads_or_explains(text: str, file: str) -> None:
    try:
        loads_scenario(text, file)
    except InputError as exc:
        assert exc.problems, "an InputError must carry at least one problem"
        # YAML also breaks lines at a lone CR, NEL and the Unicode line separators.
        last_line = len(re.split("\r\n|[\n\r\x85\u2028\u2029]", text)) + 1
        for problem in exc.problems:
            assert problem.file == file
            assert 1 <= problem.line <= last_line, problem
            assert problem.col >= 1, problem
            assert problem.message, problem
            assert "Traceback" not in problem.message


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
@given(kind=st.sampled_from(MUTATIONS), data=st.data())
def test_mutated_scenario_loads_or_raises_positioned_input_error(
    scenario: Path, kind: str, data: st.DataObject
) -> None:
    text = scenario.read_text(encoding="utf-8")
    mutated = mutate(text, kind, data.draw)
    assert_loads_or_explains(mutated, f"{scenario.stem}-{kind}.yaml")


def test_shipped_scenarios_exist_and_load() -> None:
    # The fuzz test above is vacuous without scenarios to mutate.
    assert SCENARIOS
    for path in SCENARIOS:
        loads_scenario(path.read_text(encoding="utf-8"), str(path))


# --------------------------------------------------------------------------- conditions

SYMBOLS = Symbols(partners=("iraq", "jordan"), rivalries=("gulf",), rivals=("iran",))
ATOMS = st.sampled_from(
    [
        "month",
        "iraq.trust",
        "jordan.capacity",
        "gulf.tension",
        "iran.influence",
        "nato.funds",
        "nato.spent",
        "incidents.total",
        "incidents.cyber",
        "mean(partners.trust)",
        "max(partners.stability)",
        "abs(iraq.trust - 0.5)",
        "true",
        "0",
        "0.5",
        "1e308",
        "1e999",
        "9" * 400,
        "x",
        "iraq",
        "iraq.__class__",
        "().__class__",
        "__import__('os')",
        "open('/etc/passwd')",
        "iraq.trust[0]",
        "(lambda: 1)()",
        "[x for x in ()]",
        "'text'",
        "None",
        "...",
        "1j",
        "f'{month}'",
    ]
)
BINARY = st.sampled_from(
    [
        " + ",
        " - ",
        " * ",
        " / ",
        " < ",
        " <= ",
        " == ",
        " != ",
        " and ",
        " or ",
        " in ",
        " is ",
        " ** ",
        " // ",
        " % ",
        " & ",
    ]
)


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, BINARY, inner).map("".join),
        inner.map(lambda s: f"({s})"),
        inner.map(lambda s: f"not {s}"),
        inner.map(lambda s: f"-{s}"),
        inner.map(lambda s: f"abs({s})"),
        inner.map(lambda s: f"{s}.real"),
        inner.map(lambda s: f"{s}[0]"),
    )


CONDITIONS = st.one_of(
    st.recursive(ATOMS, _grow, max_leaves=40),
    st.text(max_size=120),
    st.text(alphabet="()[]{}.,:-+*/<>=! notandor_abcmeanpartners.trust0123456789", max_size=600),
    st.integers(1, 200).map(lambda n: "(" * n + "month" + ")" * n),
    st.integers(1, 200).map(lambda n: "not " * n + "true"),
    st.integers(1, 300).map(lambda n: "-" * n + "1 > 0"),
)


class _View:
    """A world where every value is a fixed number (conditions only read it)."""

    month = 12

    def partner(self, index: int, var: str) -> float:
        return 0.5

    def partner_values(self, var: str) -> list[float]:
        return [0.25, 0.75]

    def rivalry_tension(self, index: int) -> float:
        return 0.3

    def influence(self, index: int) -> float:
        return 0.2

    def alliance(self, var: str) -> float:
        return 0.0

    def incidents(self, kind: str) -> float:
        return 3.0


@pytest.mark.slow
@given(text=CONDITIONS)
@example(text="1 / 0 > 0")
@example(text="nato.funds / nato.spent > 1")
@example(text="iraq.trust\x00")
@example(text="(" * 200 + "month" + ")" * 200)
def test_condition_compiles_or_raises_expr_error(text: str) -> None:
    # Work is counted through wrappers, not timed: Python's parser only ever sees text
    # within the length limit, and the compiler visits at most MAX_NODES + 1 nodes.
    parsed: list[int] = []
    visits = [0]
    parse, visit = ast.parse, conditions._Compiler.compile

    def counting_parse(source: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(len(source))
        return parse(source, *args, **kwargs)

    def counting_visit(self: Any, node: ast.AST, depth: int = 0) -> Any:
        visits[0] += 1
        return visit(self, node, depth)

    with (
        mock.patch.object(conditions.ast, "parse", counting_parse),
        mock.patch.object(conditions._Compiler, "compile", counting_visit),
    ):
        try:
            expr = compile_condition(text, SYMBOLS)
        except ExprError as exc:
            assert exc.message
            assert 0 <= exc.offset <= len(text)
        else:
            # What compiles also evaluates, to a plain bool, without error.
            assert expr(_View()) in (True, False)
    assert all(n <= conditions.MAX_LENGTH for n in parsed), parsed
    assert visits[0] <= conditions.MAX_NODES + 1, visits[0]


# ---------------------------------------------------------------- hostile text end to end

# Escape bytes a terminal acts on: ESC, BEL, the C1 controls (CSI, OSC...), and the
# bidirectional overrides and isolates that reorder what is shown.
_ACTIVE = re.compile("[\x07\x1b\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKUP = "[/bold] [link=https://example.org]x[/link] [conceal]y[/conceal] [blink]z :smile:"
_ESCAPES = ['"\\e[2J\\e]0;owned\\a"', '"ok\\u009b31m"', '"seed \\u202e4321"', '"\\u2066x\\u2069"']
_TEXT_KEYS = frozenset({"title", "name", "description", "label", "prompt", "narrative"})


def _text_paths(data: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Locations of the free-text fields (titles, names, descriptions, notes) of a scenario."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _TEXT_KEYS and isinstance(value, str):
                out.append((*loc, key))
            elif key == "sources" and isinstance(value, list):
                out += [(*loc, key, i) for i in range(len(value))]
            else:
                out += _text_paths(value, (*loc, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out += _text_paths(item, (*loc, i))
    return out


def _clean(where: str, text: str) -> None:
    assert "Traceback" not in text, where
    found = _ACTIVE.search(text)
    assert found is None, f"{where}: U+{ord(found[0]):04X} at {found.start()}"


def _invoke(args: list[str]) -> Any:
    from typer.testing import CliRunner

    from sim.cli import app

    result = CliRunner().invoke(app, args, env={"COLUMNS": "100"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"ttx {' '.join(args)} raised {result.exception!r}")
    _clean(f"ttx {args[0]} output", result.output)
    return result


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_hostile_text_never_reaches_a_terminal_or_page(scenario: Path, tmp_path: Path) -> None:
    """Acceptance: markup, control and bidirectional characters in every string.

    Markup is legal text: the scenario validates, runs (two policies, three
    replications), lists, briefs, re-renders and compares, and every output
    shows it as written. Control and bidirectional characters, written as
    YAML escapes, are refused by every command with the character named and
    nothing written.
    """
    original = scenario.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    texts = _text_paths(data)
    for n, loc in enumerate(texts):
        *parent, last = loc
        get(data, tuple(parent))[last] = f"{_MARKUP} {n}"
    marked = tmp_path / "list" / scenario.name
    marked.parent.mkdir()
    marked.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")

    assert _invoke(["validate", str(marked)]).exit_code == 0
    listing = _invoke(["list", str(marked.parent)])
    assert listing.exit_code == 0 and "[conceal]y[/conceal]" in listing.output
    assert _invoke(["brief", str(marked), "--out", str(tmp_path / "brief.md")]).exit_code == 0
    html_brief = ["brief", str(marked), "--format", "html", "--out", str(tmp_path / "brief.html")]
    assert _invoke(html_brief).exit_code == 0
    policies = [p["id"] for p in data["policies"]][:2]
    reports = []
    for policy in policies:
        out = tmp_path / policy
        args = ["run", str(marked), "--policy", policy, "--replications", "3", "--out", str(out)]
        result = _invoke([*args, "--format", "md,html,csv"])
        assert result.exit_code == 0, result.output
        assert "[/bold]" in result.output  # the title, as written, in the summary
        reports.append(str(out / "report.json"))
    again = tmp_path / "again.md"
    assert _invoke(["report", reports[0], "--out", str(again)]).exit_code == 0
    if len(reports) == 2:
        args = ["compare", *reports, "--out", str(tmp_path / "cmp"), "--format", "md,html"]
        assert _invoke(args).exit_code == 0
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".yaml"]
    assert any(p.suffix == ".html" for p in written)
    for path in written:
        _clean(str(path), path.read_text(encoding="utf-8"))

    # One hostile escape per run, in a different field each time: refused everywhere.
    for n, escaped in enumerate(_ESCAPES):
        loc = texts[(n * 7) % len(texts)]
        lines = original.splitlines(keepends=True)
        bad = tmp_path / "bad" / scenario.name
        bad.parent.mkdir(exist_ok=True)
        source = yaml.compose(original)
        node = source
        for part in loc:
            node = (
                node.value[part]
                if isinstance(part, int)
                else next(v for k, v in node.value if k.value == part)
            )
        row = node.start_mark.line
        if node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
            continue  # a block scalar: replace only one-line values
        line = lines[row]
        lines[row] = line[: node.start_mark.column] + escaped + line[node.end_mark.column :]
        bad.write_text("".join(lines), encoding="utf-8")
        out = tmp_path / "refused"
        for args in (
            ["validate", str(bad)],
            ["run", str(bad), "--replications", "2", "--out", str(out)],
            ["brief", str(bad), "--out", str(out / "brief.md")],
        ):
            result = _invoke(args)
            assert result.exit_code == 1, (args, result.output)
            assert f"{bad}:{row + 1}:" in result.output and "character" in result.output
        assert "invalid" in _invoke(["list", str(bad.parent)]).output
        assert not out.exists()
