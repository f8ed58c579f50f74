"""Retention: does treatment change how long devices keep going before an event?

The event is whatever ends a device's run in the experiment - uninstalling the feature,
opting out, churning. Each device contributes a duration (days observed) and an event flag
(1 = the event happened at that duration, 0 = still going when observation stopped, i.e.
right-censored).

* :func:`kaplan_meier` - survival curves per arm (statsmodels ``SurvfuncRight``).
* :func:`logrank` - do the curves differ? (the statistic of statsmodels ``survdiff``).
* :func:`cox_hazard_ratio` - one number for the size of the difference: the Cox
  proportional-hazards ratio, treatment versus control, with Efron ties (``PHReg``).
* :func:`at_risk_table` and :func:`discrete_hazard` - for very large fleets: aggregate to
  one row per day and arm (devices at risk, events) and fit a binomial GLM, whose size does
  not grow with the number of devices.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    Arms,
    format_p,
    require_arm_counts,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    treatment_indicator,
)
from sim.errors import DataError

HAZARD_LINKS = ("cloglog", "logit")


@dataclass(frozen=True)
class SurvivalCurve(AnalysisResult):
    """Kaplan-Meier estimate for one arm at each distinct event time.

    ``ci_low``/``ci_high`` are pointwise intervals on the log(-log) scale
    (Kalbfleisch & Prentice), which stay inside [0, 1].
    """

    arm: Any
    n: int
    events: int
    times: tuple[float, ...]
    survival: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    median: float

    def survival_at(self, time: float) -> float:
        """Estimated share still without the event just after ``time``.

        >>> curve = SurvivalCurve("a", 3, 2, (1.0, 4.0), (0.5, 0.25), (0, 0), (1, 1), 4.0)
        >>> curve.survival_at(0.5), curve.survival_at(1.0), curve.survival_at(9.0)
        (1.0, 0.5, 0.25)
        """
        position = int(np.searchsorted(np.asarray(self.times), time, side="right"))
        return 1.0 if position == 0 else float(self.survival[position - 1])


@dataclass(frozen=True)
class KaplanMeierResult(AnalysisResult):
    """Kaplan-Meier curves of both arms; ``reading`` compares them at ``compare_time``."""

    control: SurvivalCurve
    treatment: SurvivalCurve
    compare_time: float
    alpha: float
    reading: str


@dataclass(frozen=True)
class LogRankResult(AnalysisResult):
    """Log-rank test of equal survival curves (one degree of freedom for two arms)."""

    chi2: float
    p_value: float
    n_control: int
    n_treatment: int
    events_control: int
    events_treatment: int
    reading: str


@dataclass(frozen=True)
class HazardRatioResult(AnalysisResult):
    """Hazard ratio (or odds ratio for a logit discrete-time model), treatment vs control.

    Above 1 the event comes sooner for treatment devices. ``method`` names the model.
    """

    method: str
    hazard_ratio: float
    ci: tuple[float, float]
    p_value: float
    n_control: int
    n_treatment: int
    events_control: int
    events_treatment: int
    alpha: float
    reading: str


def _durations(
    df: pd.DataFrame, duration: str, event: str, arms: Arms, cluster: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    require_numeric(df, duration)
    require_numeric(df, event)
    indicator = treatment_indicator(df, arms)
    time = df[duration].to_numpy(dtype=float, na_value=np.nan)
    status = df[event].to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(time) | np.isnan(status) | np.isnan(indicator))
    groups = None
    if cluster is not None:
        require_columns(df, cluster)
        keep &= df[cluster].notna().to_numpy()
        groups = pd.factorize(df[cluster].to_numpy()[keep])[0]
        if groups.max(initial=-1) < 1:
            raise DataError(messages.CLUSTERS_TOO_FEW.format(count=int(groups.max(initial=-1)) + 1))
    time, status, treated = time[keep], status[keep], indicator[keep]
    if (time < 0).any():
        raise DataError(messages.COLUMN_NEGATIVE.format(column=duration))
    if not np.isin(status, (0.0, 1.0)).all():
        raise DataError(messages.COLUMN_NOT_BINARY.format(column=event))
    n_c, n_t = int((treated == 0).sum()), int((treated == 1).sum())
    require_arm_counts(duration, n_c, n_t, arms, 1)
    return time, status, treated, groups


def _logrank_chi2(time: np.ndarray, status: np.ndarray, treated: np.ndarray) -> float:
    """The log-rank statistic ``(O - E)^2 / V`` for the treatment arm, with the hypergeometric
    variance at tied times: the statistic of statsmodels' ``survdiff`` (the tests compare
    them), from each distinct time's counts. statsmodels sorts every subject's duration, most
    of this reading's time at ten million devices; a fleet's durations are whole days, so the
    counts are a few dozen rows, found by hashing the times (``pandas.factorize``)."""
    codes, distinct = pd.factorize(time, sort=False)
    k = distinct.size
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    cell = rank[codes] + k * treated.astype(np.int64)
    events = np.bincount(cell, weights=status, minlength=2 * k)
    ended = np.bincount(cell, minlength=2 * k).astype(float)
    # At risk at a time: everyone whose duration is that time or later.
    at_risk = [part[::-1].cumsum()[::-1] for part in (ended[:k], ended[k:])]
    n, n1 = at_risk[0] + at_risk[1], at_risk[1]
    d, d1 = events[:k] + events[k:], events[k:]
    has_event = d > 0
    n, n1, d, d1 = n[has_event], n1[has_event], d[has_event], d1[has_event]
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.where(n > 1, n1 * (n - n1) * d * (n - d) / (n * n * (n - 1)), 0.0)
    total_variance = float(variance.sum())
    if total_variance <= 0:
        # As survdiff: no event time with both arms at risk leaves nothing to compare.
        raise np.linalg.LinAlgError("Singular matrix")
    return float((d1 - n1 * d / n).sum() ** 2 / total_variance)


def _require_events(count: float, event: str) -> None:
    if count == 0:
        raise DataError(messages.NO_EVENTS.format(column=event))


def _require_events_in_both_arms(events_control: int, events_treatment: int) -> None:
    if min(events_control, events_treatment) == 0:
        # The likelihood keeps rising as the ratio goes to 0 (or infinity): no finite estimate.
        raise DataError(messages.HAZARD_ONE_ARM.format(
            arm="treatment" if events_treatment == 0 else "control",
            other="control" if events_treatment == 0 else "treatment",
            events=max(events_control, events_treatment)))


def _hazard_reading(
    ratio_name: str, ratio: float, ci: tuple[float, float], p_value: float, alpha: float
) -> str:
    if p_value < alpha:
        verdict = messages.VERDICT_HAZARD_HIGHER if ratio > 1 else messages.VERDICT_HAZARD_LOWER
    else:
        verdict = messages.VERDICT_HAZARD_UNCLEAR
    return messages.READING_HAZARD.format(
        ratio_name=ratio_name,
        ratio=ratio,
        level=1 - alpha,
        low=ci[0],
        high=ci[1],
        p=format_p(p_value),
        verdict=verdict,
    )


def _curve(arm: Any, time: np.ndarray, status: np.ndarray, alpha: float) -> SurvivalCurve:
    fit = SurvfuncRight(time, status)
    survival = np.asarray(fit.surv_prob, dtype=float)
    standard_error = np.asarray(fit.surv_prob_se, dtype=float)
    # log(-log S) interval: se of log(-log S) is se(S) / (S |log S|) (Greenwood via delta).
    z = stats.norm.isf(alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_log = np.log(-np.log(survival))
        spread = z * standard_error / (survival * np.abs(np.log(survival)))
        low = np.exp(-np.exp(log_log + spread))
        high = np.exp(-np.exp(log_log - spread))
    # Where S is 1 or 0 the transform is undefined; the interval collapses onto S there.
    undefined = ~np.isfinite(low) | ~np.isfinite(high)
    low[undefined] = survival[undefined]
    high[undefined] = survival[undefined]
    median = float(fit.quantile(0.5)) if (survival <= 0.5).any() else math.nan
    return SurvivalCurve(
        arm=arm,
        n=int(time.size),
        events=int(status.sum()),
        times=tuple(float(t) for t in fit.surv_times),
        survival=tuple(float(s) for s in survival),
        ci_low=tuple(float(v) for v in low),
        ci_high=tuple(float(v) for v in high),
        median=median,
    )


def kaplan_meier(
    df: pd.DataFrame,
    duration: str,
    event: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
) -> KaplanMeierResult:
    """Kaplan-Meier survival curve of each arm.

    ``duration`` holds the time each device was observed and ``event`` is 1 when the event
    happened at that time, 0 when the device was still going (censored). The reading
    compares the arms at the last time both arms were still observed.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 4 + ["treatment"] * 4,
    ...     "days": [2, 3, 3, 5, 4, 5, 6, 6],
    ...     "churned": [1, 1, 0, 1, 1, 0, 1, 0],
    ... })
    >>> result = kaplan_meier(frame, "days", "churned")
    >>> [round(s, 3) for s in result.control.survival], round(result.control.survival_at(4), 3)
    ([0.75, 0.5, 0.0], 0.5)
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    time, status, treated, _ = _durations(df, duration, event, arms)
    control_curve = _curve(arms.control, time[treated == 0], status[treated == 0], alpha)
    treatment_curve = _curve(arms.treatment, time[treated == 1], status[treated == 1], alpha)
    compare_time = float(min(time[treated == 0].max(), time[treated == 1].max()))
    return KaplanMeierResult(
        control=control_curve,
        treatment=treatment_curve,
        compare_time=compare_time,
        alpha=alpha,
        reading=messages.READING_KAPLAN_MEIER.format(
            time=compare_time,
            control=control_curve.survival_at(compare_time),
            treatment=treatment_curve.survival_at(compare_time),
        ),
    )


def logrank(
    df: pd.DataFrame,
    duration: str,
    event: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> LogRankResult:
    """Log-rank test that both arms have the same survival curve (the statistic of statsmodels
    ``survdiff``, from each distinct time's counts).

    With ``cluster`` (whole households randomised together) the statistic is the log-rank
    score ``O - E`` with the cluster-robust variance of Lin & Wei ("The robust inference for
    the Cox proportional hazards model", JASA 84, 1989): the sum over clusters of the squared
    sum of each subject's score residual at a hazard ratio of one.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 4 + ["treatment"] * 4,
    ...     "days": [2, 3, 3, 5, 4, 5, 6, 6],
    ...     "churned": [1, 1, 0, 1, 1, 0, 1, 0],
    ... })
    >>> round(logrank(frame, "days", "churned").chi2, 3)
    3.121
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    time, status, treated, groups = _durations(df, duration, event, arms, cluster)
    _require_events(status.sum(), event)
    if groups is None:
        chi2 = _logrank_chi2(time, status, treated)
        p_value = float(stats.chi2.sf(chi2, 1))
    else:
        residuals = logrank_score_residuals(time, status, treated)
        variance = float(np.sum(np.bincount(groups, weights=residuals) ** 2))
        score = float(residuals.sum())
        chi2 = score**2 / variance if variance > 0 else 0.0
        p_value = float(stats.chi2.sf(chi2, 1))
    verdict = messages.VERDICT_CURVES_DIFFER if p_value < alpha else messages.VERDICT_CURVES_UNCLEAR
    return LogRankResult(
        chi2=float(chi2),
        p_value=float(p_value),
        n_control=int((treated == 0).sum()),
        n_treatment=int((treated == 1).sum()),
        events_control=int(status[treated == 0].sum()),
        events_treatment=int(status[treated == 1].sum()),
        reading=messages.READING_LOGRANK.format(verdict=verdict, chi2=chi2, p=format_p(p_value)),
    )


def logrank_score_residuals(time: np.ndarray, status: np.ndarray,
                            treated: np.ndarray) -> np.ndarray:
    """Each subject's score residual of the Cox model at a hazard ratio of one (Breslow ties):
    ``δ_i (x_i - x̄(T_i)) - Σ_{t_k ≤ T_i} d_k / R_k (x_i - x̄_k)``, where ``x̄_k`` is the treated
    share of those at risk at event time ``t_k``. They sum to the log-rank ``O - E``.

    >>> r = logrank_score_residuals(np.array([1., 2, 3, 4]), np.array([1., 1, 0, 1]),
    ...                             np.array([1., 0, 1, 0]))
    >>> round(float(r.sum()), 4)  # observed minus expected treated events
    0.1667
    """
    event_times = np.unique(time[status == 1])
    position = np.searchsorted(np.sort(time), event_times, side="left")
    at_risk = time.size - position
    treated_sorted = np.sort(time[treated == 1])
    treated_at_risk = treated_sorted.size - np.searchsorted(treated_sorted, event_times, "left")
    deaths = np.array([np.sum((time == t) & (status == 1)) for t in event_times], dtype=float) \
        if event_times.size < 2_000 else np.bincount(
            np.searchsorted(event_times, time[status == 1]), minlength=event_times.size
        ).astype(float)
    share = treated_at_risk / at_risk
    hazard = deaths / at_risk
    cumulative = np.cumsum(hazard)
    cumulative_share = np.cumsum(hazard * share)
    # Up to each subject's own time: the event times t_k <= T_i.
    upto = np.searchsorted(event_times, time, side="right") - 1
    c1 = np.where(upto >= 0, cumulative[np.maximum(upto, 0)], 0.0)
    c2 = np.where(upto >= 0, cumulative_share[np.maximum(upto, 0)], 0.0)
    own = np.searchsorted(event_times, time)
    own_share = share[np.minimum(own, event_times.size - 1)]
    events_term = status * (treated - own_share)
    return events_term - (treated * c1 - c2)


def cox_hazard_ratio(
    df: pd.DataFrame,
    duration: str,
    event: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> HazardRatioResult:
    """Cox proportional-hazards ratio, treatment vs control, Efron ties (statsmodels ``PHReg``).

    Durations counted in whole days tie often; Efron's approximation handles ties better
    than Breslow's. The interval and p-value are Wald, from the model's information matrix,
    or from the cluster-robust sandwich with ``cluster`` (statsmodels' ``groups``, Lin & Wei
    1989). With no event in one arm the ratio has no finite estimate: one line says so.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 6 + ["treatment"] * 6,
    ...     "days": [1, 2, 2, 3, 4, 6, 3, 5, 6, 8, 9, 9],
    ...     "churned": [1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0],
    ... })
    >>> result = cox_hazard_ratio(frame, "days", "churned")
    >>> result.hazard_ratio < 1
    True
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    time, status, treated, groups = _durations(df, duration, event, arms, cluster)
    events_control = int(status[treated == 0].sum())
    events_treatment = int(status[treated == 1].sum())
    _require_events(events_control + events_treatment, event)
    _require_events_in_both_arms(events_control, events_treatment)
    method = "Cox proportional hazards (Efron ties)"
    fit = PHReg(time, treated[:, None], status=status, ties="efron").fit(groups=groups)
    if groups is not None:
        method += ", cluster-robust"
    low, high = np.exp(np.asarray(fit.conf_int(alpha=alpha))[0])
    p_value = float(np.asarray(fit.pvalues)[0])
    ratio = math.exp(float(np.asarray(fit.params)[0]))
    ci = (float(low), float(high))
    return HazardRatioResult(
        method=method,
        hazard_ratio=ratio,
        ci=ci,
        p_value=p_value,
        n_control=int((treated == 0).sum()),
        n_treatment=int((treated == 1).sum()),
        events_control=events_control,
        events_treatment=events_treatment,
        alpha=alpha,
        reading=_hazard_reading("Hazard ratio", ratio, ci, p_value, alpha),
    )


def at_risk_table(
    df: pd.DataFrame,
    duration: str,
    event: str,
    arm_col: str = "arm",
    control: Any = None,
) -> pd.DataFrame:
    """Aggregate device rows into one row per day and arm: ``day, arm, at_risk, events``.

    Durations are whole days (rounded up, so an event during day 3 counts on day 3, and a
    duration of 0 counts as day 1). A device is at risk on every day from 1 up to its duration; it has its event on the last
    one if ``event`` is 1. Days with no one at risk are omitted.

    >>> frame = pd.DataFrame({"arm": ["control", "control", "treatment", "treatment"],
    ...                       "days": [1, 2, 2, 2], "churned": [1, 0, 1, 0]})
    >>> at_risk_table(frame, "days", "churned").to_dict("records")[:2]
    [{'day': 1, 'arm': 'control', 'at_risk': 2, 'events': 1}, {'day': 1, 'arm': 'treatment', 'at_risk': 2, 'events': 0}]
    """
    arms = resolve_arms(df, arm_col, control)
    time, status, treated, _ = _durations(df, duration, event, arms)
    # An event during the first day (duration 0 < t <= 1, or exactly 0) counts on day 1.
    days = np.maximum(np.ceil(time), 1).astype(int)
    rows = []
    for arm_value, label in ((0.0, arms.control), (1.0, arms.treatment)):
        arm_days = days[treated == arm_value]
        arm_events = status[treated == arm_value]
        last_day = int(arm_days.max()) if arm_days.size else 0
        # Devices with duration >= d are at risk on day d: a reversed cumulative count.
        counts = np.bincount(arm_days, minlength=last_day + 1)
        at_risk = counts[::-1].cumsum()[::-1]
        events = np.bincount(arm_days, weights=arm_events, minlength=last_day + 1)
        for day in range(1, last_day + 1):
            if at_risk[day] > 0:
                rows.append((day, label, int(at_risk[day]), int(events[day])))
    table = pd.DataFrame(rows, columns=["day", "arm", "at_risk", "events"])
    return table.sort_values(["day", "arm"], kind="stable", ignore_index=True)


def discrete_hazard(
    aggregated: pd.DataFrame,
    day: str = "day",
    arm_col: str = "arm",
    at_risk: str = "at_risk",
    events: str = "events",
    control: Any = None,
    alpha: float = 0.05,
    link: str = "cloglog",
) -> HazardRatioResult:
    """Discrete-time hazard model on aggregated day × arm rows (binomial GLM).

    Each row says how many devices of an arm were at risk on a day and how many had the
    event. The model has one baseline hazard per day and a constant treatment effect.
    With ``link="cloglog"`` the treatment coefficient is the log hazard ratio of an
    underlying continuous-time proportional-hazards model (Prentice & Gloeckler 1978), so it
    is comparable to :func:`cox_hazard_ratio`; ``link="logit"`` gives an odds ratio per day.
    Days where nobody or everybody had the event carry no information about the treatment
    effect (their day term runs off to infinity) and are left out.

    >>> frame = pd.DataFrame({
    ...     "day": [1, 1, 2, 2, 3, 3],
    ...     "arm": ["control", "treatment"] * 3,
    ...     "at_risk": [1000, 1000, 900, 950, 810, 900],
    ...     "events": [100, 50, 90, 50, 81, 45],
    ... })
    >>> round(discrete_hazard(frame).hazard_ratio, 2)
    0.5
    """
    require_probability("alpha", alpha)
    if link not in HAZARD_LINKS:
        raise DataError(
            messages.OPTION_UNKNOWN.format(name="link", options=HAZARD_LINKS, value=link)
        )
    require_columns(aggregated, day)
    for column in (at_risk, events):
        require_numeric(aggregated, column)
    arms = resolve_arms(aggregated, arm_col, control)
    indicator = treatment_indicator(aggregated, arms)
    n_risk = aggregated[at_risk].to_numpy(dtype=float, na_value=np.nan)
    n_events = aggregated[events].to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(n_risk) | np.isnan(n_events) | np.isnan(indicator))
    if (n_risk[keep] < 0).any() or (n_events[keep] < 0).any():
        raise DataError(messages.COLUMN_NEGATIVE.format(column=f"{at_risk}/{events}"))
    too_many = int((n_events[keep] > n_risk[keep]).sum())
    if too_many:
        raise DataError(messages.EVENTS_EXCEED_AT_RISK.format(count=too_many))
    frame = pd.DataFrame(
        {
            "day": aggregated[day].to_numpy()[keep],
            "treated": indicator[keep],
            "at_risk": n_risk[keep],
            "events": n_events[keep],
        }
    )
    # Arm sizes and event counts describe the whole table, before uninformative days go.
    treated_all = frame["treated"].to_numpy()
    n_control = int(frame.loc[treated_all == 0, "at_risk"].max())
    n_treatment = int(frame.loc[treated_all == 1, "at_risk"].max())
    events_control = int(frame.loc[treated_all == 0, "events"].sum())
    events_treatment = int(frame.loc[treated_all == 1, "events"].sum())
    by_day = frame.groupby("day", sort=True)[["at_risk", "events"]].transform("sum")
    informative = (by_day["events"] > 0) & (by_day["events"] < by_day["at_risk"])
    frame = frame.loc[informative.to_numpy()]
    if frame.empty or frame["treated"].nunique() < 2:
        raise DataError(messages.NO_EVENT_DAYS)
    ratio_name = "Hazard ratio" if link == "cloglog" else "Odds ratio of the daily hazard"
    method = f"discrete-time hazard, binomial GLM ({link} link)"
    treated = frame["treated"].to_numpy()
    informative_events = (
        frame.loc[treated == 0, "events"].sum(),
        frame.loc[treated == 1, "events"].sum(),
    )
    _require_events_in_both_arms(*(int(count) for count in informative_events))
    day_labels = np.sort(frame["day"].unique())
    day_dummies = (frame["day"].to_numpy()[:, None] == day_labels[None, :]).astype(float)
    design = np.column_stack([day_dummies, frame["treated"].to_numpy()])
    outcome = np.column_stack([frame["events"], frame["at_risk"] - frame["events"]])
    link_function = sm.families.links.CLogLog() if link == "cloglog" else sm.families.links.Logit()
    model = sm.GLM(outcome, design, family=sm.families.Binomial(link=link_function))
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        if design.shape[0] == design.shape[1]:
            # A saturated model (e.g. one day, two arms) reproduces the data exactly, which
            # statsmodels reports as "perfect prediction"; the estimates are still the MLE.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = model.fit()
    coefficient = float(fit.params[-1])
    low, high = np.exp(fit.conf_int(alpha=alpha)[-1])
    p_value = float(fit.pvalues[-1])
    ratio = math.exp(coefficient)
    ci = (float(low), float(high))
    return HazardRatioResult(
        method=method,
        hazard_ratio=ratio,
        ci=ci,
        p_value=p_value,
        n_control=n_control,
        n_treatment=n_treatment,
        events_control=events_control,
        events_treatment=events_treatment,
        alpha=alpha,
        reading=_hazard_reading(ratio_name, ratio, ci, p_value, alpha),
    )
