"""``ttx new``: start a scenario from a commented template or a shipped scenario.

A scenario author starts from something that already validates and changes
one thing at a time. The copy is made textually (only the top-level ``id:``
line and the schema modeline change) so every comment of the original
survives; the result is checked with the loader before anything is written,
and an existing file is never overwritten.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from sim.errors import TtxError
from sim.scenario.loader import loads_scenario
from sim.scenario.models import ID_PATTERN

MODELINE = "# yaml-language-server: $schema="
SCHEMA_FILE = Path("schema") / "scenario.schema.json"
_ID_LINE = re.compile(r"^id:[ \t]*([^#\n]*?)[ \t]*(#.*)?$", re.MULTILINE)


class ScaffoldError(TtxError):
    """A scenario could not be created (bad name, missing source, existing file)."""


def template_text() -> str:
    """The minimal, commented scenario template shipped with ttx."""
    return resources.files("sim.authoring").joinpath("templates/scenario.yaml").read_text("utf-8")


def scenario_dirs() -> list[Path]:
    """Where ``--from ID`` looks: ``./scenarios`` and the scenarios next to the package."""
    here = Path("scenarios")
    shipped = Path(__file__).resolve().parent.parent / "scenarios"
    return [here] if here.resolve() == shipped else [here, shipped]


def find_scenario(ref: str) -> Path:
    """Resolve ``--from``: a path to a YAML file, or the id of a shipped scenario."""
    path = Path(ref)
    if path.is_file():
        return path
    if re.fullmatch(ID_PATTERN, ref):
        for folder in scenario_dirs():
            for candidate in (folder / f"{ref}.yaml", folder / f"{ref}.yml"):
                if candidate.is_file():
                    return candidate
            for candidate in sorted(folder.glob("*.y*ml")):
                text = candidate.read_text("utf-8", errors="replace")
                match = _ID_LINE.search(text)
                if match and match.group(1).strip("'\"") == ref:
                    return candidate
    where = ", ".join(str(d) for d in scenario_dirs())
    raise ScaffoldError(f"no scenario file or scenario id '{ref}' (looked in: {where})")


def with_id(text: str, new_id: str, origin: str) -> str:
    """Replace the top-level ``id:`` line, keeping its trailing comment."""
    match = _ID_LINE.search(text)
    if match is None:
        raise ScaffoldError(f"{origin} has no top-level 'id:' line to replace")
    comment = match.group(2)
    line = f"id: {new_id}" + (f"  {comment}" if comment else "")
    return text[: match.start()] + line + text[match.end() :]


def _schema_ref(folder: Path) -> str | None:
    """Relative path from ``folder`` to the project's scenario schema, if one is found."""
    start = folder.resolve()
    for parent in (start, *start.parents):
        if (parent / SCHEMA_FILE).is_file():
            return Path(os.path.relpath(parent / SCHEMA_FILE, start)).as_posix()
    return None


def with_modeline(text: str, folder: Path) -> str:
    """Point the ``yaml-language-server`` modeline at the schema as seen from ``folder``.

    Without a schema nearby the line is kept and a comment says how to make one.
    """
    ref = _schema_ref(folder)
    lines = text.splitlines(keepends=True)
    hint = "# (write the schema with `ttx schema --out scenario.schema.json`)\n"
    new = f"{MODELINE}scenario.schema.json\n{hint}" if ref is None else f"{MODELINE}{ref}\n"
    if lines and lines[0].startswith(MODELINE):
        return new + "".join(lines[1:])
    return new + text


def new_scenario(name: str, directory: Path = Path(), source: str | None = None) -> Path:
    """Write ``directory/name.yaml`` from the template or from scenario ``source``.

    Returns:
        The path written.

    Raises:
        ScaffoldError: if ``name`` is not a valid id, the source cannot be found
            or is invalid, or the file already exists (it is left untouched).
    """
    if not re.fullmatch(ID_PATTERN, name):
        raise ScaffoldError(
            f"'{name}' is not a valid scenario id: use a lower-case letter, then lower-case "
            "letters, digits or '_' (at most 40), e.g. 'gulf_cyber_drill'"
        )
    target = directory / f"{name}.yaml"
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another name or remove it first")
    if source is None:
        text, origin = template_text(), "the template"
    else:
        path = find_scenario(source)
        text, origin = path.read_text("utf-8"), str(path)
    text = with_modeline(with_id(text, name, origin), directory)
    loads_scenario(text, origin)  # never write a file that does not validate
    if not directory.is_dir():
        raise ScaffoldError(f"{directory} is not a folder")
    try:
        with target.open("x", encoding="utf-8") as fh:  # 'x': fail rather than overwrite
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{target} already exists; choose another name") from None
    except OSError as exc:
        raise ScaffoldError(f"cannot write {target}: {exc.strerror}") from None
    return target
