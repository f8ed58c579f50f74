"""Analyse: the readout in the order a careful analyst works, plus "your own data"."""

from __future__ import annotations

import streamlit as st

from sim import messages
from sim.analysis import analyse_table, load_table
from sim.analysis.table import arm_value
from sim.export.charts import daily_lift, forest, lift_rows, segment_rows
from sim.export.dataset import zip_folder
from ui import charts, state, tables, texts
from ui.guard import guard, literal
from ui.runs import run_and_report, run_zip

key = state.run_key()
st.header("Analyse")
download = st.container()  # filled once there is a run
(quality_tab, lift_tab, segments_tab, retention_tab, time_tab, drift_tab,
 own_tab) = st.tabs(["Data quality", "Lift", "Segments", "Retention", "Over time", "Drift",
                     "Your own data"])

with own_tab:
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
            covariate = st.selectbox("Pre-period covariate (CUPED)", ["(none)", *numeric])
            report = analyse_table(
                table, arm, control=arm_value(table, arm, control), metrics=metrics or None,
                covariate=None if covariate == "(none)" else covariate,
            )
            st.info(report.srm.reading)
            st.dataframe(tables.lift_table(report.metrics, report.cuped), hide_index=True)
            st.altair_chart(forest(lift_rows(report.metrics),
                                   "Relative lift with 95% CI", "Relative lift"),
                            width="stretch")
            if report.skipped_columns:
                st.caption(literal(messages.COLUMNS_SKIPPED.format(
                    columns=", ".join(report.skipped_columns))))
            for name, reason in report.unavailable.items():
                st.warning(literal(texts.READING_MISSING.format(what=name, reason=reason)))

result, report = run_and_report(
    key, (quality_tab, lift_tab, segments_tab, retention_tab, time_tab, drift_tab))
case = result.scenario
primary = case.experiment.primary_metric
# The zip is made when the button is pressed (and cached), not on every rerun of the page.
download.download_button(texts.DOWNLOAD_RUN, lambda: run_zip(key),
                         file_name=f"{zip_folder(result)}.zip", mime="application/zip",
                         on_click="ignore", icon=":material/download:",
                         help=texts.DOWNLOAD_RUN_HELP)

with quality_tab:
    st.subheader("Quality checks come before any lift")
    left, middle, right = st.columns(3)
    left.metric("Sample ratio (treatment share)",
                f"{report.srm.n_treatment / (report.srm.n_control + report.srm.n_treatment):.2%}",
                f"planned {case.experiment.treatment_share:.0%}", delta_color="off")
    middle.metric("SRM p-value", f"{report.srm.p_value:.3g}",
                  "ALARM" if report.srm.alarm else "ok", delta_color="inverse" if report.srm.alarm else "off")
    right.metric("Telemetry completeness", f"{report.completeness.share:.1%}")
    (st.error if report.srm.alarm else st.success)(report.srm.reading)
    st.write(report.completeness.reading)
    st.write(f"Devices seen in telemetry: {report.devices_analysed:,} "
             f"({report.devices_never_reported:,} never reported). Duplicate reports: "
             f"{report.duplicate_reports:,}; late reports: {report.late_reports:,}.")
    if report.cleaning is not None and result.daily is not None:
        cleaned = st.toggle("Remove duplicate reports from the raw rows", value=True)
        st.caption(report.cleaning.reading)
        rows = result.daily.drop_duplicates() if cleaned else result.daily
        st.altair_chart(charts.reports_per_day(rows, cleaned), width="stretch")

with lift_tab:
    st.subheader("Lift per metric")
    use_cuped = st.toggle("Adjust with the pre-period baseline (CUPED)", value=True)
    cuped = report.cuped if use_cuped else {}
    st.dataframe(tables.lift_table(report.metrics, cuped, report.guardrails), hide_index=True)
    st.altair_chart(forest(lift_rows(report.metrics, cuped),
                                  "Relative lift with 95% CI (treatment vs control)",
                                  "Relative lift"), width="stretch")
    if use_cuped and primary in report.cuped:
        st.caption(report.cuped[primary].reading)
    for guardrail in report.guardrails.values():
        (st.success if guardrail.non_inferior else st.warning)(guardrail.reading)
    for name, reason in report.unavailable.items():
        if name.startswith(("metrics.", "cuped.", "guardrails.")):
            st.warning(texts.READING_MISSING.format(what=name.replace(".", ": ", 1),
                                                    reason=reason))
    for extra in (report.compliance, report.bayes):
        if extra is not None:
            st.caption(extra.reading)

with segments_tab:
    st.subheader(f"{primary} by segment")
    if not report.segments:
        st.info("This fleet has a single segment of each kind: nothing to split.")
    for name, reason in report.unavailable.items():
        if name.startswith("segments."):
            st.info(texts.READING_MISSING.format(what=name.replace(".", ": ", 1), reason=reason))
    for kind, segments in report.segments.items():
        st.markdown(f"**By {kind.replace('_', ' ')}**")
        st.altair_chart(forest(segment_rows(segments, case.experiment.alpha),
                                      f"Relative lift in {primary} by {kind.replace('_', ' ')}",
                                      "Relative lift", label="segment"), width="stretch")
        st.dataframe(tables.segment_table(segments), hide_index=True)
        interaction = report.interactions.get(kind)
        st.caption(interaction.reading if interaction is not None else texts.READING_MISSING.format(
            what="The interaction test", reason=report.why_missing(f"interactions.{kind}")))

with retention_tab:
    st.subheader("Retention")
    if report.logrank is None or report.hazard is None or report.survival is None:
        st.info(texts.READING_MISSING.format(
            what="Retention", reason=report.why_missing("logrank") or report.why_missing(
                "hazard") or report.why_missing("survival")))
    else:
        left, middle, right = st.columns(3)
        left.metric("Log-rank chi-square", f"{report.logrank.chi2:.2f}",
                    f"p = {report.logrank.p_value:.3g}", delta_color="off")
        middle.metric("Hazard ratio (treatment vs control)", f"{report.hazard.hazard_ratio:.3f}",
                      f"95% CI {report.hazard.ci[0]:.3f} to {report.hazard.ci[1]:.3f}",
                      delta_color="off")
        right.metric("Method", report.hazard.method)
        st.altair_chart(charts.survival_curves(tables.survival_frame(report.survival)),
                        width="stretch")
        st.caption(report.hazard.reading)

with time_tab:
    st.subheader("Lift over time")
    st.altair_chart(daily_lift(report.daily), width="stretch")
    if report.novelty is not None:
        (st.warning if report.novelty.p_value < case.experiment.alpha else st.info)(
            report.novelty.reading)
    else:
        st.caption(texts.READING_MISSING.format(what="Novelty check",
                                                reason=report.why_missing("novelty")))
    if report.sequential is not None:
        st.caption(report.sequential.reading)

with drift_tab:
    st.subheader("Did the measurement move, or the behaviour?")
    if report.drift is None:
        st.info(texts.READING_MISSING.format(what="Drift check", reason=report.why_missing("drift")))
    else:
        drift = report.drift
        (st.warning if drift.measurement_step else st.info)(drift.reading)
        left, right = st.columns(2)
        left.metric("Step beyond control (difference in differences)",
                    f"{drift.did.abs_diff:+.3g}", f"p = {drift.did.p_value:.3g}",
                    delta_color="off")
        right.metric("PSI (updated devices)", f"{drift.on_build_psi.psi:.3f}",
                     f"control {drift.control_psi.psi:.3f}", delta_color="off")
        st.altair_chart(
            charts.distributions(tables.drift_frame(result.devices), "sensor_score", "when",
                                 "Sensor score before and after the update",
                                 "Sensor score (device mean)"),
            width="stretch",
        )
st.page_link("app_pages/decide.py", label="Make the call →", icon="✅")
