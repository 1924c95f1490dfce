"""Text given on the command line is checked like text from a file.

A team name, policy id, format or KPI name can reach the terminal and the
files a command writes, so a control, C1 or bidirectional character in any
``str`` option or argument is refused in one line naming the option, before
any work and before any file is written. File names are not refused: they
are shown with such characters made visible (``<U+001B>``). The options are
found from the click group, so a new text option must have a case here.
"""

from __future__ import annotations

import inspect
import json
import typing
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "iraq_training_mission.yaml")
GROUP: Any = typer.main.get_command(app)
TEXT_TYPES = (str, str | None, list[str], list[str] | None)

CONTROL = (
    "control characters (other than tab and newline) are not allowed in text, as they act "
    "on the terminal or page that shows it"
)
CHARACTERS = {
    "escape": (
        "x\x1b[2J",
        f"character 2 of the text is the control character U+001B (escape); {CONTROL}",
    ),
    "C1": (
        "x\x9b31m",
        "character 2 of the text is the control character U+009B (control sequence "
        f"introducer); {CONTROL}",
    ),
    "bidi": (
        "x\u202e",
        "character 2 of the text is the bidirectional control U+202E (right-to-left "
        "override), which makes text display in another order than it is written; remove it",
    ),
}

# A command line that would run and write into the current folder, with {} for the value.
CASES = {
    ("run", "--policy"): ["run", SCENARIO, "--out", "out", "--policy", "{}"],
    ("run", "--executor"): ["run", SCENARIO, "--out", "out", "--executor", "{}"],
    ("run", "--scheduler"): ["run", SCENARIO, "--out", "out", "--scheduler", "{}"],
    ("run", "--format"): ["run", SCENARIO, "--out", "out", "--format", "{}"],
    ("run", "--csv-layout"): ["run", SCENARIO, "--out", "out", "--csv-layout", "{}"],
    ("play", "--team"): ["play", SCENARIO, "--record", "a.yaml", "--team", "{}"],
    ("play", "--policy"): ["play", SCENARIO, "--record", "a.yaml", "--policy", "{}"],
    ("play", "--cell"): ["play", SCENARIO, "--record", "a.yaml", "--cell", "{}"],
    ("play", "--cells"): ["play", SCENARIO, "--save", ".", "--cells", "{}"],
    ("new", "NAME"): ["new", "{}", "--dir", "."],
    ("brief", "--format"): ["brief", SCENARIO, "--out", "b.md", "--format", "{}"],
    ("brief", "--cell"): ["brief", SCENARIO, "--out", "b.md", "--cell", "{}"],
    ("msel", "--format"): ["msel", SCENARIO, "--out", "m.md", "--format", "{}"],
    ("sweep", "--policies"): ["sweep", SCENARIO, "--out", "out", "--policies", "{}"],
    ("sweep", "--format"): ["sweep", SCENARIO, "--out", "out", "--format", "{}"],
    ("sweep", "--min-difference"): ["sweep", SCENARIO, "--out", "o", "--min-difference", "{}"],
    ("compare", "--baseline"): ["compare", "a.json", "b.json", "--out", "o", "--baseline", "{}"],
    ("compare", "--rank"): ["compare", "a.json", "b.json", "--out", "o", "--rank", "{}"],
    ("compare", "--format"): ["compare", "a.json", "b.json", "--out", "o", "--format", "{}"],
    ("compare", "--min-difference"): ["compare", "a.json", "--min-difference", "{}"],
    ("report", "--format"): ["report", "r.json", "--out", "out", "--format", "{}"],
    ("report", "--csv-layout"): ["report", "r.json", "--out", "out", "--csv-layout", "{}"],
    ("explore", "--policies"): ["explore", SCENARIO, "--out", "out", "--policies", "{}"],
    ("explore", "--method"): ["explore", SCENARIO, "--out", "out", "--method", "{}"],
    ("explore", "--scheduler"): ["explore", SCENARIO, "--out", "out", "--scheduler", "{}"],
}


def text_parameters() -> set[tuple[str, str]]:
    """Every (command, option) whose value is free text, from the functions' annotations."""
    found = set()
    for name, command in GROUP.commands.items():
        hints = typing.get_type_hints(inspect.unwrap(command.callback))
        for param in command.params:
            if hints.get(param.name) in TEXT_TYPES and param.name not in command.paths:
                shown = max(param.opts, key=len) if param.param_type_name == "option" else None
                found.add((name, shown or param.metavar))
    return found


def test_every_text_option_has_a_case() -> None:
    assert text_parameters() == set(CASES)


@pytest.mark.parametrize("kind", sorted(CHARACTERS))
@pytest.mark.parametrize("case", sorted(CASES), ids=" ".join)
def test_unsafe_text_is_refused_before_any_work(
    case: tuple[str, str], kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    value, message = CHARACTERS[kind]
    monkeypatch.chdir(tmp_path)
    args = [value if arg == "{}" else arg for arg in CASES[case]]
    result = CliRunner().invoke(app, args, input="")
    assert result.output == f"error: {case[1]}: {message}\n"
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []  # no output file, no folder, no lock


def test_a_repeated_option_is_checked_in_every_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["run", SCENARIO, "--out", "out", "--policy", "expanded", "--policy", "\x1b[31mred"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.output == (
        "error: --policy: character 1 of the text is the control character U+001B (escape); "
        f"{CONTROL}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_play_team_of_the_report_is_refused_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["play", SCENARIO, "--team", "\x1b[31mred"], input="1\n")
    assert result.exit_code == 1 and "\x1b" not in result.output
    assert result.output.startswith("error: --team: character 1 of the text is the control")
    assert list(tmp_path.iterdir()) == []


def test_tab_and_newline_are_text_as_in_files(tmp_path: Path) -> None:
    out = tmp_path / "b.md"
    result = CliRunner().invoke(app, ["brief", SCENARIO, "--out", str(out), "--format", "m\td"])
    assert result.exit_code == 1
    assert result.output == "error: unknown format 'm\td'; expected md or html\n"


# ---------------------------------------------------------------- file names are shown, not refused


def test_a_written_file_name_is_shown_visibly(tmp_path: Path) -> None:
    out = tmp_path / "s\x1b[2J\u202e.json"
    result = CliRunner().invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {tmp_path}/s<U+001B>[2J<U+202E>.json\n"
    assert out.is_file()


def test_a_file_named_with_from_is_not_refused(tmp_path: Path) -> None:
    odd = tmp_path / "odd\x1b[2J.yaml"
    odd.write_text(Path(SCENARIO).read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["new", "fresh", "--from", str(odd), "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert result.output.startswith(f"wrote {tmp_path}/fresh.yaml; check it with")
    missing = CliRunner().invoke(app, ["new", "other", "--from", "gone\x1b[2J"])
    assert missing.exit_code == 1
    assert "\x1b" not in missing.output and "gone<U+001B>[2J" in missing.output


def test_list_json_escapes_a_file_name_for_the_terminal_only(tmp_path: Path) -> None:
    name = "s\x9b2J\u202e.yaml"
    (tmp_path / name).write_text(Path(SCENARIO).read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["list", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert "\x9b" not in result.output and "\u202e" not in result.output
    assert "s\\u009b2J\\u202e.yaml" in result.output
    assert [row["file"] for row in json.loads(result.output)] == [str(tmp_path / name)]


def test_security_md_lists_every_text_option() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    section = text.split("## What the command line may contain", 1)[1].split("\n## ", 1)[0]
    missing = {
        shown for _, shown in CASES if shown.startswith("--") and f"`{shown}`" not in section
    }
    assert missing == set()
    assert "`ttx new`" in section


def test_a_stopped_play_session_shows_its_file_visibly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["play", SCENARIO, "--record", "odd\x1b[2J.yaml"], input="")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "saved to odd<U+001B>[2J.yaml. Replay it with:" in " ".join(result.output.split())
    assert result.output.endswith("wrote odd<U+001B>[2J.yaml\n")
    assert [p.name for p in tmp_path.iterdir()] == ["odd\x1b[2J.yaml"]
