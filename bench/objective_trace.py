"""What recording each objective's standing month by month costs the engine.

The month-by-month objective chart needs, per replication, each objective's
standing at every month (``ReplicationResult.objective_trace``); an
end-of-run objective's condition is therefore evaluated every month, not only
at the horizon. This runs the same replications with the engine's
``_Objectives.observe`` and with a copy of it that records nothing (the
engine before the trace), interleaved round by round in one process so
machine load hits both alike, and prints the median time per replication
of each and the difference.

    python bench/objective_trace.py [SCENARIO] [--rounds 7] [--replications 40]
"""

from __future__ import annotations

import argparse
import statistics
import time
import timeit
from pathlib import Path
from typing import Any

from sim.model import engine
from sim.model.plan import compile_plan
from sim.model.streams import replication_seed
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def observe_without_trace(self: Any, world: Any) -> None:
    """The engine's objective bookkeeping without the month-by-month record."""
    m = world.month
    state = self._now  # outcomes by column
    for j, o in enumerate(self.plan.objectives):
        if o.check == "by":
            if not state[j] and m <= (o.month or 0) and o.condition(world):
                state[j] = True
        elif o.check == "throughout":
            if state[j] and m <= (o.month if o.month is not None else m) and not o.condition(world):
                state[j] = False
        elif m == self.plan.horizon:
            state[j] = bool(o.condition(world))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    flagship = ROOT / "scenarios" / "iraq_training_mission.yaml"
    parser.add_argument("scenario", nargs="?", default=flagship)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--replications", type=int, default=40)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    plan = compile_plan(scenario, None)
    with_trace = engine._Objectives.observe
    times: dict[str, list[float]] = {"with trace": [], "without": []}
    for _ in range(args.rounds):
        for name, observe in (("with trace", with_trace), ("without", observe_without_trace)):
            engine._Objectives.observe = observe  # type: ignore[method-assign]
            start = time.perf_counter()
            for k in range(args.replications):
                engine.simulate(plan, replication_seed(1, k))
            times[name].append((time.perf_counter() - start) / args.replications * 1000)
    engine._Objectives.observe = with_trace  # type: ignore[method-assign]
    a, b = (statistics.median(times[n]) for n in ("with trace", "without"))
    # The bookkeeping alone, on one mid-run month (steadier than whole replications).
    rep = engine.Replication(plan, replication_seed(1, 0))
    rep.run()
    rep.world.month = scenario.horizon // 2
    per_month = {}
    for name, observe in (("with trace", with_trace), ("without", observe_without_trace)):
        rep.objectives.trace = []
        seconds = timeit.timeit(lambda o=observe: o(rep.objectives, rep.world), number=20000)
        per_month[name] = seconds * 1e6 / 20000
    print(f"scenario            {scenario.id} ({len(scenario.objectives)} objectives, "
          f"{scenario.horizon} months)")  # fmt: skip
    print(f"with trace          {a:.2f} ms per replication (median of {args.rounds} rounds)")
    print(f"without             {b:.2f} ms per replication")
    print(f"difference          {a - b:+.2f} ms ({(a - b) / b:+.1%})")
    months = scenario.horizon + 1
    cost = (per_month["with trace"] - per_month["without"]) * months / 1000
    print(
        f"bookkeeping alone   {per_month['with trace']:.2f} vs {per_month['without']:.2f} µs a "
        f"month: {cost:+.2f} ms per replication"
    )


if __name__ == "__main__":
    main()
