"""The command line's arguments: a sub-command each for list, validate, run, export, analyse,
score, sweep, board and class; a usage error is one line and exit code 2."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from sim.cli.common import EXIT_BAD_INPUT


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m sim``'s arguments.

    >>> args = build_parser().parse_args(["run", "aa_test", "--seed", "3", "--set", "days=7"])
    >>> args.command, args.case, args.seed, args.overrides
    ('run', 'aa_test', 3, ['days=7'])
    """
    parser = _Parser(prog="python -m sim", description="Launch Room's headless simulator.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list the cases in the case library")
    listing.add_argument("--folder", type=Path,
                         help="a case folder (default: the built-in cases, then the cases saved "
                              "on this server: LAUNCHROOM_CASES, or cases/ beside the rooms "
                              "database)")

    validate = commands.add_parser("validate", help="check case files and report every problem")
    validate.add_argument("files", nargs="+", help="case files (.toml)")

    run = commands.add_parser("run", help="simulate a case and print a summary")
    run.add_argument("case", help="a case file, or the id of a case in scenarios/")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _setting_arguments(run)
    run.add_argument("--out", type=Path, help="save every table as Parquet in this folder")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")

    export = commands.add_parser(
        "export", help="simulate a case and export the run: tables as CSV and Parquet, a data "
                       "dictionary, the case and a starter notebook"
    )
    export.add_argument("case", help="a case file, or the id of a case in scenarios/")
    export.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _setting_arguments(export)
    export.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="the folder to write (new, empty, or an earlier export)")

    analyse = commands.add_parser(
        "analyse", help="analyse an experiment table (CSV or Parquet) or a saved run folder"
    )
    analyse.add_argument("file", type=Path, help="a .csv or .parquet table, or a run --out folder")
    analyse.add_argument("--arm", default="arm", help="the arm column (default: arm)")
    analyse.add_argument("--control", help="the control arm's value (default: 'control')")
    analyse.add_argument("--metric", dest="metrics", action="append", metavar="COL",
                         help="a metric column (repeatable; default: every numeric column)")
    analyse.add_argument("--covariate", metavar="COL", help="pre-period baseline for CUPED")
    analyse.add_argument("--duration", metavar="COL", help="time to event, for retention")
    analyse.add_argument("--event", metavar="COL", help="1 if the event happened, for retention")
    analyse.add_argument("--treatment-share", type=float, default=0.5,
                         help="planned treatment share for the SRM check (default 0.5)")
    analyse.add_argument("--alpha", type=float, default=0.05, help="significance level")
    analyse.add_argument("--basis", help="who a saved run's readout analyses: assigned, "
                                         "offered, installed, seen or reporting devices "
                                         "(default: the case's plan)")
    analyse.add_argument("--through-day", type=int, metavar="N",
                         help="read a saved run as the analyst had it at the end of day N "
                              "(the same fleet re-simulated to day N)")
    analyse.add_argument("--cap-percentile", type=float, metavar="P",
                         help="also read each non-binary metric capped at its P-th percentile "
                              "(winsorised), e.g. 99.9")
    analyse.add_argument("--quantile", dest="quantiles", type=float, action="append",
                         metavar="Q", default=[],
                         help="also read the change in each non-binary metric's Q-quantile "
                              "(repeatable; 0.5 is the median)")
    analyse.add_argument("--cluster", metavar="COL",
                         help="a table's column of randomised clusters (households): every "
                              "reading's errors cluster on it")
    analyse.add_argument("--json", action="store_true", help="print one JSON object")

    score = commands.add_parser(
        "score", help="score a decision file on a run: the call, the questions, the design, "
                      "the debrief"
    )
    score.add_argument("case", help="a case file, or the id of a case in scenarios/")
    score.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _setting_arguments(score)
    score.add_argument("--decision", type=Path, required=True, metavar="FILE",
                       help="a JSON file with the fields of sim.Decision (call, expected_lift, "
                            "decision_day, and optionally segment_kind, segments, answers, "
                            "quantization, lowest_tier, extend_to, memo)")
    score.add_argument("--json", action="store_true", help="print the scorecard as JSON")

    sweep = commands.add_parser(
        "sweep", help="replicate a case across seeds and knob grids, one row per run"
    )
    sweep.add_argument("case", help="a case file, or the id of a case in scenarios/")
    sweep.add_argument("--seeds", type=int, required=True, metavar="N",
                       help="replications per grid point (runs 0..N-1)")
    sweep.add_argument("--base-seed", type=int, default=0,
                       help="the sweep's seed; run i simulates with a seed derived from "
                            "(base seed, i) (default 0)")
    _setting_arguments(
        sweep, "fix a setting for every run, e.g. feature.quantization=int4 (repeatable)")
    sweep.add_argument(
        "--grid", action="append", default=[], metavar="PATH=V1,V2",
        help="values to sweep; repeat for a grid (PATH may also be devices or days)",
    )
    sweep.add_argument("--workers", type=int, help="worker processes (default: every core)")
    sweep.add_argument("--scheduler", metavar="ADDR",
                       help="'local' for a Dask LocalCluster, or tcp://host:8786 for a cluster")
    sweep.add_argument("--call", choices=("lean", "full", "none"), default="lean",
                       help="the decision rule's call per run: lean (default), full "
                            "(analyse + decide, slower) or none")
    sweep.add_argument("--metric", dest="metrics", action="append", default=[], metavar="NAME",
                       help="also read out this metric's lift (repeatable)")
    sweep.add_argument("--out", type=Path, help="save every row as .csv or .parquet")

    board = commands.add_parser(
        "board", help="export a revealed study room's board: one row per member (the store of "
                      "LAUNCHROOM_DB_URL or LAUNCHROOM_DB)"
    )
    board.add_argument("code", help="the room code, e.g. K7MQ-3XHD")
    _token_argument(board, "the room's facilitator token or facilitator link")
    _format_arguments(board)

    klass = commands.add_parser(
        "class", help="export a class: every member of its revealed rooms, one row per member "
                      "and room (the store of LAUNCHROOM_DB_URL or LAUNCHROOM_DB)"
    )
    klass.add_argument("name", help="the class's name (quote it if it has spaces)")
    _token_argument(klass, "the teacher's secret given when the class was created")
    _format_arguments(klass)
    return parser


def _setting_arguments(parser: argparse.ArgumentParser,
                       set_help: str = "override a setting, e.g. feature.quantization=int4 (repeatable)") -> None:
    """What a simulated run is set to: the case's variant, the fleet size, the days and
    ``--set`` overrides (``set_help`` says what an override does)."""
    parser.add_argument("--variant", type=int, default=0, metavar="K",
                        help="the case's variant K (default 0: the case file as written)")
    parser.add_argument("--devices", type=int, help="fleet size (default: the case's)")
    parser.add_argument("--days", type=int, help="days to simulate (default: the case's)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="PATH=VALUE", help=set_help)


def _token_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--token", required=True,
                        help=f"{what}; - reads it from standard input (keeps it out of the "
                             "shell history and the process list)")


def _format_arguments(parser: argparse.ArgumentParser) -> None:
    forms = parser.add_mutually_exclusive_group()
    forms.add_argument("--csv", dest="form", action="store_const", const="csv",
                       help="every column as CSV (spreadsheet-safe)")
    forms.add_argument("--json", dest="form", action="store_const", const="json",
                       help="every column as JSON")
