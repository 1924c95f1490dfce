"""Allow ``python -m sim`` as an alias of the ``ttx`` command."""

from sim.cli import main

if __name__ == "__main__":
    main()
