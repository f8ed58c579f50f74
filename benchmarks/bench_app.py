"""Benchmark: the app's Run + Analyse work for the default case (camera_night_mode, 100,000 devices).

What a person waits for after pressing Run on the default case: simulate, analyse, and the
round trip through Streamlit's cache (pickling the results). Each run is a fresh process that
first warms up the way a running server already is (modules imported, one small case
analysed), then times the default case; the first, cold run of a fresh server is reported too.
Target (issue #4): at most 2 s on a 2-core machine.

    python benchmarks/bench_app.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0


def _one_run(seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    from sim import analyse, load_scenario, simulate
    from ui.state import DEFAULT_CASE, DEFAULT_DEVICES

    case = load_scenario(ROOT / "scenarios" / f"{DEFAULT_CASE}.toml")
    cold = time.perf_counter()
    analyse(simulate(case, seed=seed + 1000, devices=2_000))
    warm_up = time.perf_counter() - cold
    started = time.perf_counter()
    result = simulate(case, seed=seed, devices=DEFAULT_DEVICES)
    simulated = time.perf_counter()
    report = analyse(result)
    analysed = time.perf_counter()
    pickle.loads(pickle.dumps(result)), pickle.loads(pickle.dumps(report))
    done = time.perf_counter()
    print(json.dumps({"simulate": simulated - started, "analyse": analysed - simulated,
                      "cache": done - analysed, "total": done - started,
                      "first_small_run": warm_up}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _one_run(args.child)
        return
    samples = [
        json.loads(subprocess.run([sys.executable, __file__, "--child", str(seed)],
                                  capture_output=True, text=True, check=True).stdout)
        for seed in range(args.runs)
    ]
    medians = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    print(f"default case, 100,000 devices, {args.runs} runs (medians): simulate "
          f"{medians['simulate']:.2f} s + analyse {medians['analyse']:.2f} s + cache "
          f"{medians['cache']:.2f} s = {medians['total']:.2f} s; target <= {TARGET_S:g} s: "
          f"{'met' if medians['total'] <= TARGET_S else 'MISSED'} (a fresh server's first, "
          f"cold run of a small case adds {medians['first_small_run']:.2f} s once)")


if __name__ == "__main__":
    main()
