"""Text from files never acts on the terminal or page that shows it.

Control and bidirectional characters are refused in every string of a
scenario, policy or report file *after* YAML or JSON unescaping; Rich prints
titles as written (no markup); bad numbers, tags and syntax are explained in
one positioned line. Each test asserts the exact message, and that nothing
was written.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import InputError
from sim.runs.reportfile import ReportError, load_report
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


# ---------------------------------------------------------------- report files


@pytest.fixture(scope="module")
def report_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("rep") / "run"
    args = ["run", str(TINY), "--replications", "3", "--seed", "5", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return (out / "report.json").read_text(encoding="utf-8")


def _report_error(path: Path) -> str:
    with pytest.raises(ReportError) as info:
        load_report(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('"seed": 5', '"seed": NaN', 1),
            "not a valid ttx report: NaN is not a number a report may hold (numbers must be "
            "finite)",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": 5, "seed": 6', 1),
            "not a valid ttx report: duplicate key 'seed' in one object; JSON would keep only "
            "the last",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": ' + "7" * 5000, 1),
            "not a valid ttx report: Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
            "the limit",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": ' + "[" * 100 + "]" * 100, 1),
            "not a valid ttx report: nested too deeply at results.seed[0][0]... (limit 32 levels)",
        ),
        (
            lambda t: t.replace('"seed": 5', '"seed": ' + "[" * 100_000 + "]" * 100_000, 1),
            "not a valid ttx report: nested too deeply (limit 32 levels)",
        ),
        (
            lambda t: t.replace("Tiny <script>", "Tiny \\u001b[2J<script>", 1),
            "not a valid ttx report: results.scenario.title: character 6 of the text is the "
            f"control character U+001B (escape); {CONTROL}",
        ),
        (
            lambda t: t.replace("Tiny <script>", "Tiny \\u202e<script>", 1),
            "not a valid ttx report: results.scenario.title: character 6 of the text is the "
            f"bidirectional control U+202E (right-to-left override), {BIDI}",
        ),
        (lambda t: "x" + t, "not a ttx report (not valid JSON: it starts with b'x', not '{')"),
        (
            lambda t: "[" + t + "]",
            "not a ttx report (expected a JSON object with 'schema_version' and 'results')",
        ),
        (
            lambda t: "",
            "not a ttx report (not valid JSON: Expecting value: line 1 column 1 (char 0))",
        ),
    ],
)
def test_hand_edited_reports_get_one_line(
    edit: Any, message: str, report_text: str, tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    path.write_text(edit(report_text), encoding="utf-8")
    assert _report_error(path) == f"{path}: {message}"
    out = tmp_path / "again.md"
    result = CliRunner().invoke(app, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: {path}: {message}"]
    assert not out.exists()


def test_report_from_dev_zero_and_a_fifo(report_text: str, tmp_path: Path) -> None:
    assert _report_error(Path("/dev/zero")) == (
        "/dev/zero: not a ttx report (not valid JSON: it starts with b'\\x00', not '{')"
    )
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(report_text, encoding="utf-8"))
    writer.start()
    report = load_report(fifo)
    writer.join()
    assert report["kind"] == "run"


def test_report_files_are_capped(
    report_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.runs import reportfile

    monkeypatch.setattr(reportfile, "MAX_REPORT_BYTES", 1000)
    path = tmp_path / "report.json"
    path.write_text(report_text, encoding="utf-8")
    size = path.stat().st_size
    assert _report_error(path) == f"{path}: file is too large ({size} bytes, limit 1000)"
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    monkeypatch.setattr(reportfile, "_CHUNK", 600)

    def write() -> None:
        # The reader stops at the cap, as it should, and closes the pipe.
        with contextlib.suppress(BrokenPipeError):
            fifo.write_text(report_text, encoding="utf-8")

    writer = threading.Thread(target=write)
    writer.start()
    message = _report_error(fifo)
    writer.join()
    assert message == f"{fifo}: file is too large (more than 1000 bytes read)"


@pytest.mark.slow  # two runs and a comparison
def test_comparison_missing_parts_get_one_line(tmp_path: Path, report_text: str) -> None:
    runs = []
    for pid in ("a", "b"):
        data = json.loads(report_text)
        data["results"]["policy"]["id"] = pid
        path = tmp_path / f"{pid}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        runs.append(str(path))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", *runs, "--out", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    comparison = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    for part in ("ranking", "advice", "runs"):
        broken = json.loads(json.dumps(comparison))
        del broken["results"][part]
        path = tmp_path / f"no-{part}.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        result = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "x.md")])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"error: {path}: not a valid ttx comparison report: results lacks {part}"
        ]
        assert not (tmp_path / "x.md").exists()
    baseline = comparison["results"]["baseline"]
    other = next(r["name"] for r in comparison["results"]["runs"] if r["name"] != baseline)
    kpi = next(iter(comparison["results"]["kpis"]))
    focus = comparison["results"]["advice"]["focus"][0]

    def renamed(c: Any) -> None:
        c["results"]["runs"][0]["name"] = "ghost"

    def undiffered(c: Any) -> None:
        del c["results"]["kpis"][kpi]["differences"][other]

    def unadvised(c: Any) -> None:
        del c["results"]["advice"]["runs"][other][focus]

    def unranked(c: Any) -> None:
        c["results"]["ranking"]["order"][0]["name"] = "ghost"

    for edit, problem in (
        (renamed, f"results.baseline {baseline!r} is not one of results.runs (ghost, {other})"),
        (undiffered, f"results.kpis.{kpi} lacks run {other!r}"),
        (unadvised, f"results.advice.runs.{other} lacks {focus!r}"),
        (unranked, "results.ranking names run 'ghost', which results.runs lacks"),
    ):
        broken = json.loads(json.dumps(comparison))
        edit(broken)
        path = tmp_path / "broken.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        result = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "x.md")])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"error: {path}: not a valid ttx comparison report: {problem}"
        ]
        assert not (tmp_path / "x.md").exists()


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


def test_csv_export_neutralises_a_hand_edited_series_name(report_text: str) -> None:
    from sim.report.csv import series_csv

    report = json.loads(report_text)
    series = report["results"]["series"]
    series["=cmd|' /C calc'!A0"] = series.pop(next(iter(series)))
    rows = series_csv(report).splitlines()
    assert any(row.startswith("0,'=cmd|' /C calc'!A0,") for row in rows)
    assert not any(",=" in row for row in rows)


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


# ---------------------------------------------------------------- Markdown through a renderer

EVILS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "a|b|c",
    "`|<img src=x onerror=alert(2)>`",
    "\\|<img src=x onerror=alert(3)>",
    '<a href="javascript:alert(4)">x</a>',
    '![i](x" onerror="alert(5))',
    "<iframe src=x></iframe>",
    "<!-- hidden -->",
    "1. list",
    "# heading *_[]_*",
]
TEXT_FIELDS = {"title", "name", "description", "label", "prompt", "narrative", "briefing"}


def _poison(node: Any, counter: list[int]) -> Any:
    """Every free-text field of scenario data replaced by one of :data:`EVILS`, in turn."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in TEXT_FIELDS and isinstance(value, str):
                counter[0] += 1
                out[key] = f"{EVILS[counter[0] % len(EVILS)]} {counter[0]}"
            else:
                out[key] = _poison(value, counter)
        return out
    if isinstance(node, list):
        return [_poison(item, counter) for item in node]
    return node


class _Dom(HTMLParser):
    """Elements, attributes and comments of rendered HTML (what a browser would build)."""

    ALLOWED = frozenset(
        [
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "li",
            "em",
            "strong",
            "code",
            "pre",
            "blockquote",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "br",
            "hr",
        ]
    )

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.found.append(f"<{tag}>")
        self.found += [f"{tag} {name}=" for name, _ in attrs if name != "style"]

    def handle_comment(self, data: str) -> None:
        self.found.append("<!--")


def _dom_problems(markdown: str) -> list[str]:
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    dom = _Dom()
    dom.feed(page)
    found = dom.found
    for part in page.split("<table>")[1:]:
        rows = part.split("</table>")[0].split("<tr>")[1:]
        counts = {row.count("<th") + row.count("<td") for row in rows}
        if len(counts) != 1:
            found.append(f"table rows with {sorted(counts)} cells")
    return found


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    import yaml

    data = _poison(yaml.safe_load(TINY_TEXT), [0])
    path = tmp_path_factory.mktemp("poison") / "poisoned.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path, load_scenario(path)


def test_the_dom_check_sees_markup() -> None:
    assert _dom_problems("x <img src=x onerror=alert(1)> y") == [
        "<img>",
        "img src=",
        "img onerror=",
    ]
    assert _dom_problems("[x](javascript:alert(1))") == []  # markdown-it refuses the link


def test_brief_and_msel_markdown_carry_no_markup(poisoned: tuple[Path, Any]) -> None:
    from sim.authoring import brief, msel

    _, scenario = poisoned
    assert _dom_problems(brief.render_markdown(scenario)) == []
    assert _dom_problems(msel.render_markdown(scenario)) == []


def test_run_and_comparison_markdown_carry_no_markup(
    poisoned: tuple[Path, Any], tmp_path: Path
) -> None:
    path, _ = poisoned
    runs = []
    for policy in ("steady", "heavy"):
        out = tmp_path / policy
        args = ["run", str(path), "--policy", policy, "--replications", "3", "--out", str(out)]
        result = CliRunner().invoke(app, [*args, "--quiet"])
        assert result.exit_code == 0, result.output
        assert _dom_problems((out / "report.md").read_text(encoding="utf-8")) == []
        runs.append(str(out / "report.json"))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", *runs, "--out", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert _dom_problems((out / "comparison.md").read_text(encoding="utf-8")) == []


def test_hand_edited_ids_in_a_report_carry_no_markup(report_text: str) -> None:
    from sim.report.markdown import render_run

    report = json.loads(report_text)
    r = report["results"]
    evil = EVILS[4]
    r["objectives"] = {evil: next(iter(r["objectives"].values()))}
    r["decisions"] = {evil: {EVILS[5]: 3}}
    r["policy"]["id"] = r["scenario"]["id"] = EVILS[0]
    assert _dom_problems(render_run(report)) == []


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "is a directory, not a report file"),
        (lambda d: d / "none.json", "no such file"),
    ],
)
def test_report_paths_that_are_not_files(make: Any, message: str, tmp_path: Path) -> None:
    path = make(tmp_path)
    assert _report_error(path) == f"{path}: {message}"


def test_report_text_problems(report_text: str, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b'{"a": "\xff"}')
    assert _report_error(path) == f"{path}: not a ttx report (not UTF-8 text at byte 7)"
    data = json.loads(report_text)
    data["results"]["kpis"]["x\u001b"] = data["results"]["kpis"]["cost"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _report_error(path) == (
        f"{path}: not a valid ttx report: results.kpis 'x<U+001B>': character 2 of the text is "
        f"the control character U+001B (escape); {CONTROL}"
    )


def test_inconsistent_comparisons(report_text: str) -> None:
    from sim.analysis.compare import compare
    from sim.runs.reportfile import report_problem

    a = json.loads(report_text)
    b = json.loads(report_text)
    b["results"]["policy"]["id"] = "other"
    comparison: Any = compare([a, b])
    assert report_problem(comparison) == ""
    names = [r["name"] for r in comparison["results"]["runs"]]

    def broken(edit: Any) -> str:
        c = json.loads(json.dumps(comparison))
        edit(c["results"])
        return report_problem(c)

    def twice(r: Any) -> None:
        r["runs"][1]["name"] = r["runs"][0]["name"]

    def unknown_focus(r: Any) -> None:
        r["advice"]["focus"].append("nothing")

    def unadvised(r: Any) -> None:
        del r["advice"]["runs"][names[1]]

    assert broken(twice) == "results.runs names a run twice"
    assert broken(unknown_focus) == "results.advice.focus names 'nothing', which results.kpis lacks"
    assert broken(unadvised) == f"results.advice.runs lacks run {names[1]!r}"


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


@pytest.mark.slow  # a played run, its shadow replications and an after-action report
def test_debrief_and_aar_markdown_carry_no_markup(poisoned: tuple[Path, Any]) -> None:
    from sim.analysis.aar import Team, assemble, team_report
    from sim.analysis.debrief import build_debrief
    from sim.play.command import replay
    from sim.report import aar, debrief
    from sim.runs.spec import RunSpec
    from sim.scenario.policyfile import recorded_policy_file

    _, scenario = poisoned
    inject = next(i for i in scenario.injects if i.decision is not None)
    assert inject.decision is not None
    option = inject.decision.options[-1].id
    team = EVILS[0]
    pf = recorded_policy_file(
        scenario,
        team=team,
        seed=5,
        answers=[(inject.id, option, inject.at or 0)],
        start=None,
        scenario_hash=None,
    )
    spec = RunSpec.of_policy_file(scenario, pf, replications=4, seed=5)
    played = replay(spec)
    data = build_debrief(spec, played.result, list(played.answers))
    assert _dom_problems(debrief.render_markdown(data)) == []
    t = Team(team, (pf,))
    outcome = replay(t.spec(scenario, 4, 5))
    part = team_report(
        scenario, t, replications=4, seed=5, played=outcome.result, answers=list(outcome.answers)
    )
    notes = f"{EVILS[1]}\n\n*kept* {EVILS[6]}"
    page = aar.render_markdown(assemble(scenario, [part], seed=5, replications=4, notes=notes))
    assert _dom_problems(page) == []
    assert "*kept*" in page  # the facilitator's own Markdown stays
