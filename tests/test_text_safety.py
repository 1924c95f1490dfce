"""Text from files never acts on the terminal or page that shows it.

Control and bidirectional characters are refused in every string of a
scenario, policy or report file *after* YAML or JSON unescaping; Rich prints
titles as written (no markup); bad numbers, tags and syntax are explained in
one positioned line. Each test asserts the exact message, and that nothing
was written.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import InputError
from sim.scenario.capped import content_digest, read_capped
from sim.scenario.loader import load_policy_file, load_scenario, loads_scenario, scenario_hash
from sim.scenario.source import read_source
from sim.text import csv_cell, find_unsafe, visible

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "tiny_script_title.yaml"
TITLE = "title: \"Tiny <script>alert('x')</script> & *test* scenario\""
TINY_TEXT = TINY.read_text(encoding="utf-8")
assert TITLE in TINY_TEXT


def with_title(value: str) -> str:
    return TINY_TEXT.replace(TITLE, f"title: {value}")


def problems(text: str, tmp_path: Path, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


CONTROL = "control characters (other than tab and newline) are not allowed in text, as they act on the terminal or page that shows it"  # noqa: E501
BIDI = "which makes text display in another order than it is written; remove it"


# ---------------------------------------------------------------- characters after unescaping


@pytest.mark.parametrize(
    ("escaped", "shown", "index"),
    [
        ('"\\e[2J cleared"', "U+001B (escape)", 1),
        ('"ring \\a"', "U+0007 (bell)", 6),
        ('"x\\u009b31m"', "U+009B (control sequence introducer)", 2),
        ('"del\\x7f"', "U+007F (delete)", 4),
        ('"fake\\rok"', "U+000D (carriage return)", 5),
        ('"nul\\0"', "U+0000 (NUL)", 4),
    ],
)
def test_control_characters_are_refused_after_unescaping(
    escaped: str, shown: str, index: int, tmp_path: Path
) -> None:
    (msg,) = problems(with_title(escaped), tmp_path)
    assert msg == (
        f"{tmp_path / 's.yaml'}:5:8: title: character {index} of the text is the control "
        f"character {shown}; {CONTROL}"
    )


@pytest.mark.parametrize(
    ("escaped", "shown"),
    [
        ('"seed \\u202e4321"', "U+202E (right-to-left override)"),
        ('"a \\u2066b\\u2069"', "U+2066 (left-to-right isolate)"),
        ('"a \\u200fb"', "U+200F (right-to-left mark)"),
    ],
)
def test_bidirectional_controls_are_refused(escaped: str, shown: str, tmp_path: Path) -> None:
    (msg,) = problems(with_title(escaped), tmp_path)
    index = escaped.index("\\")  # the escape's position in the text (after the quote)
    expected = f"title: character {index} of the text is the bidirectional control {shown}"
    assert msg.endswith(f"{expected}, {BIDI}")


def test_every_string_is_checked_keys_and_nested_values(tmp_path: Path) -> None:
    text = TINY_TEXT.replace('name: "Levant <b>&</b> co"', 'name: "Levant\\u001b]0;pwned\\u0007"')
    (msg,) = problems(text, tmp_path)
    assert "partners[0].name: character 7 of the text is the control character U+001B" in msg
    text = TINY_TEXT.replace("priorities: {terrorism: 1.0}", 'priorities: {"terror\\tism\\e": 1.0}')
    (msg,) = problems(text, tmp_path)
    assert "partners[0].priorities: character 11 of the text is the control character U+001B" in msg


def test_a_refused_title_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(with_title('"\\e[2Jall checks passed"'), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--replications", "2", "--out", str(out)])
    assert result.exit_code == 1
    assert "U+001B (escape)" in result.output and "\x1b" not in result.output
    assert not out.exists()


def test_policy_file_strings_are_checked(tmp_path: Path) -> None:
    scenario = load_scenario(TINY)
    path = tmp_path / "p.yaml"
    path.write_text(
        'scenario: tiny_script_title\nteam: "Blue\\e[8m"\npolicy:\n  id: team_blue\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_policy_file(path, scenario)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:2:7: team: character 5 of the text is the control character U+001B "
        f"(escape); {CONTROL}"
    ]


def test_visible_and_find_unsafe() -> None:
    assert visible("a\x1b[2Jb\u202e\tc\n") == "a<U+001B>[2Jb<U+202E>\tc\n"
    assert find_unsafe("plain text, tab\tand newline\n") == -1
    assert find_unsafe("\u0627\u0644\u0639\u0631\u0627\u0642") == -1  # Arabic is text
    assert find_unsafe("ok\x85") == 2


# ---------------------------------------------------------------- numbers, tags and YAML 1.1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("horizon: !!int abc", "horizon: 'abc' is not a valid !!int value (a whole number)"),
        ("horizon: !!float x", "horizon: 'x' is not a valid !!float value (a number)"),
        ("horizon: !!bool maybe", "horizon: 'maybe' is not a valid !!bool value (true or false)"),
        (
            "horizon: " + "9" * 5000,
            "horizon: number with 5000 digits is too long to read (no field takes more than 19)",
        ),
        (
            "horizon: 1:30:00",
            "horizon: '1:30:00' is read by YAML 1.1 as a base-60 (sexagesimal) number, 5400; "
            "write the number you mean, or quote the value if it is text",
        ),
        (
            "horizon: 024",
            "horizon: '024' is read by YAML 1.1 as an octal number, 20; write it without the "
            "leading zero, or quote it if it is text",
        ),
        (
            "horizon: 1e308",
            "horizon: '1e308' is text, not a number: YAML 1.1 reads a number with an exponent "
            "only with a dot and a signed exponent; write 1.0e+308",
        ),
        (
            "horizon: 1e400",
            "horizon: '1e400' is beyond the largest number ttx can hold (about 1.8e+308); "
            "numbers must be finite",
        ),
        ("horizon: .inf", "horizon: input should be a valid integer; found inf"),
        (
            "horizon: !!python/object/apply:os.system [ls]",
            "horizon: tag '!!python/object/apply:os.system' is not allowed; only plain YAML "
            "values (text, numbers, true/false, lists, mappings) are",
        ),
    ],
)
def test_numbers_and_tags_are_explained(line: str, message: str, tmp_path: Path) -> None:
    msgs = problems(TINY_TEXT.replace("horizon: 24", line), tmp_path)
    assert msgs == [f"{tmp_path / 's.yaml'}:9:10: {message}"]


MERGE = """\
base: &base {capacity: 0.3, trust: 0.5, cooperation: 0.4, stability: 0.5, resilience: 0.3}
more: &more {trust: 0.9, stability: 0.1}
"""


def test_merge_keys_follow_yaml_overrides(tmp_path: Path) -> None:
    # Own keys override merged ones; the first source of a list overrides later ones.
    text = TINY_TEXT.replace(
        "partners:\n  - id: levant\n",
        "x-templates:\n  " + MERGE.replace("\n", "\n  ") + "\npartners:\n  - id: levant\n"
        "    <<: [*more, *base]\n    capacity: 0.7\n",
    )
    text = text.replace(
        "    capacity: 0.3\n    trust: 0.5\n    cooperation: 0.4\n    stability: 0.5\n"
        "    resilience: 0.3\n",
        "",
        1,
    )
    source = read_source(_write(tmp_path, text))
    partner = source.data["partners"][0]
    assert (partner["capacity"], partner["trust"], partner["stability"]) == (0.7, 0.9, 0.1)
    assert partner["cooperation"] == 0.4


def test_a_repeated_own_key_beside_a_merge_is_still_refused(tmp_path: Path) -> None:
    text = "a: &a {x: 1}\nb:\n  <<: *a\n  x: 2\n  x: 3\n"
    with pytest.raises(InputError) as info:
        read_source(_write(tmp_path, text))
    assert [p.message for p in info.value.problems] == [
        "duplicate key 'x' (first defined on line 4); YAML would silently keep only the last one"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a:\n  <<: 5\n",
            "2:7: a: '<<' merge key: expected a mapping or a list of mappings (such as *base or "
            "[*a, *b])",
        ),
        (
            "a:\n  <<: [{x: 1}, 5]\n",
            "2:7: a: '<<' merge key: expected a mapping or a list of mappings (such as *base or "
            "[*a, *b])",
        ),
        ("a: &a\n  <<: *a\n", "1:4: a: '<<' merge key: a mapping merges itself"),
    ],
)
def test_a_bad_merge_is_refused_in_words(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_source(_write(tmp_path, text))
    assert [str(p) for p in info.value.problems] == [f"{tmp_path / 's.yaml'}:{message}"]


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- syntax errors in words


@pytest.mark.parametrize(
    ("text", "position", "words", "caret"),
    [
        (
            "id: a\ntitle: [/bold] x\n",
            "2:16",
            "this text does not fit the structure above it: a value that starts with [, {, a "
            "quote, & or * is read as YAML syntax, so put the whole value in quotes; otherwise "
            "check the indentation",
            "    title: [/bold] x\n                   ^",
        ),
        (
            "id: a\npartners:\n  - id: x\n   name: y\n",
            "4:4",
            "this line is indented differently from the keys above it; keys of one mapping "
            "start in the same column",
            "       name: y\n       ^",
        ),
        (
            "id: a\ntitle: a: b\n",
            "2:9",
            "a ': ' is not allowed here: put a value that contains ': ' in quotes, or check "
            "the indentation of this line",
            "    title: a: b\n            ^",
        ),
        (
            'id: a\ntitle: "abc\n',
            "2:8",
            "a quoted text is not closed; add the closing quote",
            '    title: "abc\n           ^',
        ),
        (
            "id: a\n\ttitle: b\n",
            "2:1",
            "a tab cannot indent YAML; indent with spaces",
            "     title: b\n    ^",
        ),
        (
            "a:\n  - 1\n  b: 2\n",
            "3:3",
            "list items ('- ') and keys ('name:') are mixed at one level; a list's items all "
            "start with '- ' in the same column",
            "      b: 2\n      ^",
        ),
        (
            "x: *nope\n",
            "1:4",
            "'*nope' refers to no anchor; define '&nope' before it",
            "    x: *nope\n       ^",
        ),
        (
            "x: @home\n",
            "1:4",
            "a value cannot start with '@'; put the whole value in quotes",
            "    x: @home\n       ^",
        ),
        (
            'x: "a\\qb"\n',
            "1:4",
            "unknown escape character 'q' in double-quoted text; write \\\\ for a backslash, "
            "or use single quotes",
            '    x: "a\\qb"\n       ^',
        ),
        (
            "x: {a: 1\ny: 2\n",
            "2:2",
            "a {...} in brackets is not closed, or its items are not separated by commas; text "
            "that starts with '[' or '{' must be put in quotes",
            "    y: 2\n     ^",
        ),
        (
            "x: 1\n---\ny: 2\n",
            "2:1",
            "the file holds more than one YAML document (a '---' line); keep one",
            "    ---\n    ^",
        ),
        (
            "x: &\n",
            "1:5",
            "while scanning an anchor expected alphabetic or numeric character, but found '\\n'",
            "    x: &\n        ^",
        ),
    ],
)
def test_syntax_errors_in_plain_words_with_a_caret(
    text: str, position: str, words: str, caret: str, tmp_path: Path
) -> None:
    (msg,) = problems(text, tmp_path)
    assert msg == f"{tmp_path / 's.yaml'}:{position}: YAML syntax error: {words}\n{caret}"
    assert "<block" not in msg and "<scalar>" not in msg


# ---------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "levant.trust << 2",
            "the operator '<<' is not allowed; use comparisons, and/or/not, + - * /, month, "
            "ACTOR.VAR, mean/min/max(partners.VAR) or abs(...)",
        ),
        ("levant.trust is 2", "'is' is not allowed; only <, <=, >, >=, ==, != comparisons are"),
        (
            "ｌevant.trust < 2",
            "character 'ｌ' (U+FF4C, a look-alike of 'l') is not allowed; write conditions in "
            "plain ASCII letters, digits and operators",
        ),
        (
            "levant.trust < １",
            "character '１' (U+FF11, a look-alike of '1') is not allowed; write conditions in "
            "plain ASCII letters, digits and operators",
        ),
    ],
)
def test_condition_errors_name_the_operator_or_look_alike(
    condition: str, message: str, tmp_path: Path
) -> None:
    text = TINY_TEXT.replace("condition: levant.capacity >= 0.4", f"condition: {condition}")
    msgs = problems(text, tmp_path)
    assert len(msgs) == 1 and msgs[0].endswith(f"objectives[0].condition: {message}"), msgs


# ---------------------------------------------------------------- pipes and devices


def test_dev_zero_is_refused_after_the_cap() -> None:
    with pytest.raises(InputError) as info:
        load_scenario("/dev/zero")
    assert [str(p) for p in info.value.problems] == [
        "/dev/zero:1:1: file is too large (more than 2097152 bytes read, limit 2097152)"
    ]


def test_a_scenario_from_a_pipe_is_hashed_from_what_was_read(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.fifo"
    os.mkfifo(fifo)
    data = TINY.read_bytes()
    writer = threading.Thread(target=lambda: fifo.write_bytes(data))
    writer.start()
    scenario = load_scenario(fifo)
    writer.join()
    assert scenario.id == "tiny_script_title"
    # The pipe is empty now: the hash must come from the content read, not a second read.
    assert scenario_hash(fifo) == scenario_hash(TINY)
    assert content_digest(fifo) == content_digest(TINY)


def test_a_changed_regular_file_is_hashed_again(tmp_path: Path) -> None:
    path = _write(tmp_path, TINY_TEXT)
    load_scenario(path)
    first = scenario_hash(path)
    path.write_text(TINY_TEXT + "\n# changed\n", encoding="utf-8")
    assert scenario_hash(path) != first


# ---------------------------------------------------------------- terminal and CSV


MARKUP = "[/bold] [link=https://example.org]click[/link] [conceal]hidden[/conceal] :smile:"


def test_rich_markup_in_a_title_prints_as_written(tmp_path: Path) -> None:
    path = _write(tmp_path, with_title(json.dumps(MARKUP)))
    out = tmp_path / "out"
    args = ["run", str(path), "--replications", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    for piece in MARKUP.split():  # the table may wrap the title between words
        assert piece in result.output
    listed = CliRunner().invoke(app, ["list", str(tmp_path)], env={"COLUMNS": "300"})
    assert listed.exit_code == 0, listed.output
    for piece in MARKUP.split():
        assert piece in listed.output


def test_a_file_name_with_an_escape_is_shown_visibly(tmp_path: Path) -> None:
    path = _write(tmp_path, with_title('"\\e"'), name="\x1b[2Jx.yaml")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "<U+001B>[2Jx.yaml:5:8: title:" in result.output
    listed = CliRunner().invoke(app, ["list", str(tmp_path)], env={"COLUMNS": "300"})
    assert "\x1b" not in listed.output and "<U+001B>[2Jx.yaml" in listed.output
    good = tmp_path / "\x1b]0;title\x07.yaml"
    good.write_text(TINY_TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{tmp_path}/<U+001B>]0;title<U+0007>.yaml: ok (")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-0.5", "-0.5"),
        ("1e-3", "1e-3"),
        (-0.25, -0.25),
        ("iraq.trust", "iraq.trust"),
    ],
)
def test_csv_cells_are_never_formulas(value: Any, cell: Any) -> None:
    assert csv_cell(value) == cell


@pytest.mark.slow  # draws a chart with matplotlib
def test_missing_glyphs_do_not_warn() -> None:
    from sim.report import plots
    from sim.report.glyphs import quiet_glyphs

    series = {k: [0.0, 1.0] for k in ("p5", "p25", "p50", "p75", "p95", "mean")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with quiet_glyphs():
            svg = plots.fan_chart("k", "\u4e2d\u6587 \u0627", [0, 1], [("\u4e2d", series)])
    assert svg.startswith("<svg")


def test_loads_scenario_checks_strings_too() -> None:
    with pytest.raises(InputError) as info:
        loads_scenario(with_title('"\\u009b2J"'), "inline")
    assert str(info.value).startswith("inline:5:8: title: character 1 of the text is the control")


def test_read_errors_name_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "x" * 100)
    for target, message in (
        (path, "file is too large (100 bytes, limit 10)"),
        (tmp_path / "none.yaml", "no such file"),
    ):
        with pytest.raises(InputError) as info:
            read_capped(target, limit=10)
        assert [p.message for p in info.value.problems] == [message]
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path)
    assert [p.message for p in info.value.problems] == ["is a directory, not a YAML file"]
    path.unlink()
    with pytest.raises(InputError):
        content_digest(path)  # neither remembered nor readable


def test_a_team_name_cannot_break_out_of_the_policy_file_header() -> None:
    import yaml

    from sim.scenario.policyfile import dumps_policy_file, recorded_policy_file

    scenario = load_scenario(TINY)
    team = "Blue\nscenario: other\r\x1b[2J"
    pf = recorded_policy_file(
        scenario, team=team, seed=1, answers=[], start=None, scenario_hash=None
    )
    text = dumps_policy_file(pf, "s\n.yaml")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert (
        header[0]
        == "# Answers recorded by ttx play for team Blue scenario: other<U+000D><U+001B>[2J."
    )
    assert yaml.safe_load(text)["scenario"] == "tiny_script_title"
