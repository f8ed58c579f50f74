"""What the commands share: the exit code for bad input, the cases saved on this server, the
run the arguments describe, and numbers as the tables print them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.case.knobs import parse_overrides
from sim.case.library import resolve_case

EXIT_BAD_INPUT = 2
# Runs shorter than this finish before a progress bar would be worth drawing.
_PROGRESS_FROM_DEVICES = 200_000


def saved_cases() -> Path:
    """The folder of the cases saved on this server (imported here: the store is heavy).

    >>> saved_cases().is_absolute()
    True
    """
    from sim.rooms.database import cases_folder

    return cases_folder()


def simulate_case(args: argparse.Namespace):
    """The run the arguments describe (case, --set, --seed, --devices, --days), with a
    progress bar on stderr for a long one.

    >>> args = argparse.Namespace(case="aa_test", variant=0, overrides=[], seed=1, devices=1_000,
    ...                           days=5)
    >>> simulate_case(args).summary()["devices"]
    1000
    """
    from sim.engine.simulation import simulate

    case = resolve_case(args.case, saved=saved_cases()).variant(args.variant).with_knobs(
        parse_overrides(args.overrides))
    devices = args.devices if args.devices is not None else case.fleet.size
    bar = None
    progress = None
    if isinstance(devices, int) and devices >= _PROGRESS_FROM_DEVICES:
        from tqdm import tqdm

        bar = tqdm(total=100, desc=case.meta.id, unit="%", file=sys.stderr, leave=False,
                   mininterval=0.5)

        def progress(fraction: float, message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(round(fraction * 100) - bar.n)

    try:
        return simulate(case, seed=args.seed, devices=args.devices, days=args.days,
                        progress=progress)
    finally:
        if bar is not None:
            bar.close()


def variant_words(variant: int) -> str:
    """`` variant K`` for a variant, nothing for the case as written.

    >>> variant_words(3), variant_words(0)
    (' variant 3', '')
    """
    return f" variant {variant}" if variant else ""


def number(value, spec: str) -> str:
    """A number of the JSON payload as text; ``n/a`` where it is null (undefined).

    >>> number(0.01234, "+.2%"), number(None, "+.2%")
    ('+1.23%', 'n/a')
    """
    return "n/a" if value is None else format(value, spec)
