"""Grading a study room: every member's decision scored on the room's seeded run.

The store calls :func:`score_room` (or any stand-in with the same signature,
:data:`~sim.rooms.board.ScoreFn`) when the facilitator reveals.

>>> from datetime import UTC, datetime
>>> from sim.decide import Decision
>>> room = Room("K7MQ3XHD", "aa_test", {}, 3, 2_000, datetime(2026, 1, 1, tzinfo=UTC))
>>> scores = score_room(room, [Decision(call="iterate", expected_lift=0.0, decision_day=28)])
>>> scores.truth["right_call"], scores.cards[0]["total"] > 50
('iterate', True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sim.case.library import load_case
from sim.decide.decision import Decision, right_call
from sim.decide.design import DesignComparison, design_comparison
from sim.decide.scorecard import score
from sim.engine.simulation import simulate
from sim.engine.truth import TruthTable
from sim.errors import LaunchRoomError, ScenarioError
from sim.readout.report import analyse, run_through
from sim.rooms.board import Room, Scores
from sim.rooms.database import cases_folder

if TYPE_CHECKING:
    from sim.case.scenario import Scenario
    from sim.engine.result import SimResult
    from sim.readout.report import Report


def room_case(case_id: str) -> Scenario:
    """A room's case: from the built-in library, else from the cases saved on this server
    (:func:`~sim.rooms.database.cases_folder`).

    >>> room_case("aa_test").meta.id
    'aa_test'
    """
    try:
        return load_case(case_id)
    except ScenarioError:
        return load_case(case_id, cases_folder())


def score_room(room: Room, decisions: Sequence[Decision], *, scenario: Scenario | None = None,
               run: SimResult | None = None,
               design: DesignComparison | None = None) -> Scores:
    """Score every decision on the room's seeded run against its hidden truth, each on the
    readout through its own decision day.

    The run is ``sim.simulate(case.variant(room.variant).with_knobs(room.knobs), room.seed,
    room.devices)``; pass
    ``run`` (and its ``design`` comparison) to reuse what the app has cached, or ``scenario``
    to use a case from elsewhere (by default the built-in library, then the cases saved on
    this server). A decision that cannot be scored (a segment the case does not have) gets a
    card with ``total`` ``None`` and the reason.
    """
    if run is None:
        case = scenario if scenario is not None else room_case(room.case_id)
        run = simulate(case.variant(room.variant).with_knobs(room.knobs), seed=room.seed,
                       devices=room.devices)
    result = run
    right = right_call(result)
    design = design_comparison(result) if design is None else design
    metric = result.scenario.experiment.primary_metric
    readouts: dict[int, tuple[SimResult, Report]] = {}
    cards: list[Mapping[str, Any]] = []
    for decision in decisions:
        try:
            day = min(decision.decision_day, result.days)
            if day not in readouts:
                early = run_through(result, day)
                readouts[day] = (early, analyse(early))
            early, report = readouts[day]
            cards.append(score(decision, result, report, right, early, design).to_dict())
        except LaunchRoomError as error:
            cards.append({"total": None, "error": str(error)})
    fleet_lift = TruthTable(result.truth).rel(metric)
    truth = {
        "case_id": room.case_id,
        "variant": room.variant,
        "primary_metric": metric,
        "right_call": right.call,
        "right_label": right.label(),
        "right_segment_kind": right.segment_kind,
        "right_segments": list(right.segments),
        "right_lift": right.expected_lift,
        "true_lift": fleet_lift if math.isfinite(fleet_lift) else None,
        "reason": right.memo,
    }
    return Scores(truth=truth, cards=cards)


