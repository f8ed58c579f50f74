"""Benchmark: how long `simulate` takes, and its peak memory, at 100,000 and 1,000,000 devices.

Each measurement runs in a fresh process (so peak memory is that run's own, imports
included) and repeats; the table reports the median wall time of `simulate` itself.

    python benchmarks/bench_simulate.py                  # the issue's targets, 5 and 3 runs
    python benchmarks/bench_simulate.py --runs 9 --json  # more runs, machine-readable

Targets (issue #2): 100,000 devices x 28 days in at most 1 s; 1,000,000 devices x 28 days in
at most 5 s with peak memory at most 2 GB, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "scenarios" / "camera_night_mode.toml"
TARGETS = {100_000: (1.0, None), 1_000_000: (5.0, 2048.0)}


def _one_run(devices: int, seed: int) -> None:
    """Child process: time one simulation and print seconds and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    from sim import load_scenario, simulate

    case = load_scenario(CASE)
    started = time.perf_counter()
    simulate(case, seed=seed, devices=devices, days=28)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(devices: int, runs: int) -> dict:
    """Median seconds and the largest peak memory over ``runs`` fresh processes."""
    samples = []
    for seed in range(runs):
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(devices), str(seed)],
            capture_output=True, text=True, check=True,
        ).stdout
        samples.append(json.loads(output))
    seconds = [s["seconds"] for s in samples]
    return {
        "devices": devices,
        "days": 28,
        "runs": runs,
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_mb": max(s["peak_mb"] for s in samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per size (default 5 / 3)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _one_run(*args.child)
        return
    rows = [measure(devices, args.runs or (5 if devices < 1_000_000 else 3))
            for devices in TARGETS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"simulate(camera_night_mode) on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print("| devices x days | runs | median s | min-max s | peak MB | target |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        limit_s, limit_mb = TARGETS[row["devices"]]
        ok = row["median_s"] <= limit_s and (limit_mb is None or row["peak_mb"] <= limit_mb)
        target = f"<= {limit_s:g} s" + (f", <= {limit_mb / 1024:g} GB" if limit_mb else "")
        print(f"| {row['devices']:,} x 28 | {row['runs']} | {row['median_s']:.2f} | "
              f"{row['min_s']:.2f}-{row['max_s']:.2f} | {row['peak_mb']:.0f} | "
              f"{target} {'met' if ok else 'MISSED'} |")


if __name__ == "__main__":
    main()
