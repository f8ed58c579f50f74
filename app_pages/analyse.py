"""Analyse: the readout in the order a careful analyst works, plus "your own data"."""

from __future__ import annotations

import streamlit as st

from sim import Report, messages
from sim.analysis import analyse_table, load_table
from sim.analysis.capping import HIGHEST_CAP_PERCENTILE, LOWEST_CAP_PERCENTILE
from sim.analysis.quantiles import quantile_name
from sim.analysis.table import arm_value
from sim.case.metrics import SEGMENT_LABELS, label
from sim.export import numbers
from sim.export.charts import lift_rows, segment_rows
from sim.export.dataset import zip_folder
from sim.readout.lean import BASES, case_basis
from ui import charts, compare, readout, state, tables, texts
from ui.glossary import GLOSSARY_PAGE, help_text
from ui.guard import guard, literal
from ui.runs import analyse_case, quality_case, run_first, run_zip, start_readout
from ui.steps import next_step, step_indicator

QUANTILE_CHOICES = (0.5, 0.9)


def glossary_link() -> None:
    """A link to the Glossary (keeps the session: a switch, not a new page load)."""
    st.page_link(GLOSSARY_PAGE, label=texts.GLOSSARY_LINK, icon="📖")


key = state.run_key()
st.header("Analyse")
step_indicator("Analyse")
with guard():
    case = state.current_case()
first = st.container()  # what to check first, once there is a run
actions = st.container()  # download and pin, once there is a run
options = st.columns([2, 3])
basis = options[0].selectbox(texts.BASIS_LABEL, list(BASES), index=list(BASES).index(
    case_basis(case)), format_func=lambda name: texts.BASIS_NAMES[name], key="analyse::basis",
    help=help_text("basis"))
with options[1].expander(texts.ROBUST_TITLE):
    capped = st.toggle(texts.CAP_TOGGLE, key="analyse::cap", help=help_text("capping"))
    cap = st.number_input(texts.CAP_PERCENTILE, min_value=LOWEST_CAP_PERCENTILE,
                          max_value=HIGHEST_CAP_PERCENTILE, value=99.0, step=0.1,
                          key="analyse::cap_at", disabled=not capped)
    picked = st.multiselect(texts.QUANTILES_LABEL, list(QUANTILE_CHOICES),
                            format_func=quantile_name, key="analyse::quantiles",
                            help=help_text("quantile"))
names = ["Data quality", "Lift", "Segments", "Retention", "Over time"]
if readout.shows_drift(case):
    names.append("Drift")
if readout.shows_households(case):
    names.append("Households")
names.append("Your own data")
tabs = dict(zip(names, st.tabs(names), strict=True))

with tabs["Your own data"]:
    st.subheader("Analyse your own experiment export")
    st.caption("One row per user or device, an arm column, numeric metric columns (CSV or Parquet).")
    upload = st.file_uploader("Experiment table", type=["csv", "parquet"])
    if upload is not None:
        with guard(texts.UPLOAD_FAILED):
            table = load_table(upload.name, upload)
            columns = list(table.columns)
            arm = st.selectbox("Arm column", columns,
                               index=columns.index("arm") if "arm" in columns else 0)
            arms = sorted(table[arm].dropna().astype(str).unique())
            control = st.selectbox("Control arm", arms,
                                   index=arms.index("control") if "control" in arms else 0)
            numeric = [c for c in columns if c != arm and table[c].dtype.kind in "biuf"]
            metrics = st.multiselect("Metrics", numeric, default=numeric[:5])
            covariate = st.selectbox("Pre-period covariate (CUPED)", ["(none)", *numeric],
                                     help=help_text("cuped"))
            own = analyse_table(
                table, arm, control=arm_value(table, arm, control), metrics=metrics or None,
                covariate=None if covariate == "(none)" else covariate,
            )
            st.info(literal(own.srm.reading))
            tables.show(tables.lift_table(own.metrics, own.cuped))
            st.altair_chart(charts.forest_panel(lift_rows(own.metrics), texts.FOREST_OWN,
                                                texts.FOREST_OTHERS_LOOK, texts.RELATIVE_AXIS),
                            width="stretch")
            if own.skipped_columns:
                st.caption(literal(messages.COLUMNS_SKIPPED.format(
                    columns=", ".join(own.skipped_columns))))
            for name, reason in own.unavailable.items():
                st.warning(literal(texts.READING_MISSING.format(what=name, reason=reason)))

result = run_first(key, [tab for name, tab in tabs.items() if name != "Your own data"])
primary = case.experiment.primary_metric
day = state.readout_day(key)
readout_options = {"basis": basis, "cap_percentile": float(cap) if capped else None,
                   "quantiles": tuple(sorted(picked))}
with guard():
    quality = quality_case(key, day, basis)
    start_readout(key, day, **readout_options)
with first.container():
    st.caption(texts.ANALYSE_DAY.format(day=day, horizon=state.case_for(key).fleet.days))
    st.caption(texts.BASIS_NOTE.format(note=quality.basis_note))

with first.container(border=True):
    st.markdown(texts.CHECK_FIRST)
    for check in readout.first_checks(quality, case.experiment.treatment_share):
        st.markdown(f"{':material/check_circle:' if check.ok else ':material/error:'} "
                    f"{check.text}")
    st.caption(texts.CHECK_FIRST_THEN)
with actions:
    left, right = st.columns(2)
    # The zip is made when the button is pressed (and cached), not on every rerun of the page.
    left.download_button(texts.DOWNLOAD_RUN, lambda: run_zip(key),
                         file_name=f"{zip_folder(result)}.zip", mime="application/zip",
                         on_click="ignore", icon=":material/download:",
                         help=texts.DOWNLOAD_RUN_HELP)
    with right:
        compare.pin_button(key, "analyse")


def quality_panel() -> None:
    """The split, completeness, duplicates and late reports, and the raw reports per day."""
    st.subheader("Quality checks come before any lift")
    srm = quality.srm
    total = srm.n_control + srm.n_treatment
    left, middle, right = st.columns(3)
    left.metric("Treatment share", numbers.percent(srm.n_treatment / total, 2),
                texts.PLANNED.format(share=numbers.percent(case.experiment.treatment_share, 0)),
                delta_color="off", delta_arrow="off", help=help_text("srm"))
    middle.metric("SRM p-value", numbers.p_value(srm.p_value),
                  texts.SRM_ALARM if srm.alarm else texts.SRM_OK,
                  delta_color="inverse" if srm.alarm else "off", delta_arrow="off",
                  help=help_text("p-value"))
    right.metric("Telemetry completeness", numbers.percent(quality.completeness.share, 1),
                 help=help_text("completeness"))
    (st.error if srm.alarm else st.success)(srm.reading)
    st.write(quality.completeness.reading)
    st.write(texts.SEEN.format(seen=quality.devices_analysed,
                               never=quality.devices_never_reported,
                               duplicates=quality.duplicate_reports, late=quality.late_reports))
    if quality.cleaning is not None and quality.cleaning.rows_received:
        cleaned = st.toggle("Remove duplicate reports from the raw rows", value=True,
                            help=help_text("duplicates"))
        st.caption(quality.cleaning.reading)
        st.altair_chart(charts.reports_per_day(quality.cleaning.rows_received_frame(), cleaned),
                        width="stretch")

def lift_panel(report: Report) -> None:
    """The lift of every metric, with CUPED, guardrails, robust readings, the Bayesian reading and the effect on devices that installed."""
    st.subheader("Lift per metric")
    use_cuped = st.toggle("Adjust with the pre-period baseline (CUPED)", value=True,
                          help=help_text("cuped"))
    cuped = report.cuped if use_cuped else {}
    tables.show(tables.lift_table(report.metrics, cuped, report.guardrails))
    glossary_link()
    for chart in charts.lift_panels(lift_rows(report.metrics, cuped), primary, report.guardrails):
        st.altair_chart(chart, width="stretch")
    if use_cuped and primary in report.cuped:
        st.caption(report.cuped[primary].reading)
    for guardrail in report.guardrails.values():
        (st.success if guardrail.non_inferior else st.warning)(guardrail.reading)
    for name, reason in report.unavailable.items():
        if name.startswith(("metrics.", "cuped.", "guardrails.")):
            st.warning(texts.READING_MISSING.format(what=name.replace(".", ": ", 1),
                                                    reason=reason))
    for check in report.outliers.values():
        (st.warning if check.noise else st.caption)(check.reading)
    if report.robust is not None:
        st.info(texts.ROBUST_PRIMARY.format(reading=report.robust.reading))
    if report.capped:
        st.markdown(texts.CAPPED_TITLE.format(percentile=f"{cap:g}"))
        tables.show(tables.capped_table(report.capped))
    if report.quantiles:
        st.markdown(texts.QUANTILES_TITLE)
        tables.show(tables.quantile_table(report.quantiles))
    bayes, compliance = report.bayes, report.compliance
    if bayes is not None or compliance is not None:
        st.markdown(texts.MORE_READINGS.format(metric=label(primary)))
        cards = st.columns(3)
    if bayes is not None:
        cards[0].metric("Chance treatment is better", numbers.probability(
            bayes.prob_treatment_better), help=help_text("chance-better"))
        cards[1].metric("Expected loss if shipped", numbers.metric_value(
            bayes.expected_loss_ship, bayes.metric), help=help_text("expected-loss"))
        st.caption(texts.BAYES.format(
            prob=numbers.probability(bayes.prob_treatment_better),
            ship=numbers.metric_value(bayes.expected_loss_ship, bayes.metric),
            hold=numbers.metric_value(bayes.expected_loss_hold, bayes.metric),
            interval=numbers.interval(*bayes.credible_interval, metric=bayes.metric)))
    if compliance is not None:
        cards[2].metric("Effect on installed devices", numbers.metric_change(
            compliance.effect_on_installed, compliance.metric), help=help_text("compliance"))
        st.caption(texts.COMPLIANCE.format(
            itt=numbers.metric_change(compliance.itt, compliance.metric),
            uptake=numbers.percent(compliance.install_share_diff, 1),
            effect=numbers.metric_change(compliance.effect_on_installed, compliance.metric),
            interval=numbers.interval(*compliance.effect_on_installed_ci,
                                      metric=compliance.metric),
            p=numbers.p_value(compliance.p_value)))

def segments_panel(report: Report) -> None:
    """The primary metric's lift in each segment, with the interaction test."""
    st.subheader(texts.SEGMENTS_TITLE.format(metric=label(primary)))
    kinds = [kind for kind in readout.split_kinds(case) if kind in report.segments]
    if not kinds:
        st.info("This fleet has a single segment of each kind: nothing to split.")
    for name, reason in report.unavailable.items():
        if name.startswith("segments."):
            st.info(texts.READING_MISSING.format(what=name.replace(".", ": ", 1), reason=reason))
    for kind in kinds:
        segments, order = report.segments[kind], case.segment_names(kind)
        words = SEGMENT_LABELS[kind].lower()
        st.markdown(f"**By {words}**")
        rows = segment_rows(segments, case.experiment.alpha)
        rows = rows.set_index("segment").loc[readout.ordered(list(rows["segment"]), order)]
        st.altair_chart(charts.forest_panel(
            rows.reset_index().rename(columns={"segment": "label"}),
            texts.SEGMENT_FOREST.format(metric=label(primary), kind=words),
            texts.SEGMENT_FOREST_LOOK, texts.RELATIVE_AXIS), width="stretch")
        tables.show(tables.segment_table(segments, order))
        interaction = report.interactions.get(kind)
        if interaction is not None:
            st.metric(texts.INTERACTION, numbers.p_value(interaction.p_value),
                      texts.F_STATISTIC.format(f=numbers.significant(interaction.statistic)),
                      delta_color="off", delta_arrow="off", help=help_text("interaction"))
            st.caption(interaction.reading)
        else:
            st.caption(texts.READING_MISSING.format(
                what="The interaction test", reason=report.why_missing(f"interactions.{kind}")))
    glossary_link()

def retention_panel(report: Report) -> None:
    """Churn: the log-rank test, the hazard ratio and the survival curves."""
    st.subheader("Retention")
    if report.logrank is None or report.hazard is None or report.survival is None:
        st.info(texts.READING_MISSING.format(
            what="Retention", reason=report.why_missing("logrank") or report.why_missing(
                "hazard") or report.why_missing("survival")))
    else:
        hazard = report.hazard
        left, right = st.columns(2)
        left.metric("Log-rank p-value", numbers.p_value(report.logrank.p_value),
                    texts.CHI_SQUARE.format(chi2=numbers.significant(report.logrank.chi2)),
                    delta_color="off", delta_arrow="off", help=help_text("logrank"))
        right.metric("Hazard ratio", numbers.ratio(hazard.hazard_ratio),
                     texts.CI.format(interval=messages.INTERVAL.format(
                         low=numbers.ratio(hazard.ci[0]), high=numbers.ratio(hazard.ci[1]))),
                     delta_color="off", delta_arrow="off", help=help_text("hazard-ratio"))
        st.caption(texts.HAZARD_METHOD.format(method=hazard.method))
        st.altair_chart(charts.survival_curves(tables.survival_frame(report.survival)),
                        width="stretch")
        st.caption(hazard.reading)

def over_time_panel(report: Report) -> None:
    """The lift by day and by days since install, the novelty check and the sequential reading."""
    st.subheader("Lift over time")
    if report.daily_since_install is not None:
        st.altair_chart(charts.lift_since_install(report.daily_since_install), width="stretch")
    else:
        st.caption(texts.READING_MISSING.format(
            what="Lift by days since install",
            reason=report.why_missing("daily_since_install") or texts.NO_PANEL))
    st.altair_chart(charts.dated_lift(report.daily), width="stretch")
    novelty = report.novelty
    if novelty is not None:
        left, middle, right = st.columns(3)
        left.metric(texts.EARLY.format(first=novelty.early_days[0], last=novelty.early_days[-1]),
                    numbers.significant(novelty.early_effect, signed=True),
                    help=help_text("novelty"))
        middle.metric(texts.LATE.format(first=novelty.late_days[0], last=novelty.late_days[-1]),
                      numbers.significant(novelty.late_effect, signed=True),
                      help=help_text("novelty"))
        right.metric("p-value of the change", numbers.p_value(novelty.p_value),
                     help=help_text("p-value"))
        (st.warning if novelty.p_value < case.experiment.alpha else st.info)(novelty.reading)
    else:
        st.caption(texts.READING_MISSING.format(what="Novelty check",
                                                reason=report.why_missing("novelty")))
    if report.sequential is not None:
        st.caption(f"{report.sequential.reading} {help_text('sequential')}")

def drift_panel(report: Report) -> None:
    """Whether the sensor reading moved on updated devices (measurement) or the behaviour did."""
    st.subheader("Did the measurement move, or the behaviour?")
    if report.drift is None:
        st.info(texts.READING_MISSING.format(what="Drift check",
                                             reason=report.why_missing("drift")))
    else:
        drift = report.drift
        (st.warning if drift.measurement_step else st.info)(drift.reading)
        left, middle, right = st.columns(3)
        left.metric("Step beyond control", numbers.significant(drift.did.abs_diff),
                    texts.P.format(p=numbers.p_value(drift.did.p_value)),
                    delta_color="off", delta_arrow="off",
                    help=help_text("did"))
        middle.metric("PSI, updated devices", numbers.significant(drift.on_build_psi.psi),
                      help=help_text("psi"))
        right.metric("PSI, control", numbers.significant(drift.control_psi.psi),
                     help=help_text("psi"))
        frame = tables.drift_frame(drift)
        axis = texts.DRIFT_AXIS.format(metric=label(drift.metric))
        panels = st.columns(2)
        for panel, group in zip(panels, (tables.UPDATED, tables.CONTROL), strict=True):
            panel.altair_chart(charts.drift_densities(
                frame, group, axis, tables.BEFORE, tables.AFTER), width="stretch")

def households_panel() -> None:
    """How the fleet's homes mix the arms."""
    st.subheader("Homes: do the arms share a household?")
    mix = readout.household_mix(result.devices)
    left, middle, right = st.columns(3)
    left.metric("Randomised by", case.experiment.unit, help=help_text("randomisation-unit"))
    middle.metric("Homes with both arms", numbers.percent(mix.mixed_share, 1),
                  help=help_text("household-mix"))
    right.metric("Control in mixed homes",
                 numbers.percent(mix.control_exposed_share, 1),
                 help=help_text("household-mix"))
    words = texts.HOUSEHOLDS_MIXED if mix.mixed_share > 0 else texts.HOUSEHOLDS_APART
    st.caption(words.format(homes=mix.households,
                            per_home=numbers.number(mix.devices_per_household, 1)))

PANELS = {"Lift": lift_panel, "Segments": segments_panel, "Retention": retention_panel,
          "Over time": over_time_panel, "Drift": drift_panel}
# The quality checks are drawn first, from their own quick readout, and reach the browser
# while the full readout (started in the background once the Run page was drawn) is still being
# computed; the other tabs are drawn once it is ready, and switching tabs then runs nothing.
with tabs["Data quality"]:
    quality_panel()
if "Households" in tabs:
    with tabs["Households"]:
        households_panel()
with tabs["Lift"], guard(), st.spinner(texts.READOUT_FINISHING):
    report = analyse_case(key, day, **readout_options)
for name, panel in PANELS.items():
    if name in tabs:
        with tabs[name]:
            panel(report)

st.page_link("app_pages/sql.py", label=texts.GO_SQL, icon="🧮")
next_step("Analyse")
