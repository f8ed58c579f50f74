"""Benchmark: how long `sim.analyse` takes on a simulated 1,000,000-device result.

The simulation runs once (not timed); `analyse` then runs several times on it, and the table
reports the median. Target (issue #3): at most 5 s on a 2-core machine.

    python benchmarks/bench_analyse.py               # 1,000,000 devices, 5 runs
    python benchmarks/bench_analyse.py --devices 100000 --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import analyse, load_scenario, simulate  # noqa: E402

TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", default="camera_night_mode")
    parser.add_argument("--profile", action="store_true", help="time each step of one run")
    args = parser.parse_args()
    result = simulate(load_scenario(ROOT / "scenarios" / f"{args.case}.toml"), seed=1,
                      devices=args.devices)
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        analyse(result)
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    print(f"analyse({args.case}, {args.devices:,} devices x {result.days} days): median "
          f"{median:.2f} s over {args.runs} runs (min {min(seconds):.2f}, max {max(seconds):.2f}); "
          f"target <= {TARGET_S:g} s at 1,000,000: "
          f"{'met' if median <= TARGET_S or args.devices != 1_000_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
