"""A decided night-mode run shared by the memo and ledger tests."""

from __future__ import annotations

import pytest

from sim import analyse
from sim.decide import Decision

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> **bold**'


@pytest.fixture(scope="package")
def night_report(night_result):
    return analyse(night_result)


@pytest.fixture(scope="package")
def night_decision():
    return Decision(call="ship_segments", segment_kind="chip_tier",
                    segments=["flagship", "upper_mid", "mid"], expected_lift=0.04,
                    checks=["srm", "guardrails", "segments", "interaction", "cuped"],
                    decision_day=21, memo=f"Entry chips miss the budget.\n\n{HOSTILE}")
