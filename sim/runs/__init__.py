"""Many replications: running, aggregating, checkpointing and the report contract.

Owns the runner, the executors (serial, process pool, Dask), streaming
aggregation of replications into a run report, checkpoints for resuming,
sweeps over policies, running recorded policy files, and the report JSON
contract (how a report is encoded, versioned and read back). It may import
:mod:`sim.model`, :mod:`sim.scenario` and :mod:`sim.errors`, never analysis
or presentation.
"""
