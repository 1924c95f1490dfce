"""ttx: a scenario-based tabletop exercise simulator.

A scenario (YAML, validated by :mod:`sim.scenario.models`) drives a SimPy
discrete-event model (:mod:`sim.model.engine`) whose state updates are the pure
functions of :mod:`sim.model.dynamics`. :mod:`sim.runs.runner` replicates it and
aggregates results; :mod:`sim.report` renders them.

The numbers in shipped scenarios are illustrative training parameters, not
forecasts or intelligence estimates.
"""

__version__ = "0.1.0"
