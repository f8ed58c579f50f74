"""The ``sweep`` command: a case replicated across seeds and knob grids, one row per run."""

from __future__ import annotations

import argparse
import sys
import time

from sim import messages
from sim.case.knobs import parse_knob_value, parse_overrides
from sim.case.library import resolve_case
from sim.cli.common import saved_cases, variant_words
from sim.errors import LaunchRoomError

# A sweep's progress bar shows once it has run this long.
_SWEEP_BAR_DELAY_S = 1.0


def _grid(items: list[str]) -> dict[str, list]:
    """``["a.b=1,2", "days=7,14"]`` as ``{"a.b": [1, 2], "days": [7, 14]}``."""
    grid: dict[str, list] = {}
    for item in items:
        path, sep, values = item.partition("=")
        parts = [part.strip() for part in values.split(",")]
        if not sep or not path.strip() or not all(parts):
            raise LaunchRoomError(messages.SWEEP_GRID_FORMAT.format(text=item))
        grid[path.strip()] = [parse_knob_value(part) for part in parts]
    return grid


def _sweep(args: argparse.Namespace) -> int:
    from sim.sweeps import build_spec, format_summary, run_spec, summarise

    if args.out is not None and args.out.suffix.lower() not in (".csv", ".parquet"):
        raise LaunchRoomError(messages.SWEEP_OUT_FORMAT.format(path=args.out))
    case = resolve_case(args.case, saved=saved_cases()).variant(args.variant).with_knobs(
        parse_overrides(args.overrides))
    spec = build_spec(case, seeds=args.seeds, grid=_grid(args.grid), devices=args.devices,
                      days=args.days, metrics=args.metrics, call=args.call,
                      base_seed=args.base_seed)
    from tqdm import tqdm

    total = len(spec.tasks())
    started = time.perf_counter()
    # The bar shows once the sweep has run for a second (nothing is drawn for a sweep that
    # fails to start, such as an unreachable scheduler).
    with tqdm(total=total, desc=f"sweep {case.meta.id}", unit="run", file=sys.stderr,
              leave=False, mininterval=0.5, delay=_SWEEP_BAR_DELAY_S) as bar:

        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.n)

        frame = run_spec(spec, workers=args.workers, scheduler=args.scheduler,
                         progress=progress)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix.lower() == ".csv":
            frame.to_csv(args.out, index=False)
        else:
            frame.to_parquet(args.out, index=False)
    seconds = time.perf_counter() - started
    print(f"{case.meta.id}{variant_words(case.variant_number)}: {total:,} runs ({len(spec.points)} grid point"
          f"{'' if len(spec.points) == 1 else 's'} x {len(spec.runs):,} seeds) in "
          f"{seconds:.1f} s; primary metric {case.experiment.primary_metric}, "
          f"alpha {case.experiment.alpha:g}")
    print(format_summary(summarise(frame)))
    if args.out is not None:
        print(f"rows saved to {args.out}")
    return 0


COMMANDS = {"sweep": _sweep}
