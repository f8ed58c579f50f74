"""The metric catalogue: one place for each metric's direction, label, unit and kind."""

from __future__ import annotations

from typing import get_args

import pytest

from sim.case.experiment import Guardrail
from sim.case.metrics import (
    COVARIATES,
    DRIFT_METRIC,
    ENGAGEMENT_METRICS,
    METRIC_NAMES,
    METRICS,
    SEGMENT_KINDS,
    SEGMENT_LABELS,
    Metric,
    direction,
    label,
)


def test_the_case_files_metric_type_is_the_catalogue():
    assert set(get_args(Metric)) == set(METRIC_NAMES) == set(METRICS)


@pytest.mark.parametrize("name, higher", [
    ("sessions", True), ("active_days", True), ("retained", True), ("feature_uses", True),
    ("sensor_score", True), ("crashes", False), ("battery_drain", False), ("latency_ms", False),
    ("distraction_events", False),
])
def test_each_metric_says_which_way_is_good(name, higher):
    assert direction(name) is higher and METRICS[name].sign == (1.0 if higher else -1.0)
    assert Guardrail(metric=name, margin=0.05).higher_is_better is higher


def test_every_metric_has_words_a_unit_a_kind_and_a_help_line():
    for info in METRICS.values():
        assert info.label and info.unit and info.help and info.label != info.name
        assert info.kind in {"binary", "count", "mean", "ratio"}
    assert METRICS["retained"].kind == "binary"
    assert METRICS["distraction_events"].sensor == "driver_monitoring"
    assert label("no_such_metric") == "no_such_metric" and direction("no_such_metric") is None


def test_the_named_metric_groups_are_catalogue_metrics(night_result):
    assert set(ENGAGEMENT_METRICS) | {DRIFT_METRIC} | set(COVARIATES) <= set(METRICS)
    assert set(COVARIATES.values()) <= set(night_result.devices.columns)
    assert set(SEGMENT_KINDS) == set(SEGMENT_LABELS) <= set(night_result.devices.columns)
