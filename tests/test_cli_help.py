"""``ttx --help`` and every command's help read well on an 80x24 terminal.

Every command is found from the click group, so a new command is checked
without being listed here. Help is plain click help: no line longer than the
terminal, no type labels (``<bool>``, ``<list[str]>``, ``<int range>``,
``{file}``), every value named by its metavar (``--out DIR``, ``FILE...``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sim.cli import app
from sim.cli.command import TtxCommand

ROOT = Path(__file__).resolve().parents[1]
GROUP: Any = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)
TYPE_LABEL = re.compile(r"<[a-zA-Z][\w\[\], ]*>|\{[a-z_]+\}")


def help_text(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def problems(text: str) -> list[str]:
    """What is wrong with a help text at 80 columns, one line per problem."""
    found = [f"{len(line)} columns: {line!r}" for line in text.splitlines() if len(line) > 80]
    found += [f"type label {m[0]!r}" for m in TYPE_LABEL.finditer(text)]
    found += ["rst markup ``"] if "``" in text else []
    return found


def test_every_command_is_found() -> None:
    assert {"list", "validate", "run", "play", "debrief", "explore"} <= set(COMMANDS)
    assert len(COMMANDS) >= 13
    assert all(isinstance(GROUP.commands[name], TtxCommand) for name in COMMANDS)


def test_the_checks_see_what_rich_help_shows() -> None:
    rich = "│ --seed    <int range>   Run seed. │\n│ --help    <bool>   Show this message. │"
    assert problems(rich) == ["type label '<int range>'", "type label '<bool>'"]
    assert problems("Usage: ttx run [OPTIONS] {file}") == ["type label '{file}'"]
    assert problems("--policy <list[str]>") == ["type label '<list[str]>'"]
    assert problems("x" * 81) == [f"81 columns: {'x' * 81!r}"]


def test_the_top_level_help_fits_80_by_24() -> None:
    text = help_text()
    assert problems(text) == []
    assert len(text.splitlines()) <= 24, text
    listed = text.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == list(GROUP.list_commands(None))
    for line in listed:  # one line each, said in full: no summary is cut to "..."
        assert line.startswith("  ") and not line.endswith("..."), line
    assert "<bool>" not in text and "--version  Print the version and exit." in text


@pytest.mark.parametrize("name", COMMANDS)
def test_a_commands_help_fits_80_columns_and_names_every_value(name: str) -> None:
    text = help_text(name)
    assert problems(text) == [], text
    usage = text.splitlines()[0]
    for param in GROUP.commands[name].params:
        if param.param_type_name == "argument":
            assert param.metavar, f"argument {param.name} has no metavar"
            shown = param.metavar + ("..." if param.nargs != 1 else "")
            assert (shown if param.required else f"[{shown}]") in usage.split(), usage
        elif param.is_flag:  # a flag takes no value: nothing follows its names
            shown = " / ".join(param.opts + param.secondary_opts)
        else:
            assert param.metavar, f"{param.opts[0]} has no metavar"
            shown = f"{max(param.opts, key=len)} {param.metavar}"
        assert re.search(rf"^  {re.escape(shown)}(  |\n)", text, re.M), (shown, text)


def test_the_seed_range_is_said_in_words() -> None:
    for name in ("run", "play", "sweep"):
        text = " ".join(help_text(name).split())
        assert "--seed SEED" in text and "0 to 2^63-1" in text
        assert "9223372036854775807" not in text
    result = CliRunner().invoke(app, ["run", "x.yaml", "--seed", str(2**63)])
    assert result.exit_code == 2  # the range is still enforced
    assert "less than or equal to 9223372036854775807" in result.output


def test_off_flags_show_no_default_but_on_flags_do() -> None:
    text = help_text("run")
    assert "--force / --no-force" in text and "[default: no-" not in text
    assert "[default: kpi-" in text


@pytest.mark.slow  # a fresh interpreter per command: the real entry point
@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_python_dash_m_sim_help_fits_80_columns(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    args = [sys.executable, "-m", "sim", *([name] if name else []), "--help"]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Usage: ttx {name + ' ' if name else ''}[OPTIONS]")
    assert problems(proc.stdout) == [], proc.stdout
    # The same help as through CliRunner, which wraps at 80 columns, not the 78 click leaves.
    assert "".join(proc.stdout.split()) == "".join(help_text(*([name] if name else [])).split())
