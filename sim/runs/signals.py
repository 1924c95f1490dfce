"""Interrupts and termination: one line and a clean exit, never a traceback or an orphan.

Ctrl-C reaches every process of the terminal's foreground group: ``ttx``
itself, and the forkserver, pool workers and Dask processes it started. Only
``ttx`` should act on it; a child that raises ``KeyboardInterrupt`` prints a
traceback of its own (the forkserver during its preload, a worker inside a
chunk). So children are started with SIGINT *blocked* (the mask is inherited
through fork and exec, and nothing in a child unblocks it), and pool workers
also ignore it (:func:`quiet_worker`), in case their forkserver was started
elsewhere. ``ttx`` then stops its workers itself when it unwinds.

SIGTERM (``kill``, a CI timeout) would end ``ttx`` at once, leaving its
workers re-parented and alive, holding open the pipes of a ``| tee``. Under
:func:`install` it raises :class:`Terminated` instead, so the same unwinding
stops the workers; a worker whose forkserver has gone is killed by the kernel
(``PR_SET_PDEATHSIG``) even if ``ttx`` was killed outright.

Readiness points let tests signal at a known moment rather than after a
fixed sleep: with ``TTX_READY_FILE`` set, :func:`ready` appends each point's
name to that file; with ``TTX_READY_HOLD`` naming a point, the process also
waits there (bounded) for the signal.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: Exit codes of the shell convention: 128 + the signal number.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM
READY_FILE, READY_HOLD = "TTX_READY_FILE", "TTX_READY_HOLD"
#: How long a held readiness point waits for its signal (a test that forgot to send one).
HOLD_SECONDS = 120.0


class Terminated(BaseException):
    """SIGTERM arrived; raised in the main thread so that ``with`` blocks unwind.

    A :class:`BaseException`, like :class:`KeyboardInterrupt`, so that no
    ``except Exception`` swallows it.
    """


_state = {"stopping": False, "abandoned": False}


def _stop(signum: int, frame: FrameType | None) -> None:
    """The first SIGINT or SIGTERM unwinds; later ones are ignored while it does."""
    if _state["stopping"]:
        return
    _state["stopping"] = True
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT and SIGTERM through :func:`_stop` (the command line's, once, at start)."""
    _state["stopping"] = False
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


def stopping() -> bool:
    """Whether a signal has started unwinding this process."""
    return _state["stopping"]


def abandon() -> None:
    """Note that a stuck thread was left behind: this process should end with ``os._exit``."""
    _state["abandoned"] = True


def abandoned() -> bool:
    """Whether :func:`abandon` was called: a normal exit would wait for a stuck thread."""
    return _state["abandoned"]


def leave(code: int) -> None:
    """Exit with ``code``: at once (no exit handlers) if a stuck thread was abandoned."""
    if abandoned():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


@contextmanager
def children_deaf() -> Iterator[None]:
    """Start child processes inside this block: they inherit SIGINT blocked.

    A SIGINT that arrives meanwhile waits, and is delivered to this process
    when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Linux
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def quiet_worker() -> None:
    """Pool worker initializer: ignore Ctrl-C (the parent decides), die with the forkserver."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl here
            return
        if os.getppid() == 1:  # pragma: no cover - the parent went before prctl took hold
            os._exit(1)


def ready(point: str) -> None:
    """Mark a readiness point for a test (see the module docstring); free when unset."""
    path = os.environ.get(READY_FILE)
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{point}\n".encode())
    finally:
        os.close(fd)
    if os.environ.get(READY_HOLD) == point:
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.01)
