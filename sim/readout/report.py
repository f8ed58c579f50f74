"""`analyse(result)`: the full readout of a simulated case, in the order an analyst works.

Quality first (SRM, completeness, duplicates, late reports), then lift with CUPED, guardrail
non-inferiority, segments with corrections and an interaction test, retention, the effect
over time and novelty, drift of the sensor reading, power, a sequential reading (when the raw
daily reports are kept), a Bayesian reading and intention-to-treat against the effect on the
devices that installed.

What the decision rule reads (who is analysed, quality, lifts, guardrails, segments, drift)
comes from :func:`sim.readout.lean.lean_report`; this module adds the rest.

>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=5_000)
>>> report = analyse(result)
>>> {"srm", "metrics", "retention", "segments", "drift"} <= set(report.to_dict())
True
>>> report.to_dict()["metrics"]["sessions"]["cuped"]["variance_reduction"] > 0.2
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from sim import messages
from sim.analysis.bayes import BayesResult, bayes_lift
from sim.analysis.capping import CappedLift, capped_lift, check_cap_percentile
from sim.analysis.compliance import ComplianceResult, itt_vs_installed
from sim.analysis.cuped import CupedResult
from sim.analysis.drift import NoveltyResult, novelty
from sim.analysis.frame import AnalysisResult, ReadingLog, to_plain
from sim.analysis.lift import LiftResult, metric_lift
from sim.analysis.noninferiority import NonInferiorityResult
from sim.analysis.power import PowerResult, mde_for_means, mde_for_proportions
from sim.analysis.quality import (
    CleaningReport,
    CompletenessResult,
    OutlierCheck,
    SRMResult,
    clean_daily,
)
from sim.analysis.quantiles import QuantileLift, check_quantile, quantile_lift, quantile_name
from sim.analysis.retention import (
    HazardRatioResult,
    KaplanMeierResult,
    LogRankResult,
    at_risk_table,
    cox_hazard_ratio,
    discrete_hazard,
    kaplan_meier,
    logrank,
)
from sim.analysis.segments import InteractionResult, SegmentLiftsResult
from sim.analysis.sequential import SequentialResult, repeated_intervals
from sim.analysis.table import readout_dict
from sim.case.metrics import METRIC_NAMES, METRICS
from sim.engine.result import SimResult
from sim.errors import DataError, LaunchRoomError
from sim.readout.lean import (
    DriftReading,
    analysis_population,
    case_basis,
    check_basis,
    lean_report,
    quality_checks,
    randomisation_cluster,
)

# Device-level metrics the readout covers, in the catalogue's order (feature uses are zero in
# control by definition).
READOUT_METRICS = tuple(name for name in METRIC_NAMES if name != "feature_uses")
# Above this many devices, Cox regression on device rows gives way to the discrete-time hazard
# model on day x arm rows: the same hazard ratio for daily data (the test suite compares them),
# in milliseconds instead of most of a second at 100,000 devices.
COX_MAX_DEVICES = 50_000
NOVELTY_WINDOW_DAYS = 7
# "Reporting at decision": at least one report for a day in the run's last week.
DECISION_WINDOW_DAYS = 7
# The raw report column each peekable metric sums (others peek on sessions).
SEQUENTIAL_COLUMNS = {"sessions": "sessions", "active_days": "active", "crashes": "crashed"}


@dataclass(frozen=True)
class QualityReadout(AnalysisResult):
    """The checks to read before any lift: who is analysed, the split, telemetry completeness,
    duplicate and late reports. What the Analyse page shows first, in a fraction of the full
    readout's time (:func:`quality_readout`); :attr:`Report.quality` gives the same checks of
    a full readout.
    """

    case_id: str
    basis: str
    basis_note: str
    devices_analysed: int
    devices_never_reported: int
    srm: SRMResult
    completeness: CompletenessResult
    duplicate_reports: int
    late_reports: int
    cleaning: CleaningReport | None


def _quality(result: SimResult, seen: pd.DataFrame, basis: str, srm: SRMResult,
             completeness: CompletenessResult, cleaning: CleaningReport | None
             ) -> QualityReadout:
    everyone = result.devices
    return QualityReadout(
        case_id=result.scenario.meta.id,
        basis=basis,
        basis_note=messages.BASIS_NOTES[basis],
        devices_analysed=len(seen),
        devices_never_reported=int((everyone["days_reported"] == 0).sum()),
        srm=srm,
        completeness=completeness,
        duplicate_reports=int(everyone["duplicate_reports"].sum()),
        late_reports=int(everyone["late_reports"].sum()),
        cleaning=cleaning,
    )


def quality_readout(result: SimResult, basis: str | None = None,
                    through_day: int | None = None) -> QualityReadout:
    """The quality checks of :func:`analyse` alone (the same numbers as its report's
    :attr:`Report.quality`), on ``basis`` and through ``through_day`` as there.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=2, devices=4_000)
    >>> quality_readout(result) == analyse(result).quality
    True
    """
    if through_day is not None:
        result = run_through(result, through_day)
    basis = case_basis(result.scenario) if basis is None else check_basis(basis)
    seen = analysis_population(result, basis)
    cleaning = None if result.daily is None else clean_daily(result.daily)[1]
    return _quality(result, seen, basis, *quality_checks(result, seen), cleaning)


@dataclass(frozen=True)
class Report(QualityReadout):
    """Every reading of one simulated case: the quality checks (the fields of
    :class:`QualityReadout`, which it extends) and the rest. ``to_dict()`` is JSON-ready.

    A reading the data cannot give (no churn yet in a short run, too few updated devices for
    the drift check) is ``None`` or absent from its mapping, and ``unavailable`` gives the
    reason by name; the rest of the readout stands.
    """

    alpha: float
    primary_metric: str
    metrics: Mapping[str, LiftResult]
    cuped: Mapping[str, CupedResult]
    guardrails: Mapping[str, NonInferiorityResult]
    segments: Mapping[str, SegmentLiftsResult]
    interactions: Mapping[str, InteractionResult]
    logrank: LogRankResult | None
    hazard: HazardRatioResult | None
    survival: KaplanMeierResult | None
    daily: pd.DataFrame
    novelty: NoveltyResult | None
    drift: DriftReading | None
    power: PowerResult | None
    sequential: SequentialResult | None
    bayes: BayesResult | None
    compliance: ComplianceResult | None
    reading: str
    unavailable: Mapping[str, str] = field(default_factory=dict)
    outliers: Mapping[str, OutlierCheck] = field(default_factory=dict)
    robust: CappedLift | None = None
    capped: Mapping[str, CappedLift] = field(default_factory=dict)
    quantiles: Mapping[str, Mapping[str, QuantileLift]] = field(default_factory=dict)
    daily_since_install: pd.DataFrame | None = None

    @property
    def quality(self) -> QualityReadout:
        """The report's quality checks (what :func:`quality_readout` gives on its own)."""
        return QualityReadout(**{name.name: getattr(self, name.name)
                                 for name in fields(QualityReadout)})

    def why_missing(self, name: str) -> str | None:
        """Why the reading ``name`` (``"logrank"``, ``"metrics.crashes"``, ...) is missing."""
        return self.unavailable.get(name)

    def to_dict(self) -> dict[str, Any]:
        """The command line's JSON shape (``srm``, ``metrics``, ``retention``) plus the rest."""
        base = readout_dict(self.srm, self.metrics, self.cuped, self.logrank, self.hazard,
                            self.capped, self.quantiles)
        for name, result in self.guardrails.items():
            base["metrics"].setdefault(name, {})["guardrail"] = result.to_dict()
        base.update(
            case=self.case_id,
            alpha=self.alpha,
            primary_metric=self.primary_metric,
            devices_analysed=self.devices_analysed,
            devices_never_reported=self.devices_never_reported,
            quality={
                "srm": self.srm.to_dict(),
                "completeness": self.completeness.to_dict(),
                "duplicate_reports": self.duplicate_reports,
                "late_reports": self.late_reports,
                "cleaning": to_plain(self.cleaning),
            },
            segments=to_plain(self.segments),
            interactions=to_plain(self.interactions),
            daily=to_plain(self.daily.to_dict("records")),
            novelty=to_plain(self.novelty),
            drift=to_plain(self.drift),
            power=to_plain(self.power),
            sequential=to_plain(self.sequential),
            bayes=to_plain(self.bayes),
            compliance=to_plain(self.compliance),
            reading=self.reading,
            unavailable=dict(self.unavailable),
            basis={"name": self.basis, "note": self.basis_note},
            outliers=to_plain(self.outliers),
            robust_primary=to_plain(self.robust),
            daily_since_install=None if self.daily_since_install is None
            else to_plain(self.daily_since_install.to_dict("records")),
        )
        return base


def run_through(result: SimResult, day: int) -> SimResult:
    """The run as the analyst had it at the end of day ``day``: the same fleet re-simulated to
    that day (same seed and size; the engine's streams are keyed by day, so its first days are
    the longer run's - late uploads not yet in, devices installed later not on the build).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000)
    >>> early = run_through(result, 7)
    >>> early.days, int(early.daily["received_day"].max())
    (7, 6)
    """
    if isinstance(day, bool) or not isinstance(day, int | np.integer) or not day >= 1:
        raise LaunchRoomError(messages.BAD_THROUGH_DAY.format(high=result.days, value=day))
    if day >= result.days:
        return result
    from sim.engine.simulation import simulate

    return simulate(result.scenario, seed=result.seed, devices=len(result.devices), days=int(day))


def analyse(result: SimResult, alpha: float | None = None, basis: str | None = None,
            cap_percentile: float | None = None, quantiles: Sequence[float] = (),
            through_day: int | None = None) -> Report:
    """Run every analysis on a simulated case (alpha defaults to the case's).

    ``through_day`` reads the run through that day only (:func:`run_through`): what had
    reached the analyst by then; a reading that cannot be computed yet says why.

    ``basis`` picks who is analysed (:func:`~sim.readout.lean.analysis_population`; the
    case's plan by default). ``cap_percentile`` adds each non-binary metric's lift capped at
    that percentile (:func:`~sim.analysis.capping.capped_lift`) and ``quantiles`` (e.g.
    ``(0.5, 0.9)``) their quantile lifts (:func:`~sim.analysis.quantiles.quantile_lift`).
    Under household randomisation every reading is clustered by household.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=2, devices=4_000)
    >>> report = analyse(result, quantiles=(0.5,))
    >>> report.srm.alarm, report.primary_metric, sorted(report.quantiles["sessions"])
    (False, 'sessions', ['median'])
    """
    if through_day is not None:
        result = run_through(result, through_day)
    case = result.scenario
    experiment = case.experiment
    alpha = experiment.alpha if alpha is None else alpha
    if cap_percentile is not None:
        check_cap_percentile(cap_percentile)
    levels = [check_quantile(q) for q in quantiles]
    primary = experiment.primary_metric
    basis = case_basis(case) if basis is None else check_basis(basis)
    seen = analysis_population(result, basis)
    arms = seen["arm"] == "treatment"
    cluster = randomisation_cluster(case)
    # Metrics the fleet does not measure (battery on mains-powered cars, distraction without a
    # driver-monitoring camera) have no values to read out.
    measured = [name for name in READOUT_METRICS if seen[name].notna().any()]
    core = lean_report(result, metrics=measured, alpha=alpha, seen=seen, drift=True,
                       basis=basis)
    log = ReadingLog()
    log.unavailable.update(core.unavailable)
    churn = ("churn_day", "churned")
    # Above COX_MAX_DEVICES the discrete-time hazard model on day x arm rows stands in for Cox;
    # it treats devices as independent, so household randomisation always takes the robust Cox.
    hazard_model = ((lambda: cox_hazard_ratio(seen, *churn, alpha=alpha, cluster=cluster))
                    if len(seen) <= COX_MAX_DEVICES or cluster is not None
                    else (lambda: discrete_hazard(at_risk_table(seen, *churn), alpha=alpha)))
    daily = daily_lift(result.day_arm, alpha)
    installed = seen.assign(installed=seen["installed_day"].notna().astype(np.int8))
    clean_rows, cleaning = (None, None) if result.daily is None else clean_daily(result.daily)
    sessions_outliers = core.outliers.get("sessions")
    rigs = (seen.loc[seen["sessions"] > sessions_outliers.fence, "device_id"].to_numpy()
            if sessions_outliers is not None and sessions_outliers.noise else None)
    since_install = None if clean_rows is None else log.attempt(
        "daily_since_install", lambda: lift_by_days_since_install(clean_rows, result, alpha,
                                                                  rigs))
    headline = core.metrics.get(primary)
    continuous = [name for name in core.metrics if METRICS[name].kind != "binary"]

    def each(kind: str, names, compute) -> dict:
        found = {name: log.attempt(f"{kind}.{name}", lambda name=name: compute(name))
                 for name in names}
        return {name: value for name, value in found.items() if value is not None}

    capped = {} if cap_percentile is None else each("capped", continuous, lambda name: capped_lift(
        seen, name, cap_percentile, alpha=alpha, cluster=cluster))
    by_quantile = {} if not levels else each("quantiles", continuous, lambda name: {
        quantile_name(q): quantile_lift(seen, name, q, alpha=alpha, cluster=cluster)
        for q in levels})
    quality = _quality(result, seen, basis, core.srm, core.completeness, cleaning)
    return Report(
        **{name.name: getattr(quality, name.name) for name in fields(QualityReadout)},
        alpha=alpha,
        primary_metric=primary,
        metrics=core.metrics,
        cuped=core.cuped,
        guardrails=core.guardrails,
        segments=core.segments,
        interactions=core.interactions,
        logrank=log.attempt("logrank", lambda: logrank(seen, *churn, alpha=alpha,
                                                       cluster=cluster)),
        hazard=log.attempt("hazard", hazard_model),
        survival=log.attempt("survival", lambda: kaplan_meier(seen, *churn, alpha=alpha)),
        daily=daily,
        novelty=None if since_install is None else log.attempt(
            "novelty", lambda: _novelty(since_install, alpha)),
        drift=core.drift,
        power=log.attempt("power", lambda: _power(seen, primary, arms, alpha, headline)),
        sequential=log.attempt("sequential", lambda: sequential_reading(
            result, primary, alpha, clean_rows=clean_rows)) if clean_rows is not None else None,
        bayes=log.attempt("bayes", lambda: bayes_lift(
            seen, primary, alpha=alpha, higher_is_better=experiment.primary_higher_is_better,
            cluster=cluster)),
        compliance=log.attempt("compliance", lambda: _compliance(installed, primary, arms,
                                                                 alpha, cluster)),
        reading=messages.READING_REPORT.format(
            srm=core.srm.reading,
            lift=headline.reading if headline is not None
            else messages.READING_UNAVAILABLE.format(
                what=primary, reason=core.unavailable.get(f"metrics.{primary}"))),
        unavailable=log.unavailable,
        outliers=core.outliers,
        robust=core.robust,
        capped=capped,
        quantiles=by_quantile,
        daily_since_install=since_install,
    )


def _power(seen: pd.DataFrame, primary: str, arms: pd.Series, alpha: float,
           lift: LiftResult | None) -> PowerResult:
    control = seen.loc[~arms, primary].dropna()
    treated = int(arms.sum())
    if lift is not None and lift.test.startswith("cluster-robust"):
        # Households randomised: the devices count as fewer independent ones, by the design
        # effect - the clustered variance over what independent devices would give.
        naive = metric_lift(seen, primary, alpha=alpha)
        naive_se = (naive.abs_ci[1] - naive.abs_ci[0])
        clustered_se = (lift.abs_ci[1] - lift.abs_ci[0])
        if naive_se > 0:
            treated = max(int(treated / max((clustered_se / naive_se) ** 2, 1.0)), 2)
    if set(np.unique(control)) <= {0, 1}:
        return mde_for_proportions(treated, float(control.mean()), alpha=alpha)
    return mde_for_means(treated, float(control.mean()), float(control.std()), alpha=alpha)


def _compliance(installed: pd.DataFrame, primary: str, arms: pd.Series,
                alpha: float, cluster: str | None) -> ComplianceResult:
    if not installed.loc[arms, "installed"].any():
        raise DataError(messages.NO_INSTALLS_YET)
    return itt_vs_installed(installed, primary, "installed", alpha=alpha, cluster=cluster)


def daily_lift(day_arm: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Sessions per reporting device each day, by arm, with the day's Welch difference.

    Uses the day x arm sums and sums of squares, so it works at any fleet size.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000, days=5)
    >>> list(daily_lift(result.day_arm).columns)[:4]
    ['day', 'control_mean', 'treatment_mean', 'estimate']
    """
    from scipy import stats

    sums = day_arm.groupby(["day", "arm"], observed=True)[
        ["devices_reporting", "sessions", "sessions_sq"]
    ].sum()
    n = sums["devices_reporting"]
    mean = sums["sessions"] / n
    variance = (sums["sessions_sq"] - n * mean**2) / (n - 1)
    wide = pd.DataFrame({"n": n, "mean": mean, "var": variance}).unstack("arm")
    estimate = wide[("mean", "treatment")] - wide[("mean", "control")]
    se = np.sqrt(wide[("var", "treatment")] / wide[("n", "treatment")]
                 + wide[("var", "control")] / wide[("n", "control")])
    z = stats.norm.ppf(1 - alpha / 2)
    frame = pd.DataFrame({
        "day": wide.index.to_numpy(),
        "control_mean": wide[("mean", "control")].to_numpy(),
        "treatment_mean": wide[("mean", "treatment")].to_numpy(),
        "estimate": estimate.to_numpy(),
        "se": se.to_numpy(),
    })
    frame["low"] = frame["estimate"] - z * frame["se"]
    frame["high"] = frame["estimate"] + z * frame["se"]
    frame["rel_lift"] = frame["estimate"] / frame["control_mean"]
    return frame


def _novelty(since_install: pd.DataFrame, alpha: float) -> NoveltyResult:
    # By days since install, so that the rollout's ramp (few devices on the build in the
    # first days) is never read as the effect growing.
    usable = since_install.dropna(subset=["estimate", "se"]).rename(
        columns={"days_since_install": "day"})
    return novelty(usable, NOVELTY_WINDOW_DAYS, NOVELTY_WINDOW_DAYS, alpha=alpha)


def lift_by_days_since_install(rows: pd.DataFrame, result: SimResult, alpha: float = 0.05,
                               leave_out: np.ndarray | None = None) -> pd.DataFrame:
    """The effect on sessions by days since install: each installed treatment device's
    sessions ``k`` days after its install, against control devices' sessions on the same
    calendar days.

    For each calendar day, the control mean is what an installed device would have done
    without the build; the effect at ``k`` averages ``treated - control mean of its day``
    over the installed devices' ``k``-th days, with the two sampling variances added (the
    day's control mean is estimated from many devices). ``rows`` are the cleaned daily
    reports (the report panel of a large fleet). By calendar day a ramped rollout dilutes the
    first days; by days since install it does not. ``leave_out`` lists device ids to leave
    out (outlier devices: rigs and bots).

    >>> from sim import load_scenario, simulate
    >>> from sim.analysis.quality import clean_daily
    >>> result = simulate(load_scenario("scenarios/novelty_widget.toml"), seed=0, devices=6_000)
    >>> frame = lift_by_days_since_install(clean_daily(result.daily)[0], result)
    >>> list(frame.columns)[:3], int(frame["days_since_install"].min())
    (['days_since_install', 'devices', 'estimate'], 0)
    """
    from scipy import stats

    devices = result.devices.set_index("device_id")
    reports = rows[["device_id", "day", "sessions"]]
    reports = reports[(reports["day"] >= 0) & (reports["day"] < result.days)]
    if leave_out is not None:
        reports = reports[~reports["device_id"].isin(leave_out)]
    arm = devices["arm"].reindex(reports["device_id"]).to_numpy()
    install_day = devices["installed_day"].reindex(reports["device_id"]).to_numpy()
    control = reports[arm == "control"].groupby("day")["sessions"].agg(["mean", "var", "size"])
    treated = reports[(arm == "treatment") & np.isfinite(install_day)].assign(
        days_since_install=lambda frame: frame["day"].to_numpy()
        - np.floor(install_day[(arm == "treatment") & np.isfinite(install_day)]).astype(int))
    treated = treated[treated["days_since_install"] >= 0]
    if treated.empty or control.empty:
        raise DataError(messages.NO_INSTALLS_YET)
    on_day = control.reindex(treated["day"])
    treated = treated.assign(
        gap=treated["sessions"].to_numpy() - on_day["mean"].to_numpy(),
        control_var=(on_day["var"] / on_day["size"]).to_numpy())
    grouped = treated.groupby("days_since_install")
    frame = pd.DataFrame({
        "devices": grouped.size(),
        "estimate": grouped["gap"].mean(),
        # The control means are shared by every device on their day, so their variance does
        # not shrink with the number of installed devices: it is added once.
        "se": np.sqrt(grouped["gap"].var(ddof=1) / grouped.size()
                      + grouped["control_var"].mean()),
    }).reset_index()
    frame = frame[frame["devices"] >= 2].reset_index(drop=True)
    z = stats.norm.isf(alpha / 2)
    frame["low"] = frame["estimate"] - z * frame["se"]
    frame["high"] = frame["estimate"] + z * frame["se"]
    return frame


def sequential_reading(result: SimResult, metric: str = "sessions", alpha: float = 0.05,
                       clean_rows: pd.DataFrame | None = None,
                       planned_days: int | None = None) -> SequentialResult:
    """Peek every day: the fixed-horizon interval against group-sequential repeated intervals.

    Look ``k`` analyses the devices seen by day ``k`` (a first report received by then: a
    device not seen yet is not a zero) on their total of ``metric`` over the reports received
    by then (deduplicated; on the report panel of a large fleet). ``clean_rows`` passes
    reports already cleaned by :func:`~sim.analysis.clean_daily`. The spending time of look
    ``k`` is its share of the ``planned_days`` (the run's horizon unless given: the plan is
    fixed before the data), and under household randomisation every look is clustered by
    household (:func:`~sim.analysis.sequential.repeated_intervals`).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000, days=7)
    >>> reading = sequential_reading(result)
    >>> len(reading.looks), reading.looks[-1].spending_time
    (7, 1.0)
    """
    daily = result.daily.drop_duplicates() if clean_rows is None else clean_rows
    devices = result.devices
    if "in_panel" in devices.columns:
        # A large fleet keeps raw reports for a random panel of devices: peek on the panel.
        devices = devices[devices["in_panel"]]
    days = result.days
    planned = days if planned_days is None else planned_days
    column = SEQUENTIAL_COLUMNS.get(metric, "sessions")
    ids = devices["device_id"].to_numpy()
    rows = np.searchsorted(ids, daily["device_id"].to_numpy())
    received = np.minimum(daily["received_day"].to_numpy(), days - 1)
    grid = np.zeros((len(devices), days))
    np.add.at(grid, (rows, received), daily[column].to_numpy(dtype=float))
    first_seen = np.full(len(devices), days)
    np.minimum.at(first_seen, rows, received)
    included = first_seen[:, None] <= np.arange(days)[None, :]
    clusters = (devices["household_id"].to_numpy()
                if result.scenario.experiment.unit == "household" else None)
    return repeated_intervals(
        np.cumsum(grid, axis=1), included, (devices["arm"] == "treatment").to_numpy(), alpha,
        np.minimum((np.arange(days) + 1) / planned, 1.0), clusters, list(range(days)), metric)
