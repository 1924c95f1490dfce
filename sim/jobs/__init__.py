"""What each command does, as library functions.

One function per file-in, file-out use case of ``ttx run``, ``ttx sweep``,
``ttx compare`` and ``ttx report``: load the inputs, resolve defaults, check
the outputs may be written *before* any work, run, and write the reports.
The CLI only parses options, calls one of these and prints what it returns,
so a script or notebook gets exactly the files the command would write.

Errors are typed and carry facts (which files exist, which replication
failed with which seeds); wording them in terms of command-line flags is the
CLI's job. Progress and warnings go through callbacks the caller supplies.

This package may import :mod:`sim.report` and every layer below it
(analysis, runs, model, scenario, stats, errors), never :mod:`sim.play`,
:mod:`sim.authoring` or :mod:`sim.cli`, which sit above it. The modules
import the runner (numpy, SimPy) at import time, so the CLI imports them
inside the commands that run, never at start-up.
"""
