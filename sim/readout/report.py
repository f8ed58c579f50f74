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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import messages
from sim.analysis.bayes import BayesResult, bayes_lift
from sim.analysis.compliance import ComplianceResult, itt_vs_installed
from sim.analysis.cuped import CupedResult
from sim.analysis.drift import NoveltyResult, novelty
from sim.analysis.frame import AnalysisResult, ReadingLog, to_plain
from sim.analysis.lift import LiftResult
from sim.analysis.noninferiority import NonInferiorityResult
from sim.analysis.power import PowerResult, mde_for_means, mde_for_proportions
from sim.analysis.quality import CleaningReport, CompletenessResult, SRMResult, clean_daily
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
from sim.analysis.sequential import (
    SequentialLook,
    SequentialResult,
    mixture_multiplier,
    mixture_rho,
)
from sim.analysis.table import readout_dict
from sim.case.metrics import METRIC_NAMES
from sim.engine.result import SimResult
from sim.errors import DataError
from sim.readout.lean import DriftReading, analysis_population, lean_report

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


@dataclass(frozen=True)
class Report(AnalysisResult):
    """Every reading of one simulated case. ``to_dict()`` is JSON-ready.

    A reading the data cannot give (no churn yet in a short run, too few updated devices for
    the drift check) is ``None`` or absent from its mapping, and ``unavailable`` gives the
    reason by name; the rest of the readout stands.
    """

    case_id: str
    alpha: float
    primary_metric: str
    devices_analysed: int
    devices_never_reported: int
    srm: SRMResult
    completeness: CompletenessResult
    duplicate_reports: int
    late_reports: int
    cleaning: CleaningReport | None
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

    def why_missing(self, name: str) -> str | None:
        """Why the reading ``name`` (``"logrank"``, ``"metrics.crashes"``, ...) is missing."""
        return self.unavailable.get(name)

    def to_dict(self) -> dict[str, Any]:
        """The command line's JSON shape (``srm``, ``metrics``, ``retention``) plus the rest."""
        base = readout_dict(self.srm, self.metrics, self.cuped, self.logrank, self.hazard)
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
        )
        return base


def analyse(result: SimResult, alpha: float | None = None) -> Report:
    """Run every analysis on a simulated case (alpha defaults to the case's).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=2, devices=4_000)
    >>> report = analyse(result)
    >>> report.srm.alarm, report.primary_metric
    (False, 'sessions')
    """
    case = result.scenario
    experiment = case.experiment
    alpha = experiment.alpha if alpha is None else alpha
    primary = experiment.primary_metric
    everyone = result.devices
    seen = analysis_population(result)
    arms = seen["arm"] == "treatment"
    # Metrics the fleet does not measure (battery on mains-powered cars, distraction without a
    # driver-monitoring camera) have no values to read out.
    measured = [name for name in READOUT_METRICS if seen[name].notna().any()]
    core = lean_report(result, metrics=measured, alpha=alpha, seen=seen, drift=True)
    log = ReadingLog()
    log.unavailable.update(core.unavailable)
    churn = ("churn_day", "churned")
    # Above COX_MAX_DEVICES the discrete-time hazard model on day x arm rows stands in for Cox.
    hazard_model = ((lambda: cox_hazard_ratio(seen, *churn, alpha=alpha))
                    if len(seen) <= COX_MAX_DEVICES
                    else (lambda: discrete_hazard(at_risk_table(seen, *churn), alpha=alpha)))
    daily = daily_lift(result.day_arm, alpha)
    installed = seen.assign(installed=seen["installed_day"].notna().astype(np.int8))
    clean_rows, cleaning = (None, None) if result.daily is None else clean_daily(result.daily)
    headline = core.metrics.get(primary)
    return Report(
        case_id=case.meta.id,
        alpha=alpha,
        primary_metric=primary,
        devices_analysed=len(seen),
        devices_never_reported=int((everyone["days_reported"] == 0).sum()),
        srm=core.srm,
        completeness=core.completeness,
        duplicate_reports=int(everyone["duplicate_reports"].sum()),
        late_reports=int(everyone["late_reports"].sum()),
        cleaning=cleaning,
        metrics=core.metrics,
        cuped=core.cuped,
        guardrails=core.guardrails,
        segments=core.segments,
        interactions=core.interactions,
        logrank=log.attempt("logrank", lambda: logrank(seen, *churn, alpha=alpha)),
        hazard=log.attempt("hazard", hazard_model),
        survival=log.attempt("survival", lambda: kaplan_meier(seen, *churn, alpha=alpha)),
        daily=daily,
        novelty=log.attempt("novelty", lambda: _novelty(daily, result.days, alpha)),
        drift=core.drift,
        power=log.attempt("power", lambda: _power(seen, primary, arms, alpha)),
        sequential=log.attempt("sequential", lambda: sequential_reading(
            result, primary, alpha, clean_rows=clean_rows)) if clean_rows is not None else None,
        bayes=log.attempt("bayes", lambda: bayes_lift(
            seen, primary, alpha=alpha, higher_is_better=experiment.primary_higher_is_better)),
        compliance=log.attempt("compliance", lambda: _compliance(installed, primary, arms,
                                                                 alpha)),
        reading=messages.READING_REPORT.format(
            srm=core.srm.reading,
            lift=headline.reading if headline is not None
            else messages.READING_UNAVAILABLE.format(
                what=primary, reason=core.unavailable.get(f"metrics.{primary}"))),
        unavailable=log.unavailable,
    )


def _power(seen: pd.DataFrame, primary: str, arms: pd.Series, alpha: float) -> PowerResult:
    control = seen.loc[~arms, primary].dropna()
    if set(np.unique(control)) <= {0, 1}:
        return mde_for_proportions(int(arms.sum()), float(control.mean()), alpha=alpha)
    return mde_for_means(int(arms.sum()), float(control.mean()), float(control.std()),
                         alpha=alpha)


def _compliance(installed: pd.DataFrame, primary: str, arms: pd.Series,
                alpha: float) -> ComplianceResult:
    if not installed.loc[arms, "installed"].any():
        raise DataError(messages.NO_INSTALLS_YET)
    return itt_vs_installed(installed, primary, "installed", alpha=alpha)


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


def _novelty(daily: pd.DataFrame, days: int, alpha: float) -> NoveltyResult:
    usable = daily.dropna(subset=["estimate", "se"])
    return novelty(usable, NOVELTY_WINDOW_DAYS, NOVELTY_WINDOW_DAYS, alpha=alpha)


def sequential_reading(result: SimResult, metric: str = "sessions", alpha: float = 0.05,
                       clean_rows: pd.DataFrame | None = None) -> SequentialResult:
    """Peek every day: the fixed-horizon interval against an always-valid one.

    Look ``k`` compares each device's total of ``metric`` over days ``0..k`` (from the
    deduplicated daily reports, by the day they arrived; on the report panel of a large fleet).
    ``clean_rows`` passes reports already cleaned by :func:`~sim.analysis.clean_daily`. Every device is present from day 0,
    so the always-valid interval uses the mixture boundary at the full sample; its false
    alarm rate under daily peeking is checked by simulation in the test suite.
    """
    from scipy import stats

    daily = result.daily.drop_duplicates() if clean_rows is None else clean_rows
    devices = result.devices
    if "in_panel" in devices.columns:
        # A large fleet keeps raw reports for a random panel of devices: peek on the panel.
        devices = devices[devices["in_panel"]]
    treated = (devices["arm"] == "treatment").to_numpy()
    n_devices, days = len(devices), result.days
    grid = np.zeros((n_devices, days))
    column = {"sessions": "sessions", "active_days": "active", "crashes": "crashed"}.get(
        metric, "sessions")
    rows = np.searchsorted(devices["device_id"].to_numpy(), daily["device_id"].to_numpy())
    np.add.at(grid, (rows, daily["received_day"].to_numpy()), daily[column].to_numpy())
    cumulative = np.cumsum(grid, axis=1)
    n_t, n_c = int(treated.sum()), int((~treated).sum())
    rho = mixture_rho(n_devices, alpha)
    wide = mixture_multiplier(n_devices, alpha, rho)
    z = stats.norm.ppf(1 - alpha / 2)
    looks = []
    for day in range(days):
        values = cumulative[:, day]
        t, c = values[treated], values[~treated]
        estimate = float(t.mean() - c.mean())
        se = float(np.sqrt(t.var(ddof=1) / n_t + c.var(ddof=1) / n_c))
        looks.append(SequentialLook(
            look=day, n_control=n_c, n_treatment=n_t, estimate=estimate,
            low=estimate - wide * se, high=estimate + wide * se,
            fixed_low=estimate - z * se, fixed_high=estimate + z * se,
        ))
    excluded = [look.look for look in looks if look.low > 0 or look.high < 0]
    fixed_excluded = [look.look for look in looks if look.fixed_low > 0 or look.fixed_high < 0]
    return SequentialResult(
        metric=metric,
        alpha=alpha,
        planned_n=float(n_devices),
        rho=rho,
        looks=tuple(looks),
        excludes_zero=bool(excluded),
        first_exclusion_look=excluded[0] if excluded else None,
        reading=messages.READING_PEEKING.format(
            looks=days, fixed=len(fixed_excluded), sequential=len(excluded)
        ),
    )
