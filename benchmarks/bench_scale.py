"""Benchmark: ten million devices x 28 days, in bounded memory (issue #8).

Runs `simulate` on camera_night_mode at 10,000,000 devices in a fresh process and reports its
wall time and the process's peak resident memory at the end of the simulation (imports
included), then times `sim.analyse` on the result. Target: at most 60 s and 4 GB.

    python benchmarks/bench_scale.py                 # one run (it takes a minute or two)
    python benchmarks/bench_scale.py --runs 3 --devices 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S, TARGET_MB = 60.0, 4096.0


def _one_run(devices: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    from sim import analyse, load_scenario, simulate

    case = load_scenario(ROOT / "scenarios" / "camera_night_mode.toml")
    started = time.perf_counter()
    result = simulate(case, seed=seed, devices=devices)
    simulated = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    analyse(result)
    analysed = time.perf_counter()
    print(json.dumps({"simulate_s": simulated - started, "peak_mb": peak_mb,
                      "analyse_s": analysed - simulated,
                      "panel_rows": 0 if result.daily is None else len(result.daily)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _one_run(*args.child)
        return
    runs = [json.loads(subprocess.run([sys.executable, __file__, "--child", str(args.devices),
                                       str(seed)], capture_output=True, text=True,
                                      check=True).stdout)
            for seed in range(args.runs)]
    seconds = statistics.median(r["simulate_s"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    analyse_s = statistics.median(r["analyse_s"] for r in runs)
    load = os.getloadavg()[0]
    met = seconds <= TARGET_S and peak <= TARGET_MB
    print(f"simulate {args.devices:,} devices x 28 days: median {seconds:.1f} s over "
          f"{args.runs} run(s), peak memory {peak:,.0f} MB (target <= {TARGET_S:g} s, "
          f"<= {TARGET_MB / 1024:g} GB: {'met' if met else 'MISSED'}); analyse {analyse_s:.1f} s; "
          f"raw report panel {runs[0]['panel_rows']:,} rows; {os.cpu_count()} cores, "
          f"load average {load:.1f}")


if __name__ == "__main__":
    main()
