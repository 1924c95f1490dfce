"""Where ttx may write, and writing there all-or-nothing.

Every command that writes files goes through here, so the promises of
SECURITY.md ("Output files") hold for all of them:

* targets are checked before any work starts (:func:`check_writable`): an
  existing file is replaced only with ``force``; a device, FIFO, socket,
  folder or symbolic link is never replaced, ``force`` or not (replacing
  ``/dev/null`` with a regular file breaks the machine, and writing into a
  FIFO blocks); a target under ``/proc``, ``/sys`` or ``/dev``, or in a
  folder ttx cannot write to, is refused at once rather than after the run;
* a folder being written by one ttx command is locked against a second one
  (:class:`OutputLock`, ``flock`` on ``.ttx.lock``);
* the files of one command are written as one transaction
  (:class:`Transaction`): each to a temporary file beside its target, named
  ``.NAME.XXXXXXXX.ttx-tmp``, then all renamed at the end; an interruption
  before the renames leaves nothing, and one during them raises
  :class:`InterruptedWrite` naming what was written. Temporaries left by a
  killed process are removed by the next command that locks the folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType

from sim.errors import TtxError

LOCK_NAME = ".ttx.lock"
TMP_SUFFIX = ".ttx-tmp"
SYSTEM_TREES = ("/proc", "/sys", "/dev")
"""Kernel file systems: writing a report there is never meant, and may do harm."""


class OutputExists(TtxError):
    """Refusing to overwrite existing output files (``paths``)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(f"{names} already exist{'s' if len(paths) == 1 else ''}")


class OutputRefused(TtxError):
    """A target ttx never writes, whatever ``force`` says (a device, a FIFO, ``/proc``...)."""


class OutputBusy(TtxError):
    """Another ttx command holds the lock of an output folder."""


class RenderFailed(TtxError):
    """One or more report formats could not be rendered; the others were written."""


class WriteFailed(TtxError):
    """A file could not be written (a full disk, a read-only folder); nothing of it is left."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"cannot write {path}: {reason}")


class InterruptedWrite(KeyboardInterrupt):
    """Ctrl-C while a transaction renamed its files: ``written`` are in place, the rest not."""

    def __init__(self, written: list[Path], left: list[Path]) -> None:
        super().__init__()
        self.written, self.left = written, left


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _system_tree(path: Path) -> str | None:
    real = os.path.realpath(path)
    for tree in SYSTEM_TREES:
        if real == tree or real.startswith(tree + "/"):
            return tree
    return None


def _folder_problem(path: Path, folder: Path) -> str | None:
    """Why ``path`` cannot be created in ``folder`` (which may not exist yet)."""
    probe = folder
    while not os.path.lexists(probe):
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"cannot write {path}: {probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        where = "it" if probe == path else probe
        return f"cannot write {path}: {where} is read-only or not writable by you"
    return None


def target_problem(path: Path) -> str | None:
    """Why ttx must never write ``path``, even with ``force`` (None when it may)."""
    tree = _system_tree(path)
    if tree is not None:
        return f"{path} is under {tree}; ttx writes to regular folders only"
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _folder_problem(path, path.parent)
    except OSError as exc:
        return f"cannot inspect {path}: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"{path} is {_kind(mode)}; ttx only replaces regular files, even with --force"
    return _folder_problem(path, path.parent)


def check_folder(folder: Path) -> None:
    """Fail before any work is done if files cannot be created in ``folder``.

    Raises:
        OutputRefused: ``folder`` is under a kernel file system, is not a
            folder, or cannot be written.
    """
    tree = _system_tree(folder)
    if tree is not None:
        raise OutputRefused(f"{folder} is under {tree}; ttx writes to regular folders only")
    if os.path.lexists(folder) and not folder.is_dir():
        raise OutputRefused(f"{folder} is not a folder")
    problem = _folder_problem(folder, folder)
    if problem:
        raise OutputRefused(problem)


def check_writable(paths: Sequence[Path], force: bool) -> None:
    """Fail before any work is done if an output may not be written.

    Raises:
        OutputRefused: a target is a device, FIFO, socket, folder or link, is
            under a kernel file system, or its folder cannot be written.
        OutputExists: regular files exist and ``force`` is not set.
    """
    problems = [p for p in map(target_problem, paths) if p]
    if problems:
        raise OutputRefused(problems[0])
    existing = [p for p in paths if os.path.lexists(p)]
    if existing and not force:
        raise OutputExists(existing)


def _mkdirs(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; return those created, deepest first."""
    missing = []
    probe = folder
    while not os.path.lexists(probe) and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            pass
        except OSError as exc:
            raise TtxError(f"cannot create folder {d}: {exc.strerror or exc}") from None
    return missing


def clean_stale(folder: Path) -> list[Path]:
    """Remove temporaries (``*.ttx-tmp``) a killed ttx process left in ``folder``.

    Only call this while holding the folder's lock: another command's
    temporaries are then not in flight.
    """
    removed = []
    for p in folder.glob(f".*{TMP_SUFFIX}"):
        try:
            if stat.S_ISREG(os.lstat(p).st_mode):
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


class OutputLock:
    """Exclusive use of an output folder by one ttx command, for a ``with`` block.

    Entering creates the folder (and remembers what it created, to remove it
    again if the block fails before writing anything), takes a non-blocking
    ``flock`` on ``FOLDER/.ttx.lock`` and removes stale temporaries. The lock
    file is deleted on exit; the kernel drops the lock if the process dies.
    """

    def __init__(self, folder: Path, name: str = LOCK_NAME) -> None:
        self.folder = Path(folder)
        self.path = self.folder / name
        self._fd: int | None = None
        self._created: list[Path] = []

    def __enter__(self) -> OutputLock:
        self._created = _mkdirs(self.folder)
        try:
            self._fd = _lock(self.path)
        except BaseException:
            self._remove_created()
            raise
        clean_stale(self.folder)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            # Unlink while still holding the lock: a waiting opener then finds
            # the inode gone and retries (see ``_lock``).
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None
        if exc is not None:
            self._remove_created()

    def _remove_created(self) -> None:
        for d in self._created:
            try:
                d.rmdir()  # only if still empty: never removes anything written
            except OSError:
                break


def _lock(path: Path) -> int:
    """Open and ``flock`` ``path``; the returned descriptor holds the lock."""
    for _ in range(100):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            raise TtxError(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputBusy(
                    f"another ttx command is writing to {path.parent} (it holds {path}); "
                    "wait for it to finish"
                ) from None
            raise TtxError(f"cannot lock {path}: {exc.strerror or exc}") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder unlinked it as we opened it: take the new one
    raise OutputBusy(f"could not lock {path}")  # pragma: no cover - needs a lock storm


def _temporary(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path``, with the permissions any new file gets."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise WriteFailed(path, exc.strerror or str(exc)) from None
    # mkstemp creates the file 0600; a report is for the whole room, so give
    # it the permissions any new file gets (0666 less the umask).
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
    return fd, Path(tmp)


def scratch_file(folder: Path, name: str) -> int:
    """A new scratch file in ``folder``, open for reading and writing, already unlinked.

    For data a command keeps only while it runs (per-replication values of a
    large run, :mod:`sim.runs.spill`): named like the folder's other
    temporaries (``.NAME.XXXXXXXX.ttx-tmp``) for the instant between creation
    and unlink, so even a kill then leaves only what :func:`clean_stale`
    removes; after that no exit can leave it behind, and its space is freed
    when the returned descriptor is closed.

    Raises:
        OSError: The file cannot be created (the caller words it).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TMP_SUFFIX, dir=folder)
    try:
        os.unlink(tmp)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return fd


def write_temporary(path: Path, write: Callable[[int], None]) -> Path:
    """Create a temporary beside ``path``, let ``write(fd)`` fill it, sync it; return its path.

    On any failure the temporary is removed; an ``OSError`` (a full disk, a
    read-only folder) becomes :class:`WriteFailed`, one line.
    """
    fd, tmp = _temporary(path)
    try:
        try:
            write(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(path, exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Transaction:
    """Files staged as temporaries and renamed into place together by :meth:`commit`.

    Use it in a ``with`` block: leaving the block without committing (an
    error, Ctrl-C) removes every temporary, so nothing was written.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []
        self.written: list[Path] = []
        self.created: list[Path] = []

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()

    def stage(self, path: Path, text: str | bytes | Iterable[str]) -> None:
        """Write ``text`` to a temporary beside ``path`` (creating its folder).

        ``text`` may come in pieces (an iterable of strings), written as they
        come, so a large report is never held whole.
        """
        self.created[:0] = _mkdirs(path.parent)
        if isinstance(text, str | bytes):
            data = text.encode("utf-8") if isinstance(text, str) else text
            self.staged.append((path, write_temporary(path, lambda fd: _write_all(fd, data))))
            return

        def write(fd: int) -> None:
            for piece in text:
                _write_all(fd, piece.encode("utf-8"))

        self.staged.append((path, write_temporary(path, write)))

    def discard(self) -> None:
        """Remove the temporaries not yet renamed, and the folders made for them if empty."""
        for _, tmp in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged = []
        for d in self.created:
            with contextlib.suppress(OSError):
                d.rmdir()  # only if empty: a folder holding a written file stays
        self.created = []

    def commit(self) -> list[Path]:
        """Rename every staged file into place, in order; return the paths written.

        Raises:
            InterruptedWrite: Ctrl-C between two renames, naming what is in place.
            TtxError: a rename failed (the folder became unwritable), naming
                what was written before it.
        """
        while self.staged:
            path, tmp = self.staged[0]
            try:
                os.replace(tmp, path)
            except KeyboardInterrupt:
                left = [p for p, _ in self.staged]
                self.discard()
                raise InterruptedWrite(self.written, left) from None
            except OSError as exc:
                done = ", ".join(map(str, self.written)) or "nothing"
                self.discard()
                raise TtxError(
                    f"cannot write {path}: {exc.strerror or exc} (written: {done})"
                ) from None
            self.staged.pop(0)
            self.written.append(path)
        return self.written


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write one file via a temporary beside it and an atomic rename."""
    with Transaction() as t:
        t.stage(path, text)
        t.commit()


def write_outputs(outputs: Iterable[tuple[Path, Callable[[], str | Iterable[str]]]]) -> list[Path]:
    """Render every output to a temporary, then rename them all into place.

    A renderer that fails (a bug, or a missing optional dependency) costs
    only its own file: the others are still written, and a file of the same
    name from an earlier run is left as it was. Ctrl-C before the renames
    leaves nothing; during them, :class:`InterruptedWrite` names what was
    written.

    Raises:
        RenderFailed: naming each file that could not be written, after all
            the others were.
    """
    failed: list[str] = []
    with Transaction() as t:
        for path, render in outputs:
            try:
                t.stage(path, render())  # a renderer in pieces runs while it is written
            except WriteFailed:
                raise
            except Exception as exc:  # one broken format must not cost the others
                failed.append(f"{path}: {type(exc).__name__}: {exc}")
        written = t.commit()
    if failed:
        done = ", ".join(str(p) for p in written) or "nothing"
        raise RenderFailed(
            "could not write " + "; ".join(failed) + f" (written: {done}; any earlier "
            "file of a failed format was left unchanged)"
        )
    return written
