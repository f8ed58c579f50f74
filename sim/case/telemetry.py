"""Telemetry defects: what goes wrong between a device and the analyst's table (duplicates,
missing and late reports, clock skew, silent devices, a firmware shift, outlier devices).

>>> Telemetry(missing_rate=0.05).late_mean_days
2.0
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.case.fields import Probability, bounded
from sim.case.frozen import FrozenModel
from sim.limits import MAX_PANEL_DEVICES


class Telemetry(FrozenModel):
    """What goes wrong between the device and the analyst's table."""

    duplicate_rate: Probability = 0.0
    # Below 1: a fleet whose every report goes missing has nothing to analyse.
    missing_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    late_rate: Probability = 0.0
    late_mean_days: Annotated[float, Field(ge=1.0, le=30.0)] = 2.0
    clock_skew_rate: Probability = 0.0
    silent_after_crash: Probability = 0.0
    silent_after_failed_install: Probability = 0.0
    firmware_shift: bounded(-1_000.0, 1_000.0) = 0.0
    # Outlier devices: test rigs and bots that report far more sessions than any person
    # (heavy-tailed: a Pareto multiple of ``outlier_scale`` typical days), and devices in a
    # crash loop that report a crash on every active day. They are telemetry, not people: the
    # truth does not count them, so they only add noise - unless the estimate is made robust.
    outlier_rate: Annotated[float, Field(ge=0.0, le=0.2)] = 0.0
    outlier_scale: bounded(1.0, 1_000.0) = 20.0
    # Raw daily rows for at most this many devices: every device of a smaller fleet, a random
    # panel of a larger one; 0 keeps none.
    daily_max_devices: Annotated[int, Field(ge=0, le=MAX_PANEL_DEVICES)] = 20_000
