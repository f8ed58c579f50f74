"""The app's glossary: every statistic, call, evidence item, metric and table column in words.

Each :class:`Term` has a one-line help (the tooltip or caption where the term appears) and a
short worked example (on the Learn → Glossary page). Metrics come from the metric catalogue
(:mod:`sim.case.metrics`: label, unit, direction and help live there, once). Table columns
(:data:`COLUMNS`) have a header in words and a one-line help; a column about a statistic
reuses that statistic's help, so each sentence is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.case.metrics import METRICS, MetricInfo
from sim.export import numbers

GLOSSARY_PAGE = "app_pages/glossary.py"
GLOSSARY_PATH = "glossary"
"""The Glossary page's address, relative to the app (its anchors are the terms' keys)."""
SCROLL_TO_ANCHOR = """<script>
(() => {
  const key = decodeURIComponent(window.location.hash.slice(1));
  if (!key) return;
  const go = (tries) => {
    const target = document.getElementById(key);
    if (target) target.scrollIntoView({block: "start"});
    else if (tries > 0) window.setTimeout(() => go(tries - 1), 100);
  };
  window.setTimeout(() => go(20), 100);
})();
</script>"""
"""Scrolls the Glossary page to the term in the address (``glossary#p-holm``) once it loads."""


@dataclass(frozen=True)
class Term:
    """One glossary entry: its anchor ``key``, its ``name``, the ``group`` it is listed under,
    a one-line ``help`` and a short worked ``example``."""

    key: str
    name: str
    group: str
    help: str
    example: str


CALLS = "Calls"
EVIDENCE = "Evidence"
STATISTICS = "Statistics"
METRIC_GROUP = "Metrics"
ROLLOUT = "Rollout and hardware"
GROUPS = (CALLS, EVIDENCE, STATISTICS, METRIC_GROUP, ROLLOUT)
"""The Glossary page's sections, in order."""

_CALL_TERMS = (
    Term("ship_all", "Ship to all", CALLS,
         "Roll the build out to every eligible device: the success metric clearly improved "
         "and every guardrail held over the whole fleet.",
         "Sessions +2.1% (95% CI +1.0% to +3.2%); crashes, battery drain and retention all "
         "inside their margins; no segment loses: ship to all."),
    Term("ship_segments", "Ship to segments", CALLS,
         "Roll out only to the segments (chip tiers, device types, regions) where the feature "
         "wins and the guardrails hold; keep it off where it hurts.",
         "Flagship, upper-mid and mid phones gain about +4% sessions while entry phones lose "
         "12% (the model misses the latency budget there): ship to flagship, upper_mid and "
         "mid, and ask for a faster model before entry."),
    Term("extend", "Extend", CALLS,
         "Keep the experiment running: the data cannot decide yet (an interval still "
         "straddles zero or a guardrail's margin), and more days or devices would settle it.",
         "Sessions +2.1%, but the crash guardrail's bound (+11.9%) still reaches past its "
         "+10% margin and the trend is narrowing: extend by a week rather than guess."),
    Term("iterate", "Iterate", CALLS,
         "Stop this version and improve the design (a smaller or quantized model, a higher "
         "lowest tier) before testing again: it does not help, or it costs too much.",
         "No lift in sessions (-0.1%, CI -1.0% to +0.9%) with 80% power for a 3% change, and "
         "latency 20% worse: iterate on the model, then test again."),
    Term("rollback", "Roll back", CALLS,
         "Take the build off the devices that have it: the success metric or a guardrail got "
         "clearly worse.",
         "Crashes +45% (CI +30% to +60%) against a 10% margin on 6-8 GB phones: roll back "
         "now, then cut the model's memory before the next try."),
)

_EVIDENCE_TERMS = (
    Term("srm", "Sample ratio (SRM)", EVIDENCE,
         "Does the split of devices between the arms match the plan? A mismatch (chi-square "
         "p < 0.001) means devices went missing unevenly: explain it before trusting any lift.",
         "Planned 50/50 of 20,000: 10,180 treatment vs 9,820 control gives chi-square 6.5, "
         "p = 0.011, no alarm. 10,600 vs 9,400 gives chi-square 72, p < 0.001: an alarm."),
    Term("completeness", "Telemetry completeness", EVIDENCE,
         "The share of expected device-days that actually reported; low or uneven between "
         "the arms, it means the rows you compare are not the whole fleet.",
         "20,000 devices x 28 days = 560,000 device-days expected, 543,200 arrived: 97.0% "
         "complete. 90% in treatment against 97% in control would hint that crashing "
         "devices went silent."),
    Term("guardrails", "Guardrails", EVIDENCE,
         "Metrics that must not get worse by more than an agreed margin (crashes, battery, "
         "retention) even when the success metric wins; each is a non-inferiority test.",
         "Crash margin 10%: the one-sided 95% bound on the relative change is +6.2%, inside "
         "+10%, so the guardrail holds. A bound of +11.9% is not shown to hold."),
    Term("segments", "Segments", EVIDENCE,
         "The lift inside each chip tier, device type or region, with p-values corrected for "
         "testing several segments (Holm): a pooled lift can hide a segment that loses.",
         "Pooled +1.4%; flagship +4.6%, upper_mid +4.7%, mid +4.4%, entry -12.1% (Holm "
         "p < 0.001): the pooled number hides a losing tier."),
    Term("interaction", "Interaction test", EVIDENCE,
         "One test of whether the effect differs between segments at all (treatment x segment, "
         "an F test), before you trust any single segment's number.",
         "F = 15.4 on 3 and 19,916 degrees of freedom, p < 0.001 across chip tiers: the effect "
         "differs by tier, so read the tiers one by one."),
    Term("drift", "Drift (a measurement change)", EVIDENCE,
         "Did a reading move because the sensor or its firmware changed rather than behaviour? "
         "Compare it before and after the update, on updated devices and in control.",
         "The activity score rose 2.5 points on updated watches and not in control, while "
         "sessions did not move: the firmware's recalibration moved the measurement."),
    Term("novelty", "Novelty", EVIDENCE,
         "An effect that is large in the first days and fades as people get used to the "
         "feature; judge the launch on the lasting effect, not the first week.",
         "Days 0-6: +0.9 sessions a day; days 21-27: +0.2: most of the early lift was novelty, "
         "so expect the smaller number after launch."),
    Term("cuped", "CUPED", EVIDENCE,
         "Adjusts each device's metric with its own pre-period value (from before the test), "
         "removing spread the baseline predicts: the same lift, a narrower interval.",
         "Plain: +1.18 sessions (95% CI -0.57 to +2.94). With CUPED on pre-period sessions "
         "74% of the variance goes: +1.79 (CI +0.89 to +2.69), now a clear difference."),
    Term("retention", "Retention (survival)", EVIDENCE,
         "How long devices stay in use: Kaplan-Meier curves per arm, a log-rank test and a "
         "hazard ratio for the risk of churning.",
         "After 28 days 91.0% of control and 91.1% of treatment devices are still active; "
         "log-rank p = 0.90, hazard ratio 0.99: no difference in churn."),
    Term("sequential", "Sequential reading (peeking)", EVIDENCE,
         "Checking every day and stopping at the first p < 0.05 raises false alarms. A "
         "group-sequential design spends the 5% over the looks (O'Brien-Fleming: almost "
         "nothing early), so its repeated interval may be checked every day.",
         "Over 28 daily looks the ordinary interval excluded zero on 5 days and the repeated "
         "interval on none: the early 'wins' came from peeking."),
    Term("basis", "Analysis basis (who is analysed)", EVIDENCE,
         "Which devices the readout compares: every assigned device, the offered ones, the "
         "installed ones, those seen in telemetry, or those still reporting at the end. "
         "Assigned and offered keep the randomisation; installed and reporting select "
         "survivors, and a feature that breaks installs or silences devices then looks better "
         "than it is.",
         "Installs fail on 12% of poor-network phones: on the installed basis treatment loses "
         "its worst devices and gains +4%; on the assigned basis the lift is +1%."),
    Term("capping", "Capping (winsorising)", STATISTICS,
         "Sets every value above a percentile of both arms to that percentile, so a few test "
         "rigs or bots cannot swing a mean; the reading says how far capping moved the "
         "estimate. The capped mean is not the mean: read it as a robustness check.",
         "One rig reports 40,000 sessions: uncapped the lift is -98.9; capped at the 99th "
         "percentile it is +1.0, with an interval a tenth as wide."),
    Term("quantile", "Quantile lift (median, p90)", STATISTICS,
         "The change in the median (or the 90th percentile) device: what happened to the "
         "typical (or the heavy) user, which a few extreme devices cannot move.",
         "Median sessions 73 in control and 76 in treatment: +3 (95% CI +1 to +5)."),
    Term("cluster-robust", "Cluster-robust errors", STATISTICS,
         "When whole households are randomised together, devices of one home are alike: the "
         "interval counts homes, not devices, as the independent units (and is wider).",
         "3,000 devices in 1,250 homes: the clustered interval is 1.3 times the naive one, and "
         "an A/A test rejects 5% of the time instead of 7%."),
    Term("power", "Power and minimum detectable effect", EVIDENCE,
         "Power is the chance the test finds a true effect of a given size; the minimum "
         "detectable effect (MDE) is the smallest change found with 80% power.",
         "With 9,976 devices per arm the MDE is a 2.9% change in sessions; a true +1% lift "
         "would usually be missed, so 'no significant lift' is weak evidence of no lift."),
    Term("bayes", "Bayesian reading", EVIDENCE,
         "The chance that treatment is better given the data, and the expected loss: what "
         "you give up on average if your choice turns out wrong.",
         "99.5% chance treatment is better; expected loss 0.001 sessions per device if "
         "shipped against 2.34 if held back: shipping risks little."),
    Term("compliance", "Installed vs assigned (compliance)", EVIDENCE,
         "The intention-to-treat effect compares the arms as assigned; the effect on devices "
         "that installed is that divided by the difference in install share.",
         "ITT +2.34 sessions; 95.3% of treatment installed and no control device did, so the "
         "effect on devices that installed is 2.34 / 0.953 = +2.45."),
)

_STATISTIC_TERMS = (
    Term("p-value", "p-value", STATISTICS,
         "How surprising the data would be if the build changed nothing: below alpha (0.05) "
         "the difference is unlikely to be chance alone. It is not the chance the effect is real.",
         "p = 0.012: a difference at least this large turns up in about 1 of 80 experiments "
         "where the build does nothing."),
    Term("alpha", "Alpha (significance level)", STATISTICS,
         "The false-alarm rate you accept: a result is called significant when p < alpha, "
         "usually 0.05.",
         "At alpha 0.05, about 1 A/A test in 20 shows a 'significant' difference by chance."),
    Term("p-holm", "p (Holm-adjusted)", STATISTICS,
         "The p-value corrected for testing several segments at once: Holm keeps the chance of "
         "any false alarm among them at alpha. Compare it, not the raw p, with 0.05.",
         "Four tiers with raw p 0.015, 0.024, 0.056 and 0.057: Holm multiplies the smallest "
         "by 4, the next by 3, ... and gives 0.060, 0.073, 0.112, 0.112: none below 0.05."),
    Term("p-bh", "p (Benjamini-Hochberg)", STATISTICS,
         "The p-value corrected to control the false discovery rate: among the segments "
         "called different, about alpha of them are expected to be false. Less strict than Holm.",
         "The same raw p 0.015, 0.024, 0.056, 0.057 give 0.049, 0.049, 0.057, 0.057: two "
         "tiers pass at 0.05 where Holm passes none."),
    Term("ci", "95% confidence interval", STATISTICS,
         "The range of effects the data are compatible with; built this way, 95 of 100 "
         "intervals contain the true effect. One that excludes zero is a clear difference.",
         "+1.79 sessions, 95% CI +0.89 to +2.69: the effect is very likely between about +0.9 "
         "and +2.7 sessions per device, and not zero."),
    Term("difference", "Difference (treatment - control)", STATISTICS,
         "The change in the metric's own unit: the treatment mean minus the control mean "
         "(percentage points for a share).",
         "87.34 - 85.55 = +1.79 sessions per device; retained 91.05% - 91.01% = +0.04 pp."),
    Term("relative", "Relative change (lift)", STATISTICS,
         "The difference as a share of control: treatment / control - 1. Use it to compare "
         "metrics with different units.",
         "87.34 / 85.55 - 1 = +2.10%."),
    Term("mean", "Control and treatment means", STATISTICS,
         "The metric's average over the devices of each arm: control devices are not offered "
         "the update, treatment devices are.",
         "Control 85.55 sessions per device over the run, treatment 87.34."),
    Term("devices", "Devices in each arm", STATISTICS,
         "How many devices each arm's numbers rest on (the devices seen in telemetry).",
         "9,948 devices in control and 9,976 in treatment out of 20,000."),
    Term("welch", "Welch's test (difference in means)", STATISTICS,
         "Compares two means without assuming the arms vary equally; used for counts and "
         "averages such as sessions or latency.",
         "Sessions 86.46 vs 85.28, standard error 0.90: t = 1.18 / 0.90 = 1.3, p = 0.19."),
    Term("wald", "Difference in proportions (Wald)", STATISTICS,
         "Compares two shares (0/1 metrics such as retained) with a normal approximation.",
         "Retained 91.05% vs 91.01% of about 10,000 devices each: +0.04 pp, CI -0.76 to "
         "+0.83 pp, p = 0.93."),
    Term("variance-reduction", "Variance removed (CUPED)", STATISTICS,
         "The share of the metric's spread that the pre-period baseline explains; the "
         "interval narrows by the square root of what is left.",
         "74% removed: the interval is sqrt(1 - 0.74) = 0.51 times as wide as without CUPED."),
    Term("non-inferiority", "Non-inferiority", STATISTICS,
         "A one-sided test that treatment is not worse than control by more than the margin; "
         "'holds' means even the worst plausible value stays inside the margin.",
         "Battery drain, margin 3%: the one-sided bound is +0.13%, inside +3%: it holds."),
    Term("margin", "Guardrail margin", STATISTICS,
         "How much worse a guardrail may get before it blocks the launch, agreed before the "
         "test (relative to control unless it is a share: 10% more crashes, 1 pp less retained).",
         "Crashes with a 10% margin: control 0.085 per device allows treatment up to 0.0935."),
    Term("bound", "One-sided bound", STATISTICS,
         "The worst change the data still allow at 95% confidence: the upper end for a metric "
         "where lower is better, the lower end where higher is better.",
         "Crashes +3.7% with a one-sided bound of +11.9%: crashes could be up to 11.9% worse."),
    Term("ks", "KS statistic (Kolmogorov-Smirnov D)", STATISTICS,
         "The largest gap between two distributions' cumulative shares, from 0 (identical) to "
         "1 (no overlap); here a reading before against after the update.",
         "D = 0.21 on updated watches and 0.01 in control: only the updated watches' scores "
         "moved."),
    Term("did", "Difference in differences", STATISTICS,
         "The change on the devices that took the update (after minus before, each device "
         "against itself) minus the change on control devices over the same time: what moved "
         "because of the update, with the season and everything else that moved every device "
         "taken out.",
         "Updated watches +2.31 points, control +0.04: a step of +2.27 at the update, p < "
         "0.001."),
    Term("psi", "PSI (population stability index)", STATISTICS,
         "How much a distribution shifted between two periods, summed over ten bins: below "
         "0.1 stable, 0.1 to 0.25 moderate, 0.25 or more a major shift.",
         "PSI 0.31 on updated devices and 0.001 in control: a major shift only where the "
         "firmware changed."),
    Term("kaplan-meier", "Kaplan-Meier curve", STATISTICS,
         "The share of devices not yet churned by each day, per arm; devices still in use at "
         "the end count as 'not yet', not as 'never'.",
         "On day 28, 91.0% of control and 91.1% of treatment devices have not churned."),
    Term("logrank", "Log-rank test", STATISTICS,
         "Tests whether two survival curves differ over the whole run: a chi-square "
         "statistic and its p-value.",
         "chi-square 0.015, p = 0.90: the two arms' curves do not clearly differ."),
    Term("hazard-ratio", "Hazard ratio", STATISTICS,
         "Treatment's daily risk of churning relative to control's: 1 is no difference, 1.20 "
         "is 20% more risk each day, 0.80 is 20% less.",
         "HR 0.994 (95% CI 0.906 to 1.091): no clear difference in when devices churn."),
    Term("hazard-model", "Hazard model (Cox or discrete-time)", STATISTICS,
         "How the hazard ratio is estimated: Cox regression on device rows, or for fleets "
         "above 50,000 devices a discrete-time hazard model on day x arm rows.",
         "100,000 devices: the discrete-time model on 56 day x arm rows gives the same ratio "
         "in milliseconds."),
    Term("expected-loss", "Expected loss", STATISTICS,
         "What you give up on average, in the metric's unit, if you make this choice and it "
         "is the wrong one; near zero means the choice is safe.",
         "Expected loss if shipped 0.001 sessions per device: even if treatment were worse, "
         "it would be worse by almost nothing."),
    Term("chance-better", "Chance treatment is better", STATISTICS,
         "The posterior probability that treatment beats control on the metric (a flat prior "
         "over the difference).",
         "99.5%: in 995 of 1,000 draws from the posterior, treatment comes out ahead."),
    Term("itt", "Intention to treat (ITT)", STATISTICS,
         "The effect of offering the update, comparing the arms as assigned, whether or not "
         "each device installed it.",
         "ITT +2.34 sessions: what shipping to the fleet gives, failed installs included."),
    Term("duplicates", "Duplicate reports", STATISTICS,
         "The same device-day sent more than once (a retry after a lost connection); counted "
         "twice, it inflates totals. Remove exact duplicates before any sum.",
         "A device reports day 12 twice with 5 sessions: keep one row, 5 sessions, not 10."),
    Term("late-reports", "Late reports", STATISTICS,
         "Reports that arrive days after the day they describe (the device was offline); "
         "those due after the run never arrive.",
         "A phone offline from day 20 to 23 sends days 20-22 on day 23 (received_day 23)."),
)

_ROLLOUT_TERMS = (
    Term("arms", "Treatment and control", ROLLOUT,
         "Devices are split by a sticky hash of the device (or household) and the experiment: "
         "treatment is offered the update, control is not.",
         "Device 4711 hashes to treatment: it is offered the build at its stage and stays in "
         "treatment for the whole experiment."),
    Term("stage", "Rollout stage", ROLLOUT,
         "The share of treatment devices offered the update so far (1% -> 5% -> 20% -> 50% -> "
         "100%), each held for its bake days while the gates watch.",
         "Stage 2 offers 20% of treatment on day 3 and bakes 2 days before 50%."),
    Term("gate", "Rollout gate", ROLLOUT,
         "A check at each stage (crash rate, battery) that pauses, halts or rolls back the "
         "rollout when the build looks worse than control beyond a threshold.",
         "Crash rate 0.0016 against a threshold of 0.0085 on day 5: pass, go to the next stage."),
    Term("on-build", "On the build", ROLLOUT,
         "Treatment devices running the new build (installed and not rolled back).",
         "Of 10,000 treatment phones, 9,530 installed: 95.3% on the build."),
    Term("ota-backlog", "OTA backlog", ROLLOUT,
         "Downloads waiting for the over-the-air server, which serves a bounded number an hour; "
         "a backlog delays installs and so exposure.",
         "A 50% stage offers 3,000 downloads on a day with capacity for 2,800: 200 wait."),
    Term("latency", "Latency budget", ROLLOUT,
         "The longest a use of the feature may take on a chip tier; over it, people use the "
         "feature less.",
         "Budget 25 ms: int4 takes 11 ms on mid chips (fits) and 33 ms on entry chips (does not)."),
    Term("free-ram", "Model memory and free RAM", ROLLOUT,
         "The model's footprint (weights plus runtime and cache) against the RAM a device "
         "typically has free; over it, the system kills the app (out-of-memory crashes).",
         "A 3B model at int4 takes about 2,000 MB: it fits 12 GB phones (5,000 MB free) and "
         "not 6 GB ones (1,600 MB free)."),
    Term("quantization", "Quantization", ROLLOUT,
         "Storing the model's weights with fewer bits (fp16 2 bytes, int8 1, int4 0.5): "
         "smaller and faster, with some loss of quality.",
         "12M parameters: 24 MB at fp16, 12 MB at int8, 6 MB at int4; int8 runs about twice "
         "as fast as fp16 on an NPU."),
    Term("randomisation-unit", "Randomisation unit", ROLLOUT,
         "What is assigned to an arm: each device on its own, or a whole household with all "
         "its devices; randomise the unit an effect spreads across.",
         "A handoff feature changes how the home's TV is used: randomise households, so a "
         "control TV never sits in a home with a treated phone."),
    Term("household-mix", "Homes with both arms (interference)", ROLLOUT,
         "With device randomisation a home can hold treatment and control devices; when the "
         "feature spills over inside a home, those control devices are not untouched, and "
         "the comparison shrinks towards zero.",
         "3 devices a home, device randomisation: 62% of homes hold both arms and 74% of "
         "control devices share a home with a treatment device."),
    Term("budget", "The 30-day budget", ROLLOUT,
         "The working rule: hypothesis to full over-the-air rollout in at most 30 days; "
         "decision day plus the rollout's days count.",
         "Decide on day 28 and the staged rollout takes 10 more days: 38 days, over budget."),
)


def _metric_term(info: MetricInfo) -> Term:
    better = "higher is better" if info.higher_is_better else "lower is better"
    control, treatment = (0.910, 0.914) if info.kind == "binary" else (10.0, 11.0)
    verdict = "an improvement" if info.higher_is_better else "a change for the worse"
    example = (f"Control {numbers.metric_value(control, info.name)} and treatment "
               f"{numbers.metric_value(treatment, info.name)} ({info.unit}): a difference of "
               f"{numbers.metric_change(treatment - control, info.name)}, "
               f"{numbers.relative(treatment / control - 1)} relative; {better}, so this is "
               f"{verdict}.")
    return Term(info.name, info.label, METRIC_GROUP,
                f"{info.help} Unit: {info.unit}; {better}.", example)


def _terms() -> dict[str, Term]:
    terms = [*_CALL_TERMS, *_EVIDENCE_TERMS, *_STATISTIC_TERMS,
             *(_metric_term(info) for info in METRICS.values()), *_ROLLOUT_TERMS]
    return {term.key: term for term in terms}


TERMS: dict[str, Term] = _terms()
"""Every glossary term by key (its anchor on the Glossary page)."""


def term(key: str) -> Term:
    """The glossary term ``key`` (a call, a check, a metric or a statistic)."""
    return TERMS[key]


def link(key: str) -> str:
    """A Markdown link to ``key`` on the Glossary page (relative, so it works under any base
    path)."""
    return f"[Glossary: {TERMS[key].name}]({GLOSSARY_PATH}#{key})"


def group_anchor(group: str) -> str:
    """The anchor of a group's heading on the Glossary page.

    >>> group_anchor("Rollout and hardware")
    'group-rollout-and-hardware'
    """
    return "group-" + group.lower().replace(" ", "-")


def group_link(group: str) -> str:
    """A Markdown link to a group of terms on the Glossary page."""
    return f"[Glossary: {group}]({GLOSSARY_PATH}#{group_anchor(group)})"


def help_text(key: str) -> str:
    """The one-line help of ``key`` with a link to its glossary entry (for ``help=``)."""
    return f"{TERMS[key].help} {link(key)}"


@dataclass(frozen=True)
class Column:
    """A table column: its header in words and its one-line help."""

    label: str
    help: str


def _about(key: str) -> str:
    return TERMS[key].help


COLUMNS: dict[str, Column] = {
    # Lift tables (Analyse, your own data).
    "metric": Column("metric", "The metric compared, as the metric catalogue names it."),
    "method": Column("test", "How the difference and its interval were computed: Welch for "
                     "means and counts, Wald for shares, CUPED when adjusted for the baseline, "
                     "the delta method for a ratio."),
    "control": Column("control", _about("mean")),
    "treatment": Column("treatment", _about("mean")),
    "difference": Column("difference", _about("difference")),
    "ci": Column("95% CI", _about("ci")),
    "relative": Column("relative", _about("relative")),
    "p": Column("p", _about("p-value")),
    "guardrail": Column("guardrail", _about("non-inferiority")),
    # Segment tables.
    "segment": Column("segment", "The group of devices: a chip tier, a device type or a "
                      "region, in the case's own order."),
    "n_control": Column("devices in control", _about("devices")),
    "n_treatment": Column("devices in treatment", _about("devices")),
    "p_holm": Column("p (Holm-adjusted)", _about("p-holm")),
    "p_bh": Column("p (BH-adjusted)", _about("p-bh")),
    # The truth (after the decision).
    "devices": Column("devices", "Devices in this segment of the fleet."),
    "true_control": Column("true control mean", "What the metric's mean is for these very "
                           "devices without the feature (the simulator knows both worlds)."),
    "true_treatment": Column("true treatment mean", "What the metric's mean is for these very "
                             "devices with the feature."),
    "true_effect": Column("true effect", "True treatment mean minus true control mean: the "
                          "effect the data were estimating."),
    "true_relative": Column("true relative effect", "The true effect as a share of the true "
                            "control mean."),
    # The scorecard.
    "criterion": Column("criterion", "What the scorecard weighs: whether the data at your day "
                        "supports the call (25 points), its value on the true fleet (25), the "
                        "interviewer's questions (20), the design (10), your expected lift (10) "
                        "and speed (10)."),
    "points": Column("points", "Points earned out of the criterion's maximum."),
    "case": Column("case", "The case the interview ran."),
    "variant": Column("variant", "The case's variant (0: the case file as written)."),
    "total": Column("total", "The interview's score: the rubric's lines minus the hints' cost."),
    "time_used": Column("time used", "Minutes used of the interview's length."),
    "hints": Column("hints", "Hints taken; each costs points."),
    "rubric_line": Column("rubric line", "What the interview rubric weighs: structure (15), "
                          "hardware reasoning (15), data quality first (15), statistics (15), "
                          "the call and its value (20), speed (10) and communication (10)."),
    "why": Column("why", "Why the points were given or missed, from the truth and the data."),
    # Robust readings.
    "uncapped": Column("uncapped change", "The same difference without capping."),
    "moved_by": Column("moved by", "How far capping moved the estimate: large means a few "
                       "devices were making the mean."),
    "devices_capped": Column("devices capped", "Devices whose value was above the cap."),
    # The debrief.
    "readout_relative": Column("readout at your day", "The relative change the data showed on "
                               "your decision day, with its 95% CI."),
    "readout_significant": Column("clear in the data", "Whether the data at your day showed "
                                  "it clearly (p below alpha, Holm-adjusted for segments)."),
    "design": Column("design", "A combination of the case's design levers (quantization, the "
                     "lowest chip tier that gets the model)."),
    "design_best_call": Column("best call with it", "The most valuable call on this fleet "
                               "with that design (re-simulated: the same devices and people)."),
    "design_gain": Column("gain on the success metric", "That call's true change in the "
                          "primary metric, over the whole fleet."),
    "design_value": Column("value", "The gain net of the cost of shipping (a share of the "
                           "fleet reached) and of any guardrail harm: what the score compares."),
    "yours": Column("yours", "The design your run used."),
    "question": Column("question", "The interviewer's question."),
    "readout_answer": Column("the readout showed", "What the data at your decision day says "
                             "(the answer is graded against it, not against the truth)."),
    "earned": Column("earned", "The share of the question's points you earned."),
    # Design: feasibility per tier.
    "chip_tier": Column("chip tier", "The class of chip (NPU speed, memory bandwidth, RAM), "
                        "from the fastest down."),
    "gets_model": Column("gets it", "Whether this tier is at or above the lowest tier "
                         "that gets the model."),
    "latency_ms": Column("latency (ms)", _about("latency")),
    "within_budget": Column("in budget", _about("latency")),
    "footprint_mb": Column("memory (MB)", _about("free-ram")),
    "typical_free_ram_mb": Column("free RAM (MB)", _about("free-ram")),
    "memory_share": Column("memory / RAM", "The model's footprint as a share of "
                           "the RAM a device of this tier typically has free; over 100% it "
                           "does not fit."),
    "oom_per_use": Column("OOM kills / use", "The chance a use of the feature "
                          "gets the app killed for memory on this tier."),
    "phone_battery_pct_per_day": Column("battery %/day", "Battery the "
                                        "feature uses a day at the case's uses per day."),
    "quality": Column("quality", "The share of the model's quality left after "
                      "quantization (1.00 = none lost)."),
    # Design: the rollout plan.
    "stage": Column("stage", _about("stage")),
    "share": Column("offered", "The share of treatment devices offered the update by "
                    "this stage."),
    "bake_days": Column("bake days", "Days the stage is held while the gates watch it."),
    "start_day": Column("from day", "The day the stage begins if every gate passes."),
    # Run: the timeline.
    "day": Column("day", "The experiment day (fractions are hours: 1.50 is noon of day 1)."),
    "event": Column("event", "What happened: a stage start, a gate check, a pause, a halt, a "
                    "rollback or an incident."),
    "gate_metric": Column("metric", "The metric a gate checked."),
    "value": Column("value", "The gate's measured value in treatment (a stage's share for "
                    "a stage start)."),
    "gate_control": Column("control", "The same measure in control."),
    "threshold": Column("threshold", "The value above which the gate breaches."),
    "gate_p": Column("p-value", "The gate's one-sided exact binomial test of the rate being "
                     "above the threshold."),
    "outcome": Column("outcome", "pass, breach, or too few device-days to judge yet."),
    "detail": Column("detail", "The event's details: the days and device-days a check read."),
    # Compare.
    "setting": Column("setting", "A knob or run setting."),
    "pinned": Column("pinned run", "The run you pinned."),
    "current": Column("current run", "The run the sidebar and knobs describe now."),
    "pinned_latency": Column("ms, pinned", "Latency per use in the pinned design. "
                             + _about("latency")),
    "current_latency": Column("ms, current", "Latency per use in the current design. "
                              + _about("latency")),
    "pinned_memory": Column("memory/RAM, pinned", "The pinned design's model memory as "
                            "a share of free RAM."),
    "current_memory": Column("memory/RAM, current", "The current design's model memory "
                             "as a share of free RAM."),
    "pinned_gets": Column("gets it, pinned", "Whether the tier gets the model in the "
                          "pinned design."),
    "current_gets": Column("gets it, current", "Whether the tier gets the model in the "
                           "current design."),
    "pinned_lift": Column("relative change, pinned", _about("relative")),
    "current_lift": Column("relative change, current", _about("relative")),
    "pinned_ci": Column("95% CI, pinned", _about("ci")),
    "current_ci": Column("95% CI, current", _about("ci")),
    "pinned_p": Column("p (Holm), pinned", _about("p-holm")),
    "current_p": Column("p (Holm), current", _about("p-holm")),
    "margin": Column("margin", _about("margin")),
    "guardrail_metric": Column("guardrail", _about("guardrails")),
    "pinned_bound": Column("one-sided bound, pinned", _about("bound")),
    "current_bound": Column("one-sided bound, current", _about("bound")),
    "pinned_verdict": Column("guardrail, pinned", _about("non-inferiority")),
    "current_verdict": Column("guardrail, current", _about("non-inferiority")),
}
"""Every table column the practice pages show, by its id in the frames of :mod:`ui.tables`."""
