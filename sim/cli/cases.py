"""The case library's commands: ``list`` the cases, ``validate`` case files."""

from __future__ import annotations

import argparse
import sys

from sim import messages
from sim.case.library import CASES_FOLDER, case_paths
from sim.case.scenario import load_scenario
from sim.cli.common import EXIT_BAD_INPUT, saved_cases
from sim.errors import ScenarioError


def _list(args: argparse.Namespace) -> int:
    folder = CASES_FOLDER if args.folder is None else args.folder
    paths = case_paths(folder)
    if not paths:
        raise ScenarioError(messages.NO_CASES.format(folder=folder))
    if args.folder is None:
        built_in = {path.stem for path in paths}
        paths += [path for path in case_paths(saved_cases()) if path.stem not in built_in]
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


COMMANDS = {"list": _list, "validate": _validate}
