"""The work budget: how much a run will cost, estimated before anything runs.

A valid scenario can still ask for hours of work: fifty partners under a
threat at 30 incidents a month for 240 months is close to a million
candidate arrivals in every replication. The engine's cost is dominated by
a few countable things, all known from the compiled plan before the first
event:

* **candidate threat arrivals**: each threat draws candidates at its
  *highest* modulated rate (tension, instability and a red lever at their
  maximum, whatever injects and options do later) against each target over
  its active months, and thins them (``MODEL.md``), so the expected count is
  ``rate x max multiplier x months x targets``;
* **monthly updates**: every month drifts every partner and rivalry;
* **conditions**: every month evaluates each rule, conditional inject and
  objective;
* **initiative cycles**: each cycle acts on each of its partners.

Their sum is the *work* of one replication, in "events" (close to what
SimPy counts). A run is refused when one replication, or the whole run,
is above the limit (:data:`MAX_WORK`, :data:`MAX_RUN_WORK`; raised with
``--max-work`` or the ``TTX_MAX_WORK`` environment variable), with a
message naming what makes it large. The estimate is printed for runs
large enough to take a while (:data:`NOTICE_WORK`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sim.errors import TtxError
from sim.model.dynamics import max_rate_multiplier
from sim.model.plan import LEVER_MAX, Plan

#: Default limit on the estimated events of one replication (a few seconds of work).
MAX_WORK = 500_000
#: Default limit on the estimated events of a whole run, replications included.
MAX_RUN_WORK = 5_000_000_000
#: Runs whose total estimate is at least this get the estimate printed.
NOTICE_WORK = 20_000_000
#: The trial run of ``validate --strict`` may do this many replications' worth of the limit.
TRIAL_FACTOR = 20
#: The environment variable that raises (or lowers) :data:`MAX_WORK`.
ENV_VAR = "TTX_MAX_WORK"


class WorkTooLarge(TtxError):
    """A run's estimated work is above the limit; nothing was simulated.

    Attributes:
        what: What is large, in words.
        remedy: What to change instead of raising the limit.
        fits: For a trial run: how many replications would fit (None otherwise).
    """

    def __init__(self, what: str, remedy: str = "", fits: int | None = None) -> None:
        self.what, self.remedy, self.fits = what, remedy, fits
        # The command line words the override with its flag; the library names the variable.
        lead = f"; {remedy}, or" if remedy else ";"
        super().__init__(f"{what}{lead} raise the limit with the environment variable {ENV_VAR}")


@dataclass(frozen=True)
class Work:
    """The estimated work of one replication of a plan, by source.

    Attributes:
        arrivals: Expected candidate arrivals per threat id (before thinning).
        monthly: Partner and rivalry updates over the horizon.
        conditions: Rule, conditional-inject and objective evaluations.
        cycles: Initiative cycle actions (cycles x partners).
        partners: Partners in the scenario; horizon: months simulated.
    """

    arrivals: Mapping[str, float]
    monthly: int
    conditions: int
    cycles: int
    partners: int
    horizon: int

    @property
    def events(self) -> int:
        """The total, rounded up."""
        return math.ceil(sum(self.arrivals.values())) + self.monthly + self.conditions + self.cycles

    def largest(self) -> str:
        """What makes this replication large, in words."""
        parts = {
            "monthly updates": self.monthly,
            "condition checks": self.conditions,
            "initiative cycles": self.cycles,
        }
        if self.arrivals:
            tid = max(self.arrivals, key=lambda t: self.arrivals[t])
            parts[f"threat '{tid}'"] = math.ceil(self.arrivals[tid])
        name = max(parts, key=lambda k: parts[k])
        return (
            f"{name} ({amount(parts[name])} events; {self.partners} partners, "
            f"horizon {self.horizon} months)"
        )


def estimate(plan: Plan) -> Work:
    """The expected work of one replication of ``plan`` (see the module docstring)."""
    top = max_rate_multiplier(plan.params)
    arrivals: dict[str, float] = {}
    for t in plan.threats:
        months = max(0, min(t.end, plan.horizon) - t.start)
        rate = t.rate * top * (LEVER_MAX if t.lever else 1.0)
        arrivals[t.id] = arrivals.get(t.id, 0.0) + rate * months * len(t.targets)
    months = plan.horizon + 1
    conditional = sum(1 for inj in plan.injects if inj.when is not None)
    cycles = sum(
        math.ceil(max(0, ini.end - ini.start) / ini.cycle) * len(ini.partners)
        for ini in plan.initiatives
    )
    return Work(
        arrivals=arrivals,
        monthly=months * (len(plan.partner_ids) + len(plan.rivalries)),
        conditions=months * (len(plan.rules) + conditional + len(plan.objectives)),
        cycles=cycles,
        partners=len(plan.partner_ids),
        horizon=plan.horizon,
    )


def amount(n: float) -> str:
    """A count in words a reader takes in at once: 2.4 million, 35,000."""
    if n >= 1e9:
        return f"{n / 1e9:.1f} billion"
    if n >= 1e6:
        return f"{n / 1e6:.1f} million"
    return f"{round(n):,}"


def describe(work: Work, replications: int) -> str:
    """The estimate as printed before a large run."""
    return f"about {amount(work.events)} events per replication; {replications:,} replications"


def max_work(given: int | None = None, environ: Mapping[str, str] | None = None) -> int:
    """The per-replication limit: ``given``, else ``TTX_MAX_WORK``, else :data:`MAX_WORK`.

    Raises:
        TtxError: ``TTX_MAX_WORK`` is not a positive whole number.
    """
    if given is not None:
        return given
    env = os.environ if environ is None else environ
    text = env.get(ENV_VAR, "").strip().replace("_", "").replace(",", "")
    if not text:
        return MAX_WORK
    if not text.isdigit() or int(text) < 1:
        raise TtxError(f"{ENV_VAR} must be a positive whole number, got '{env[ENV_VAR]}'")
    return int(text)


def check(work: Work, replications: int, limit: int | None = None) -> None:
    """Refuse a run whose replication or total work is above the limit.

    The run limit scales with the replication limit, so raising one raises both.

    Raises:
        WorkTooLarge: With what is large and how to allow it.
    """
    per = max_work(limit)
    total_limit = MAX_RUN_WORK * per // MAX_WORK
    events = work.events
    if events > per:
        raise WorkTooLarge(
            f"one replication would take about {amount(events)} events, above the limit of "
            f"{amount(per)}; the largest part is {work.largest()}",
            "make the scenario smaller",
        )
    if events * replications > total_limit:
        raise WorkTooLarge(
            f"{replications:,} replications of about {amount(events)} events each "
            f"({amount(events * replications)} in all) are above the limit of "
            f"{amount(total_limit)} for a run",
            "run fewer replications",
        )


def check_trial(works: Sequence[Work], replications: int, limit: int | None = None) -> None:
    """Refuse a ``validate --strict`` trial (``works``: one per arm) above its budget.

    The trial's budget is :data:`TRIAL_FACTOR` replications at the limit, so
    a check stays a check: a minute or so, not an hour.

    Raises:
        WorkTooLarge: With what is large and how many trial replications would fit.
    """
    if not works:
        return
    per = max_work(limit)
    worst = max(works, key=lambda w: w.events)
    check(worst, 1, per)
    budget = TRIAL_FACTOR * per
    each = sum(w.events for w in works)
    if each * replications > budget:
        fits = budget // each
        raise WorkTooLarge(
            f"the trial run ({len(works)} arms x {replications} replications of about "
            f"{amount(worst.events)} events) is above its limit of {amount(budget)} events",
            f"run at most {fits} trial replications" if fits >= 2 else "",
            fits if fits >= 2 else None,
        )


def notice(work: Work, replications: int) -> str | None:
    """The estimate to print before a run large enough to take a while, else None."""
    return describe(work, replications) if work.events * replications >= NOTICE_WORK else None
