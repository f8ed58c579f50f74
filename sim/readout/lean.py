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

import numpy as np
import pandas as pd

from sim import messages
from sim.analysis.capping import (
    HIGHEST_CAP_PERCENTILE,
    LOWEST_CAP_PERCENTILE,
    CappedLift,
    capped_lift,
    winsorise,
)
from sim.analysis.cuped import CupedResult, cuped_lift
from sim.analysis.drift import Densities, PSIResult, densities, psi
from sim.analysis.frame import AnalysisResult, ReadingLog, format_p
from sim.analysis.lift import LiftResult, metric_lift
from sim.analysis.noninferiority import NonInferiorityResult, non_inferiority
from sim.analysis.quality import (
    CompletenessResult,
    OutlierCheck,
    SRMResult,
    completeness,
    outlier_check,
    srm,
)
from sim.analysis.segments import (
    InteractionResult,
    SegmentLiftsResult,
    interaction_test,
    segment_lifts,
)
from sim.analysis.shift import PairedShiftResult, difference_in_differences, paired_shift
from sim.case.metrics import (
    COVARIATES,
    DRIFT_METRIC,
    ENGAGEMENT_METRICS,
    METRICS,
    SEGMENT_KINDS,
)
from sim.case.scenario import Scenario
from sim.engine.result import SimResult
from sim.errors import DataError

DECISION_WINDOW_DAYS = 7
""""Reporting at decision": at least one report for a day in the run's last week."""
DRIFT_MIN_DEVICES = 20
"""Updated devices (and control devices) needed before the drift check reads anything."""
DRIFT_ALARM_P = 0.01
"""Difference-in-differences p-value below which the sensor reading stepped at the update.
A quality alarm, like the sample-ratio check's: stricter than the lifts' alpha, so a healthy
run is flagged about 1% of the time while a firmware step (p far below) is always caught."""
BASES = ("assigned", "offered", "installed", "seen", "reporting")
"""Who a readout can analyse (see :func:`analysis_population`)."""


@dataclass(frozen=True)
class DriftReading(AnalysisResult):
    """Did the sensor reading step on the devices that took the update? The within-device
    change and its difference from control's (the verdict), with PSI to size the shift."""

    metric: str
    updated_devices: int
    control_devices: int
    paired: PairedShiftResult
    did: LiftResult
    on_build_psi: PSIResult
    control_psi: PSIResult
    shift_on_build: float
    shift_control: float
    measurement_step: bool
    reading: str
    densities: Densities
    """The devices the reading compared, as densities over shared bins, in the order of
    :data:`DRIFT_SAMPLES`: what the drift chart draws."""


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
    basis: str = "seen"
    outliers: Mapping[str, OutlierCheck] = field(default_factory=dict)
    robust: CappedLift | None = None

    def why_missing(self, name: str) -> str | None:
        """Why the reading ``name`` (``"metrics.sessions"``, ``"drift"``, ...) is missing."""
        return self.unavailable.get(name)


def headline(report: Any) -> LiftResult | CupedResult | None:
    """The primary metric's reading a decision rests on: capped where the outliers begin
    when outlier devices swing the mean (``report.robust``),
    else CUPED-adjusted when the readout has it, else the plain lift; ``None`` when the data
    cannot give it (see ``unavailable``).

    >>> from sim import load_scenario, simulate
    >>> lean = lean_report(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000))
    >>> headline(lean) is lean.cuped["sessions"]
    True
    """
    metric = report.primary_metric
    if report.robust is not None:
        return report.robust.capped
    return report.cuped.get(metric) or report.metrics.get(metric)


def fence_percentile(outliers: OutlierCheck, values: int) -> float:
    """The percentile at the outlier fence: capping there touches the outliers only, so it
    biases the people's mean least (within the capping range).

    >>> from sim.analysis.quality import OutlierCheck
    >>> fence_percentile(OutlierCheck("sessions", 900.0, 12, 5, 7, 0.02, True, 0.8, ""), 40_000)
    99.97
    """
    return float(min(max(100.0 * (1 - outliers.devices / values), LOWEST_CAP_PERCENTILE),
                     HIGHEST_CAP_PERCENTILE))


def case_basis(scenario: Scenario) -> str:
    """The exposure basis the case's plan reads (``experiment.analysis_population``).

    >>> from sim import load_scenario
    >>> case_basis(load_scenario("scenarios/srm_install_failures.toml"))
    'reporting'
    """
    return {"seen": "seen", "reporting_at_decision": "reporting"}[
        scenario.experiment.analysis_population]


def offered_stage(result: SimResult) -> int:
    """The last rollout stage the server offered the build to (-1: none yet)."""
    timeline = result.timeline
    started = timeline.loc[timeline["event"] == "stage_start", "stage"]
    return int(started.max()) if len(started) else -1


def analysis_population(result: SimResult, basis: str | None = None) -> pd.DataFrame:
    """The devices the readout analyses on an exposure ``basis`` (Mozilla Jetstream's
    "analysis basis"; default: the case's plan, :func:`case_basis`). Each brings its own bias
    (:data:`sim.messages.BASIS_NOTES`):

    - ``"assigned"``: every randomised device, reporting or not (never-seen devices count
      with zero activity): the effect of the plan, diluted by devices never offered, never
      installed or never heard from.
    - ``"offered"``: devices eligible for the build in a stage the server offered, in both
      arms (control devices by the same stage hash): the effect of offering it.
    - ``"installed"``: treatment devices that installed against the offered control devices -
      no longer randomised: a failed install drops a device from treatment only.
    - ``"seen"``: every device with at least one report. A device that went silent still
      counts, with the totals it reported before.
    - ``"reporting"``: the devices that reported in the last week of the run, the population
      an engagement dashboard shows on decision day: anything that silences devices in one
      arm removes them from that arm (survivor bias).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000, days=14)
    >>> [len(analysis_population(result, basis)) for basis in ("assigned", "seen", "reporting")]
    [2000, 1994, 1949]
    """
    basis = case_basis(result.scenario) if basis is None else check_basis(basis)
    devices = result.devices
    if basis == "assigned":
        return devices
    if basis == "seen":
        return devices[devices["days_reported"] > 0]
    if basis == "reporting":
        return devices[devices["last_report_day"] >= result.days - DECISION_WINDOW_DAYS]
    offered = devices["eligible"].to_numpy() & (devices["stage"].to_numpy()
                                                 <= offered_stage(result))
    if basis == "installed":
        offered &= (devices["arm"] == "control").to_numpy() | devices["installed_day"].notna(
        ).to_numpy()
    return devices[offered]


def check_basis(basis: str) -> str:
    """The basis, or one line naming the choices.

    >>> check_basis("offered")
    'offered'
    >>> check_basis("exposed")
    Traceback (most recent call last):
    ...
    sim.errors.DataError: the basis must be one of assigned, offered, installed, seen, reporting; got 'exposed'
    """
    if basis not in BASES:
        raise DataError(messages.BASIS_UNKNOWN.format(choices=", ".join(BASES), value=basis))
    return basis


def randomisation_cluster(scenario: Scenario) -> str | None:
    """The column whose values were randomised together, when it is not the device: every
    reading's errors are clustered on it (``None``: devices were randomised one by one).

    >>> from sim import load_scenario
    >>> case = load_scenario("scenarios/household_interference.toml")
    >>> randomisation_cluster(case), randomisation_cluster(case.with_knobs(
    ...     {"experiment.unit": "household"}))
    (None, 'household_id')
    """
    return "household_id" if scenario.experiment.unit == "household" else None


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
                drift: bool = False, basis: str | None = None) -> LeanReport:
    """What the rule reads: quality, the lift of the primary metric, the guardrails, the other
    engagement metrics and ``metrics`` (each with CUPED where it has a pre-period baseline),
    the guardrails' non-inferiority tests, the segment splits (``segments=False`` skips them)
    and the drift check (always with ``drift=True``, else when the sensor reading is a
    decision metric). ``basis`` picks who is analysed (:func:`analysis_population`; the
    case's plan by default); ``seen`` passes that population when it is already at hand.
    When outlier devices in both arms alike hold a visible share of the primary metric or a
    guardrail (:func:`~sim.analysis.quality.outlier_check`), the rule reads it capped where
    the outliers begin (``robust`` for the primary, the guardrail's own test;
    :func:`fence_percentile` and :func:`headline`).
    """
    case = result.scenario
    experiment = case.experiment
    alpha = experiment.alpha if alpha is None else alpha
    primary = experiment.primary_metric
    basis = case_basis(case) if basis is None else check_basis(basis)
    seen = analysis_population(result, basis) if seen is None else seen
    split, reported = quality_checks(result, seen)
    guardrail_names = [g.metric for g in experiment.guardrails]
    read_drift = drift or DRIFT_METRIC in {primary, *guardrail_names}
    names = list(dict.fromkeys([primary, *guardrail_names, *metrics,
                                *(m for m in ENGAGEMENT_METRICS if seen[m].notna().any())]))
    log = ReadingLog()

    def each(kind: str, keys, compute) -> dict:
        found = {key: log.attempt(f"{kind}.{key}", lambda key=key: compute(key)) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    # Under household randomisation the household is the unit: every reading clusters on it.
    cluster = randomisation_cluster(case)
    lifts = each("metrics", names, lambda name: metric_lift(seen, name, alpha=alpha,
                                                            cluster=cluster))
    kinds = [kind for kind in SEGMENT_KINDS if segments and seen[kind].nunique() > 1]
    guardrails = {g.metric: g for g in experiment.guardrails}
    outliers = each("outliers", [name for name in (primary, *guardrails)
                                 if name in lifts and METRICS[name].kind != "binary"],
                    lambda name: outlier_check(seen, name))

    def capped_at_fence(name: str) -> pd.DataFrame:
        # Rigs, bots and crash loops in both arms alike: read the metric capped where they
        # begin, so that they cannot swing the test (sim.analysis.capping).
        check = outliers.get(name)
        if check is None or not check.noise:
            return seen
        capped, _ = winsorise(seen[name].to_numpy(dtype=float, na_value=np.nan),
                              fence_percentile(check, int(seen[name].notna().sum())))
        return seen.assign(**{name: capped})

    robust = None
    if primary in outliers and outliers[primary].noise:
        robust = log.attempt("robust", lambda: capped_lift(
            seen, primary, fence_percentile(outliers[primary], int(seen[primary].notna().sum())),
            alpha=alpha, cluster=cluster))
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
            capped_at_fence(name), name, guardrails[name].margin,
            guardrails[name].higher_is_better, alpha=alpha, cluster=cluster)),
        segments=each("segments", kinds, lambda kind: segment_lifts(
            seen, primary, kind, alpha=alpha, cluster=cluster)),
        interactions=each("interactions", kinds, lambda kind: interaction_test(
            seen, primary, kind, alpha=alpha, cluster=cluster)),
        drift=log.attempt("drift", lambda: drift_reading(seen, primary, alpha, cluster))
        if read_drift else None,
        unavailable=log.unavailable,
        basis=basis,
        outliers=outliers,
        robust=robust,
    )


DRIFT_SAMPLES = (("updated", "before"), ("updated", "after"), ("control", "before"),
                 ("control", "after"))
"""The order of :attr:`DriftReading.densities`: each group of devices before the update
(the pre-period) and after it."""


def drift_reading(seen: pd.DataFrame, primary: str, alpha: float,
                  cluster: str | None = None) -> DriftReading:
    """Did the sensor reading step on updated devices beyond control? (:mod:`sim.analysis.shift`)

    The verdict stands on the difference in differences alone: the updated devices' change
    from the pre-period against control devices' change over the same time, cluster-robust
    with ``cluster``, at :data:`DRIFT_ALARM_P`. Raises :class:`~sim.errors.DataError` when fewer than
    :data:`DRIFT_MIN_DEVICES` devices are on the build or in control.
    """
    updated = (seen["arm"] == "treatment") & seen["installed_day"].notna()
    is_control = seen["arm"] == "control"
    metric = DRIFT_METRIC
    baseline = COVARIATES[metric]
    # Only the columns the readings use: a copy of every column of ten million devices was
    # most of this reading's time.
    needed = ["arm", baseline, metric, *([cluster] if cluster is not None else [])]
    frame = seen.loc[updated | is_control, needed].dropna(subset=[metric, baseline])
    is_updated = (frame["arm"] != "control").to_numpy()
    n_updated = int(np.count_nonzero(is_updated))
    n_control = is_updated.size - n_updated
    if min(n_updated, n_control) < DRIFT_MIN_DEVICES:
        raise DataError(messages.DRIFT_TOO_FEW.format(on_build=n_updated, control=n_control,
                                                      needed=DRIFT_MIN_DEVICES))
    # A category, not text: ten million strings took most of this reading's time.
    frame = frame.assign(drift_group=pd.Categorical.from_codes(
        is_updated.astype(np.int8), categories=["control", "updated"]))
    on_build, control = frame[is_updated], frame[~is_updated]
    did = difference_in_differences(frame, baseline, metric, "drift_group", "control", alpha,
                                    cluster)
    paired = paired_shift(on_build, baseline, metric, alpha, metric)
    step = did.p_value < DRIFT_ALARM_P
    template = messages.READING_DRIFT_STEP if step else messages.READING_DRIFT_NONE
    behaviour = primary if primary != DRIFT_METRIC else "sessions"
    return DriftReading(
        metric=metric,
        updated_devices=n_updated,
        control_devices=n_control,
        paired=paired,
        did=did,
        on_build_psi=psi(on_build[baseline], on_build[metric]),
        control_psi=psi(control[baseline], control[metric]),
        shift_on_build=paired.mean_change,
        shift_control=float((control[metric] - control[baseline]).mean()),
        measurement_step=bool(step),
        densities=densities([on_build[baseline], on_build[metric], control[baseline],
                             control[metric]]),
        reading=template.format(
            metric=metric, did=did.abs_diff, level=1 - alpha, low=did.abs_ci[0],
            high=did.abs_ci[1], p=format_p(did.p_value), paired=paired.mean_change,
            behaviour=behaviour),
    )
