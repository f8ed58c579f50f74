"""Benchmark: how long a scorecard takes at 100,000 devices (issue #14: within 3 s).

What pressing "Submit the decision" costs on the Decide page of a run the person has already
made and analysed: the readout through the decision day is in the server's cache by then (the
Analyse page showed it), so the scorecard is the design comparison - every other design of the
case re-simulated on the same fleet, spread over the server's worker processes
(``sim.sweeps.remote.Offload.map``, as ``ui.runs.compare_designs`` does) - plus the scoring
itself. Each run is a fresh seed of the default case (camera_night_mode, 12 designs) with warm
workers; also reported: the same comparison on one process, and a cold readout through the day.

    python benchmarks/bench_scorecard.py --runs 3
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
from sim.decide.decision import Decision  # noqa: E402
from sim.decide.design import design_comparison, design_values  # noqa: E402
from sim.decide.scorecard import score  # noqa: E402
from sim.readout.report import run_through  # noqa: E402
from sim.sweeps.remote import Offload  # noqa: E402

DEVICES = 100_000
TARGET_S = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--devices", type=int, default=DEVICES)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    args = parser.parse_args()
    case = load_scenario(ROOT / "scenarios" / "camera_night_mode.toml")
    decision = Decision(call="ship_segments", segment_kind="chip_tier",
                        segments=("flagship", "upper_mid", "mid"), expected_lift=0.03,
                        decision_day=case.experiment.decision_day)
    rows = []
    with Offload(workers=args.workers) as offload:
        offload.map(design_values,
                    [(case, 99, 2_000, 7)] * 2)  # start the workers
        for seed in range(args.runs):
            result = simulate(case, seed=seed, devices=args.devices)
            started = time.perf_counter()
            day_result = run_through(result, decision.decision_day)
            report = analyse(day_result)
            readout = time.perf_counter() - started
            started = time.perf_counter()
            design = design_comparison(result, map_calls=offload.map)
            pooled = time.perf_counter() - started
            started = time.perf_counter()
            score(decision, result, report, day_result=day_result, design=design)
            scoring = time.perf_counter() - started
            started = time.perf_counter()
            design_comparison(result)
            serial = time.perf_counter() - started
            rows.append({"readout": readout, "designs": pooled, "score": scoring,
                         "serial": serial, "n": len(design.designs)})
    median = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    total = median["designs"] + median["score"]
    print(f"camera_night_mode, {args.devices:,} devices, {int(median['n'])} designs, "
          f"{args.runs} runs (medians): design comparison on {offload.where()} "
          f"{median['designs']:.2f} s + scoring {median['score']:.2f} s = {total:.2f} s "
          f"(target <= {TARGET_S:g} s: {'met' if total <= TARGET_S else 'MISSED'}); the same "
          f"comparison on one process {median['serial']:.2f} s; the readout through the "
          f"decision day, when not cached, {median['readout']:.2f} s")


if __name__ == "__main__":
    main()
