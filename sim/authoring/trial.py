"""The trial run behind ``ttx validate --strict``: what each replication shows the checks.

Static lints cannot tell whether an exercise is informative with the
scenario's numbers; a short run can. A trial runs *arms* - each scenario
policy, and the default policy with one decision forced to each option - on
the same replication seeds as ``ttx run --seed`` (so arms are paired by
common random numbers), in chunks on the runner's executors (so it uses
every core). Each replication comes back as a small :class:`Trace`: objective
outcomes, final regional stability, which injects fired and which decisions
were taken, and the range of each side of every comparison in every
objective over the objective's window.

The sides are measured by extra objectives added to the compiled plan: a
``by`` objective whose condition records its operands and never holds is
asked every month of its window, at the moment real objectives are, after
that month's injects. Nothing in the engine knows about it.

Heavy modules (numpy, SimPy, the runner) are imported only when a trial
runs: ``ttx validate`` without ``--strict`` must start fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sim.scenario import condition_nodes as cn
from sim.scenario.models import Objective, Scenario
from sim.scenario.policies import Policy

if TYPE_CHECKING:
    from sim.runs.executors import Executor

T = TypeVar("T")

TRIAL_REPLICATIONS = 40
TRIAL_SEED = 12345

#: Per measured side: its lowest and highest value over the window, and its last value.
Window = tuple[float, float, float]


# --------------------------------------------------------------------------- what is measured


@dataclass(frozen=True)
class Comparison:
    """One comparison in an objective's condition, and whether a ``not`` turns it around."""

    node: cn.Compare
    negated: bool

    @property
    def sides(self) -> tuple[cn.Node, ...]:
        """The operands worth measuring: not literals, and no comparison inside."""
        return tuple(o for o in self.node.operands if not fixed(o) and _numeric(o))

    @property
    def simple(self) -> bool:
        """True when every operand is a number or a literal (no nested comparison)."""
        return all(_numeric(o) for o in self.node.operands)


def fixed(node: cn.Node) -> bool:
    """True for an operand that reads no model variable (``0.5``, ``-1``, ``2 * 0.3``)."""
    return next(node.leaves(), None) is None


def _numeric(node: cn.Node) -> bool:
    return not isinstance(node, cn.Compare | cn.And | cn.Or | cn.Not) and all(
        _numeric(c) for c in node.children()
    )


class _Comparisons(cn.Visitor[list[Comparison]]):
    """The comparisons of a condition, left to right, each marked if under an odd ``not``."""

    def __init__(self, negated: bool = False) -> None:
        self.negated = negated

    def other(self, node: cn.Node) -> list[Comparison]:
        return [c for child in node.children() for c in child.accept(self)]

    def compare(self, node: cn.Compare) -> list[Comparison]:
        return [Comparison(node, self.negated)]

    def not_(self, node: cn.Not) -> list[Comparison]:
        return node.arg.accept(_Comparisons(not self.negated))


def comparisons(root: cn.Node) -> list[Comparison]:
    """Every comparison in a compiled condition (``a.trust > 0.5``, ``0.2 < x <= 0.6``)."""
    return root.accept(_Comparisons())


def window_end(objective: Objective, horizon: int) -> int:
    """The last month an objective looks at: its ``month`` for by/throughout, else the horizon."""
    if objective.check == "end" or objective.month is None:
        return horizon
    return min(objective.month, horizon)


class _Probe(cn.Node):
    """A condition that records its operands' values each time it is asked and never holds."""

    __slots__ = ("rows", "sides")

    def __init__(self, sides: tuple[cn.Node, ...]) -> None:
        self.sides = sides
        self.rows: list[tuple[float, ...]] = []

    def __call__(self, v: cn.View) -> Any:
        self.rows.append(tuple(float(side(v)) for side in self.sides))
        return False

    def accept(self, visitor: cn.Visitor[T]) -> T:  # pragma: no cover - nothing visits a probe
        return visitor.other(self)

    def windows(self) -> tuple[Window, ...]:
        return tuple((min(col), max(col), col[-1]) for col in zip(*self.rows, strict=True))


# --------------------------------------------------------------------------- arms and traces


@dataclass(frozen=True)
class Arm:
    """One way the trial runs the scenario: a policy, maybe with one decision's answer forced."""

    policy: Policy
    forced: tuple[str, str] | None = None  # (inject id, option id)

    def forcing(self, inject: str, option: str) -> Arm:
        """This arm's policy with the decision at ``inject`` answered ``option``."""
        decisions = {**self.policy.decisions, inject: option}
        return Arm(self.policy.model_copy(update={"decisions": decisions}), (inject, option))


@dataclass(frozen=True)
class Trace:
    """What the checks need of one replication: a few numbers, cheap to send between processes.

    Attributes:
        index: The replication index (its seed derives from the run seed and it).
        objectives: Outcome of each objective, in scenario order.
        stability: The KPI ``final_stability`` (regional mean at the horizon).
        fired: Ids of the injects that fired.
        decided: Ids of the injects whose decision was taken.
        sides: Per objective, per measured side (see :func:`measured_sides`),
            its :data:`Window` over the objective's window.
    """

    index: int
    objectives: tuple[bool, ...]
    stability: float
    fired: frozenset[str]
    decided: frozenset[str]
    sides: tuple[tuple[Window, ...], ...]


def measured_sides(root: cn.Node) -> tuple[cn.Node, ...]:
    """The sides a trial measures for one condition, in the order of :attr:`Trace.sides`."""
    return tuple(side for c in comparisons(root) for side in c.sides)


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    arm: int
    policy: Policy
    seed: int
    indices: range


def _trial_chunk(task: _Task) -> tuple[int, list[Trace]]:
    """Run one chunk of one arm (in a worker): the plan plus probes, then each replication."""
    from sim.model.engine import simulate
    from sim.model.plan import ObjectivePlan, compile_plan
    from sim.model.streams import replication_seed
    from sim.scenario.conditions import Expr

    plan = compile_plan(task.scenario, task.policy)
    real = len(plan.objectives)
    probes = [_Probe(measured_sides(o.condition.root)) for o in plan.objectives]
    extra = tuple(
        ObjectivePlan(f"probe:{j}", Expr("", probe, frozenset()), "by", window_end(o, plan.horizon))
        for j, (o, probe) in enumerate(zip(task.scenario.objectives, probes, strict=True))
    )
    plan = dataclasses.replace(plan, objectives=plan.objectives + extra)
    traces = []
    for k in task.indices:
        for probe in probes:
            probe.rows.clear()
        result = simulate(plan, replication_seed(task.seed, k))
        traces.append(
            Trace(
                index=k,
                objectives=tuple(result.objectives[o.id] for o in plan.objectives[:real]),
                stability=result.kpis["final_stability"],
                fired=frozenset(e.source for e in result.log if e.kind == "inject"),
                decided=frozenset(inject for inject, _option, _month in result.decisions),
                sides=tuple(p.windows() if p.sides else () for p in probes),
            )
        )
    return task.arm, traces


def run_trial(
    scenario: Scenario,
    arms: Sequence[Arm],
    replications: int = TRIAL_REPLICATIONS,
    seed: int = TRIAL_SEED,
    executor: Executor | None = None,
) -> list[list[Trace]]:
    """Replications ``0..replications-1`` of every arm, paired on the same seeds.

    Args:
        scenario: The validated scenario.
        arms: What to run; the result has one list of traces per arm, by index.
        replications: Replications per arm.
        seed: The run seed (replication ``k`` gets the seed ``ttx run`` gives it).
        executor: Where the chunks run (the caller's to close); default: a
            process pool when the work is big enough to pay for one
            (:func:`sim.runs.executors.auto_workers`), else this process.

    Raises:
        WorkTooLarge: The trial is above its work budget
            (:func:`sim.runs.budget.check_trial`); nothing ran.
    """
    from sim.model.plan import compile_plan
    from sim.runs import budget
    from sim.runs.executors import ProcessExecutor, SerialExecutor, auto_workers
    from sim.runs.runner import chunks_of, default_chunk_size

    # Before any worker starts: a check must not run for hours.
    budget.check_trial(
        [budget.estimate(compile_plan(scenario, arm.policy)) for arm in arms], replications
    )
    chunks = chunks_of(range(replications), default_chunk_size(replications))
    tasks = [
        _Task(scenario, a, arm.policy, seed, indices)
        for a, arm in enumerate(arms)
        for indices in chunks
    ]
    own = executor is None
    if executor is None:
        workers = auto_workers(replications * len(arms), scenario.horizon)
        executor = ProcessExecutor(workers) if workers > 1 else SerialExecutor()
    out: list[list[Trace]] = [[] for _ in arms]
    try:
        for _position, (a, traces) in executor.map(_trial_chunk, tasks):
            out[a] += traces
    except BaseException:  # Ctrl-C included: stop the workers rather than wait for them
        if own:
            executor.terminate()
        raise
    if own:
        executor.close()
    for traces in out:
        traces.sort(key=lambda t: t.index)
    return out
