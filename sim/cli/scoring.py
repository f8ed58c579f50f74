"""The ``score`` command: a decision file scored on a run - the call, the questions, the
design and the debrief."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim import messages
from sim.analysis.frame import to_plain
from sim.cli.common import simulate_case
from sim.errors import LaunchRoomError


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
    result = simulate_case(args)
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


COMMANDS = {"score": _score}
