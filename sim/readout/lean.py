"""What the decision rule reads from a run: who is analysed, the quality checks, the lifts, the
guardrail tests, the segment splits and the drift check.

:func:`lean_report` computes exactly these with the :mod:`sim.analysis` functions, and
:func:`sim.readout.report.analyse` builds the full readout on top of it, so a sweep's lean
row and the app's readout read the same numbers. Who is analysed is the case's
``experiment.analysis_population`` (see :func:`analysis_population`); the sample-ratio check
counts what was randomised (see :func:`units_per_arm`).

>>> from sim import load_scenario, simulate
>>> lean = lean_report(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000))
>>> sorted(lean.metrics), sorted(lean.guardrails)
(['active_days', 'crashes', 'retained', 'sessions'], ['crashes', 'retained'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim import messages
from sim.analysis.cuped import CupedResult, cuped_lift
from sim.analysis.drift import KSResult, PSIResult, ks_drift, psi
from sim.analysis.frame import AnalysisResult, ReadingLog
from sim.analysis.lift import LiftResult, metric_lift
from sim.analysis.noninferiority import NonInferiorityResult, non_inferiority
from sim.analysis.quality import CompletenessResult, SRMResult, completeness, srm
from sim.analysis.segments import (
    InteractionResult,
    SegmentLiftsResult,
    interaction_test,
    segment_lifts,
)
from sim.case.metrics import COVARIATES, DRIFT_METRIC, ENGAGEMENT_METRICS, SEGMENT_KINDS
from sim.engine.result import SimResult
from sim.errors import DataError

DECISION_WINDOW_DAYS = 7
""""Reporting at decision": at least one report for a day in the run's last week."""
DRIFT_MIN_DEVICES = 20
"""Updated devices (and control devices) needed before the drift check reads anything."""


@dataclass(frozen=True)
class DriftReading(AnalysisResult):
    """The sensor reading before and after the update, on the build and in control."""

    metric: str
    on_build_ks: KSResult
    on_build_psi: PSIResult
    control_ks: KSResult
    control_psi: PSIResult
    shift_on_build: float
    shift_control: float
    behaviour_lift_p: float
    measurement_step: bool
    reading: str


@dataclass(frozen=True)
class LeanReport:
    """The readings the decision rule reads (:func:`sim.decide.evidence.assess` takes a
    :class:`LeanReport` or a full :class:`~sim.readout.report.Report`). A reading the data
    cannot give is absent, and ``unavailable`` says why, by name."""

    case_id: str
    alpha: float
    primary_metric: str
    srm: SRMResult
    completeness: CompletenessResult
    metrics: Mapping[str, LiftResult]
    cuped: Mapping[str, CupedResult]
    guardrails: Mapping[str, NonInferiorityResult]
    segments: Mapping[str, SegmentLiftsResult]
    interactions: Mapping[str, InteractionResult]
    drift: DriftReading | None = None
    unavailable: Mapping[str, str] = field(default_factory=dict)

    def why_missing(self, name: str) -> str | None:
        """Why the reading ``name`` (``"metrics.sessions"``, ``"drift"``, ...) is missing."""
        return self.unavailable.get(name)


def headline(report: Any) -> LiftResult | CupedResult | None:
    """The primary metric's reading a decision rests on: CUPED-adjusted when the readout has
    it, else the plain lift; ``None`` when the data cannot give it (see ``unavailable``).

    >>> from sim import load_scenario, simulate
    >>> lean = lean_report(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000))
    >>> headline(lean) is lean.cuped["sessions"]
    True
    """
    metric = report.primary_metric
    return report.cuped.get(metric) or report.metrics.get(metric)


def analysis_population(result: SimResult) -> pd.DataFrame:
    """The devices the readout analyses, as the case's ``experiment.analysis_population`` says.

    - ``"seen"`` (the default): every device with at least one report. Devices that never
      reported are invisible, as in a real pipeline; a device that went silent still counts,
      with the totals it reported before.
    - ``"reporting_at_decision"``: the devices that reported in the last week of the run, the
      population an engagement dashboard shows on decision day. Anything that silences
      devices in one arm only (a failed install that kills the telemetry agent) then removes
      them from that arm: the split drifts from the plan (an SRM) and the arm keeps its
      survivors.

    >>> from sim import load_scenario, simulate
    >>> case = load_scenario("scenarios/aa_test.toml")
    >>> result = simulate(case, seed=0, devices=2_000, days=14)
    >>> seen = analysis_population(result)
    >>> dashboard = analysis_population(simulate(
    ...     case.with_knobs({"experiment.analysis_population": "reporting_at_decision"}),
    ...     seed=0, devices=2_000, days=14))
    >>> bool(len(dashboard) < len(seen) <= 2_000)
    True
    """
    devices = result.devices
    if result.scenario.experiment.analysis_population == "reporting_at_decision":
        first_day = result.days - DECISION_WINDOW_DAYS
        return devices[devices["last_report_day"] >= first_day]
    return devices[devices["days_reported"] > 0]


def units_per_arm(devices: pd.DataFrame, unit: str = "device") -> tuple[int, int]:
    """Randomisation units per arm (control, treatment), for the sample-ratio check.

    The check counts what was randomised: under household randomisation whole households land
    in an arm, so device counts vary by far more than a chi-square on devices allows (a home
    has about three), and counting devices would raise false alarms.

    >>> frame = pd.DataFrame({"arm": ["control", "control", "treatment"],
    ...                       "household_id": [1, 1, 2]})
    >>> units_per_arm(frame), units_per_arm(frame, "household")
    ((2, 1), (1, 1))
    """
    treated = devices["arm"] == "treatment"
    if unit == "household":
        households = devices["household_id"]
        return int(households[~treated].nunique()), int(households[treated].nunique())
    return int((~treated).sum()), int(treated.sum())


def quality_checks(result: SimResult, seen: pd.DataFrame | None = None
                   ) -> tuple[SRMResult, CompletenessResult]:
    """The sample-ratio check on the analysis population (``seen``, by default
    :func:`analysis_population`) counting randomisation units, and telemetry completeness over
    every device of the run.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000, days=7)
    >>> split, reported = quality_checks(result)
    >>> split.alarm, 0.8 < reported.share <= 1.0
    (False, True)
    """
    experiment = result.scenario.experiment
    seen = analysis_population(result) if seen is None else seen
    split = srm(*units_per_arm(seen, experiment.unit), experiment.treatment_share)
    by_arm = result.devices.groupby("arm", observed=True)["days_reported"]
    reported = completeness(
        {str(arm): int(total) for arm, total in by_arm.sum().items()},
        {str(arm): int(count) * result.days for arm, count in by_arm.size().items()},
    )
    return split, reported


def lean_report(result: SimResult, metrics: Sequence[str] = (), alpha: float | None = None,
                segments: bool = True, seen: pd.DataFrame | None = None,
                drift: bool = False) -> LeanReport:
    """What the rule reads: quality, the lift of the primary metric, the guardrails, the other
    engagement metrics and ``metrics`` (each with CUPED where it has a pre-period baseline),
    the guardrails' non-inferiority tests, the segment splits (``segments=False`` skips them)
    and the drift check (always with ``drift=True``, else when the sensor reading is a
    decision metric). ``seen`` passes the analysis population when it is already at hand.
    """
    case = result.scenario
    experiment = case.experiment
    alpha = experiment.alpha if alpha is None else alpha
    primary = experiment.primary_metric
    seen = analysis_population(result) if seen is None else seen
    split, reported = quality_checks(result, seen)
    guardrail_names = [g.metric for g in experiment.guardrails]
    read_drift = drift or DRIFT_METRIC in {primary, *guardrail_names}
    names = list(dict.fromkeys([primary, *guardrail_names, *metrics,
                                *(m for m in ENGAGEMENT_METRICS if seen[m].notna().any())]))
    if read_drift and "sessions" not in names:
        names.append("sessions")  # the drift check compares the reading with behaviour
    log = ReadingLog()

    def each(kind: str, keys, compute) -> dict:
        found = {key: log.attempt(f"{kind}.{key}", lambda key=key: compute(key)) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    lifts = each("metrics", names, lambda name: metric_lift(seen, name, alpha=alpha))
    # Under household randomisation the household is the unit: cluster the errors on it.
    cluster = "household_id" if experiment.unit == "household" else None
    kinds = [kind for kind in SEGMENT_KINDS if segments and seen[kind].nunique() > 1]
    guardrails = {g.metric: g for g in experiment.guardrails}
    return LeanReport(
        case_id=case.meta.id,
        alpha=alpha,
        primary_metric=primary,
        srm=split,
        completeness=reported,
        metrics=lifts,
        cuped=each("cuped", [name for name in names if name in COVARIATES],
                   lambda name: cuped_lift(seen, name, COVARIATES[name], alpha=alpha,
                                           cluster=cluster)),
        guardrails=each("guardrails", guardrails, lambda name: non_inferiority(
            seen, name, guardrails[name].margin, guardrails[name].higher_is_better,
            alpha=alpha)),
        segments=each("segments", kinds,
                      lambda kind: segment_lifts(seen, primary, kind, alpha=alpha)),
        interactions=each("interactions", kinds,
                          lambda kind: interaction_test(seen, primary, kind, alpha=alpha)),
        drift=log.attempt("drift", lambda: drift_reading(seen, lifts, primary, alpha))
        if read_drift else None,
        unavailable=log.unavailable,
    )


def drift_reading(seen: pd.DataFrame, lifts: Mapping[str, LiftResult], primary: str,
                  alpha: float) -> DriftReading:
    """Did the sensor reading move on updated devices while behaviour stood still?

    Raises :class:`~sim.errors.DataError` when fewer than :data:`DRIFT_MIN_DEVICES` devices
    are on the build or in control, or behaviour has no reading to compare with.
    """
    on_build = seen[(seen["arm"] == "treatment") & seen["installed_day"].notna()]
    control = seen[seen["arm"] == "control"]
    if len(on_build) < DRIFT_MIN_DEVICES or len(control) < DRIFT_MIN_DEVICES:
        raise DataError(messages.DRIFT_TOO_FEW.format(on_build=len(on_build),
                                                      control=len(control),
                                                      needed=DRIFT_MIN_DEVICES))
    behaviour = primary if primary != DRIFT_METRIC else "sessions"
    if behaviour not in lifts:
        raise DataError(messages.DRIFT_NO_BEHAVIOUR.format(metric=behaviour))
    metric = DRIFT_METRIC
    baseline = COVARIATES[metric]
    before, after = on_build[baseline], on_build[metric].dropna()
    shift_on_build = float(after.mean() - before.mean())
    shift_control = float(control[metric].mean() - control[baseline].mean())
    on_build_ks = ks_drift(before, after, alpha)
    behaviour_p = lifts[behaviour].p_value
    measurement = on_build_ks.p_value < alpha and behaviour_p >= alpha
    template = messages.READING_DRIFT_STEP if measurement else messages.READING_DRIFT_NONE
    return DriftReading(
        metric=metric,
        on_build_ks=on_build_ks,
        on_build_psi=psi(before, after),
        control_ks=ks_drift(control[baseline], control[metric].dropna(), alpha),
        control_psi=psi(control[baseline], control[metric].dropna()),
        shift_on_build=shift_on_build,
        shift_control=shift_control,
        behaviour_lift_p=float(behaviour_p),
        measurement_step=bool(measurement),
        reading=template.format(
            metric=metric, shift=shift_on_build - shift_control, behaviour=primary
        ),
    )
