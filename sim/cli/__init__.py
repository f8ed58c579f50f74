"""The command line: ``python -m sim list | validate | run | export | analyse | score | sweep |
board | class``.

Bad input gets one line on stderr naming the problem and exit code 2, never a traceback.
:func:`main` parses the arguments (:mod:`sim.cli.parser`) and runs the command: the case
library's (:mod:`sim.cli.cases`: list, validate), a run's (:mod:`sim.cli.runs`: run, export,
analyse), scoring a decision (:mod:`sim.cli.scoring`: score), sweeps (:mod:`sim.cli.sweeps`:
sweep) and the study rooms' (:mod:`sim.cli.rooms`: board, class); what they share is
:mod:`sim.cli.common`.

>>> main(["validate", "scenarios/aa_test.toml"])
ok: scenarios/aa_test.toml
0
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sim.cli import cases, rooms, runs, scoring, sweeps
from sim.cli.common import EXIT_BAD_INPUT
from sim.cli.parser import build_parser
from sim.errors import LaunchRoomError

_COMMANDS = {**cases.COMMANDS, **runs.COMMANDS, **scoring.COMMANDS, **sweeps.COMMANDS,
             **rooms.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except LaunchRoomError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
