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

import errno
import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import TtxError
from sim.runs.aggregate import ChunkPartial
from sim.runs.outfiles import TMP_SUFFIX, WriteFailed, write_temporary

MANIFEST = "manifest.json"
FORMAT = 2
"""2: every chunk carries the run's identity and its own index (1 did not)."""


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
            manifest of an existing checkpoint and with every chunk's header.
            ``replications``, ``chunk_size`` and ``indices`` (None, or
            ``[start, stop]`` of the replications run) fix which replication
            indices each chunk must hold; ``objectives`` (if given) the
            objective ids it must report.
    """

    def __init__(self, directory: Path, identity: dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.identity = {"format": FORMAT, **identity}
        manifest = self.directory / MANIFEST
        if os.path.lexists(manifest):
            self._check(manifest)
            return
        if os.path.lexists(self.directory) and not self.directory.is_dir():
            raise CheckpointError(f"checkpoint {self.directory} is not a folder")
        if self.directory.exists() and any(not _ours(p.name) for p in self.directory.iterdir()):
            raise CheckpointError(
                f"checkpoint folder {self.directory} is not empty and has no {MANIFEST}; "
                "choose an empty or new folder"
            )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            data = json.dumps(self.identity, indent=1, sort_keys=True).encode()
            os.replace(write_temporary(manifest, lambda fd: _write_bytes(fd, data)), manifest)
        except (OSError, TtxError) as exc:
            raise CheckpointError(
                f"cannot write checkpoint {self.directory}: {_why(exc)}"
            ) from None

    def _check(self, manifest: Path) -> None:
        try:
            stored = json.loads(_read_regular(manifest, MAX_MANIFEST_BYTES).decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read checkpoint {manifest}: {_why(exc)}") from None
        if not isinstance(stored, dict):
            raise CheckpointError(f"cannot read checkpoint {manifest}: not a JSON object")
        diffs = _differences(stored, self.identity)
        if diffs:
            raise CheckpointMismatch(self.directory, diffs)

    def _path(self, chunk: int) -> Path:
        return self.directory / f"chunk-{chunk:06d}.npz"

    def expected_indices(self, chunk: int) -> list[int]:
        """The replication indices chunk ``chunk`` of this run holds."""
        span = self.identity.get("indices")
        todo = range(*span) if span else range(int(self.identity.get("replications", 0)))
        size = int(self.identity.get("chunk_size") or 1)
        return list(todo[chunk * size : (chunk + 1) * size])

    def finished(self) -> set[int]:
        """Chunks already stored, each checked (identity, index, integrity) before it counts.

        Checking them all here, before any replication runs, means a folder
        holding a foreign or damaged chunk is refused at once rather than
        after the work of the chunks that are missing.

        Raises:
            CheckpointError: naming the first bad chunk file.
        """
        out = set()
        for p in sorted(self.directory.glob("chunk-*.npz")):
            try:
                chunk = int(p.stem.split("-", 1)[1])
            except ValueError:
                continue
            self._read(chunk, arrays=False)
            out.add(chunk)
        return out

    def save(self, part: ChunkPartial) -> None:
        """Store a complete chunk (atomically), with the run's identity in its header.

        Raises:
            CheckpointError: the chunk cannot be written (a full disk, a
                read-only folder); no temporary file is left.
        """
        if not part.complete:
            raise ValueError("only complete chunks are checkpointed")
        header = {
            "run": self.identity,
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
        path = self._path(part.chunk)

        def fill(fd: int) -> None:
            with os.fdopen(os.dup(fd), "wb") as fh:
                np.savez(fh, **arrays)

        try:
            os.replace(write_temporary(path, fill), path)
        except (OSError, TtxError) as exc:
            raise CheckpointError(f"cannot write checkpoint chunk {path}: {_why(exc)}") from None

    def load(self, chunk: int) -> ChunkPartial:
        """Read a stored chunk back, refusing one of another run or damaged.

        Raises:
            CheckpointError: one line naming the file and saying to delete it.
        """
        part = self._read(chunk, arrays=True)
        assert part is not None
        return part

    def _read(self, chunk: int, *, arrays: bool) -> ChunkPartial | None:
        path = self._path(chunk)
        try:
            data = _read_regular(path, MAX_CHUNK_BYTES)
            zf = _check_zip(data)
            with zf.open("header.npy") as fh:
                header = json.loads(str(np.lib.format.read_array(fh, allow_pickle=False)))
            _check_header(header, self.identity, chunk)
            if not arrays:
                return None
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                return _partial(header, {k: npz[k] for k in _ARRAYS}, self.expected_indices(chunk))
        except _Foreign as exc:
            raise CheckpointError(
                f"checkpoint chunk {path} is not this run's: {exc}; "
                "delete that file to recompute its chunk"
            ) from None
        except Exception as exc:  # any damage at all: flipped bytes reach odd places
            raise CheckpointError(
                f"cannot read checkpoint chunk {path} ({_why(exc)}); "
                "delete that file to recompute its chunk"
            ) from None


MAX_MANIFEST_BYTES = 1 << 20
MAX_CHUNK_BYTES = 1 << 30
"""No chunk ttx writes comes near this; a larger file is not a chunk, and is not read."""

_ARRAYS = (
    "indices",
    "kpis",
    "objectives",
    "running_mean",
    "running_m2",
    "sample_indices",
    "sample",
    "objective_months",
)
_MEMBERS = {f"{name}.npy" for name in ("header", *_ARRAYS)}


class _Damaged(ValueError):
    """A chunk file whose content is not what ttx writes."""


class _Foreign(ValueError):
    """A well-formed chunk written by another run, or renamed from another index."""


def _ours(name: str) -> bool:
    """Lock and temporary files ttx itself keeps in a checkpoint folder."""
    return name.startswith(".ttx") or name.endswith(TMP_SUFFIX)


def _why(exc: BaseException) -> str:
    if isinstance(exc, WriteFailed):
        return exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _write_bytes(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    The type is checked on the open descriptor (opened non-blocking, links
    not followed), so a FIFO planted under a chunk's name cannot hang ttx.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Damaged("it is a symbolic link, not a file ttx wrote") from None
        raise
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Damaged("it is not a regular file")
        if st.st_size == 0:
            raise _Damaged("it is empty")
        if st.st_size > limit:
            raise _Damaged(f"it is too large ({st.st_size} bytes)")
        return fh.read(limit + 1)


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """The chunk's zip archive, with exactly the members ttx writes, stored and intact."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _Damaged("not a chunk file: not a zip archive") from None
    names = {info.filename for info in zf.infolist()}
    if names != _MEMBERS:
        raise _Damaged("not a chunk file: unexpected contents")
    if any(info.compress_type != zipfile.ZIP_STORED for info in zf.infolist()):
        raise _Damaged("not a chunk file: compressed members")
    bad = zf.testzip()
    if bad is not None:
        raise _Damaged(f"damaged: {bad} fails its checksum")
    return zf


def _differences(stored: dict[str, Any], identity: dict[str, Any]) -> list[str]:
    return [
        f"{key} {stored.get(key)!r} (this run: {value!r})"
        for key, value in identity.items()
        if stored.get(key) != value
    ]


def _check_header(header: Any, identity: dict[str, Any], chunk: int) -> None:
    if not isinstance(header, dict) or not isinstance(header.get("run"), dict):
        raise _Damaged("its header does not say which run it belongs to")
    diffs = _differences(header["run"], identity)
    if diffs:
        raise _Foreign("it has " + ", ".join(diffs))
    if header.get("chunk") != chunk:
        raise _Foreign(f"it holds chunk {header.get('chunk')!r}, not chunk {chunk}")


def _partial(
    header: dict[str, Any], arrays: dict[str, np.ndarray], expected: list[int]
) -> ChunkPartial:
    """Build the chunk partial, checking every part against the others and the run."""
    indices = [int(i) for i in arrays["indices"]]
    if indices != expected:
        raise _Foreign(f"it holds replications {_span(indices)}, not {_span(expected)}")
    n = len(indices)
    names: Any = header.get("kpi_names")
    oids: Any = header.get("objective_ids")
    want = header["run"].get("objectives")
    if want is not None and oids != want:
        raise _Foreign(f"it has objectives {oids!r} (this run: {want!r})")
    if not _strings(names) or not _strings(oids):
        raise _Damaged("its header lists no KPI or objective names")
    kpis, objectives = arrays["kpis"], arrays["objectives"]
    if kpis.dtype != np.float64 or kpis.shape != (n, len(names)):
        raise _Damaged(f"KPI values of shape {kpis.shape} for {n} replications")
    if objectives.dtype != np.bool_ or objectives.shape != (n, len(oids)):
        raise _Damaged(f"objective outcomes of shape {objectives.shape} for {n} replications")
    decisions: Any = header.get("decisions")
    if not _counts(decisions, n):
        raise _Damaged("its decision counts do not fit its replications")
    running_n, shape = header.get("running_n"), header.get("running_shape")
    if running_n != n or not (
        isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)
    ):
        raise _Damaged("its monthly series statistics do not fit its replications")
    size = int(np.prod(shape)) if n else 0
    mean, m2 = arrays["running_mean"], arrays["running_m2"]
    if mean.size != size or m2.size != size or mean.dtype != np.float64 or m2.dtype != np.float64:
        raise _Damaged("its monthly series statistics have the wrong size")
    sample_indices = [int(i) for i in arrays["sample_indices"]]
    sample = arrays["sample"]
    if not set(sample_indices) <= set(indices) or (
        sample_indices and (sample.ndim < 1 or sample.shape[0] != len(sample_indices))
    ):
        raise _Damaged("its percentile sample does not fit its replications")
    months = arrays["objective_months"]
    if months.dtype != np.int64 or months.ndim != 2 or months.shape[1:] not in ((len(oids),), (0,)):
        raise _Damaged("its objective standings by month do not fit its objectives")
    return ChunkPartial(
        chunk=int(header["chunk"]),
        indices=indices,
        kpi_names=list(names),
        kpis=kpis,
        objective_ids=list(oids),
        objectives=objectives,
        decisions=decisions,
        running={
            "n": n,
            "shape": shape,
            "mean": mean.reshape(shape) if n else None,
            "m2": m2.reshape(shape) if n else None,
        },
        sample_indices=sample_indices,
        sample=sample,
        objective_months=months,
    )


def _strings(value: Any) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(v, str) for v in value)
        and len(set(value)) == len(value)
    )


def _counts(decisions: Any, n: int) -> bool:
    """Decision counts: inject -> option -> count, at most ``n`` per inject."""
    if not isinstance(decisions, dict):
        return False
    for options in decisions.values():
        if not isinstance(options, dict) or not all(
            type(c) is int and c >= 0 for c in options.values()
        ):
            return False
        if sum(options.values()) > n:
            return False
    return True


def _span(indices: list[int]) -> str:
    if not indices:
        return "none"
    return f"{indices[0]}-{indices[-1]} ({len(indices)})"
