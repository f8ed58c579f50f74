"""The study rooms' commands: export a revealed room's ``board``, or a ``class`` - every member
of its revealed rooms (the store of ``$LAUNCHROOM_DB_URL`` or ``$LAUNCHROOM_DB``)."""

from __future__ import annotations

import argparse
import json
import sys

from sim import messages
from sim.cli.common import number


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
        right=truth.get("right_label", "?"), true_lift=number(truth.get("true_lift"), "+.2%")))
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


COMMANDS = {"board": _board, "class": _class}
