"""What the Analyse and Design pages show for a case: which panels apply, what to check first,
and the small descriptive summaries (households, design differences) the library does not
compute. Decided from the case and its readout, never from a case's id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim import Scenario
from sim.case.metrics import DRIFT_METRIC, SEGMENT_KINDS
from sim.export import numbers
from sim.readout import QualityReadout

HOUSEHOLD_KNOBS = frozenset({"experiment.unit", "fleet.household_size_mean"})
"""Knobs that make the randomisation unit a question of the case."""


def decision_metrics(case: Scenario) -> tuple[str, ...]:
    """The metrics the call rests on: the success metric and the guardrails."""
    experiment = case.experiment
    return (experiment.primary_metric, *(g.metric for g in experiment.guardrails))


def shows_drift(case: Scenario) -> bool:
    """Whether the drift panel applies: a decision metric is the sensor-derived reading a
    firmware update can shift, or the case's build carries a firmware shift."""
    return DRIFT_METRIC in decision_metrics(case) or case.telemetry.firmware_shift != 0


def split_kinds(case: Scenario) -> tuple[str, ...]:
    """The segment kinds the fleet has more than one segment of (a single-tier fleet has no
    chip-tier split to read)."""
    return tuple(kind for kind in SEGMENT_KINDS if len(case.segment_names(kind)) > 1)


def shows_households(case: Scenario) -> bool:
    """Whether households are a question of the case: it randomises households, or lets the
    person choose the unit or the household size."""
    knobs = {knob.path for knob in case.knobs}
    return case.experiment.unit == "household" or bool(knobs & HOUSEHOLD_KNOBS)


def shows_hardware(case: Scenario, table: pd.DataFrame) -> bool:
    """Whether the chip-tier feasibility panel is a question of the case: the case lets the
    person change the model or where it runs, or some tier misses the latency budget or does
    not have the memory."""
    hardware_knob = any(knob.path.startswith("feature.") for knob in case.knobs)
    misses = (~table["within_budget"].astype(bool)).any() or (
        table["footprint_mb"] > table["typical_free_ram_mb"]).any()
    return hardware_knob or bool(misses)


@dataclass(frozen=True)
class Check:
    """One line of "what to check first": whether it passed and what it says."""

    ok: bool
    text: str


def first_checks(report: QualityReadout, planned_share: float) -> tuple[Check, ...]:
    """The quality checks to read before any lift: the split, completeness, duplicates and
    late reports (of a :class:`~sim.readout.QualityReadout`, or a full report's
    ``quality``)."""
    srm = report.srm
    total = srm.n_control + srm.n_treatment
    share = srm.n_treatment / total if total else float("nan")
    completeness = report.completeness
    return (
        Check(not srm.alarm,
              f"Split: {numbers.percent(share, 2)} treatment against {numbers.percent(planned_share, 0)}"
              f" planned (SRM p {numbers.p_value(srm.p_value)})"),
        Check(completeness.share >= 0.9,
              f"Telemetry: {numbers.percent(completeness.share, 1)} of expected device-days "
              "reported"),
        Check(True, f"Duplicates: {numbers.count(report.duplicate_reports)} duplicate and "
                    f"{numbers.count(report.late_reports)} late reports (remove duplicates "
                    "before summing)"),
    )


@dataclass(frozen=True)
class Households:
    """How the fleet's homes mix the arms: what device randomisation leaks."""

    households: int
    devices_per_household: float
    mixed_share: float
    control_exposed_share: float


def household_mix(devices: pd.DataFrame) -> Households:
    """Homes, devices per home, the share of homes with devices in both arms and the share of
    control devices that share a home with a treatment device.

    >>> frame = pd.DataFrame({"household_id": [1, 1, 2, 2], "arm": ["control", "treatment",
    ...                       "control", "control"]})
    >>> household_mix(frame)
    Households(households=2, devices_per_household=2.0, mixed_share=0.5, control_exposed_share=0.3333333333333333)
    """
    treated_home = devices.assign(t=devices["arm"] == "treatment").groupby("household_id")["t"]
    any_treated = treated_home.transform("any")
    all_treated = treated_home.transform("all")
    control = devices["arm"] == "control"
    homes = devices["household_id"].nunique()
    mixed = (treated_home.any() & ~treated_home.all()).sum()
    return Households(
        households=int(homes),
        devices_per_household=len(devices) / homes if homes else float("nan"),
        mixed_share=float(mixed / homes) if homes else float("nan"),
        control_exposed_share=float((any_treated & ~all_treated)[control].mean())
        if control.any() else float("nan"),
    )


def ordered(names: Sequence[str], order: Sequence[str]) -> list[str]:
    """``names`` in the case's ``order``, anything else after.

    >>> ordered(["mid", "entry", "flagship"], ["flagship", "upper_mid", "mid", "entry"])
    ['flagship', 'mid', 'entry']
    """
    rank = {name: index for index, name in enumerate(order)}
    return sorted(names, key=lambda name: rank.get(name, len(rank)))
