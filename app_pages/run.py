"""Run: simulate the fleet with a progress bar, then show how the rollout went."""

from __future__ import annotations

import streamlit as st

from ui import charts, state
from ui.guard import guard
from ui.runs import has_run, remember_run, run_case, run_with_progress

key = state.run_key()
with guard():
    case = state.current_case()

st.header("Run")
st.caption(f"{case.meta.title} · seed {key.seed} · {key.devices:,} devices · "
           f"{case.fleet.days} days")
if st.button("Run the fleet", type="primary"):
    bar = st.progress(0.0, text="Starting the rollout...")
    with guard():
        run_with_progress(key, lambda fraction, message: bar.progress(fraction, text=message))
    bar.empty()
    remember_run(key)

if not has_run(key):
    st.info("Press **Run the fleet** to simulate the staged rollout with these settings.")
    st.stop()

with guard():
    result = run_case(key)
summary = result.summary()
metrics = st.columns(5)
metrics[0].metric("Devices", f"{summary['devices']:,}")
metrics[1].metric("Treatment installed", f"{summary['installed_share_of_treatment']:.1%}")
metrics[2].metric("Install failures", f"{summary['install_failures']:,}")
metrics[3].metric("Gate breaches", summary["gate_breaches"])
outcome = "rolled back" if summary["rolled_back"] else ("halted" if summary["halted"] else "completed")
metrics[4].metric("Rollout", outcome)

st.altair_chart(charts.rollout_progress(result.rollout), width="stretch")
st.altair_chart(charts.ota_backlog(result.rollout), width="stretch")
st.subheader("Timeline")
st.caption("Stage starts, gate checks with their values and thresholds, pauses, halts and rollbacks.")
timeline = result.timeline.drop(columns=["hour"])
st.dataframe(
    timeline,
    hide_index=True,
    column_config={
        "day": st.column_config.NumberColumn("day", format="%.2f"),
        "value": st.column_config.NumberColumn("value", format="%.4g"),
        "control": st.column_config.NumberColumn("control", format="%.4g"),
        "threshold": st.column_config.NumberColumn("threshold", format="%.4g"),
        "p_value": st.column_config.NumberColumn("p-value", format="%.3g"),
    },
)
st.page_link("app_pages/analyse.py", label="Analyse the telemetry →", icon="📊")
