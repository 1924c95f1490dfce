"""The ttx version, read once from the installed package's metadata.

pyproject.toml is the one place the version is written; reading it back from
the metadata keeps ``ttx --version``, ``sim.__version__`` and the
``ttx_version`` recorded in every report's ``meta`` in step with it. A source
tree used without installing has no metadata, so it says so instead of
guessing a number.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: Shown when ttx runs from a source tree that was never installed.
UNKNOWN = "0+unknown"


def _read() -> str:
    try:
        return version("ttx")
    except PackageNotFoundError:
        return UNKNOWN


__version__ = _read()
