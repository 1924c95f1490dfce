"""The scenario library is informative: every shipped scenario passes the strict checks.

For each scenario one paired trial run (:mod:`sim.authoring.informative`)
answers everything: enough decisions, a conditional inject that fires and
matters, no decision with a dominant option, chance that matters under
every policy, and no objective met always or never. A failure lists every
check the scenario misses, with its numbers, so a recalibration knows what
to move.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.authoring import informative
from sim.runs.executors import Executor, ProcessExecutor, cpu_count
from sim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
REPLICATIONS = 60
MIN_DECISIONS = 3


@pytest.fixture(scope="module")
def executor() -> Iterator[Executor]:
    with ProcessExecutor(cpu_count()) as ex:
        yield ex


def _conditional_that_matters(trial: informative.Trial, flagged: set[str]) -> list[str]:
    """``when:`` injects that fire in the trial and carry effects or an unflagged decision."""
    return [
        inj.id
        for inj in trial.scenario.injects
        if inj.when is not None
        and trial.fired(inj.id) > 0
        and (inj.effects or (inj.decision is not None and inj.id not in flagged))
    ]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_is_informative(path: Path, executor: Executor) -> None:
    scenario = load_scenario(path)
    trial = informative.run(scenario, replications=REPLICATIONS, executor=executor)
    findings = trial.findings()
    misses = [f"{f.check}: {f.message}" for f in findings]
    decisions = [i.id for i in scenario.injects if i.decision is not None]
    if len(decisions) < MIN_DECISIONS:
        misses.append(f"decisions: {len(decisions)} ({', '.join(decisions) or 'none'})")
    flagged = {scenario.injects[int(f.loc[1])].id for f in findings if f.check == "dominant"}
    if not _conditional_that_matters(trial, flagged):
        fired = {i.id: trial.fired(i.id) for i in scenario.injects if i.when is not None}
        total = REPLICATIONS * len(scenario.policies)
        misses.append(
            "no conditional inject fires with effects or a decision that matters "
            f"(fired in {total} runs: {fired or 'no when: injects'})"
        )
    assert not misses, f"{path.name} is not informative:\n" + "\n".join(misses)
