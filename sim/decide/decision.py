"""Launch decisions: the call a person makes, the rule's call on the data, and the right call.

A :class:`Decision` is a call (``ship_all``, ``ship_segments``, ``extend``, ``iterate``,
``rollback``), the segments it ships to, the expected relative lift of the primary metric, the
checks the person relied on, the decision day and a memo. Invalid input raises
:class:`~sim.errors.DecisionError` with one line.

* :func:`decide` - the risk-aware rule (:mod:`sim.decide.rule`, read through :mod:`sim.decide.evidence`)
  applied to an analysis report: what the data supports, as a decision whose memo gives the
  reasons;
* :func:`right_call` - the same rule applied to the run's hidden truth table: the right call,
  with the true lift where it ships and the checks that mattered
  (:func:`sim.decide.checks.key_checks`).

The scorecard lives in :mod:`sim.decide.scorecard`, the memo and impact ledger in :mod:`sim.export.memo`.

>>> from sim import load_scenario, simulate, analyse
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=20_000)
>>> truth = right_call(result)
>>> truth.call, truth.segment_kind, truth.segments
('ship_segments', 'chip_tier', ('flagship', 'upper_mid', 'mid'))
>>> decide(analyse(result), result=result).call in {"ship_segments", "ship_all", "extend"}
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim import messages
from sim.case.feature import Quantization
from sim.case.interview import Call
from sim.case.metrics import SegmentKind
from sim.decide.checks import key_checks
from sim.decide.evidence import assess, assess_truth
from sim.decide.questions import Answers
from sim.decide.rule import Assessment
from sim.decide.words import call_label
from sim.errors import DecisionError
from sim.limits import MAX_DAYS

if TYPE_CHECKING:
    from sim.case.scenario import Scenario
    from sim.engine.result import SimResult
    from sim.readout.report import Report

Check = Literal[
    "srm",
    "completeness",
    "guardrails",
    "segments",
    "interaction",
    "drift",
    "novelty",
    "cuped",
    "retention",
    "sequential",
    "power",
    "bayes",
    "compliance",
]
CHECKS: tuple[str, ...] = Check.__args__
"""Every check a decision may say it relied on."""
CALLS: tuple[str, ...] = Call.__args__
SHIP_CALLS = frozenset({"ship_all", "ship_segments"})
MEMO_MAX_CHARS = 5_000


# --- the decision a person makes -----------------------------------------------------------
class Decision(BaseModel):
    """A launch decision. Invalid input raises :class:`~sim.errors.DecisionError` (one line).

    ``expected_lift`` is the relative change of the primary metric the person expects where
    they ship (over the whole fleet for ``ship_all`` and for calls that ship nothing):
    ``0.03`` is +3%. ``answers`` are the interviewer's questions answered
    (:mod:`sim.decide.questions`); ``quantization`` and ``lowest_tier`` the design it ships
    (left out: the design of the run it was made on); ``extend_to`` the later day an extend
    decides again. ``checks`` is an older form's list of checks relied on: kept, in order
    and without repeats, and scored no more (the questions replaced it).

    >>> Decision(call="ship_segments", segment_kind="chip_tier", segments=["flagship"],
    ...          expected_lift=0.04, checks=["srm", "segments", "srm"], decision_day=21).checks
    ('srm', 'segments')
    >>> Decision(call="ship_segments", expected_lift=0.04, decision_day=21)
    Traceback (most recent call last):
    ...
    sim.errors.DecisionError: decision: a ship_segments decision names a segment kind and at least one segment
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    call: Call
    segment_kind: SegmentKind | None = None
    segments: tuple[Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=60)], ...] = ()
    expected_lift: Annotated[float, Field(ge=-1.0, le=10.0, allow_inf_nan=False)]
    checks: tuple[Check, ...] = ()
    decision_day: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    memo: Annotated[str, Field(max_length=MEMO_MAX_CHARS)] = ""
    answers: Answers = Answers()
    quantization: Quantization | None = None
    lowest_tier: Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=40)] | None = None
    extend_to: Annotated[int, Field(ge=2, le=MAX_DAYS)] | None = None

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise DecisionError(_one_line(error)) from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Build a decision from plain values (a form, JSON), raising one-line errors.

        >>> Decision.from_dict({"call": "iterate", "expected_lift": 0, "decision_day": 28}).call
        'iterate'
        """
        return cls(**dict(data))

    @field_validator("checks", mode="before")
    @classmethod
    def _unique_checks(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(dict.fromkeys(value))
        return value

    @field_validator("segments", mode="before")
    @classmethod
    def _unique_segments(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(dict.fromkeys(value))
        return value

    @model_validator(mode="after")
    def _segments_match_the_call(self) -> Decision:
        if self.call == "ship_segments":
            if self.segment_kind is None or not self.segments:
                raise ValueError(messages.DECISION_SEGMENTS_NEEDED)
        elif self.segments or self.segment_kind is not None:
            raise ValueError(messages.DECISION_SEGMENTS_UNWANTED.format(call=self.call))
        if self.extend_to is not None and (self.call != "extend"
                                           or self.extend_to <= self.decision_day):
            raise ValueError(messages.DECISION_EXTEND_TO.format(day=self.decision_day))
        return self

    @property
    def ships(self) -> bool:
        """True when the call puts the build on some devices (ship to all or to segments)."""
        return self.call in SHIP_CALLS

    def label(self) -> str:
        """The call in words, with its segments.

        >>> Decision(call="ship_segments", segment_kind="chip_tier",
        ...          segments=["flagship", "mid"], expected_lift=0.03, decision_day=28).label()
        'ship to flagship and mid (chip_tier)'
        """
        return call_label(self.call, self.segment_kind, self.segments)

    def check_segments(self, scenario: Scenario) -> Decision:
        """Return the decision unchanged if its segments exist in ``scenario``'s fleet.

        >>> from sim import load_scenario
        >>> case = load_scenario("scenarios/camera_night_mode.toml")
        >>> Decision(call="ship_segments", segment_kind="chip_tier", segments=["top"],
        ...          expected_lift=0.03, decision_day=28).check_segments(case)
        Traceback (most recent call last):
        ...
        sim.errors.DecisionError: decision: segment 'top' is not a chip_tier segment of this case; allowed: flagship, upper_mid, mid, entry
        """
        if self.segment_kind is None:
            return self
        allowed = scenario.segment_names(self.segment_kind)
        for segment in self.segments:
            if segment not in allowed:
                raise DecisionError(
                    messages.DECISION_ERROR.format(
                        detail=messages.DECISION_SEGMENT_UNKNOWN.format(
                            segment=segment, kind=self.segment_kind, allowed=", ".join(allowed)
                        )
                    )
                )
        return self


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    detail = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        detail = "required but missing"
    elif first["type"] == "extra_forbidden":
        detail = f"unknown field; allowed: {', '.join(Decision.model_fields)}"
    text = (
        messages.DECISION_FIELD.format(location=location, detail=detail)
        if location
        else messages.DECISION_ERROR.format(detail=detail)
    )
    more = len(error.errors()) - 1
    if more:
        text += messages.MORE_ERRORS.format(count=more, plural="" if more == 1 else "s")
    return text


def decide(report: Report, decision_day: int | None = None, scenario: Scenario | None = None,
           result: SimResult | None = None) -> Decision:
    """The rule's call on a report as a :class:`Decision` (its reasons are the memo).

    ``decision_day`` defaults to the case's decision day when ``scenario`` (or ``result``) is
    given, else 28. With ``result`` the rule also reads the guardrails inside each segment
    (see :func:`sim.decide.evidence.assess`). The checks listed are the ones the rule read: quality,
    guardrails, CUPED when used, drift when it stopped the call, segments with the
    interaction test when they split, and power when it extends.

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=4, devices=5_000)
    >>> decide(analyse(result), decision_day=21).decision_day
    21
    """
    if scenario is None and result is not None:
        scenario = result.scenario
    verdict = assess(report, scenario, result)
    if decision_day is None:
        decision_day = scenario.experiment.decision_day if scenario is not None else 28
    checks = ["srm", "completeness", "guardrails", *verdict.failed_checks]
    if report.primary_metric in report.cuped:
        checks.append("cuped")
    if verdict.segment_kind or verdict.split_kinds:
        checks += ["segments", "interaction"]
    if verdict.call == "extend":
        checks.append("power")
    return _as_decision(verdict, decision_day, checks)


def _as_decision(verdict: Assessment, decision_day: int, checks: Sequence[str]) -> Decision:
    lift = verdict.lift if math.isfinite(verdict.lift) else 0.0
    return Decision(
        call=verdict.call,
        segment_kind=verdict.segment_kind,
        segments=verdict.segments,
        expected_lift=float(min(max(lift, -1.0), 10.0)),
        checks=tuple(checks),
        decision_day=decision_day,
        memo=" ".join(verdict.findings)[:MEMO_MAX_CHARS],
    )


def right_call(result: SimResult) -> Decision:
    """The right call for this run: the decision rule applied to the truth table.

    ``expected_lift`` is the true relative change of the primary metric where it ships (the
    whole fleet otherwise), ``checks`` the checks that mattered (:func:`key_checks`), the
    decision day the case's, and the memo the rule's reasons.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
    >>> right_call(result).call
    'iterate'
    """
    verdict = assess_truth(result)
    day = result.scenario.experiment.decision_day
    return _as_decision(verdict, day, [k.check for k in key_checks(result)])
