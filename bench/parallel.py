"""Benchmark 2: replications per second, serial against a local process pool.

Runs the same replications (default: 2,000 of the flagship scenario) with the
serial executor and with ``--workers 2`` (start-up of the pool included, as a
user sees it), and the CPU time the work took (this process plus the
workers, read from /proc), checks that both give the same ``results`` bytes, and prints
both rates and the speedup (target >= 1.8x on 2 cores). On a shared,
loaded machine the wall-clock speedup says more about the neighbours than
about the runner, so the CPU efficiency (serial CPU / parallel CPU) is
printed too: it is the speedup the pool would reach on idle cores.

    python bench/parallel.py [SCENARIO] [--replications 2000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.runs.executors import Executor, ProcessExecutor, SerialExecutor
from sim.runs.reportfile import results_bytes
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def burn(n: int) -> int:
    """Pure-Python busy work, to probe how much parallelism the machine gives now."""
    total = 0
    for i in range(n):
        total += i
    return total


def machine_parallelism(workers: int, n: int = 10_000_000) -> float:
    """Speedup of ``workers`` processes of busy work over one: the ceiling for any pool."""
    start = time.perf_counter()
    burn(n)
    one = time.perf_counter() - start
    with ProcessPoolExecutor(workers) as pool:
        start = time.perf_counter()
        list(pool.map(burn, [n] * workers))
        many = time.perf_counter() - start
    return workers * one / many


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(executor: Executor, spec: RunSpec) -> tuple[float, float, bytes]:
    """Wall time, CPU time (this process and the executor's workers) and results bytes."""
    start, cpu = time.perf_counter(), time.process_time()
    report = run(spec, executor=executor)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    if isinstance(executor, ProcessExecutor):
        cpu += sum(cpu_seconds(pid) for pid in executor._pool._processes)  # type: ignore[attr-defined]
    return wall, cpu, results_bytes(report.to_dict())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="?", type=Path, default=ROOT / "scenarios" / "iraq_training_mission.yaml"
    )
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    n = args.replications
    spec = RunSpec.of(scenario, replications=n)
    load_before = os.getloadavg()[0]
    serial_s, serial_cpu, serial_bytes = timed(SerialExecutor(), spec)
    pool_start = time.perf_counter()
    with ProcessExecutor(args.workers) as pool:
        _, pool_cpu, pool_bytes = timed(pool, spec)
    total_s = time.perf_counter() - pool_start  # with pool start-up and shutdown
    w = args.workers
    print(f"scenario          {args.scenario.name}, {n} replications")
    rate = n / serial_s
    print(f"serial            {serial_s:6.1f} s wall {serial_cpu:6.1f} s CPU  {rate:6.1f} rep/s")
    print(
        f"{w} workers         {total_s:6.1f} s wall {pool_cpu:6.1f} s CPU  {n / total_s:6.1f} rep/s"
    )
    print(f"speedup (wall)    {serial_s / total_s:.2f}x  (target >= 1.8x with 2 workers)")
    print(
        f"CPU efficiency    {serial_cpu / pool_cpu:.2f} (serial CPU / pool CPU); on {w} idle "
        f"cores the speedup would be about {w * serial_cpu / pool_cpu:.2f}x"
    )
    print(f"identical results {serial_bytes == pool_bytes}")
    print(
        f"machine ceiling   {machine_parallelism(w):.2f}x (busy loops in {w} processes vs 1, "
        "measured now: what the shared machine gives)"
    )
    print(f"load average (1m) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
