"""Lints: what is legal in a scenario but almost surely a mistake.

The loader rejects what cannot run; these checks warn about what runs but
cannot mean what the author intended: an inject after the end of the
exercise, a condition that can never hold, a policy that changes nothing,
an actor no part of the scenario touches. Each warning is a
:class:`~sim.errors.Problem` with level ``"warning"`` and the position of
the text it is about, so editors and ``ttx validate`` show ``FILE:LINE:COL``.

Some lints simulate: whether the exercise is informative, from a short trial
run (:mod:`sim.authoring.informative`). They are off by default
(``trial=False``) so ``ttx validate`` stays fast; ``ttx validate --strict``
turns them on.
"""

from __future__ import annotations

from collections.abc import Iterator

from sim.authoring.informative import lint_findings
from sim.authoring.intervals import Domain, truth
from sim.authoring.trial import TRIAL_REPLICATIONS, TRIAL_SEED
from sim.errors import Problem
from sim.scenario import condition_nodes as cn
from sim.scenario.conditions import Symbols, compile_condition
from sim.scenario.models import Effect, Scenario
from sim.scenario.references import symbols_of
from sim.scenario.source import Loc, Source

Finding = tuple[Loc, str]


def lint(
    scenario: Scenario,
    source: Source,
    *,
    trial: bool = False,
    trial_replications: int = TRIAL_REPLICATIONS,
    trial_seed: int = TRIAL_SEED,
) -> list[Problem]:
    """Warnings for a valid scenario, sorted by position.

    Args:
        scenario: the validated scenario.
        source: its parsed source (for positions), from
            :func:`sim.scenario.loader.load_scenario_with_source`.
        trial: also run the informative-exercise checks on a trial run
            (slower; see :mod:`sim.authoring.informative`).
        trial_replications: replications per policy and per forced option.
        trial_seed: run seed of the trial run, fixed so warnings are stable.
    """
    found = list(_static(scenario))
    if trial:
        found += lint_findings(scenario, trial_replications, trial_seed)
    return sorted(source.problem(loc, msg, level="warning") for loc, msg in found)


def _static(s: Scenario) -> Iterator[Finding]:
    yield from _timing(s)
    yield from _conditions(s)
    yield from _policies(s)
    yield from _initiatives_and_threats(s)
    yield from _untouched(s)


def _timing(s: Scenario) -> Iterator[Finding]:
    h = s.horizon
    for i, inj in enumerate(s.injects):
        if inj.at is not None and inj.at > h:
            yield (
                ("injects", i, "at"),
                f"inject '{inj.id}' is timed at month {inj.at}, after the horizon "
                f"(month {h}), so it never fires",
            )
    for i, obj in enumerate(s.objectives):
        if obj.month is None:
            continue
        if obj.check == "end":
            yield (
                ("objectives", i, "month"),
                f"objective '{obj.id}' is checked at the end; 'month' is ignored "
                "(use check: by or throughout)",
            )
        elif obj.month > h:
            yield (
                ("objectives", i, "month"),
                f"objective '{obj.id}' has month {obj.month}, after the horizon "
                f"(month {h}); it is only checked up to month {h}",
            )
    for section in ("threats", "initiatives"):
        for i, item in enumerate(getattr(s, section)):
            if item.start > h:
                yield (
                    (section, i, "start"),
                    f"'{item.id}' starts at month {item.start}, after the horizon "
                    f"(month {h}), so it never acts",
                )


def _ranges(root: cn.Node, symbols: Symbols, dom: Domain) -> str:
    seen: dict[str, str] = {}
    for leaf in root.leaves():
        name = leaf.text(symbols)
        seen.setdefault(name, f"{name} is {dom.leaf(leaf).describe()}")
    return "; ".join(seen.values())


def _conditions(s: Scenario) -> Iterator[Finding]:
    symbols = symbols_of(s)
    dom = Domain(s.horizon)
    # (where, condition, what "never holds" means, what "always holds" means)
    checks: list[tuple[Loc, str, str, str | None]] = []
    for i, inj in enumerate(s.injects):
        if inj.when is not None:
            at_zero = f"inject '{inj.id}' fires at month 0; write 'at: 0' if that is meant"
            checks.append(
                (("injects", i, "when"), inj.when, f"inject '{inj.id}' never fires", at_zero)
            )
    for i, pol in enumerate(s.policies):
        for k, rule in enumerate(pol.rules):
            checks.append(
                (("policies", i, "rules", k, "when"), rule.when, "this rule never applies", None)
            )
    for i, obj in enumerate(s.objectives):
        checks.append(
            (
                ("objectives", i, "condition"),
                obj.condition,
                f"objective '{obj.id}' is never met",
                None,
            )
        )
    for loc, text, never, always in checks:
        root = compile_condition(text, symbols).root
        t = truth(root, dom)
        if not t.can_true:
            why = _ranges(root, symbols, dom)
            yield (
                loc,
                f"condition '{text}' can never hold, so {never}" + (f" ({why})" if why else ""),
            )
        elif not t.can_false and always is not None:
            yield (loc, f"condition '{text}' always holds, so {always}")


def _policies(s: Scenario) -> Iterator[Finding]:
    for i, pol in enumerate(s.policies):
        if not (pol.levers or pol.decisions or pol.rules or pol.extends):
            yield (
                ("policies", i, "id"),
                f"policy '{pol.id}' sets nothing (no levers, decisions, rules or extends); "
                "it runs every initiative at its own default intensity",
            )


def _initiatives_and_threats(s: Scenario) -> Iterator[Finding]:
    for i, ini in enumerate(s.initiatives):
        if not ini.partners:
            yield (
                ("initiatives", i, "partners"),
                f"initiative '{ini.id}' targets no partner, so it has no effect",
            )
    for i, threat in enumerate(s.threats):
        if threat.rate == 0:
            yield (
                ("threats", i, "rate"),
                f"threat '{threat.id}' has rate 0, so it never strikes",
            )


def _effects(s: Scenario) -> Iterator[Effect]:
    for inj in s.injects:
        yield from inj.effects
        if inj.decision is not None:
            for option in inj.decision.options:
                yield from option.effects


def _untouched(s: Scenario) -> Iterator[Finding]:
    touched: set[str] = set()
    for threat in s.threats:
        touched.update(threat.targets)
    for ini in s.initiatives:
        touched.update(ini.partners)
    for rivalry in s.rivalries:
        touched.update(rivalry.between)
        touched.update(rivalry.spillover)
    for rival in s.rivals:
        touched.update(p for p, v in rival.influence.items() if v > 0)
    all_partners = {p.id for p in s.partners}
    for effect in _effects(s):
        actor = effect.target.strip().partition(".")[0]
        touched.update(all_partners if actor == "partners" else {actor})
    for i, partner in enumerate(s.partners):
        if partner.id not in touched:
            yield (
                ("partners", i, "id"),
                f"partner '{partner.id}' is touched by nothing: no threat, initiative, "
                "rival, rivalry or effect targets it",
            )
    in_rivalry = {a for r in s.rivalries for a in r.between}
    for i, rival in enumerate(s.rivals):
        if not any(v > 0 for v in rival.influence.values()) and rival.id not in in_rivalry:
            yield (
                ("rivals", i, "id"),
                f"rival '{rival.id}' has no influence on any partner and is in no rivalry, "
                "so it has no effect",
            )
