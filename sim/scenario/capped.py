"""Files read once, under a size cap, and the hash of what was read.

``stat`` gives no size for a pipe, ``/dev/zero`` or ``/dev/stdin``, so the
cap is applied to the bytes read. A pipe cannot be read twice, so the digest
of what was read is remembered for the report's scenario hash.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError, Problem

MAX_BYTES = 2 * 1024 * 1024


def read_capped(path: str | Path, limit: int = MAX_BYTES, what: str = "file") -> bytes:
    """The bytes of a file, refusing more than ``limit``; pipes and devices alike.

    ``stat`` gives no size for a pipe, ``/dev/zero`` or ``/dev/stdin``, so the
    cap is applied to what is read: at most ``limit + 1`` bytes, never the
    whole stream.

    Raises:
        InputError: naming the file and what is wrong with it.
    """
    file = str(path)

    def fail(message: str) -> InputError:
        return InputError([Problem(file, 1, 1, "", message)])

    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise fail(f"{what} is too large ({info.st_size} bytes, limit {limit})")
            raw = fh.read(limit + 1)
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail("is a directory, not a file") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror}") from None
    if len(raw) > limit:
        raise fail(f"{what} is too large (more than {limit} bytes read, limit {limit})")
    return raw


@dataclass(frozen=True)
class _Read:
    digest: str
    identity: tuple[int, ...] | None  # of a regular file; None for a pipe or device


# Digest of what the last read of each path gave, so the hash a report records is
# that of the text simulated, also when the file was a pipe that cannot be read twice.
_DIGESTS: dict[str, _Read] = {}
_DIGESTS_KEPT = 64


def _identity(path: str | Path) -> tuple[int, ...] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def remember(path: str | Path, raw: bytes) -> None:
    """Keep the digest of ``raw`` as what ``path`` held when it was read."""
    if len(_DIGESTS) >= _DIGESTS_KEPT:
        _DIGESTS.pop(next(iter(_DIGESTS)))
    _DIGESTS[str(path)] = _Read(hashlib.sha256(raw).hexdigest(), _identity(path))


def content_digest(path: str | Path) -> str:
    """SHA-256 of the file's content as ttx last read it (a pipe is not read again)."""
    known = _DIGESTS.get(str(path))
    if known is not None and (known.identity is None or known.identity == _identity(path)):
        return known.digest
    return hashlib.sha256(read_capped(path)).hexdigest()
