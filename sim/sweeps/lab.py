"""The metric lab: the statistics behind the Learn page, each demo built on a sweep.

Every demo is a :class:`Demo`: a case from the library with a few knobs, a grid, a fleet size
and the number of replications to run by default. :func:`run_demo` runs (part of) its sweep -
run indices, so a page can add replications to the ones it already has without redoing them -
and :func:`summarise_demo` turns the sweep's rows into a tidy table for a chart plus the
numbers its explanation quotes. Nothing here draws; the page only draws what this returns.

>>> frame = run_demo("cuped", range(4), devices=1_000, workers=1)
>>> summary = summarise_demo("cuped", frame)
>>> sorted(summary.facts)[:3], list(summary.table.columns)[:3]
(['coverage_cuped', 'coverage_plain', 'runs'], ['run', 'method', 'estimate'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from sim.case.library import load_case
from sim.case.scenario import Scenario
from sim.limits import BUDGET_DAYS
from sim.sweeps.sweep import DaskConnection, Progress, sweep

PLAIN = "difference in means"
CUPED = "CUPED"
FIXED = "fixed-horizon 95% CI, checked every day"
SEQUENTIAL = "always-valid confidence sequence"
SRM_ALARM = "SRM alarm (p < 0.001)"
FALSE_LIFT = "significant lift in sessions (true effect 0)"
POOLED = "all tiers pooled"
ADJUSTED = "adjusted for the tier mix"
MEASURED = "measured lift"
TRUE = "true effect on this sample"


@dataclass(frozen=True)
class DemoSummary:
    """A demo's chart table and the numbers its explanation quotes."""

    table: pd.DataFrame
    facts: Mapping[str, Any]
    extra: pd.DataFrame | None = None


@dataclass(frozen=True)
class Demo:
    """One lab demo: which sweep to run, and how to summarise its rows."""

    key: str
    title: str
    case_id: str
    runs: int  # replications per grid point by default
    devices: int
    days: int | None = None
    knobs: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    extras: tuple[str, ...] = ()
    summarise: Callable[[pd.DataFrame, Scenario], DemoSummary] | None = None

    def scenario(self) -> Scenario:
        """The demo's case with its knobs."""
        return load_case(self.case_id).with_knobs(dict(self.knobs))


# --- summaries -----------------------------------------------------------------------------
def _share(hits: pd.Series) -> tuple[float, float, float]:
    """A share with its Wilson 95% interval."""
    n = int(hits.size)
    k = int(hits.sum())
    if n == 0:
        return math.nan, math.nan, math.nan
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return k / n, float(low), float(high)


def _mean_ci(values: pd.Series) -> tuple[float, float, float]:
    """A mean across replications with its normal 95% interval."""
    values = values.dropna().astype(float)
    if values.empty:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    half = 1.96 * float(values.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return mean, mean - half, mean + half


def _peeking(frame: pd.DataFrame, case: Scenario) -> DemoSummary:
    days = int(frame["days"].max())
    rows = []
    for day in range(days):
        for method, column in ((FIXED, "peek_fixed_first_day"),
                               (SEQUENTIAL, "peek_sequential_first_day")):
            share, low, high = _share(frame[column] <= day)
            rows.append({"day": day + 1, "method": method, "share": share, "low": low,
                         "high": high})
    table = pd.DataFrame(rows)
    last = table[table["day"] == days].set_index("method")["share"]
    return DemoSummary(table, {
        "runs": len(frame),
        "days": days,
        "alpha": case.experiment.alpha,
        "fixed": float(last[FIXED]),
        "sequential": float(last[SEQUENTIAL]),
        "single_look": float(frame["significant"].mean()),
    })


def _power(frame: pd.DataFrame, case: Scenario) -> DemoSummary:
    alpha = case.experiment.alpha
    rows = []
    for days, group in frame.groupby("days", sort=True):
        for method, hits in (
            (PLAIN, (group["p_value"] < alpha) & (group["estimate"] > 0)),
            (CUPED, (group["cuped_p_value"] < alpha) & (group["cuped_estimate"] > 0)),
        ):
            share, low, high = _share(hits)
            rows.append({"days": int(days), "method": method, "power": share, "low": low,
                         "high": high})
    table = pd.DataFrame(rows)

    def first_day(method: str) -> int | None:
        reached = table[(table["method"] == method) & (table["power"] >= 0.8)]
        return int(reached["days"].min()) if not reached.empty else None

    within = table[table["days"] <= BUDGET_DAYS]
    at_budget = within[within["days"] == within["days"].max()].set_index("method")["power"]
    return DemoSummary(table, {
        "runs": int(frame.groupby("days").size().min()),
        "effect": case.feature.effect.sessions,
        "devices": int(frame["devices"].iloc[0]),
        "budget": BUDGET_DAYS,
        "budget_day": int(within["days"].max()) if not within.empty else None,
        "plain_at_budget": float(at_budget.get(PLAIN, math.nan)),
        "cuped_at_budget": float(at_budget.get(CUPED, math.nan)),
        "plain_80": first_day(PLAIN),
        "cuped_80": first_day(CUPED),
    })


def _cuped(frame: pd.DataFrame, case: Scenario, shown: int = 30) -> DemoSummary:
    first = frame.sort_values("run").head(shown)
    table = pd.concat([
        pd.DataFrame({"run": first["run"], "method": PLAIN, "estimate": first["estimate"],
                      "low": first["ci_low"], "high": first["ci_high"],
                      "truth": first["true_effect"]}),
        pd.DataFrame({"run": first["run"], "method": CUPED, "estimate": first["cuped_estimate"],
                      "low": first["cuped_ci_low"], "high": first["cuped_ci_high"],
                      "truth": first["true_effect"]}),
    ], ignore_index=True)
    plain = frame["ci_high"] - frame["ci_low"]
    adjusted = frame["cuped_ci_high"] - frame["cuped_ci_low"]
    return DemoSummary(table, {
        "runs": len(frame),
        "shown": len(first),
        "width_ratio": float((adjusted / plain).median()),
        "variance_reduction": float(frame["variance_reduction"].mean()),
        "coverage_plain": float(frame["covers"].mean()),
        "coverage_cuped": float(frame["cuped_covers"].astype(float).mean()),
    })


def _srm(frame: pd.DataFrame, case: Scenario) -> DemoSummary:
    path = "telemetry.silent_after_failed_install"
    rows = []
    for value, group in frame.groupby(path, sort=True):
        for measure, hits in ((SRM_ALARM, group["srm_alarm"]), (FALSE_LIFT, group["significant"])):
            share, low, high = _share(hits.astype(bool))
            rows.append({"silent": float(value), "measure": measure, "share": share,
                         "low": low, "high": high})
    table = pd.DataFrame(rows)
    by = table.set_index(["silent", "measure"])["share"]
    worst, best = float(table["silent"].max()), float(table["silent"].min())
    return DemoSummary(table, {
        "runs": int(frame.groupby(path).size().min()),
        "worst": worst,
        "best": best,
        "alarm_worst": float(by[(worst, SRM_ALARM)]),
        "lift_worst": float(by[(worst, FALSE_LIFT)]),
        "alarm_best": float(by[(best, SRM_ALARM)]),
        "lift_best": float(by[(best, FALSE_LIFT)]),
        "true_effect": float(frame["true_effect"].abs().max()),
        "mean_lift_worst": float(frame.loc[frame[path] == worst, "rel_lift"].mean()),
    })


def _simpson(frame: pd.DataFrame, case: Scenario) -> DemoSummary:
    tiers = list(case.fleet.tier_names())
    rows = []
    for label, column in ((POOLED, "on_build_diff"), (ADJUSTED, "on_build_adjusted_diff"),
                          *((tier, f"on_build_diff_{tier}") for tier in tiers)):
        if column not in frame:
            continue
        mean, low, high = _mean_ci(frame[column])
        rows.append({"group": label, "kind": "tier" if label in tiers else "summary",
                     "difference": mean, "low": low, "high": high})
    table = pd.DataFrame(rows)
    mix = pd.DataFrame([
        {"tier": tier, "group": group, "share": float(frame[f"{prefix}_{tier}"].mean())}
        for tier in tiers
        for group, prefix in (("on the build", "on_build_share"), ("control", "control_share"))
        if f"{prefix}_{tier}" in frame
    ])
    by = table.set_index("group")["difference"]
    shares = mix.set_index(["tier", "group"])["share"] if not mix.empty else pd.Series(dtype=float)
    low_tier = tiers[-1]
    return DemoSummary(table, {
        "runs": len(frame),
        "pooled": float(by.get(POOLED, math.nan)),
        "adjusted": float(by.get(ADJUSTED, math.nan)),
        "reversal_share": float(frame["on_build_reversal"].astype(bool).mean()),
        "tiers_negative": bool((table[table["kind"] == "tier"]["difference"] < 0).all()),
        "low_tier": low_tier,
        "low_share_on_build": float(shares.get((low_tier, "on the build"), math.nan)),
        "low_share_control": float(shares.get((low_tier, "control"), math.nan)),
        "effect": case.feature.effect.sessions,
        "effect_abs": abs(case.feature.effect.sessions),
    }, extra=mix)


def _novelty(frame: pd.DataFrame, case: Scenario) -> DemoSummary:
    rows = []
    for days, group in frame.groupby("days", sort=True):
        for label, column in ((MEASURED, "rel_lift"), (TRUE, "true_rel_effect")):
            mean, low, high = _mean_ci(group[column])
            rows.append({"days": int(days), "series": label, "lift": mean, "low": low,
                         "high": high})
    table = pd.DataFrame(rows)
    measured = table[table["series"] == MEASURED].set_index("days")["lift"]
    return DemoSummary(table, {
        "runs": int(frame.groupby("days").size().min()),
        "lasting": case.feature.effect.sessions,
        "peak": case.feature.effect.novelty_peak,
        "first_days": int(measured.index.min()),
        "first_lift": float(measured.iloc[0]),
        "last_days": int(measured.index.max()),
        "last_lift": float(measured.iloc[-1]),
        "budget": BUDGET_DAYS,
    })


DEMOS: dict[str, Demo] = {
    demo.key: demo
    for demo in (
        Demo("peeking", "Peeking every day against the sequential test", "aa_test",
             runs=120, devices=2_000, days=28, extras=("peeking",), summarise=_peeking),
        Demo("power", "Power against days run and the 30-day budget", "aa_test",
             runs=30, devices=4_000, knobs={"feature.effect.sessions": 0.05},
             grid={"days": [7, 14, 21, 28, 35]}, summarise=_power),
        Demo("cuped", "CUPED's narrower intervals", "aa_test", runs=100, devices=3_000,
             days=28, knobs={"feature.effect.sessions": 0.03}, summarise=_cuped),
        Demo("srm", "SRM from install failures", "srm_install_failures", runs=30,
             devices=5_000, knobs={"rollout.install_failure_rate": 0.1},
             grid={"telemetry.silent_after_failed_install": [0.0, 0.5, 1.0]}, summarise=_srm),
        Demo("simpson", "Simpson's paradox when the tier mix differs", "srm_install_failures",
             runs=60, devices=5_000,
             knobs={"feature.effect.sessions": -0.03,
                    "telemetry.silent_after_failed_install": 0.0,
                    "experiment.analysis_population": "seen",
                    "rollout.install_failure_rate": 0.1},
             extras=("on_build",), summarise=_simpson),
        Demo("novelty", "Novelty fading", "novelty_widget", runs=30, devices=4_000,
             grid={"days": [7, 14, 28, 42]}, summarise=_novelty),
    )
}
"""The demos, in the order the page shows them."""


def run_demo(key: str, runs: Sequence[int] | range, devices: int | None = None,
             workers: int | None = None, progress: Progress | None = None,
             pool: ProcessPoolExecutor | None = None,
             dask: DaskConnection | None = None) -> pd.DataFrame:
    """Run replications ``runs`` of a demo's sweep (``devices`` overrides its fleet size).

    ``pool`` reuses the caller's worker processes (see :func:`sim.sweep.worker_pool`),
    ``dask`` its Dask connection (:func:`sim.sweeps.connect_dask`).
    """
    demo = DEMOS[key]
    return sweep(demo.scenario(), seeds=runs, grid=dict(demo.grid),
                 devices=devices or demo.devices, days=demo.days, workers=workers,
                 progress=progress, extras=demo.extras, call="none", pool=pool, dask=dask)


def summarise_demo(key: str, frame: pd.DataFrame) -> DemoSummary:
    """The chart table and the facts of a demo, from its sweep rows."""
    demo = DEMOS[key]
    return demo.summarise(frame, demo.scenario())


def combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Sweep blocks of one demo as one table, sorted by grid point and run.

    >>> a = pd.DataFrame({"point": [0], "run": [1]}); b = pd.DataFrame({"point": [0], "run": [0]})
    >>> combine([a, b])["run"].tolist()
    [0, 1]
    """
    frame = pd.concat(list(frames), ignore_index=True)
    return frame.sort_values(["point", "run"], kind="stable").reset_index(drop=True)


def blocks(total: int, first: int) -> list[range]:
    """Run-index blocks that double: ``first``, then as many again, then twice that, ...

    A page that doubles its replications computes only the new block; the earlier ones
    come from its cache.

    >>> [(b.start, b.stop) for b in blocks(800, 200)]
    [(0, 200), (200, 400), (400, 800)]
    """
    edges = [0, first]
    while edges[-1] < total:
        edges.append(min(2 * edges[-1], total))
    return [range(a, b) for a, b in zip(edges, edges[1:], strict=False)]


__all__ = ["DEMOS", "Demo", "DemoSummary", "blocks", "combine", "run_demo", "summarise_demo"]
