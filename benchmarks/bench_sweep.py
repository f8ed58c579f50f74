"""Benchmark: a 1,000-replication sweep of a 10,000-device case on 2 worker processes.

Each replication simulates the case (28 days) and reads out the sweep's row: SRM, the primary
metric's lift with CUPED, every guardrail's non-inferiority test, the truth, the decision
rule's call (lean: segments and interaction tests included) and the right call. The whole
sweep is timed from the call to the returned table, process start-up included. Target
(issue #8): at most 120 s on a 2-core machine.

    python benchmarks/bench_sweep.py                     # 1,000 x 10,000 devices, 2 workers, 1 run
    python benchmarks/bench_sweep.py --runs 3            # the median of 3 sweeps
    python benchmarks/bench_sweep.py --replications 200 --workers 1 --profile
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import load_scenario  # noqa: E402
from sim.sweeps import summarise, sweep  # noqa: E402

TARGET_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="camera_night_mode")
    parser.add_argument("--replications", type=int, default=1_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", help="local, or tcp://host:8786 (default: local processes)")
    parser.add_argument("--runs", type=int, default=1, help="sweeps to time (the median is reported)")
    parser.add_argument("--profile", action="store_true",
                        help="profile one replication's simulation and readout in this process")
    args = parser.parse_args()
    case = load_scenario(ROOT / "scenarios" / f"{args.case}.toml")
    if args.profile:
        _profile(case, args.devices)
        return
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        frame = sweep(case, seeds=args.replications, devices=args.devices,
                      workers=args.workers, scheduler=args.scheduler)
        seconds.append(time.perf_counter() - started)
        assert len(frame) == args.replications
    median = statistics.median(seconds)
    summary = summarise(frame).iloc[0]
    headline = args.replications == 1_000 and args.devices == 10_000
    verdict = "met" if median <= TARGET_S else "MISSED"
    print(f"sweep({args.case}, {args.replications:,} replications x {args.devices:,} devices x "
          f"{case.fleet.days} days, {args.workers} workers"
          f"{', ' + args.scheduler if args.scheduler else ''}): median {median:.1f} s over "
          f"{args.runs} run(s) (min {min(seconds):.1f}, max {max(seconds):.1f}); "
          f"{median / args.replications * 1000:.0f} ms per replication; "
          f"{os.cpu_count()} cores; target <= {TARGET_S:g} s: {verdict if headline else 'n/a'}")
    print(f"  significant {summary['significant']:.1%}, coverage {summary['coverage']:.1%}, "
          f"rule's call right {summary.get('right_calls', float('nan')):.1%}")


def _profile(case, devices: int, replications: int = 10) -> None:
    """Time the two halves of a replication in this process: simulation and readout."""
    from sim import simulate
    from sim.sweeps import readout

    lean = case.with_knobs({"telemetry.daily_max_devices": 0})  # as the sweep runs it
    started = time.perf_counter()
    results = [simulate(lean, seed=seed, devices=devices) for seed in range(replications)]
    simulated = time.perf_counter()
    for result in results:
        readout(result)
    done = time.perf_counter()
    print(f"per replication: simulate {(simulated - started) / replications * 1000:.0f} ms, "
          f"readout {(done - simulated) / replications * 1000:.0f} ms")


if __name__ == "__main__":
    main()
