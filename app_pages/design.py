"""Design: tune the hardware and rollout knobs, see feasibility per chip tier and plan power."""

from __future__ import annotations

import dataclasses

import streamlit as st

from sim.engine.hardware import hardware_profile
from sim.limits import BUDGET_DAYS
from sim.readout.planning import mde_by_day, planned_days_to_ship, stage_schedule
from ui import charts, state, texts
from ui.guard import guard
from ui.runs import run_case
from ui.widgets import knob_widgets, reset_knobs

PILOT_DEVICES = 3_000  # a small run of the case whose daily reports plan the power

case_id = st.session_state["case_id"]
base = state.case_library()[case_id]
with guard():
    case = state.current_case()

st.header("Design")
st.caption(f"{base.meta.title} — tune the constraints, then check feasibility and power before you run.")
knobs_column, feasibility_column = st.columns([1, 2], gap="large")
with knobs_column:
    st.subheader("Knobs")
    knob_widgets(case_id, base, case)
    st.button("Reset to the case's defaults", on_click=reset_knobs, args=(case_id, base))

feature = case.feature
profile = hardware_profile(feature, case.fleet.chip_tiers)
table = profile.table(feature.uses_per_day)
lowest = feature.lowest_tier or case.fleet.tier_names()[-1]
eligible = list(case.fleet.tier_names())[: case.fleet.tier_names().index(lowest) + 1]
table["gets the model"] = table["chip_tier"].isin(eligible)
with feasibility_column:
    st.subheader("Feasibility per chip tier")
    st.caption(f"{feature.name}: {feature.params_m:g}M parameters at {feature.quantization}, "
               f"{profile.weights_mb:,.0f} MB of weights, {profile.footprint_mb:,.0f} MB in memory.")
    left, right = st.columns(2)
    left.altair_chart(charts.tier_bars(table, "latency_ms", "latency_budget_ms",
                                       "Latency per use vs the budget (tick)", "Milliseconds"),
                      width="stretch")
    right.altair_chart(charts.tier_bars(table, "footprint_mb", "typical_free_ram_mb",
                                        "Model memory vs typical free RAM (tick)", "MB"),
                       width="stretch")
    st.dataframe(
        table[["chip_tier", "gets the model", "latency_ms", "within_budget", "footprint_mb",
               "typical_free_ram_mb", "oom_per_use", "phone_battery_pct_per_day", "quality"]],
        hide_index=True,
        column_config={
            "latency_ms": st.column_config.NumberColumn("latency (ms)", format="%.1f"),
            "footprint_mb": st.column_config.NumberColumn("model memory (MB)", format="%.0f"),
            "typical_free_ram_mb": st.column_config.NumberColumn("free RAM (MB)", format="%.0f"),
            "oom_per_use": st.column_config.NumberColumn("OOM kills per use", format="%.3f"),
            "phone_battery_pct_per_day": st.column_config.NumberColumn(
                "battery per day (% of a phone)", format="%.3f"),
            "quality": st.column_config.NumberColumn("quality kept", format="%.2f"),
        },
    )

st.subheader("Planning")
devices = int(st.session_state["devices"])
primary = case.experiment.primary_metric
plan_days = planned_days_to_ship(case)
schedule = stage_schedule(case)
plan_column, power_column = st.columns([1, 2], gap="large")
with plan_column:
    st.dataframe(schedule.assign(share=schedule["share"].map("{:.0%}".format)), hide_index=True)
    message = texts.BUDGET_OK if plan_days <= BUDGET_DAYS else texts.BUDGET_OVER
    (st.success if plan_days <= BUDGET_DAYS else st.warning)(message.format(days=plan_days, budget=BUDGET_DAYS))
with power_column, guard():
    pilot = run_case(dataclasses.replace(state.run_key(), devices=PILOT_DEVICES))
    if primary in {"sessions", "active_days", "crashes"}:
        mde = mde_by_day(pilot, primary, devices, alpha=case.experiment.alpha)
        at_decision = mde[mde["days_run"] == case.experiment.decision_day]
        if not at_decision.empty:
            st.metric(f"Smallest detectable change in {primary} at day "
                      f"{case.experiment.decision_day} (80% power)",
                      f"{at_decision['mde_rel'].iloc[0]:.2%}")
        st.altair_chart(charts.mde_curve(mde, case.experiment.decision_day), width="stretch")
    else:
        st.info(f"Power planning by day is available for count metrics; {primary} is planned "
                "from the run's readout.")
st.page_link("app_pages/run.py", label="Run the fleet →", icon="📡")
