"""ttx: a scenario-based tabletop exercise simulator.

A scenario (YAML, validated by :mod:`sim.scenario.models`) drives a SimPy
discrete-event model (:mod:`sim.model.engine`) whose state updates are the pure
functions of :mod:`sim.model.dynamics`. :mod:`sim.runs.runner` replicates it and
aggregates results; :mod:`sim.report` renders them.

The names in ``__all__`` are the public API::

    import sim

    scenario = sim.load_scenario("scenarios/iraq_training_mission.yaml")
    report = sim.run(sim.RunSpec.of(scenario, replications=50, seed=7))

They are imported on first use (PEP 562), so ``import sim`` — which every
``ttx`` command does — costs nothing and the light commands stay fast.

The numbers in shipped scenarios are illustrative training parameters, not
forecasts or intelligence estimates.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.analysis.compare import CompareError, compare
    from sim.errors import InputError, Problem, TtxError
    from sim.model.engine import ReplicationResult
    from sim.runs.checkpoint import CheckpointError
    from sim.runs.executors import (
        DaskExecutor,
        Executor,
        ExecutorError,
        ProcessExecutor,
        SerialExecutor,
    )
    from sim.runs.reportfile import OutputExists, ReportError, load_report
    from sim.runs.runner import ReplicationFailed, RunFailed, RunReport, replicate, run
    from sim.runs.spec import RunSpec, UnknownPolicy
    from sim.runs.sweep import sweep
    from sim.scenario.loader import load_policy_file, load_scenario, scenario_hash
    from sim.scenario.models import Policy, PolicyFile, Scenario
    from sim.version import __version__

#: Public name -> the module that defines it.
_WHERE = {
    # loading
    "load_scenario": "sim.scenario.loader",
    "load_policy_file": "sim.scenario.loader",
    "scenario_hash": "sim.scenario.loader",
    "load_report": "sim.runs.reportfile",
    # running and comparing
    "RunSpec": "sim.runs.spec",
    "run": "sim.runs.runner",
    "replicate": "sim.runs.runner",
    "sweep": "sim.runs.sweep",
    "compare": "sim.analysis.compare",
    # where replications run
    "Executor": "sim.runs.executors",
    "SerialExecutor": "sim.runs.executors",
    "ProcessExecutor": "sim.runs.executors",
    "DaskExecutor": "sim.runs.executors",
    # models and results
    "Scenario": "sim.scenario.models",
    "Policy": "sim.scenario.models",
    "PolicyFile": "sim.scenario.models",
    "RunReport": "sim.runs.runner",
    "ReplicationResult": "sim.model.engine",
    # errors
    "TtxError": "sim.errors",
    "InputError": "sim.errors",
    "Problem": "sim.errors",
    "UnknownPolicy": "sim.runs.spec",
    "RunFailed": "sim.runs.runner",
    "ReplicationFailed": "sim.runs.runner",
    "CheckpointError": "sim.runs.checkpoint",
    "ExecutorError": "sim.runs.executors",
    "OutputExists": "sim.runs.reportfile",
    "ReportError": "sim.runs.reportfile",
    "CompareError": "sim.analysis.compare",
    "__version__": "sim.version",
}

__all__ = [
    "CheckpointError",
    "CompareError",
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "InputError",
    "OutputExists",
    "Policy",
    "PolicyFile",
    "Problem",
    "ProcessExecutor",
    "ReplicationFailed",
    "ReplicationResult",
    "ReportError",
    "RunFailed",
    "RunReport",
    "RunSpec",
    "Scenario",
    "SerialExecutor",
    "TtxError",
    "UnknownPolicy",
    "__version__",
    "compare",
    "load_policy_file",
    "load_report",
    "load_scenario",
    "replicate",
    "run",
    "scenario_hash",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (then it is a plain attribute)."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    value = getattr(import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
