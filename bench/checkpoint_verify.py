"""What checking every checkpoint chunk costs when a run resumes.

Runs ``bench/short_horizon.yaml`` with a checkpoint, then times, on the
finished folder: the up-front check of every chunk file (identity, index,
checksums; what a resume does before any replication runs), and a whole
resume (check, read and merge every chunk, build the report), against the
time of the run itself. Usage::

    python bench/checkpoint_verify.py [--replications 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from sim.runs.checkpoint import Checkpoint
from sim.runs.reportfile import results_bytes
from sim.runs.runner import run
from sim.runs.spec import RunSpec
from sim.scenario.loader import load_scenario

SCENARIO = Path(__file__).with_name("short_horizon.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=4000)
    args = parser.parse_args()
    spec = RunSpec.of(load_scenario(SCENARIO), replications=args.replications, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        ck = Path(tmp) / "ck"
        started = time.perf_counter()
        first = run(spec, checkpoint=ck)
        ran = time.perf_counter() - started
        chunks = sorted(ck.glob("chunk-*.npz"))
        size = sum(p.stat().st_size for p in chunks)
        manifest = first.meta["chunks"]
        started = time.perf_counter()
        identity = json.loads((ck / "manifest.json").read_text())
        checked = Checkpoint(ck, {k: v for k, v in identity.items() if k != "format"}).finished()
        check = time.perf_counter() - started
        started = time.perf_counter()
        resumed = run(spec, checkpoint=ck)
        resume = time.perf_counter() - started
    assert len(checked) == manifest == resumed.meta["resumed_chunks"]
    assert results_bytes(resumed.to_dict()) == results_bytes(first.to_dict())
    print(f"replications        {args.replications} in {manifest} chunks ({size / 1e6:.1f} MB)")
    print(f"run (serial)        {ran:.2f} s")
    print(f"check every chunk   {check * 1000:.0f} ms ({check / manifest * 1000:.1f} ms/chunk)")
    print(f"whole resume        {resume:.2f} s  (results identical)")
    print(f"load average (1m)   {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
