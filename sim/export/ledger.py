"""The impact ledger: one row per decided case - feature, KPI, change in % with its interval,
days to ship, the data pipeline the person owned - as a table or CSV text.

>>> from sim import load_scenario, simulate, analyse
>>> from sim.decide import Decision
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=5_000)
>>> decision = Decision(call="ship_all", expected_lift=0.02, decision_day=28)
>>> ledger_csv([ledger_row(decision, analyse(result), result)]).splitlines()[0]
'feature,kpi,change_pct,change_low_pct,change_high_pct,days_to_ship,data_owned,case,call,shipped_to,reach_pct'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim import messages
from sim.analysis.segments import pooled_segment_lift
from sim.decide.decision import SHIP_CALLS, Decision
from sim.decide.scorecard import days_to_ship
from sim.decide.words import join_names
from sim.errors import DecisionError
from sim.readout.lean import headline

if TYPE_CHECKING:
    from sim.engine.result import SimResult
    from sim.readout.report import Report

DEFAULT_DATA_OWNED = "device telemetry pipeline"
DATA_OWNED_MAX_CHARS = 200
LEDGER_COLUMNS = (
    "feature",
    "kpi",
    "change_pct",
    "change_low_pct",
    "change_high_pct",
    "days_to_ship",
    "data_owned",
    "case",
    "call",
    "shipped_to",
    "reach_pct",
)


@dataclass(frozen=True)
class LedgerRow:
    """One decided case: feature, KPI, measured change in % (with CI), days to ship, data owned.

    ``days_to_ship`` is ``None`` when nothing shipped; ``reach_pct`` is the share of analysed
    devices the call ships to.
    """

    feature: str
    kpi: str
    change_pct: float
    change_low_pct: float
    change_high_pct: float
    days_to_ship: int | None
    data_owned: str
    case: str
    call: str
    shipped_to: str
    reach_pct: float


def ledger_row(decision: Decision, report: Report, result: SimResult,
               data_owned: str = DEFAULT_DATA_OWNED) -> LedgerRow:
    """The impact-ledger row for one decided case, from the measured lift where it ships.

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=5_000)
    >>> row = ledger_row(Decision(call="ship_segments", segment_kind="chip_tier",
    ...                           segments=["flagship", "upper_mid"], expected_lift=0.05,
    ...                           decision_day=21), analyse(result), result)
    >>> row.kpi, row.days_to_ship, round(row.reach_pct)
    ('sessions', 32, 51)
    """
    owned = " ".join(str(data_owned).split())
    if len(owned) > DATA_OWNED_MAX_CHARS:
        raise DecisionError(messages.DECISION_FIELD.format(
            location="data_owned", detail=f"at most {DATA_OWNED_MAX_CHARS} characters"))
    primary = report.primary_metric
    reach = 1.0 if decision.call == "ship_all" else 0.0
    chosen = []
    if decision.call == "ship_segments" and decision.segment_kind in report.segments:
        lifts = report.segments[decision.segment_kind].segments
        chosen = [s for s in lifts if str(s.segment) in decision.segments]
        total = sum(s.n_control + s.n_treatment for s in lifts) or 1
        reach = sum(s.n_control + s.n_treatment for s in chosen) / total
    if chosen:
        change, (low, high) = pooled_segment_lift(chosen, report.alpha)
    else:
        reading = headline(report)
        change, (low, high) = ((reading.rel_lift, reading.rel_ci) if reading is not None
                               else (math.nan, (math.nan, math.nan)))
    if decision.call == "ship_all":
        shipped_to = "all devices"
    elif decision.call == "ship_segments":
        shipped_to = f"{join_names(decision.segments)} ({decision.segment_kind})"
    else:
        shipped_to = "not shipped"
    return LedgerRow(
        feature=result.scenario.feature.name,
        kpi=primary,
        change_pct=round(100 * float(change), 2),
        change_low_pct=round(100 * float(low), 2),
        change_high_pct=round(100 * float(high), 2),
        days_to_ship=days_to_ship(decision, result),
        data_owned=owned or DEFAULT_DATA_OWNED,
        case=result.scenario.meta.id,
        call=decision.call,
        shipped_to=shipped_to,
        reach_pct=round(100 * reach, 1) if decision.call in SHIP_CALLS else 0.0,
    )


def ledger_frame(rows: Sequence[LedgerRow]) -> pd.DataFrame:
    """The ledger as a table, one row per decided case, in :data:`LEDGER_COLUMNS` order.

    >>> ledger_frame([]).columns.tolist()[:5]
    ['feature', 'kpi', 'change_pct', 'change_low_pct', 'change_high_pct']
    """
    for index, row in enumerate(rows):
        if not isinstance(row, LedgerRow):
            raise DecisionError(messages.LEDGER_ROW_BAD.format(
                index=index, detail=f"expected a LedgerRow, got {type(row).__name__}"))
    frame = pd.DataFrame([asdict(row) for row in rows], columns=list(LEDGER_COLUMNS))
    frame["days_to_ship"] = frame["days_to_ship"].astype("Int64")
    return frame


def ledger_csv(rows: Sequence[LedgerRow]) -> str:
    """The ledger as CSV text; text cells that a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-`` or ``@``) are prefixed with ``'``.

    >>> row = LedgerRow("Night mode", "sessions", 2.9, 0.4, 5.4, 38, "=HYPERLINK()",
    ...                 "camera_night_mode", "ship_all", "all devices", 100.0)
    >>> ledger_csv([row]).splitlines()[1]
    "Night mode,sessions,2.9,0.4,5.4,38,'=HYPERLINK(),camera_night_mode,ship_all,all devices,100.0"
    """
    frame = ledger_frame(rows)
    for column in ("feature", "kpi", "data_owned", "case", "call", "shipped_to"):
        frame[column] = frame[column].map(_defuse)
    return frame.to_csv(index=False, lineterminator="\n")


def _defuse(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
