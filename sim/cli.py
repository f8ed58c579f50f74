"""The command line: ``python -m sim list | validate | run | export | analyse | score | sweep |
board | class``.

Bad input gets one line on stderr naming the problem and exit code 2, never a traceback.

>>> main(["validate", "scenarios/aa_test.toml"])
ok: scenarios/aa_test.toml
0
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim import messages
from sim.analysis.frame import to_plain
from sim.case.knobs import parse_knob_value, parse_overrides
from sim.case.library import CASES_FOLDER, case_paths, resolve_case
from sim.case.scenario import load_scenario
from sim.errors import LaunchRoomError, ScenarioError

EXIT_BAD_INPUT = 2
# Runs shorter than this finish before a progress bar would be worth drawing.
_PROGRESS_FROM_DEVICES = 200_000
# A sweep's progress bar shows once it has run this long.
_SWEEP_BAR_DELAY_S = 1.0


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
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
    run.add_argument("--variant", type=int, default=0, metavar="K",
                     help="the case's variant K (default 0: the case file as written)")
    run.add_argument("--devices", type=int, help="fleet size (default: the case's)")
    run.add_argument("--days", type=int, help="days to simulate (default: the case's)")
    run.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a setting, e.g. feature.quantization=int4 (repeatable)",
    )
    run.add_argument("--out", type=Path, help="save every table as Parquet in this folder")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")

    export = commands.add_parser(
        "export", help="simulate a case and export the run: tables as CSV and Parquet, a data "
                       "dictionary, the case and a starter notebook"
    )
    export.add_argument("case", help="a case file, or the id of a case in scenarios/")
    export.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    export.add_argument("--variant", type=int, default=0, metavar="K",
                     help="the case's variant K (default 0: the case file as written)")
    export.add_argument("--devices", type=int, help="fleet size (default: the case's)")
    export.add_argument("--days", type=int, help="days to simulate (default: the case's)")
    export.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a setting, e.g. feature.quantization=int4 (repeatable)",
    )
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
    score.add_argument("--variant", type=int, default=0, metavar="K",
                     help="the case's variant K (default 0: the case file as written)")
    score.add_argument("--devices", type=int, help="fleet size (default: the case's)")
    score.add_argument("--days", type=int, help="days to simulate (default: the case's)")
    score.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a setting, e.g. feature.quantization=int4 (repeatable)",
    )
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
    sweep.add_argument("--variant", type=int, default=0, metavar="K",
                     help="the case's variant K (default 0: the case file as written)")
    sweep.add_argument("--devices", type=int, help="fleet size (default: the case's)")
    sweep.add_argument("--days", type=int, help="days to simulate (default: the case's)")
    sweep.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="fix a setting for every run, e.g. feature.quantization=int4 (repeatable)",
    )
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


def _saved_cases() -> Path:
    """The folder of the cases saved on this server (imported here: the store is heavy)."""
    from sim.rooms.database import cases_folder

    return cases_folder()


def _list(args: argparse.Namespace) -> int:
    folder = CASES_FOLDER if args.folder is None else args.folder
    paths = case_paths(folder)
    if not paths:
        raise ScenarioError(messages.NO_CASES.format(folder=folder))
    if args.folder is None:
        built_in = {path.stem for path in paths}
        paths += [path for path in case_paths(_saved_cases()) if path.stem not in built_in]
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


def _simulate(args: argparse.Namespace):
    """The run the arguments describe (case, --set, --seed, --devices, --days), with a
    progress bar on stderr for a long one."""
    from sim.engine.simulation import simulate

    case = resolve_case(args.case, saved=_saved_cases()).variant(args.variant).with_knobs(
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


def _run(args: argparse.Namespace) -> int:
    result = _simulate(args)
    if args.out is not None:
        result.save(args.out)
    summary = result.summary()
    if args.out is not None:
        summary["saved_to"] = str(args.out)
    if args.json:
        print(json.dumps(to_plain(summary), indent=2, allow_nan=False))
    else:
        print(_human_summary(summary))
    return 0


def _variant_words(variant: int) -> str:
    """`` variant K`` for a variant, nothing for the case as written."""
    return f" variant {variant}" if variant else ""


def _human_summary(summary: dict) -> str:
    primary = summary["observed_primary"]
    rollout = "rolled back" if summary["rolled_back"] else (
        "halted by a gate" if summary["halted"] else "completed")
    lines = [
        f"{summary['case']}{_variant_words(summary['variant'])}  seed {summary['seed']}  "
        f"{summary['devices']:,} devices x "
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


def _read_decision(path: Path):
    """The decision in a JSON file, or one line naming what is wrong with it."""
    from sim.decide.decision import Decision

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LaunchRoomError(messages.FILE_NOT_FOUND.format(path=path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LaunchRoomError(messages.DECISION_FILE_UNREADABLE.format(
            path=path, detail=str(error).splitlines()[0])) from None
    if not isinstance(data, dict):
        raise LaunchRoomError(messages.DECISION_FILE_NOT_OBJECT.format(path=path))
    return Decision.from_dict(data)


def _score(args: argparse.Namespace) -> int:
    from sim.decide.scorecard import score

    decision = _read_decision(args.decision)  # before simulating: a bad file fails at once
    result = _simulate(args)
    decision.check_segments(result.scenario)
    card = score(decision, result)
    payload = scorecard_payload(card)
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        print(_human_scorecard(payload))
    return 0


def scorecard_payload(card) -> dict:
    """The scorecard as the command line's JSON: ``total``, ``items``, ``right_call``,
    ``supported_call``, ``questions``, ``design`` and ``debrief``."""
    plain = to_plain(card)
    design = plain["design"]
    return {
        "total": plain["total"],
        "summary": plain["summary"],
        "items": plain["items"],
        "right_call": {"call": plain["right_call"], "label": plain["right_label"],
                       "segment_kind": plain["right_segment_kind"],
                       "segments": plain["right_segments"]},
        "supported_call": {"call": plain["supported_call"], "label": plain["supported_label"],
                           "decision_day": plain["decision_day"], "lucky": plain["lucky"]},
        "questions": plain["questions"],
        "design": {"fraction": design["fraction"], "reading": design["reading"],
                   "yours": design["yours"], "best": design["best"],
                   "designs": design["designs"]},
        "debrief": plain["debrief"],
        "true_lift": plain["true_lift"],
        "days_to_ship": plain["days_to_ship"],
    }


def _human_scorecard(payload: dict) -> str:
    lines = [payload["summary"]]
    for item in payload["items"]:
        lines.append(f"  {item['criterion']:<12}{item['points']:>5.1f} / {item['max_points']:<4.0f}"
                     f" {item['explanation']}")
    debrief = payload["debrief"]
    lines += [f"Model answer: {debrief['model_call']}. {debrief['model_answer']}",
              f"Next time: {debrief['next_time']}"]
    return "\n".join(lines)


def _export(args: argparse.Namespace) -> int:
    from sim.export.dataset import check_export_folder, export_files, summary_lines, write_export

    check_export_folder(args.out)  # before simulating: a bad --out fails at once
    result = _simulate(args)
    files = export_files(result)
    write_export(files, args.out)
    print("\n".join(summary_lines(result, args.out, files)))
    return 0


def _analyse(args: argparse.Namespace) -> int:
    from sim.analysis import analyse_table, load_table
    from sim.analysis.table import arm_value
    from sim.engine.result import SimResult
    from sim.readout.report import analyse

    if args.file.is_dir():
        if args.cluster is not None:
            raise LaunchRoomError(messages.CLI_RUN_OPTION.format(option="--cluster"))
        report = analyse(SimResult.load(args.file), alpha=args.alpha, basis=args.basis,
                         cap_percentile=args.cap_percentile, quantiles=args.quantiles,
                         through_day=args.through_day)
        payload = report.to_dict()
    else:
        for option, value in (("--basis", args.basis), ("--through-day", args.through_day)):
            if value is not None:
                raise LaunchRoomError(messages.CLI_TABLE_OPTION.format(option=option))
        table = load_table(args.file)
        report = analyse_table(
            table,
            arm=args.arm,
            control=arm_value(table, args.arm, args.control),
            metrics=args.metrics,
            covariate=args.covariate,
            duration=args.duration,
            event=args.event,
            alpha=args.alpha,
            expected_treatment_share=args.treatment_share,
            cap_percentile=args.cap_percentile,
            quantiles=args.quantiles,
            cluster=args.cluster,
        )
        payload = report.to_dict()
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        print(_human_readout(payload, report.reading))
    return 0


def _number(value, spec: str) -> str:
    """A number of the JSON payload as text; ``n/a`` where it is null (undefined)."""
    return "n/a" if value is None else format(value, spec)


def _interval(pair) -> str:
    return "[n/a]" if pair is None or None in pair else f"[{pair[0]:+.4g}, {pair[1]:+.4g}]"


def _human_readout(payload: dict, reading: str) -> str:
    srm = payload["srm"]
    lines = [
        f"SRM: chi2 {_number(srm['chi2'], '.3g')}, p {_number(srm['p_value'], '.3g')} "
        f"({srm['n_control']:,} control, {srm['n_treatment']:,} treatment)",
        f"{'metric':<18}{'control':>12}{'treatment':>12}{'abs diff':>12}  {'95% CI':<24}"
        f"{'rel lift':>9}  p-value",
    ]
    for name, entry in payload["metrics"].items():
        for label, values in ((name, entry), ("  cuped", entry.get("cuped")),
                              ("  capped", entry.get("capped"))):
            if not values or "control_mean" not in values:
                continue
            lines.append(
                f"{label:<18}{_number(values['control_mean'], '>12.4g')}"
                f"{_number(values['treatment_mean'], '>12.4g')}"
                f"{_number(values['abs_diff'], '>+12.4g')}  {_interval(values['abs_ci']):<24}"
                f"{_number(values['rel_lift'], '+.2%'):>9}  {_number(values['p_value'], '.3g')}"
            )
        for label, values in (entry.get("quantiles") or {}).items():
            lines.append(
                f"{'  ' + label:<18}{_number(values['control'], '>12.4g')}"
                f"{_number(values['treatment'], '>12.4g')}"
                f"{_number(values['diff'], '>+12.4g')}  {_interval(values['ci']):<24}"
                f"{_number(values['rel_diff'], '+.2%'):>9}  {_number(values['p_value'], '.3g')}"
            )
    retention = payload.get("retention")
    if retention:
        lines.append(
            f"retention: log-rank chi2 {_number(retention['logrank_chi2'], '.3g')}, p "
            f"{_number(retention['logrank_p'], '.3g')}; hazard ratio "
            f"{_number(retention['hazard_ratio'], '.3g')} "
            f"{_interval(retention['hazard_ratio_ci'])}"
        )
    for name, reason in (payload.get("unavailable") or {}).items():
        lines.append(messages.READING_UNAVAILABLE.format(what=name, reason=reason))
    if payload.get("skipped_columns"):
        lines.append(messages.COLUMNS_SKIPPED.format(columns=", ".join(payload["skipped_columns"])))
    lines.append(reading)
    return "\n".join(lines)


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
    case = resolve_case(args.case, saved=_saved_cases()).variant(args.variant).with_knobs(
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
    print(f"{case.meta.id}{_variant_words(case.variant_number)}: {total:,} runs ({len(spec.points)} grid point"
          f"{'' if len(spec.points) == 1 else 's'} x {len(spec.runs):,} seeds) in "
          f"{seconds:.1f} s; primary metric {case.experiment.primary_metric}, "
          f"alpha {case.experiment.alpha:g}")
    print(format_summary(summarise(frame)))
    if args.out is not None:
        print(f"rows saved to {args.out}")
    return 0


def _secret(text: str) -> str:
    """The token given on the command line, or read from standard input for ``-``."""
    from sim.rooms.codes import token_from

    return token_from(sys.stdin.readline() if text == "-" else text)


def _board(args: argparse.Namespace) -> int:
    from sim.rooms import RoomStore
    from sim.rooms.export import board_frame, export_text

    with RoomStore() as store:
        board = store.export_board(args.code, _secret(args.token))
    frame = board_frame([board])
    if args.form is not None:
        about = {"room": board.room.display_code, "case": board.room.case_id,
                 "seed": board.room.seed, "devices": board.room.devices,
                 "truth": board.truth}
        sys.stdout.write(export_text(frame, args.form, about))
        return 0
    truth = board.truth or {}
    print(messages.CLI_BOARD_HEADER.format(
        code=board.room.display_code, case=board.room.case_id, seed=board.room.seed,
        devices=board.room.devices, submitted=len(frame), members=len(board.entries),
        right=truth.get("right_label", "?"), true_lift=_number(truth.get("true_lift"), "+.2%")))
    _print_members(frame, ["member"])
    return 0


def _print_members(frame, first: list[str]) -> None:
    if len(frame):
        shown = frame[[*first, "call", "expected_lift", "true_lift", "score", "decision_day"]]
        print(shown.to_string(index=False, na_rep="n/a"))


def _class(args: argparse.Namespace) -> int:
    from sim.rooms import RoomStore
    from sim.rooms.classes import class_frame, room_summary
    from sim.rooms.export import export_text

    with RoomStore() as store:
        view = store.class_view(args.name, _secret(args.token))
    frame = class_frame(view)
    rooms = room_summary(view, frame)
    if args.form is not None:
        about = {"class": view.name, "created": view.created.isoformat(),
                 "rooms": json.loads(rooms.to_json(orient="records"))}
        sys.stdout.write(export_text(frame, args.form, about))
        return 0
    print(messages.CLI_CLASS_HEADER.format(
        name=view.name, rooms=len(view.boards), revealed=len(view.revealed),
        members=sum(len(board.entries) for board in view.boards), submitted=len(frame)))
    for room in rooms.itertuples():
        state = (messages.CLI_ROOM_REVEALED.format(right=room.right_call) if room.revealed
                 else messages.CLI_ROOM_OPEN)
        print(messages.CLI_CLASS_ROOM.format(code=room.room, case=room.case, state=state,
                                             submitted=room.submitted, members=room.members))
    _print_members(frame, ["room", "member"])
    return 0


_COMMANDS = {"list": _list, "validate": _validate, "run": _run, "export": _export,
             "analyse": _analyse, "score": _score, "sweep": _sweep, "board": _board,
             "class": _class}


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
