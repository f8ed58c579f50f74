"""Run: simulate the fleet with a progress bar, then show how the rollout went."""

from __future__ import annotations

import streamlit as st

from sim.export import numbers
from ui import charts, state, tables, texts
from ui.glossary import help_text
from ui.guard import guard
from ui.progress import progress_bar
from ui.runs import has_run, remember_run, run_case, run_with_progress, start_readout
from ui.steps import next_step, step_indicator

key = state.run_key()
with guard():
    case = state.current_case()

st.header("Run")
step_indicator("Run")
st.caption(f"{case.meta.title} · seed {key.seed} · {key.devices:,} devices · "
           f"{case.fleet.days} days")
if st.button("Run the fleet", type="primary"):
    with guard(), progress_bar("Starting the rollout...") as show:
        run_with_progress(key, show)
    remember_run(key)

if not has_run(key):
    st.info("Press **Run the fleet** to simulate the staged rollout with these settings.")
    st.stop()

with guard():
    result = run_case(key)
summary = result.summary()
metrics = st.columns(5)
metrics[0].metric("Devices", numbers.count(summary["devices"]), help=texts.DEVICES_HELP)
metrics[1].metric("Treatment installed", numbers.percent(summary["installed_share_of_treatment"], 1),
                  help=help_text("on-build"))
metrics[2].metric("Install failures", numbers.count(summary["install_failures"]),
                  help=texts.INSTALL_FAILURES_HELP)
metrics[3].metric("Gate breaches", numbers.count(summary["gate_breaches"]), help=help_text("gate"))
outcome = "rolled back" if summary["rolled_back"] else ("halted" if summary["halted"] else "completed")
metrics[4].metric("Rollout", outcome, help=texts.ROLLOUT_OUTCOME_HELP)

st.altair_chart(charts.rollout_progress(result.rollout), width="stretch")
st.altair_chart(charts.ota_backlog(result.rollout), width="stretch")
st.subheader("Timeline")
st.caption("Stage starts, gate checks with their values and thresholds, pauses, halts and rollbacks.")
tables.show(tables.timeline_table(result.timeline))
next_step("Run")
# The readout starts once the page is drawn (its workers would take the cores the page's
# charts are drawn on) and is ready by the time Analyse opens.
with guard():
    start_readout(key, state.readout_day(key))
