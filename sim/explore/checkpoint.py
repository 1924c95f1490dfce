"""Finished points of an exploration on disk, so an interrupted one resumes.

A checkpoint folder holds ``manifest.json`` (what exploration it belongs to:
scenario content, policies, seed, replications, design, KPIs) and one
``point-NNNNNN.json`` per finished point (a
:class:`~sim.explore.store.PointResult`). Point files are written to a
temporary name and renamed, so each is either complete or absent; floats go
through JSON at full precision, so a resumed exploration writes exactly the
numbers an uninterrupted one would. Points are read back one at a time when
the results file is assembled, so memory does not grow with the point count.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.errors import TtxError
from sim.explore.store import PointResult

MANIFEST = "manifest.json"
FORMAT = 1


class ExploreCheckpointError(TtxError):
    """A checkpoint folder that does not belong to this exploration or cannot be read."""


class PointCheckpoint:
    """Finished points of one exploration in ``directory``.

    Args:
        directory: The folder (created if missing).
        identity: What determines the results; compared with an existing manifest.
    """

    def __init__(self, directory: Path, identity: dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.identity = json.loads(json.dumps({"format": FORMAT, **identity}, sort_keys=True))
        manifest = self.directory / MANIFEST
        if manifest.exists():
            self._check(manifest)
            return
        if self.directory.exists() and any(self.directory.iterdir()):
            raise ExploreCheckpointError(
                f"checkpoint folder {self.directory} is not empty and has no {MANIFEST}; "
                "choose an empty or new folder"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        _write(manifest, json.dumps(self.identity, indent=1, sort_keys=True).encode())

    def _check(self, manifest: Path) -> None:
        try:
            stored = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExploreCheckpointError(f"cannot read checkpoint {manifest}: {exc}") from None
        if not isinstance(stored, dict):
            raise ExploreCheckpointError(f"cannot read checkpoint {manifest}: not a JSON object")
        diffs = [
            f"{key} {_short(stored.get(key))} (this exploration: {_short(value)})"
            for key, value in self.identity.items()
            if stored.get(key) != value
        ]
        if diffs:
            raise ExploreCheckpointError(
                f"checkpoint {self.directory} belongs to another exploration: it has "
                + "; ".join(diffs)
            )

    def _path(self, point: int) -> Path:
        return self.directory / f"point-{point:06d}.json"

    def finished(self) -> set[int]:
        """Points already stored."""
        out = set()
        for p in self.directory.glob("point-*.json"):
            try:
                out.add(int(p.stem.split("-", 1)[1]))
            except ValueError:
                continue
        return out

    def save(self, result: PointResult) -> None:
        """Store one finished point (atomically)."""
        _write(self._path(result.point), json.dumps(result.to_json()).encode())

    def load(self, point: int) -> PointResult:
        """Read one stored point back."""
        path = self._path(point)
        try:
            return PointResult.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ExploreCheckpointError(
                f"cannot read {path} ({exc}); delete that file to recompute its point"
            ) from None

    def in_order(self, points: int) -> Iterator[PointResult]:
        """Points ``0..points-1``, read one at a time."""
        for i in range(points):
            yield self.load(i)


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
