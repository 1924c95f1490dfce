"""Per-replication KPI values kept in a scratch file while a large run aggregates.

At 100,000 replications the KPI values of a run are 22 MB of float64 (27 KPIs
x 8 bytes each), most of the parent's growth with the replication count. The
values are O(N) by design (paired comparisons need them), but nothing needs
them all in memory at once: the summaries read one KPI at a time, and the
report writer streams each KPI in slices. So a run given a folder keeps them
in a :class:`Spill`: a scratch file in the output folder (beside the run's
other temporaries, :func:`sim.runs.outfiles.scratch_file`), one region of
``rows`` float64 per KPI, so a chunk's column lands at a fixed offset
(``os.pwrite``) whatever order the chunks finish in, and reading one KPI back
is one ``os.pread``. Pages written to a file sit in the page cache, which is
not the process's memory (unlike an ``mmap`` that is touched), and the kernel
may write them out under memory pressure.

The file is unlinked as soon as it is created, so no exit (success, error,
Ctrl-C, SIGTERM, even SIGKILL) leaves it behind: its space is freed when its
descriptor closes, which :meth:`Spill.close` does at once and the garbage
collector does when the last :class:`SpilledColumn` of a report is dropped.

A :class:`SpilledColumn` is what ``results`` holds instead of an array: it
reads as one where a reader needs it (``np.asarray``, indexing, slicing,
iteration, ``len``), and :func:`sim.runs.reportfile.dump_pieces` and the KPI
CSV read it in slices. Small runs (below :data:`MIN_BYTES` of values) keep an
array in memory: a file for a few hundred KB is not worth its descriptor.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from sim.errors import TtxError
from sim.runs.outfiles import scratch_file

MIN_BYTES = 1 << 20
"""Values below this size (about 4,800 replications of 27 KPIs) stay in memory."""
ITEM = 8
"""Bytes per value (float64)."""


class SpillFailed(TtxError):
    """The scratch file of per-replication values could not be written or read (one line)."""

    def __init__(self, folder: Path, reason: str) -> None:
        self.folder, self.reason = folder, reason
        super().__init__(
            f"cannot keep per-replication KPI values in {folder}: {reason} (nothing was "
            "written; free some space there, or run with --no-kpi-values)"
        )


def wanted(rows: int, columns: int) -> bool:
    """Whether ``rows`` x ``columns`` values are worth a scratch file (see :data:`MIN_BYTES`)."""
    return rows > 0 and rows * columns * ITEM >= MIN_BYTES


class Spill:
    """Per-replication columns of ``rows`` values in an unlinked scratch file in ``folder``.

    ``columns`` float64 regions (KPI values), then ``flags`` int8 regions
    (objective outcomes, 0 or 1: one byte each, not an 8-byte reference to a
    Python int as in a list).

    Raises:
        SpillFailed: The file cannot be created.
    """

    def __init__(self, folder: Path, columns: int, rows: int, flags: int = 0) -> None:
        self.folder, self.columns, self.rows, self.flags = Path(folder), columns, rows, flags
        try:
            self._fd = scratch_file(self.folder, "kpi-values")
        except OSError as exc:
            raise SpillFailed(self.folder, exc.strerror or str(exc)) from None
        # Closes the descriptor when the spill (and every column reading it) is gone.
        self._closer = weakref.finalize(self, os.close, self._fd)

    @property
    def closed(self) -> bool:
        return not self._closer.alive

    def close(self) -> None:
        """Free the file now (idempotent); columns of it can no longer be read."""
        self._closer()

    def _place(self, column: int) -> tuple[int, np.dtype[Any]]:
        """Where ``column`` starts in the file, and its type."""
        if column < self.columns:
            return column * self.rows * ITEM, np.dtype(np.float64)
        return (self.columns * ITEM + column - self.columns) * self.rows, np.dtype(np.int8)

    def write(self, first: int, block: NDArray[Any], flags: bool = False) -> None:
        """Store ``block`` (one row per replication) from row ``first``.

        Its columns are the KPI columns, or with ``flags`` the int8 columns.

        Raises:
            SpillFailed: A full disk or another write error (one line).
        """
        count, width = len(block), self.flags if flags else self.columns
        if first < 0 or first + count > self.rows or block.shape[1:] != (width,):
            raise ValueError(
                f"rows {first}..{first + count} of {block.shape} do not fit a spill of "
                f"{self.rows} x {width}"
            )
        for j in range(width):
            column = self.columns + j if flags else j
            offset, dtype = self._place(column)
            data = np.ascontiguousarray(block[:, j], dtype=dtype).tobytes()
            self._pwrite(data, offset + first * dtype.itemsize)

    def _pwrite(self, data: bytes, offset: int) -> None:
        view = memoryview(data)
        try:
            while view:
                done = os.pwrite(self._fd, view, offset)
                view, offset = view[done:], offset + done
        except OSError as exc:
            raise SpillFailed(self.folder, exc.strerror or str(exc)) from None

    def read(self, column: int, start: int, stop: int) -> NDArray[Any]:
        """Rows ``start..stop`` of ``column`` as a new array (float64, or int8 for a flag)."""
        at, dtype = self._place(column)
        size = (stop - start) * dtype.itemsize
        buffer = bytearray(size)  # writable, so the array made of it is too
        view = memoryview(buffer)
        offset, got = at + start * dtype.itemsize, 0
        try:
            while got < size:
                n = os.preadv(self._fd, [view[got:]], offset + got)
                if n == 0:
                    raise OSError(0, f"the file ended {size - got} bytes early")
                got += n
        except OSError as exc:
            raise SpillFailed(self.folder, exc.strerror or str(exc)) from None
        return np.frombuffer(buffer, dtype=dtype)


T = TypeVar("T", float, int)


class SpilledColumn(Generic[T]):
    """The first ``length`` values of one column of a :class:`Spill`, read on demand.

    Reads as an array where one is needed (``np.asarray``: float64 for a KPI,
    int8 for objective outcomes), by slice, or by index or iteration (Python
    numbers, ``T``: a sum of outcomes is a Python int, never an int8 that
    overflows at 127); pickles and copies as an array.
    """

    def __init__(self, spill: Spill, column: int, length: int) -> None:
        self.spill, self.column, self.length = spill, column, length

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, key: int) -> T: ...
    @overload
    def __getitem__(self, key: slice) -> NDArray[Any]: ...

    def __getitem__(self, key: int | slice) -> T | NDArray[Any]:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.length)
            if step != 1:
                return self.read()[key]
            return self.spill.read(self.column, start, max(start, stop))
        index = int(key)
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(f"index {key} is out of range for {self.length} values")
        value: T = self.spill.read(self.column, index, index + 1)[0].item()
        return value

    def read(self) -> NDArray[Any]:
        """All the values as a new array."""
        return self.spill.read(self.column, 0, self.length)

    def slices(self, size: int) -> Iterator[NDArray[Any]]:
        """The values ``size`` at a time (what a writer streams)."""
        for start in range(0, self.length, size):
            yield self.spill.read(self.column, start, min(start + size, self.length))

    def __iter__(self) -> Iterator[T]:
        for part in self.slices(4096):
            yield from part.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> NDArray[Any]:
        values = self.read()
        return values if dtype is None else values.astype(dtype, copy=False)

    def tolist(self) -> list[T]:
        values: list[T] = self.read().tolist()
        return values

    def __eq__(self, other: object) -> bool:
        """Equal to a column, array or list of the same values (as ``np.array_equal``)."""
        if isinstance(other, SpilledColumn | np.ndarray | list | tuple):
            return bool(np.array_equal(self.read(), np.asarray(other)))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (np.array, (self.read(),))

    def __repr__(self) -> str:
        return f"SpilledColumn({self.length} values, column {self.column} of {self.spill.folder})"
