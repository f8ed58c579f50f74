"""Benchmark: is every case fair? The data rule at the case's own size and decision day against
the truth's right call, over seeds.

For each case and seed: the run to the case's horizon gives the truth and its right call
(:func:`sim.right_call`); the same fleet through the case's decision day gives the readout the
person has, and the data rule's call on it (:func:`sim.decide.evidence.assess`, the lean
readout). A case is fair when the two agree in at least 80% of seeds (issue #14). Ship calls
agree when they put the build on the same devices.

    python benchmarks/bench_fairness.py                 # every case, 10 seeds, 2 workers
    python benchmarks/bench_fairness.py --seeds 20 --case camera_night_mode
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import load_scenario  # noqa: E402
from sim.case.library import case_paths  # noqa: E402
from sim.decide.fairness import FAIR_SHARE, seed_call  # noqa: E402


def one(path: str, seed: int, devices: int | None,
        variant: int = 0) -> tuple[str, int, str, str, bool]:
    """One seed of one case (or of one of its variants): (case, seed, right call, data call,
    agree)."""
    case = load_scenario(path).variant(variant)
    call, _ = seed_call(case, seed, devices)
    return case.meta.id, seed, call.right, call.data, call.agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--case", action="append", help="a case id (default: every case)")
    parser.add_argument("--devices", type=int, help="fleet size (default: each case's own)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="print every seed's two calls")
    args = parser.parse_args()
    paths = [str(p) for p in case_paths(ROOT / "scenarios")
             if args.case is None or p.stem in args.case]
    jobs = [(path, seed, args.devices) for path in paths for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(one, *zip(*jobs, strict=True)))
    print("| case | decision day | devices | data rule = right call | right call (most seeds) |")
    print("|---|---|---|---|---|")
    unfair = []
    for path in paths:
        case = load_scenario(path)
        mine = [row for row in rows if row[0] == case.meta.id]
        share = sum(row[4] for row in mine) / len(mine)
        calls = [row[2] for row in mine]
        common = max(set(calls), key=calls.count)
        size = args.devices or case.fleet.size
        print(f"| `{case.meta.id}` | {case.experiment.decision_day} | {size:,} | "
              f"{share:.0%} of {len(mine)} seeds | {common} |")
        if share < FAIR_SHARE:
            unfair.append(case.meta.id)
        if args.verbose:
            for _, seed, right, data, agree in mine:
                print(f"    seed {seed}: right {right}; data {data}{'' if agree else '  <-'}")
    print("every case fair" if not unfair else f"UNFAIR (below {FAIR_SHARE:.0%}): {unfair}")


if __name__ == "__main__":
    main()
