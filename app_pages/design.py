"""Design: tune the hardware and rollout knobs, see feasibility per chip tier and plan power."""

from __future__ import annotations

import dataclasses

import streamlit as st

from sim.case.metrics import label
from sim.engine.hardware import hardware_profile
from sim.export import numbers
from sim.limits import BUDGET_DAYS
from sim.readout.planning import mde_by_day, planned_days_to_ship, stage_schedule
from ui import charts, compare, readout, state, tables, texts
from ui.glossary import help_text
from ui.guard import guard
from ui.runs import run_case
from ui.steps import next_step, step_indicator
from ui.widgets import knob_widgets, reset_knobs

PILOT_DEVICES = 3_000  # a small run of the case whose daily reports plan the power

case_id = st.session_state["case_id"]
with guard():
    base = state.case_variant(case_id, st.session_state["variant"])
    case = state.current_case()

st.header("Design")
step_indicator("Design")
st.caption(texts.DESIGN_INTRO.format(title=base.meta.title))

feature = case.feature
profile = hardware_profile(feature, case.fleet.chip_tiers)
table = profile.table(feature.uses_per_day)
tiers = list(case.fleet.tier_names())
lowest = feature.lowest_tier or tiers[-1]
eligible = tiers[: tiers.index(lowest) + 1]
hardware = readout.shows_hardware(case, table)

knobs_column, feasibility_column = st.columns([1, 2], gap="large")
with knobs_column:
    st.subheader("Knobs")
    knob_widgets(case_id, base, case)
    st.button("Reset to the case's defaults", on_click=reset_knobs, args=(case_id, base))
    compare.pin_button(state.run_key(), "design")

with feasibility_column:
    feasibility = (st.container() if hardware
                   else st.expander(texts.FEASIBILITY_FITS, expanded=False))
    with feasibility:
        st.subheader("Feasibility per chip tier", help=help_text("quantization"))
        st.caption(texts.MODEL_SIZE.format(
            name=feature.name, params=f"{feature.params_m:g}", quantization=feature.quantization,
            weights=numbers.number(profile.weights_mb, 0),
            footprint=numbers.number(profile.footprint_mb, 0)))
        st.altair_chart(charts.latency_bars(table, feature.latency_budget_ms), width="stretch")
        st.altair_chart(charts.memory_chart(table), width="stretch")
        if not hardware:
            tables.show(tables.feasibility_table(table, eligible))
if hardware:  # the whole page's width: every column fits at 1,400 px
    tables.show(tables.feasibility_table(table, eligible))

st.subheader("Planning")
devices = int(st.session_state["devices"])
primary = case.experiment.primary_metric
plan_days = planned_days_to_ship(case)
plan_column, power_column = st.columns([1, 2], gap="large")
with plan_column:
    st.markdown(texts.PLAN_TITLE, help=help_text("stage"))
    tables.show(tables.schedule_table(stage_schedule(case)))
    message = texts.BUDGET_OK if plan_days <= BUDGET_DAYS else texts.BUDGET_OVER
    (st.success if plan_days <= BUDGET_DAYS else st.warning)(
        message.format(days=plan_days, budget=BUDGET_DAYS))
with power_column, guard():
    pilot = run_case(dataclasses.replace(state.run_key(), devices=PILOT_DEVICES))
    if primary in {"sessions", "active_days", "crashes"}:
        mde = mde_by_day(pilot, primary, devices, alpha=case.experiment.alpha)
        at_decision = mde[mde["days_run"] == case.experiment.decision_day]
        if not at_decision.empty:
            st.metric(texts.MDE_LABEL, numbers.percent(at_decision["mde_rel"].iloc[0], 2),
                      help=help_text("power"))
            st.caption(texts.MDE_CAPTION.format(metric=label(primary),
                                                day=case.experiment.decision_day,
                                                devices=devices))
        st.altair_chart(charts.mde_curve(mde, case.experiment.decision_day), width="stretch")
    else:
        st.info(texts.POWER_LATER.format(metric=label(primary)))
next_step("Design")
