"""The ``ttx`` console script's entry point, and ``python -m sim`` as its alias.

Importing the command line takes a moment (typer, rich, pydantic); a Ctrl-C
in that moment must end ``ttx`` with one line, like a Ctrl-C at any later
moment, so the import happens inside :func:`main` under the same guard.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Import the command line and run it; Ctrl-C while importing exits 130 quietly."""
    try:
        from sim.runs import signals

        signals.ready("start")
        from sim.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
