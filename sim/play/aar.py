"""``ttx debrief``: the after-action report of one or several teams' answers files.

Each team's played run is rebuilt by replaying its answers on replication 0
of the common seed (:func:`sim.play.command.replay`), exactly as ``ttx play
--answers`` does, so the report ``ttx debrief`` writes for a team equals the
one ``ttx play`` wrote at the end of its session.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sim.analysis.aar import AfterAction, Team, TeamReport, assemble, group_teams, team_report
from sim.errors import TtxError
from sim.play.command import replay
from sim.runs.runner import Progress
from sim.scenario.loader import load_policy_file, load_scenario
from sim.scenario.models import PolicyFile, Scenario
from sim.scenario.source import read_source


class ScenarioNotFound(TtxError):
    """The scenario file of an answers file is neither named in its header nor shipped."""


_HEADER = re.compile(r"^# .*ttx (?:play|run) (\S+) --(?:answers|policy-file) THIS_FILE", re.M)


def report_paths(first: Path, teams: int, scenario_id: str) -> tuple[Path, Path]:
    """Where the report goes: next to the first answers file.

    One team: the same names ``ttx play`` uses (``<stem>.debrief.md``);
    several teams: ``<scenario>.teams.debrief.md``.
    """
    if teams == 1:
        stem = first.name.removesuffix(".yaml").removesuffix(".yml").removesuffix(".answers")
        if re.fullmatch(rf"{re.escape(scenario_id)}\.[a-z0-9_]+", stem):  # SCENARIO.CELL
            stem = scenario_id
    else:
        stem = f"{scenario_id}.teams"
    return first.with_name(f"{stem}.debrief.md"), first.with_name(f"{stem}.debrief.html")


def scenario_file_of(answers: Path, scenario_id: str) -> Path:
    """The scenario an answers file was recorded on: named in its header, else scenarios/ID.yaml."""
    text = answers.read_text(encoding="utf-8", errors="replace")
    candidates: list[Path] = []
    m = _HEADER.search(text)
    if m and m.group(1) != "SCENARIO.yaml":
        named = Path(m.group(1))
        candidates += [named, answers.parent / named]
    candidates += [Path("scenarios") / f"{scenario_id}.yaml"]
    candidates = list(dict.fromkeys(candidates))
    for c in candidates:
        if c.is_file():
            return c
    raise ScenarioNotFound(
        f"{answers}: cannot find the scenario file of '{scenario_id}' (tried "
        f"{', '.join(str(c) for c in candidates)})"
    )


def _scenario_id(path: Path) -> str:
    data = read_source(path).data
    sid = data.get("scenario") if isinstance(data, dict) else None
    if not isinstance(sid, str):
        raise TtxError(f"{path}: not an answers file (expected a 'scenario:' field)")
    return sid


def load_teams(
    paths: Sequence[Path], scenario_file: Path | None = None
) -> tuple[Scenario, list[Team]]:
    """Load answers files of one scenario and group them into teams.

    Raises:
        TtxError: A file is missing, the files are for different scenarios,
            or the teams were played on different seeds.
    """
    if not paths:
        raise TtxError("give at least one answers file")
    for p in paths:
        if not p.is_file():
            raise TtxError(f"{p}: no such answers file")
    ids = [(p, _scenario_id(p)) for p in paths]
    first_id = ids[0][1]
    for p, sid in ids[1:]:
        if sid != first_id:
            raise TtxError(
                f"{p} is for scenario '{sid}' but {paths[0]} is for '{first_id}'; "
                "an after-action report covers teams of one scenario"
            )
    source = scenario_file or scenario_file_of(paths[0], first_id)
    scenario = load_scenario(source)
    if scenario.id != first_id:
        raise TtxError(f"{source} is scenario '{scenario.id}', the answers are for '{first_id}'")
    named: list[tuple[str, PolicyFile]] = [(str(p), load_policy_file(p, scenario)) for p in paths]
    teams = group_teams(named)
    seeds = {t.files[0].seed for t in teams}
    if len(seeds) > 1:
        raise TtxError(
            "the teams were played on different seeds ("
            + ", ".join(f"{t.name}: {t.files[0].seed}" for t in teams)
            + "); compare teams that played the same seed"
        )
    return scenario, teams


def after_action(
    scenario: Scenario,
    teams: list[Team],
    *,
    replications: int,
    notes: str | None = None,
    progress: Progress | None = None,
) -> AfterAction:
    """Replay each team's session and build the whole report."""
    seed = teams[0].files[0].seed
    seed = scenario.seed if seed is None else seed
    parts: list[TeamReport] = []
    for i, team in enumerate(teams):
        spec = team.spec(scenario, replications, seed)
        outcome = replay(spec, frozenset(f.policy.cell for f in team.files))
        parts.append(
            team_report(
                scenario,
                team,
                replications=replications,
                seed=seed,
                played=outcome.result,
                answers=list(outcome.answers),
            )
        )
        if progress is not None:
            progress(i + 1, len(teams))
    return assemble(scenario, parts, seed=seed, replications=replications, notes=notes)


def read_notes(path: Path | None) -> str | None:
    """The facilitator's notes file as text (Markdown is kept as written)."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TtxError(f"{path}: no such notes file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TtxError(f"{path}: cannot read the notes file ({exc})") from None


def write_after_action(
    paths: Sequence[Path],
    *,
    scenario_file: Path | None = None,
    notes: Path | None = None,
    out: Path | None = None,
    replications: int = 100,
    force: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Load, analyse and write the report (md and html); nothing is written on an error.

    Outputs go next to the first answers file unless ``out`` names a folder,
    and an existing report is only replaced with ``force``.
    """
    from sim.report.aar import render_html, render_markdown
    from sim.runs.outfiles import OutputLock, check_writable, write_outputs

    scenario, teams = load_teams(paths, scenario_file)
    text = read_notes(notes)
    md, html = report_paths(paths[0], len(teams), scenario.id)
    if out is not None:
        if out.exists() and not out.is_dir():
            raise TtxError(f"{out} is a file; the report needs a folder")
        md, html = out / md.name, out / html.name
    check_writable([md, html], force)
    # One ttx command per folder, as for run and sweep: a second debrief of the same
    # team must not interleave its files with this one's.
    with OutputLock(md.parent):
        data = after_action(
            scenario, teams, replications=replications, notes=text, progress=progress
        )
        md_text, html_text = render_markdown(data), render_html(data)
        return write_outputs([(md, lambda: md_text), (html, lambda: html_text)])
