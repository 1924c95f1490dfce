"""Is the exercise informative? The checks of ``ttx validate --strict``.

An exercise teaches only if choices matter and chance matters. A trial run
(:mod:`sim.authoring.trial`) shows three ways a scenario that validates can
still teach nothing:

1. **Always or never met**: an objective met in every replication of every
   policy, or in none, cannot tell policies apart. The warning shows how far
   off the objective's numbers were (the range of each side of each
   comparison over the trial runs), so the author knows which number to move.
   **Settled by the policy**: an objective met in every run of some
   policies and in none of the others separates policies but never depends
   on chance - the exercise's outcome is fixed once the policy is chosen.
2. **Dominant option**: at a decision, one option at least as good as every
   other on every objective (success probabilities under the default
   policy, paired on the same seeds) leaves the players no trade-off. A
   replication in which the decision's inject did not fire counts as a tie.
3. **Too little variation**: when final regional stability barely varies
   across replications of a policy (coefficient of variation below
   :data:`MIN_CV`), chance plays no part and every run tells the same story.

:func:`check` returns :class:`Finding` objects; :func:`lint_findings` is the
hook of :func:`sim.authoring.lint.lint`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.authoring.trial import (
    TRIAL_REPLICATIONS,
    TRIAL_SEED,
    Arm,
    Comparison,
    Trace,
    comparisons,
    fixed,
    run_trial,
    window_end,
)
from sim.scenario import condition_nodes as cn
from sim.scenario.conditions import compile_condition
from sim.scenario.models import Inject, Objective, Scenario
from sim.scenario.references import symbols_of
from sim.scenario.source import Loc

if TYPE_CHECKING:
    from sim.runs.executors import Executor

__all__ = ["MIN_CV", "Finding", "Trial", "check", "lint_findings", "run"]

#: Below this coefficient of variation of final regional stability, chance plays no part.
MIN_CV = 0.03

_SIGNS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}
_FLIPPED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


@dataclass(frozen=True)
class Finding:
    """One warning of the strict checks.

    Attributes:
        check: ``always_met``, ``never_met``, ``settled``, ``dominant`` or ``low_variation``.
        loc: Field path of the objective, decision option or policy it is about.
        message: The warning in plain words, with the numbers behind it.
    """

    check: str
    loc: Loc
    message: str


# --------------------------------------------------------------------------- words


class _Text(cn.Visitor[str]):
    """A side of a comparison as the author wrote it, incident counts in words."""

    def __init__(self, scenario: Scenario) -> None:
        self.symbols = symbols_of(scenario)

    def other(self, node: cn.Node) -> str:  # pragma: no cover - comparisons are not sides
        return "?"

    def leaf(self, node: cn.Leaf) -> str:
        return node.text(self.symbols)

    def incidents(self, node: cn.Incidents) -> str:
        return "incidents" if node.kind == "total" else f"{node.kind} incidents"

    def const(self, node: cn.Const) -> str:
        return f"{float(node.value):g}"

    def abs(self, node: cn.Abs) -> str:
        return f"abs({self.side(node.arg)})"

    def neg(self, node: cn.Neg) -> str:
        return f"-{node.arg.accept(self)}"

    def binop(self, node: cn.BinOp) -> str:
        return f"({node.left.accept(self)} {_OPS[node.op]} {node.right.accept(self)})"

    def compare(self, node: cn.Compare) -> str:
        parts = [self.side(node.operands[0])]
        for op, operand in zip(node.ops, node.operands[1:], strict=True):
            parts += [_SIGNS[op], self.side(operand)]
        return " ".join(parts)

    def side(self, node: cn.Node) -> str:
        text = node.accept(self)
        return text[1:-1] if isinstance(node, cn.BinOp) else text


def _num(x: float) -> str:
    return str(round(x)) if abs(x - round(x)) < 1e-9 else f"{x:.2f}"


def _percent(p: float) -> str:
    return f"{100 * p:.0f}%"


def _runs(policies: int, replications: int) -> str:
    return f"{policies} {'policy' if policies == 1 else 'policies'} × {replications} runs"


# --------------------------------------------------------------------------- the trial


@dataclass
class Trial:
    """A trial run's traces: every policy, and the default policy with each decision forced.

    Attributes:
        scenario: The scenario tried.
        replications: Replications per arm (paired: the same seeds in every arm).
        seed: The run seed.
        policies: Traces per scenario policy, in file order.
        default: Index of the default policy in ``policies``.
        options: (inject id, option id) -> traces of the default policy with
            that answer (its own answer's are its own traces).
    """

    scenario: Scenario
    replications: int
    seed: int
    policies: list[list[Trace]]
    default: int
    options: dict[tuple[str, str], list[Trace]]

    def findings(self, min_cv: float = MIN_CV) -> list[Finding]:
        """Every warning: always/never met objectives, dominant options, low variation."""
        return [
            *self.always_or_never(),
            *self.settled(),
            *self.dominant(),
            *self.low_variation(min_cv),
        ]

    # -- measures --------------------------------------------------------------
    def success(self, traces: Sequence[Trace]) -> list[float]:
        """Share of ``traces`` meeting each objective, in scenario order."""
        n = len(traces)
        return [sum(t.objectives[j] for t in traces) / n for j in range(len(self.objectives))]

    def variation(self) -> list[float]:
        """Coefficient of variation of final regional stability, per policy."""
        return [_cv([t.stability for t in traces]) for traces in self.policies]

    def fired(self, inject: str) -> int:
        """In how many replications (of all policies together) ``inject`` fired."""
        return sum(inject in t.fired for traces in self.policies for t in traces)

    def option_success(self, inject: Inject) -> dict[str, list[float]]:
        """Option id -> success per objective at ``inject``'s decision, untaken ones as ties."""
        base = self.policies[self.default]
        out = {}
        assert inject.decision is not None
        for option in inject.decision.options:
            traces = self.options[(inject.id, option.id)]
            tied = [t if inject.id in b.decided else b for t, b in zip(traces, base, strict=True)]
            out[option.id] = self.success(tied)
        return out

    @property
    def objectives(self) -> list[Objective]:
        return self.scenario.objectives

    # -- check 1 ---------------------------------------------------------------
    def always_or_never(self) -> Iterator[Finding]:
        """Objectives met in every replication of every policy, or in none."""
        traces = [t for arm in self.policies for t in arm]
        runs = _runs(len(self.policies), self.replications)
        for j, objective in enumerate(self.objectives):
            met = sum(t.objectives[j] for t in traces)
            if 0 < met < len(traces):
                continue
            what, check = ("always", "always_met") if met else ("never", "never_met")
            evidence = self.evidence(j, traces)
            yield Finding(
                check,
                ("objectives", j, "condition"),
                f"objective '{objective.id}' {what} met in {runs} — {evidence}; "
                "it cannot tell policies apart",
            )

    def settled(self) -> Iterator[Finding]:
        """Objectives met in all runs or in none under *each* policy, not under all alike.

        Such an objective tells policies apart but luck never moves it: once the
        policy is chosen its outcome is known, which leaves a debrief nothing to
        say about judgement versus luck.
        """
        rates = [self.success(traces) for traces in self.policies]
        for j, objective in enumerate(self.objectives):
            per_policy = [r[j] for r in rates]
            if not all(x in (0.0, 1.0) for x in per_policy) or len(set(per_policy)) < 2:
                continue  # chance matters somewhere, or always/never met (reported above)
            shares = ", ".join(
                f"{p.id} {_percent(x)}"
                for p, x in zip(self.scenario.policies, per_policy, strict=True)
            )
            traces = [t for arm in self.policies for t in arm]
            yield Finding(
                "settled",
                ("objectives", j, "condition"),
                f"objective '{objective.id}' is met in every run or in none under each policy "
                f"({shares}; {self.replications} runs each), so the policy alone decides it and "
                f"chance never does — {self.evidence(j, traces)}; move the threshold to where "
                "runs of one policy differ",
            )

    def evidence(self, j: int, traces: Sequence[Trace]) -> str:
        """How far objective ``j``'s numbers were from its threshold, over ``traces``."""
        objective = self.objectives[j]
        root = compile_condition(objective.condition, symbols_of(self.scenario)).root
        found = comparisons(root)
        if not found:
            return "its condition compares nothing, so there is nothing to measure"
        text = _Text(self.scenario)
        parts, position = [], 0
        for c in found:
            sides = c.sides
            values = [t.sides[j][position : position + len(sides)] for t in traces]
            position += len(sides)
            parts.append(self._describe(c, objective, values, text))
        return "; ".join(parts)

    def _describe(
        self,
        c: Comparison,
        objective: Objective,
        values: list[tuple[tuple[float, float, float], ...]],
        text: _Text,
    ) -> str:
        written = text.compare(c.node)
        if not c.simple:
            return f"'{written}' compares conditions, which the trial cannot measure simply"
        if not c.sides:
            return f"'{written}' compares numbers only"
        end = window_end(objective, self.scenario.horizon)
        wants = _wants(c)
        ranges = []
        for s, side in enumerate(c.sides):
            if objective.check == "end":
                label, per_run = f"at month {end}", [v[s][2] for v in values]
            elif wants is None:
                label = f"over months 0–{end}"
                per_run = [v[s][0] for v in values] + [v[s][1] for v in values]
            else:
                best = (wants == "high") == (objective.check == "by")
                word = "best" if objective.check == "by" else "worst"
                label = f"{word} {'by' if objective.check == 'by' else 'up to'} month {end}"
                per_run = [v[s][1] if best else v[s][0] for v in values]
            ranges.append(f"{text.side(side)} {label}: {_span(per_run)}")
        asks = _asks(c, text) if wants is not None else f"{'not ' * c.negated}{written}"
        return f"{', '.join(ranges)} across trial runs; objective asks {asks}"

    # -- check 2 ---------------------------------------------------------------
    def dominant(self) -> Iterator[Finding]:
        """Decisions where one option is at least as good as every other on every objective."""
        if not self.objectives:
            return
        policy = self.scenario.policies[self.default].id
        runs = f"{self.replications} paired runs of policy '{policy}'"
        for i, inject in enumerate(self.scenario.injects):
            if inject.decision is None:
                continue
            taken = sum(inject.id in t.decided for t in self.policies[self.default])
            where = ("injects", i, "decision")
            if not taken:
                yield Finding(
                    "dominant",
                    where,
                    f"decision '{inject.id}' was never taken in {runs} (its inject never "
                    "fired), so no option can matter",
                )
                continue
            success = self.option_success(inject)
            ids, best = list(success), _undominated(success)
            if not best:
                continue
            table = "; ".join(
                f"{o}: "
                + ", ".join(
                    f"{ob.id} {_percent(p)}" for ob, p in zip(self.objectives, ps, strict=True)
                )
                for o, ps in success.items()
            )
            detail = f"success over {runs}, decision taken in {taken} of them — {table}"
            if len(best) == len(ids):
                yield Finding(
                    "dominant",
                    where,
                    f"no option at decision '{inject.id}' changes any objective's success "
                    f"({detail}); options must trade objectives against each other",
                )
                continue
            first = best[0]
            ties = f" (tied with {', '.join(repr(o) for o in best[1:])})" if best[1:] else ""
            yield Finding(
                "dominant",
                (*where, "options", ids.index(first)),
                f"option '{first}'{ties} at decision '{inject.id}' is at least as good as every "
                f"other on every objective, so the decision has no trade-off ({detail})",
            )

    # -- check 3 ---------------------------------------------------------------
    def low_variation(self, min_cv: float = MIN_CV) -> Iterator[Finding]:
        """Policies whose final regional stability barely varies across replications."""
        for i, (traces, cv) in enumerate(zip(self.policies, self.variation(), strict=True)):
            if cv >= min_cv:
                continue
            values = [t.stability for t in traces]
            yield Finding(
                "low_variation",
                ("policies", i),
                f"policy '{self.scenario.policies[i].id}': final regional stability hardly varies "
                f"across {len(values)} trial runs (mean {statistics.fmean(values):.3f}, "
                f"coefficient of variation {cv:.3f}, below {min_cv:g}); chance plays almost no "
                "part, so every run tells the same story",
            )


def _undominated(success: dict[str, list[float]]) -> list[str]:
    """Options at least as good as every other option on every objective."""

    def at_least(a: list[float], b: list[float]) -> bool:
        return all(x >= y - 1e-12 for x, y in zip(a, b, strict=True))

    return [o for o, mine in success.items() if all(at_least(mine, p) for p in success.values())]


def _cv(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    if mean == 0:
        return 0.0 if sd == 0 else float("inf")
    return sd / abs(mean)


def _span(values: Sequence[float]) -> str:
    lo, hi = min(values), max(values)
    return _num(lo) if _num(lo) == _num(hi) else f"{_num(lo)}–{_num(hi)}"


def _single(c: Comparison) -> tuple[str, cn.Node, bool] | None:
    """(operator, constant side, measured side is on the left) for ``x OP k`` or ``k OP x``."""
    if c.negated or len(c.node.ops) != 1 or len(c.sides) != 1:
        return None
    left, right = c.node.operands
    if fixed(right):
        return c.node.ops[0], right, True
    return _FLIPPED[c.node.ops[0]], left, False


def _wants(c: Comparison) -> str | None:
    """Whether the comparison holds for high or low values of its one measured side."""
    single = _single(c)
    if single is None or single[0] in ("eq", "ne"):
        return None
    return "high" if single[0] in ("gt", "ge") else "low"


def _asks(c: Comparison, text: _Text) -> str:
    single = _single(c)
    assert single is not None
    op, constant, _left = single
    return f"{_SIGNS[op]} {constant.accept(text)}"


# --------------------------------------------------------------------------- entry points


def run(
    scenario: Scenario,
    *,
    replications: int = TRIAL_REPLICATIONS,
    seed: int = TRIAL_SEED,
    executor: Executor | None = None,
) -> Trial:
    """Run the trial the checks read: every policy, and every decision forced to each option.

    Forced arms are the default policy with one answer changed; the option
    the default policy takes anyway is its own run. Without objectives there
    is nothing for options to trade, so only the policies run.
    """
    policies = [scenario.policy(p.id) for p in scenario.policies]
    default_id = scenario.policy(None).id
    default = next(i for i, p in enumerate(policies) if p.id == default_id)
    arms = [Arm(p) for p in policies]
    keys: list[tuple[str, str]] = []
    decided = [i for i in scenario.injects if i.decision is not None] if scenario.objectives else []
    for inject in decided:
        assert inject.decision is not None
        answer = policies[default].decisions.get(inject.id, inject.decision.default)
        for option in inject.decision.options:
            if option.id != answer:
                arms.append(Arm(policies[default]).forcing(inject.id, option.id))
                keys.append((inject.id, option.id))
    traces = run_trial(scenario, arms, replications, seed, executor)
    options = dict(zip(keys, traces[len(policies) :], strict=True))
    for inject in decided:
        assert inject.decision is not None
        answer = policies[default].decisions.get(inject.id, inject.decision.default)
        options[(inject.id, answer)] = traces[default]
    return Trial(scenario, replications, seed, traces[: len(policies)], default, options)


def check(
    scenario: Scenario,
    *,
    replications: int = TRIAL_REPLICATIONS,
    seed: int = TRIAL_SEED,
    executor: Executor | None = None,
    min_cv: float = MIN_CV,
) -> list[Finding]:
    """The strict checks' warnings for a scenario, from a trial run of ``replications`` per arm.

    Args:
        scenario: The validated scenario.
        replications: Replications per arm (each policy; each forced option).
        seed: The trial's run seed, fixed by default so warnings are stable.
        executor: Where the trial runs (the caller's to close); default: a
            process pool when the work pays for one, else this process.
        min_cv: Warn when final stability's coefficient of variation is below this.
    """
    trial = run(scenario, replications=replications, seed=seed, executor=executor)
    return trial.findings(min_cv)


def lint_findings(
    scenario: Scenario, replications: int = TRIAL_REPLICATIONS, seed: int = TRIAL_SEED
) -> list[tuple[Loc, str]]:
    """(where, message) pairs for :func:`sim.authoring.lint.lint`."""
    return [(f.loc, f.message) for f in check(scenario, replications=replications, seed=seed)]
