"""The ``ttx run`` command line that reproduces a run, for every report format.

The scenario path is the one the user typed, relative to where the command
was run (recorded in ``meta.scenario_file``), so the line can be pasted from
that same directory; a report from before that was recorded falls back to
``<scenario id>.yaml``.
"""

from __future__ import annotations

import shlex

from sim.runs.contract import RunMeta, RunResults


def reproduce_command(results: RunResults, meta: RunMeta) -> str:
    """``ttx run SCENARIO --policy ... --seed ... --replications ...`` for this run."""
    scenario = meta.get("scenario_file") or f"{results['scenario']['id']}.yaml"
    policy = results["policy"]
    ids = list(policy.get("cells", {}).values()) or [policy["id"]]
    parts = ["ttx", "run", scenario]
    for pid in ids:
        parts += ["--policy", pid]
    parts += ["--seed", str(results["seed"]), "--replications", str(results["replications"])]
    indices = results.get("replication_indices")
    if indices and len(indices) == 1:
        parts += ["--replication", str(indices[0])]
    return shlex.join(parts)
