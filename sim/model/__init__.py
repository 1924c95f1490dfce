"""The simulation model: one replication of one scenario under one policy.

Owns the compiled plan (a scenario and policy resolved into flat tables),
the pure state-update functions, the thin SimPy processes that call them
and the named random streams that give common random numbers. It may
import :mod:`sim.scenario` and :mod:`sim.errors`; it knows nothing of
replications, reports or terminals.
"""
