"""The command line: ``python -m sim list | validate | run``.

Bad input gets one line on stderr naming the problem and exit code 2, never a traceback.

>>> main(["validate", "scenarios/aa_test.toml"])
ok: scenarios/aa_test.toml
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim import messages
from sim.errors import LaunchRoomError, ScenarioError
from sim.scenario import Scenario, case_paths, load_scenario, parse_overrides

CASES_FOLDER = Path(__file__).resolve().parent.parent / "scenarios"
EXIT_BAD_INPUT = 2
# Runs shorter than this finish before a progress bar would be worth drawing.
_PROGRESS_FROM_DEVICES = 200_000


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim", description="Launch Room's headless simulator.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list the cases in the case library")
    listing.add_argument("--folder", type=Path, default=CASES_FOLDER, help="case folder")

    validate = commands.add_parser("validate", help="check case files and report every problem")
    validate.add_argument("files", nargs="+", help="case files (.toml)")

    run = commands.add_parser("run", help="simulate a case and print a summary")
    run.add_argument("case", help="a case file, or the id of a case in scenarios/")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--devices", type=int, help="fleet size (default: the case's)")
    run.add_argument("--days", type=int, help="days to simulate (default: the case's)")
    run.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a setting, e.g. feature.quantization=int4 (repeatable)",
    )
    run.add_argument("--out", type=Path, help="save every table as Parquet in this folder")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def resolve_case(name: str, folder: Path = CASES_FOLDER) -> Scenario:
    """Load a case from a file path, or by id from the case library.

    >>> resolve_case("aa_test").meta.id
    'aa_test'
    """
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load_scenario(path)
    candidate = folder / f"{name}.toml"
    if candidate.is_file():
        return load_scenario(candidate)
    known = ", ".join(p.stem for p in case_paths(folder)) or "(none)"
    raise ScenarioError(messages.UNKNOWN_CASE.format(name=name, known=known))


def _list(args: argparse.Namespace) -> int:
    paths = case_paths(args.folder)
    if not paths:
        raise ScenarioError(messages.NO_CASES.format(folder=args.folder))
    for path in paths:
        try:
            case = load_scenario(path)
        except ScenarioError as error:
            print(f"{path.stem:<24} (invalid) {error}")
            continue
        stars = "*" * case.meta.difficulty
        print(f"{case.meta.id:<24} {stars:<4} {case.meta.title}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        try:
            load_scenario(name)
        except ScenarioError as error:
            failed += 1
            print(f"error: {error}", file=sys.stderr)
        else:
            print(f"ok: {name}")
    return EXIT_BAD_INPUT if failed else 0


def _run(args: argparse.Namespace) -> int:
    from sim.simulation import simulate

    case = resolve_case(args.case).with_knobs(parse_overrides(args.overrides))
    devices = args.devices if args.devices is not None else case.fleet.size
    bar = None
    progress = None
    if devices >= _PROGRESS_FROM_DEVICES:
        from tqdm import tqdm

        bar = tqdm(total=100, desc=case.meta.id, unit="%", file=sys.stderr, leave=False,
                   mininterval=0.5)

        def progress(fraction: float, message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(round(fraction * 100) - bar.n)

    try:
        result = simulate(case, seed=args.seed, devices=args.devices, days=args.days,
                          progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if args.out is not None:
        result.save(args.out)
    summary = result.summary()
    if args.out is not None:
        summary["saved_to"] = str(args.out)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(_human_summary(summary))
    return 0


def _human_summary(summary: dict) -> str:
    primary = summary["observed_primary"]
    rollout = "rolled back" if summary["rolled_back"] else (
        "halted by a gate" if summary["halted"] else "completed")
    lines = [
        f"{summary['case']}  seed {summary['seed']}  {summary['devices']:,} devices x "
        f"{summary['days']} days  ({summary['seconds']:.2f} s)",
        f"  arms: {summary['control_devices']:,} control, "
        f"{summary['treatment_devices']:,} treatment",
        f"  rollout {rollout}; {summary['installed_share_of_treatment']:.1%} of treatment "
        f"installed, {summary['install_failures']:,} install failures, "
        f"{summary['gate_breaches']} gate breaches",
        f"  {summary['primary_metric']} per device (observed): control "
        f"{primary['control_mean']:.3f}, treatment {primary['treatment_mean']:.3f}",
    ]
    if summary.get("saved_to"):
        lines.append(f"  tables saved to {summary['saved_to']}")
    return "\n".join(lines)


_COMMANDS = {"list": _list, "validate": _validate, "run": _run}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except LaunchRoomError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
