"""Teacher material: the call a case's brief intends (:class:`Answer`) and the questions the
interviewer asks with the call (:class:`Interview`).

>>> Interview().questions == DEFAULT_QUESTIONS
True
>>> Answer(call="ship_all", rationale="The lift holds on every tier.").segments
()
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.case.frozen import FrozenModel
from sim.case.metrics import SegmentKind

Call = Literal["ship_all", "ship_segments", "extend", "iterate", "rollback"]
# The interviewer's questions (their words and grading: sim.decide.questions).
QuestionId = Literal["split", "primary_lift", "guardrails", "hurt_segment", "measurement",
                     "novelty"]
DEFAULT_QUESTIONS: tuple[str, ...] = ("split", "primary_lift", "guardrails", "hurt_segment",
                                      "measurement")


class Answer(FrozenModel):
    """The call the case's brief intends (teacher material; never shown before the reveal)."""

    call: Call
    segment_kind: SegmentKind | None = None
    segments: tuple[str, ...] = ()
    rationale: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _segments_when_shipping_to_segments(self) -> Answer:
        if self.call == "ship_segments" and (self.segment_kind is None or not self.segments):
            raise ValueError("a ship_segments answer names segment_kind and segments")
        return self


class Interview(FrozenModel):
    """What the interviewer asks with the call: each question is answered in the decision
    form and graded against the readout at the decision day (:mod:`sim.decide.questions`).
    Every case asks the same questions by default, so which ones appear gives nothing away.
    """

    questions: Annotated[tuple[QuestionId, ...], Field(min_length=1, max_length=10)] = (
        DEFAULT_QUESTIONS)
