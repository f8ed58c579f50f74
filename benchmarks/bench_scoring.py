"""Benchmark: does the score measure judgment? Strategies that read the data against ones that
do not, on every case and several seeds (issue #14).

* (a) **right call**: the truth's right call (:func:`sim.right_call`) at the case's decision
  day, stating the true lift, with the questions answered from the readout;
* (b) **read nothing**: each call at day 1 (an extend keeps extending a week at a time until
  the run ends), the questions answered at random or not at all, a constant expected lift;
* (c) **data rule**: the rule's call on the readout at the case's decision day
  (:func:`sim.decide.decision.decide`), with its lift and the questions answered from the
  readout.

Target: (a) averages at least 90, every (b) at most 40, and (c) sits between.

    python benchmarks/bench_scoring.py                  # every case at its own size, 4 seeds
    python benchmarks/bench_scoring.py --seeds 2 --case aa_test
"""

from __future__ import annotations

import argparse
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import analyse, load_scenario, right_call, simulate  # noqa: E402
from sim.case.library import case_paths  # noqa: E402
from sim.case.metrics import SEGMENT_KINDS  # noqa: E402
from sim.decide.decision import Decision, decide  # noqa: E402
from sim.decide.design import design_comparison  # noqa: E402
from sim.decide.questions import (  # noqa: E402
    Answers,
    LiftAnswer,
    SegmentAnswer,
    SplitAnswer,
    readout_answers,
)
from sim.decide.scorecard import score  # noqa: E402
from sim.readout.report import run_through  # noqa: E402

CONSTANT_LIFT = 0.02
WEEK = 7


def _random_answers(rng: np.random.Generator, result) -> Answers:
    case = result.scenario
    estimate = float(rng.uniform(-0.05, 0.05))
    segments = [(kind, name) for kind in SEGMENT_KINDS for name in case.segment_names(kind)]
    kind, name = segments[rng.integers(len(segments))] if rng.random() < 0.7 else (None, "none")
    return Answers(
        split=SplitAnswer(healthy=bool(rng.random() < 0.5),
                          test=str(rng.choice(["srm", "completeness", "t_test", "ks", "none"]))),
        primary_lift=LiftAnswer(estimate=estimate, low=estimate - 0.02, high=estimate + 0.02),
        guardrails={g.metric: str(rng.choice(["inside", "outside", "not_shown"]))
                    for g in case.experiment.guardrails},
        hurt_segment=SegmentAnswer(kind=kind, segment=name),
        measurement=str(rng.choice(["measurement", "behaviour", "neither"])),
        novelty=str(rng.choice(["fading", "lasting", "growing", "too_early"])),
    )


def _constant(call: str, result, day: int, answers: Answers) -> Decision:
    case = result.scenario
    fields = {"call": call, "decision_day": day, "answers": answers,
              "expected_lift": CONSTANT_LIFT if call.startswith("ship") else 0.0}
    if call == "ship_segments":
        tiers = case.segment_names("chip_tier")
        fields.update(segment_kind="chip_tier", segments=tiers[: max(1, len(tiers) // 2)])
    if call == "extend":
        fields["extend_to"] = day + WEEK
    return Decision(**fields)


def one(path: str, seed: int, devices: int | None) -> dict[str, float]:
    """Every strategy's total on one case and seed."""
    case = load_scenario(path)
    result = simulate(case, seed=seed, devices=devices)
    design = design_comparison(result)
    right = right_call(result)
    readouts = {}

    def at(day):
        if day not in readouts:
            run = run_through(result, day)
            readouts[day] = (run, analyse(run))
        return readouts[day]

    def total(decision):
        run, report = at(decision.decision_day)
        return score(decision, result, report, right, run, design).total

    day = min(case.experiment.decision_day, result.days)
    run, report = at(day)
    totals = {"a: right call": total(right.model_copy(update={
        "decision_day": day, "answers": readout_answers(report)}))}
    rule = decide(report, decision_day=day, result=run)
    totals["c: data rule"] = total(rule.model_copy(update={"answers": readout_answers(report)}))
    rng = np.random.default_rng(seed)
    for call in ("ship_all", "ship_segments", "iterate", "rollback", "extend"):
        for style in ("random answers", "no answers"):
            answers = _random_answers(rng, result) if style == "random answers" else Answers()
            first = 1
            if call == "extend":  # extend week after week until the run ends, then stop there
                while first + WEEK <= result.days:
                    first += WEEK
            totals[f"b: {call} at day 1, {style}"] = total(_constant(call, result, first, answers))
    return {"case": case.meta.id, **totals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--devices", type=int, help="fleet size (default: each case's own)")
    parser.add_argument("--case", action="append", help="a case id (default: every case)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    paths = [str(p) for p in case_paths(ROOT / "scenarios")
             if args.case is None or p.stem in args.case]
    jobs = [(path, seed, args.devices) for path in paths for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(one, *zip(*jobs, strict=True)))
    strategies = [key for key in rows[0] if key != "case"]
    cases = list(dict.fromkeys(row["case"] for row in rows))
    print("| strategy | mean | " + " | ".join(f"`{c}`" for c in cases) + " |")
    print("|---|---|" + "---|" * len(cases))
    means = {}
    for strategy in strategies:
        per_case = [statistics.mean(r[strategy] for r in rows if r["case"] == c) for c in cases]
        means[strategy] = statistics.mean(r[strategy] for r in rows)
        print(f"| {strategy} | **{means[strategy]:.0f}** | "
              + " | ".join(f"{v:.0f}" for v in per_case) + " |")
    right, rule = means["a: right call"], means["c: data rule"]
    blind = max(v for k, v in means.items() if k.startswith("b:"))
    met = right >= 90 and blind <= 40 and blind < rule < right
    print(f"(a) {right:.0f} >= 90, every (b) <= 40 (highest {blind:.0f}), (c) {rule:.0f} between: "
          f"{'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
