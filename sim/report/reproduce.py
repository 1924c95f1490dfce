"""The ``ttx run`` command line that reproduces a run, for every report format.

The scenario path is the one the user typed, relative to where the command
was run (recorded in ``meta.scenario_file``), so the line can be pasted from
that same directory; a report from before that was recorded falls back to
``<scenario id>.yaml``. A policy that came from a policy file is replayed
with ``--policy-file`` and the path as typed (``meta.policy_files``): its id
is not a policy of the scenario, so ``--policy ID`` would not run.
"""

from __future__ import annotations

import shlex

from sim.runs.contract import RunMeta, RunResults


def reproduce_command(results: RunResults, meta: RunMeta) -> str:
    """``ttx run SCENARIO --policy ... --seed ... --replications ...`` for this run."""
    scenario = meta.get("scenario_file") or f"{results['scenario']['id']}.yaml"
    policy = results["policy"]
    ids = list(policy.get("cells", {}).values()) or [policy["id"]]
    files = meta.get("policy_files", {})
    from_files = set(files.values())
    parts = ["ttx", "run", scenario]
    for pid in ids:
        if pid not in from_files:
            parts += ["--policy", pid]
    for path in files:
        parts += ["--policy-file", path]
    parts += ["--seed", str(results["seed"]), "--replications", str(results["replications"])]
    indices = results.get("replication_indices")
    if indices and len(indices) == 1:
        parts += ["--replication", str(indices[0])]
    return shlex.join(parts)
