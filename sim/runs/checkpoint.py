"""Checkpoints: finished chunks of a run on disk, so an interrupted run resumes.

A checkpoint folder holds ``manifest.json`` (what run it belongs to) and one
``chunk-NNNNNN.npz`` per finished chunk (the chunk's
:class:`~sim.runs.aggregate.ChunkPartial`: KPI values, objective outcomes,
decision counts, the Welford state of its monthly series and its percentile
sample). Floats are stored as float64 arrays, so a resumed run merges
exactly the numbers an uninterrupted run would have and its ``results`` are
byte-identical.

The manifest records everything that determines those numbers — scenario
and policy content hashes, run seed, replication count, chunk size, ttx
version — and a checkpoint written for a different run is refused with a
message naming the difference. Files are written to a temporary name and
renamed, so a chunk file is either complete or absent; ``.npz`` is read
without pickle, so a checkpoint folder cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import TtxError
from sim.runs.aggregate import ChunkPartial

MANIFEST = "manifest.json"
FORMAT = 1


class CheckpointError(TtxError):
    """A checkpoint folder that does not belong to this run or cannot be read."""


class CheckpointMismatch(CheckpointError):
    """The checkpoint was written by another run.

    Attributes:
        directory: The checkpoint folder.
        differences: One ``"key stored (this run: value)"`` per differing item.
    """

    def __init__(self, directory: Path, differences: list[str]) -> None:
        self.directory, self.differences = directory, differences
        super().__init__(
            f"checkpoint {directory} belongs to another run: it has " + "; ".join(differences)
        )


def content_hash(*models: Any) -> str:
    """Short hash of pydantic models' canonical JSON (what the run actually uses)."""
    h = hashlib.sha256()
    for m in models:
        h.update(m.model_dump_json().encode())
    return h.hexdigest()[:16]


class Checkpoint:
    """Finished chunks of one run in ``directory``.

    Args:
        directory: The folder (created if missing).
        identity: What determines the run's results; compared with the
            manifest of an existing checkpoint.
    """

    def __init__(self, directory: Path, identity: dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.identity = {"format": FORMAT, **identity}
        manifest = self.directory / MANIFEST
        if manifest.exists():
            self._check(manifest)
        else:
            if self.directory.exists() and not self.directory.is_dir():
                raise CheckpointError(f"checkpoint {self.directory} is not a folder")
            if self.directory.exists() and any(self.directory.iterdir()):
                raise CheckpointError(
                    f"checkpoint folder {self.directory} is not empty and has no {MANIFEST}; "
                    "choose an empty or new folder"
                )
            self.directory.mkdir(parents=True, exist_ok=True)
            _write(manifest, json.dumps(self.identity, indent=1, sort_keys=True).encode())

    def _check(self, manifest: Path) -> None:
        try:
            stored = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read checkpoint {manifest}: {exc}") from None
        if not isinstance(stored, dict):
            raise CheckpointError(f"cannot read checkpoint {manifest}: not a JSON object")
        diffs = [
            f"{key} {stored.get(key)!r} (this run: {value!r})"
            for key, value in self.identity.items()
            if stored.get(key) != value
        ]
        if diffs:
            raise CheckpointMismatch(self.directory, diffs)

    def _path(self, chunk: int) -> Path:
        return self.directory / f"chunk-{chunk:06d}.npz"

    def finished(self) -> set[int]:
        """Chunks already stored."""
        out = set()
        for p in self.directory.glob("chunk-*.npz"):
            try:
                out.add(int(p.stem.split("-", 1)[1]))
            except ValueError:
                continue
        return out

    def save(self, part: ChunkPartial) -> None:
        """Store a complete chunk (atomically)."""
        if not part.complete:
            raise ValueError("only complete chunks are checkpointed")
        header = {
            "chunk": part.chunk,
            "kpi_names": part.kpi_names,
            "objective_ids": part.objective_ids,
            "decisions": part.decisions,
            "running_n": part.running["n"],
            "running_shape": part.running["shape"],
        }
        running_mean = np.asarray(
            part.running["mean"] if part.running["mean"] is not None else [], dtype=np.float64
        )
        running_m2 = np.asarray(
            part.running["m2"] if part.running["m2"] is not None else [], dtype=np.float64
        )
        arrays: dict[str, Any] = {
            "header": np.array(json.dumps(header, sort_keys=True)),
            "indices": np.asarray(part.indices, dtype=np.int64),
            "kpis": part.kpis,
            "objectives": part.objectives,
            "running_mean": running_mean,
            "running_m2": running_m2,
            "sample_indices": np.asarray(part.sample_indices, dtype=np.int64),
            "sample": part.sample,
            "objective_months": part.objective_months,
        }
        fd, tmp = tempfile.mkstemp(prefix=".chunk-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, self._path(part.chunk))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, chunk: int) -> ChunkPartial:
        """Read a stored chunk back."""
        path = self._path(chunk)
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                n, shape = header["running_n"], header["running_shape"]
                return ChunkPartial(
                    chunk=int(header["chunk"]),
                    indices=[int(i) for i in data["indices"]],
                    kpi_names=list(header["kpi_names"]),
                    kpis=data["kpis"],
                    objective_ids=list(header["objective_ids"]),
                    objectives=data["objectives"],
                    decisions=header["decisions"],
                    running={
                        "n": n,
                        "shape": shape,
                        "mean": data["running_mean"].reshape(shape) if n else None,
                        "m2": data["running_m2"].reshape(shape) if n else None,
                    },
                    sample_indices=[int(i) for i in data["sample_indices"]],
                    sample=data["sample"],
                    objective_months=(
                        data["objective_months"]
                        if "objective_months" in data
                        else np.zeros((0, 0), dtype=np.int64)
                    ),
                )
        except (OSError, ValueError, KeyError) as exc:
            raise CheckpointError(
                f"cannot read {path} ({exc}); delete that file to recompute its chunk"
            ) from None


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
