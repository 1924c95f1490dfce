"""Waiting in tests for something another process does.

A fixed sleep before acting is either too short on a loaded machine (the
test fails for no reason) or too long everywhere else (the suite crawls).
Tests instead poll for a readiness signal - a file appearing, a line of
output, text on a terminal - a bounded number of times, and fail with a
message saying what never happened.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], T], what: str, *, tries: int = 600, pause: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    Raises:
        AssertionError: naming ``what`` after ``tries`` polls ``pause`` seconds apart.
    """
    for _ in range(tries):
        value = condition()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"gave up waiting for {what} after {tries} tries {pause} s apart")


class Terminal:
    """The parent's end of a pseudo-terminal a child writes to: all text read so far."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = ""
        self.closed = False

    def read(self, timeout: float = 0.05) -> str:
        """Read what is available within ``timeout`` seconds; return all text so far."""
        if not self.closed and select.select([self.fd], [], [], timeout)[0]:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: every process holding the terminal has closed it
                data = b""
            self.closed = not data
            self.text += data.decode("utf-8", errors="replace")
        return self.text

    def wait_for(self, needle: str, *, tries: int = 600) -> str:
        """All text so far, once ``needle`` is in it (each try waits up to 0.05 s for output)."""
        wait_for(lambda: needle in self.read(), repr(needle), tries=tries, pause=0)
        return self.text

    def read_to_end(self, *, tries: int = 1200) -> str:
        """All text, once every process holding the terminal has closed it."""
        wait_for(self._closed_after_reading, "the terminal to close", tries=tries, pause=0)
        return self.text

    def _closed_after_reading(self) -> bool:
        self.read()
        return self.closed
