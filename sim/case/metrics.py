"""The metric catalogue: every metric a case can measure, and the segments a readout splits by.

One entry per metric says what it is called in words, its unit, what kind of number it is
(which decides the test: a difference in proportions for 0/1 metrics, Welch for counts and
means), which way is good, and whether the fleet needs a sensor to measure it. Everything
else - case validation, the decision rule, the scorecard, the tables and charts of the app -
reads direction, label and unit from here.

>>> METRICS["distraction_events"].higher_is_better, METRICS["sessions"].label
(False, 'Sessions per device')
>>> direction("crashes"), direction("my_own_column") is None
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["binary", "count", "mean", "ratio"]
Sensor = Literal["battery", "driver_monitoring"]


@dataclass(frozen=True)
class MetricInfo:
    """One metric: its name in the tables, its label and unit in words, its kind, which way
    is good, the sensor it needs (``None``: every device reports it), a one-line help, and
    the column holding its pre-period baseline when it has one (for CUPED)."""

    name: str
    label: str
    unit: str
    kind: MetricKind
    higher_is_better: bool
    sensor: Sensor | None
    help: str
    pre_period: str | None = None

    @property
    def sign(self) -> float:
        """+1 when higher is better, -1 when lower is.

        >>> METRICS["battery_drain"].sign
        -1.0
        """
        return 1.0 if self.higher_is_better else -1.0


_CATALOGUE = (
    MetricInfo("sessions", "Sessions per device", "sessions", "count", True, None,
               "Sessions a device reported over the run.", pre_period="pre_sessions"),
    MetricInfo("active_days", "Active days per device", "days", "count", True, None,
               "Days on which the device was used."),
    MetricInfo("retained", "Retained", "share of devices", "binary", True, None,
               "1 if the device was still in use in the last week of the run."),
    MetricInfo("crashes", "Crashes per device", "crashes", "count", False, None,
               "App crashes and out-of-memory kills the device reported."),
    MetricInfo("battery_drain", "Battery drain per active day", "% of battery", "mean", False,
               "battery", "Share of the battery used on an active day (battery devices only)."),
    MetricInfo("latency_ms", "Latency per use", "ms", "mean", False, None,
               "Milliseconds from a request to the feature's answer."),
    MetricInfo("sensor_score", "Sensor-derived score", "score points", "mean", True, None,
               "A quality score computed on the device from its sensor readings.",
               pre_period="pre_sensor_score"),
    MetricInfo("feature_uses", "Feature uses per device", "uses", "count", True, None,
               "Times the new feature was used (zero in control by definition)."),
    MetricInfo("distraction_events", "Distraction events per device", "events", "count", False,
               "driver_monitoring",
               "Eyes-off-road alerts from the driver-monitoring camera."),
)
METRICS: dict[str, MetricInfo] = {metric.name: metric for metric in _CATALOGUE}
"""Every known metric by name, in the order the readout shows them."""
METRIC_NAMES: tuple[str, ...] = tuple(METRICS)
Metric = Literal[METRIC_NAMES]  # type: ignore[valid-type]  # built from the catalogue
ENGAGEMENT_METRICS: tuple[str, ...] = ("sessions", "active_days", "retained")
"""How much devices are used: the decision rule checks that none of them got worse."""
COVARIATES: dict[str, str] = {m.name: m.pre_period for m in _CATALOGUE if m.pre_period}
"""Each metric with a pre-period baseline of its own (the column CUPED adjusts it with)."""
RETAINED_WINDOW_DAYS = 7
"""``retained`` means active in the last this many days of the run."""
BATTERY_DEVICE_TYPES = frozenset({"phone", "wearable"})
"""The device types that run on a battery (battery drain is measured on them only)."""
DRIFT_METRIC = "sensor_score"
"""The reading a firmware recalibration can shift on updated devices (see the telemetry)."""


def direction(metric: str) -> bool | None:
    """Whether higher is better for a known metric; ``None`` for a column the catalogue does
    not know (a person's own table), which is then read as "higher" or "lower", never as
    better or worse.

    >>> direction("retained"), direction("revenue")
    (True, None)
    """
    info = METRICS.get(metric)
    return None if info is None else info.higher_is_better


def label(metric: str) -> str:
    """A metric's name in words (the column name itself for a metric the catalogue lacks).

    >>> label("latency_ms"), label("revenue")
    ('Latency per use', 'revenue')
    """
    info = METRICS.get(metric)
    return metric if info is None else info.label


SegmentKind = Literal["chip_tier", "device_type", "region"]
SEGMENT_KINDS: tuple[str, ...] = SegmentKind.__args__
"""The ways a fleet is split into segments, in the order the readout shows them."""
SEGMENT_LABELS: dict[str, str] = {
    "chip_tier": "Chip tier",
    "device_type": "Device type",
    "region": "Region",
}
"""Each segment kind in words."""
