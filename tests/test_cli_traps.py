"""Command-line traps: options that silently did something else than what was meant."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from factories import base_data
from sim.cli import app
from sim.cli.runs import MAX_REPLICATIONS, MAX_SEED
from sim.scenario.models import Scenario

SCENARIO = "scenarios/iraq_training_mission.yaml"
runner = CliRunner()


def plain(text: str) -> str:
    """An error panel's text on one line: borders dropped, wrapping undone."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise AssertionError("the engine ran")

    import sim.runs.runner

    monkeypatch.setattr(sim.runs.runner, "simulate", refuse)
    return calls


# --------------------------------------------------------------------------- replication


def test_replication_outside_the_run_is_refused(tmp_path: Path, no_engine: list[int]) -> None:
    out = tmp_path / "out"
    args = ["run", SCENARIO, "--replications", "3", "--replication", "5", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.output == (
        "error: --replication 5 is outside the run of 3 replications (0 to 2); "
        "to run 5 replications, use --replications 5\n"
    )
    assert no_engine == [] and not out.exists()


def test_replication_typo_for_replications_is_refused_against_the_default(
    tmp_path: Path, no_engine: list[int]
) -> None:
    result = runner.invoke(app, ["run", SCENARIO, "--replication", "1000", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "--replication 1000 is outside the run of 200 replications (0 to 199)" in result.output


def test_the_library_names_the_range_without_flags() -> None:
    from sim.runs.runner import ReplicationOutOfRange, run
    from sim.runs.spec import RunSpec
    from sim.scenario.loader import load_scenario

    s = load_scenario(Path(SCENARIO))
    with pytest.raises(ReplicationOutOfRange) as caught:
        run(RunSpec(s, s.policy(), 1, 1), indices=range(1, 2))
    assert (
        str(caught.value)
        == "replication 1 is not in the run: it has 1 replication, numbered 0 to 0"
    )


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", SCENARIO, "--replications", "1000000000"],
            "Invalid value for '--replications': Input should be less than or equal to 1000000",
        ),
        (
            ["run", SCENARIO, "--seed", str(2**63)],
            "Invalid value for '--seed': Input should be less than or equal to 9223372036854775807",
        ),
        (
            ["run", SCENARIO, "--seed", "-1"],
            "Invalid value for '--seed': Input should be greater than or equal to 0",
        ),
        (
            ["sweep", SCENARIO, "--replications", "1000001"],
            "Invalid value for '--replications': Input should be less than or equal to 1000000",
        ),
        (
            ["sweep", SCENARIO, "--seed", str(2**64)],
            "Invalid value for '--seed': Input should be less than or equal to 9223372036854775807",
        ),
        (
            ["play", SCENARIO, "--seed", str(2**63)],
            "Invalid value for '--seed': Input should be less than or equal to 9223372036854775807",
        ),
        (
            ["play", SCENARIO, "--replications", str(10**9)],
            "Invalid value for '--replications': Input should be less than or equal to 1000000",
        ),
        (
            ["debrief", "x.answers.yaml", "--replications", str(10**9)],
            "Invalid value for '--replications': Input should be less than or equal to 1000000",
        ),
        (
            ["validate", SCENARIO, "--strict", "--trial-replications", str(10**9)],
            "Invalid value for '--trial-replications': Input should be less than or equal to "
            "1000000",
        ),
    ],
    ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else "",
)
def test_out_of_range_numbers_are_refused_before_anything_runs(
    args: list[str], message: str, no_engine: list[int]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in plain(result.output)
    assert no_engine == []


def test_the_documented_maxima_are_the_formats() -> None:
    fields = Scenario.model_fields
    replications = {type(m).__name__: m for m in fields["replications"].metadata}
    seed = {type(m).__name__: m for m in fields["seed"].metadata}
    assert replications["Le"].le == MAX_REPLICATIONS
    assert seed["Lt"].lt == MAX_SEED + 1


# --------------------------------------------------------------------------- suggestions


def test_play_suggests_the_flags_it_has() -> None:
    result = runner.invoke(app, ["play", SCENARIO, "--out", "x"])
    assert result.exit_code == 2
    assert (
        "No such option: --out; ttx play writes an answers file: name it with --record FILE "
        "(or a folder with --save DIR for --cells), continue a saved session with "
        "--resume FILE"
    ) in plain(result.output)


def test_play_keeps_clicks_suggestion_for_a_typo() -> None:
    result = runner.invoke(app, ["play", SCENARIO, "--recrd", "x"])
    assert result.exit_code == 2
    assert "No such option: --recrd (Possible options: --record, --seed)" in plain(result.output)


def test_policy_suggests_the_nearest_name(no_engine: list[int]) -> None:
    result = runner.invoke(app, ["run", SCENARIO, "--policy", "suportive"])
    assert result.exit_code == 1
    assert result.output == (
        "error: no policy 'suportive' in scenario 'iraq_training_mission'; did you mean "
        "'supportive'? (have: expanded, supportive)\n"
    )


def test_sweep_policies_suggest_the_nearest_name(no_engine: list[int]) -> None:
    result = runner.invoke(app, ["sweep", SCENARIO, "--policies", "supportive,expandd"])
    assert result.exit_code == 1
    assert result.output == (
        "error: unknown policy expandd in scenario 'iraq_training_mission'; it has: "
        "supportive, expanded; did you mean 'expanded'?\n"
    )


def test_no_suggestion_when_nothing_is_near(no_engine: list[int]) -> None:
    result = runner.invoke(app, ["run", SCENARIO, "--policy", "zzz"])
    assert result.output == (
        "error: no policy 'zzz' in scenario 'iraq_training_mission' (have: expanded, supportive)\n"
    )


def test_rank_suggests_the_nearest_kpi(tmp_path: Path) -> None:
    for policy in ("supportive", "expanded"):
        done = runner.invoke(
            app,
            [
                "run",
                SCENARIO,
                "--policy",
                policy,
                "--replications",
                "2",
                "--quiet",
                "--out",
                str(tmp_path / policy),
            ],
        )
        assert done.exit_code == 0, done.output
    reports = [str(tmp_path / p / "report.json") for p in ("supportive", "expanded")]
    result = runner.invoke(
        app, ["compare", *reports, "--rank", "final_stabilty", "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: cannot rank by 'final_stabilty': not a KPI of every report; did you mean "
        "'final_stability'?; KPIs: "
    )


# --------------------------------------------------------------------------- brief


def test_brief_html_writes_a_file_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Path(SCENARIO).resolve()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["brief", str(scenario), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert result.output == "wrote iraq_training_mission.brief.html\n"
    assert (tmp_path / "iraq_training_mission.brief.html").read_text().startswith("<!DOCTYPE html>")
    again = runner.invoke(app, ["brief", str(scenario), "--format", "html"])
    assert again.exit_code == 1
    assert again.output == (
        "error: iraq_training_mission.brief.html already exists; use --force to overwrite or "
        "--out to choose another file\n"
    )
    forced = runner.invoke(app, ["brief", str(scenario), "--format", "html", "--force"])
    assert forced.exit_code == 0, forced.output


def test_brief_markdown_still_goes_to_stdout() -> None:
    result = runner.invoke(app, ["brief", SCENARIO])
    assert result.exit_code == 0
    assert result.output.startswith("# ")


# --------------------------------------------------------------------------- list


def long_named(tmp_path: Path) -> tuple[str, Path]:
    ident = "a" * 40
    folder = tmp_path / ("deep_" * 12)
    folder.mkdir()
    path = folder / f"{ident}.yaml"
    path.write_text(yaml.safe_dump(base_data(id=ident, title="T " * 60)))
    (folder / "broken.yaml").write_text("id: [")
    return ident, path


def test_list_piped_is_plain_and_whole(tmp_path: Path) -> None:
    ident, path = long_named(tmp_path)
    result = runner.invoke(app, ["list", str(path.parent)], env={"COLUMNS": "40"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{ident}\tT T ") and lines[0].endswith(f"\tnone, full\t{path}")
    assert lines[1] == (
        f"invalid\tinvalid: 1 problem(s): run ttx validate\t\t{path.parent / 'broken.yaml'}"
    )


def test_list_json(tmp_path: Path) -> None:
    ident, path = long_named(tmp_path)
    result = runner.invoke(app, ["list", str(path.parent), "--json"])
    rows = json.loads(result.output)
    assert rows[0] == {
        "id": ident,
        "title": "T " * 60,
        "policies": ["none", "full"],
        "file": str(path),
    }
    assert rows[1]["id"] is None


@pytest.mark.parametrize("columns", [60, 250])
def test_list_on_a_terminal_never_cuts_ids_or_paths(tmp_path: Path, columns: int) -> None:
    ident, path = long_named(tmp_path)
    result = runner.invoke(
        app, ["list", str(path.parent)], env={"COLUMNS": str(columns), "FORCE_COLOR": "1"}
    )
    assert result.exit_code == 0, result.output
    assert ident in result.output and str(path) in result.output
    assert "…" not in result.output
