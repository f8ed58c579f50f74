"""Compare two designs: pin a run (its :class:`~ui.state.RunKey`) and set it beside the current
one: the settings that differ, feasibility per chip tier, the lift per segment and the
guardrails. The runs themselves come from :mod:`ui.runs` (cached by key)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from sim import Report, Scenario, messages
from sim.case.metrics import label
from sim.engine.hardware import hardware_profile
from sim.export import numbers
from ui import texts
from ui.state import RunKey, case_for, case_library
from ui.tables import in_order

PIN_KEY = "pinned_run"
PINNED, CURRENT = "pinned", "current"


def pin(key: RunKey) -> None:
    """Remember ``key`` as the pinned run (a button callback)."""
    st.session_state[PIN_KEY] = key


def unpin() -> None:
    """Forget the pinned run (a button callback)."""
    st.session_state.pop(PIN_KEY, None)


def pinned() -> RunKey | None:
    """The pinned run, if any."""
    return st.session_state.setdefault(PIN_KEY, None)


def describe(key: RunKey) -> str:
    """A run in words: its case, settings that differ from the case's, seed and fleet size."""
    case = case_library().get(key.case_id)
    title = case.meta.title if case is not None else key.case_id
    knobs = ", ".join(f"{path.split('.')[-1].replace('_', ' ')} {value}"
                      for path, value in key.knob_values().items())
    variant = (texts.VARIANT_NUMBER.format(number=key.variant) if key.variant
               else texts.VARIANT_AS_WRITTEN)
    return texts.RUN_DESCRIPTION.format(title=title, variant=variant,
                                        knobs=knobs or texts.CASE_DEFAULTS,
                                        seed=key.seed, devices=key.devices)


def pin_button(key: RunKey, where: str) -> None:
    """The "Pin this run" button, what is pinned, and a link to the comparison."""
    current = pinned()
    st.button(texts.PIN, key=f"pin_{where}", on_click=pin, args=(key,),
              icon=":material/push_pin:", help=texts.PIN_HELP, disabled=current == key)
    if current is None:
        st.caption(texts.PIN_NONE)
    elif current == key:
        st.caption(texts.PIN_THIS)
    else:
        st.page_link("app_pages/compare.py", label=texts.PIN_COMPARE, icon="⚖️")


def settings_table(pinned_key: RunKey, current_key: RunKey) -> pd.DataFrame:
    """Every setting of both runs (the case's knobs at their values, seed, fleet size)."""
    case = case_library()[current_key.case_id]
    rows = []
    for name, key in ((PINNED, pinned_key), (CURRENT, current_key)):
        applied = case_for(key)
        # An unset option (the lowest tier: every tier) reads as its last option, as on Design.
        values = {knob.label: applied.get(knob.path) if applied.get(knob.path) is not None
                  else (knob.options or [None])[-1] for knob in case.knobs}
        values.update({texts.VARIANT: key.variant, texts.SEED: key.seed,
                       texts.FLEET: f"{key.devices:,}"})
        rows.append(pd.Series(values, name=name))
    frame = pd.concat(rows, axis=1).reset_index(names="setting")
    for column in (PINNED, CURRENT):
        frame[column] = frame[column].map(lambda v: texts.ALL_TIERS if v is None else str(v))
    return frame


def _feasibility(case: Scenario) -> pd.DataFrame:
    feature = case.feature
    table = hardware_profile(feature, case.fleet.chip_tiers).table(feature.uses_per_day)
    tiers = list(case.fleet.tier_names())
    lowest = feature.lowest_tier or tiers[-1]
    table["gets"] = table["chip_tier"].isin(tiers[: tiers.index(lowest) + 1])
    return table.set_index("chip_tier")


def feasibility_compare(pinned_case: Scenario, current_case: Scenario) -> pd.DataFrame:
    """Per chip tier: who gets the model, latency and memory against free RAM, both designs."""
    left, right = _feasibility(pinned_case), _feasibility(current_case)
    tiers = [t for t in current_case.fleet.tier_names() if t in left.index]
    share = lambda t, tier: numbers.percent(  # noqa: E731 - a short local formula
        t.loc[tier, "footprint_mb"] / t.loc[tier, "typical_free_ram_mb"], 1)
    return pd.DataFrame({
        "chip_tier": tiers,
        "pinned_gets": [bool(left.loc[t, "gets"]) for t in tiers],
        "current_gets": [bool(right.loc[t, "gets"]) for t in tiers],
        "pinned_latency": [numbers.number(left.loc[t, "latency_ms"], 1) for t in tiers],
        "current_latency": [numbers.number(right.loc[t, "latency_ms"], 1) for t in tiers],
        "pinned_memory": [share(left, t) for t in tiers],
        "current_memory": [share(right, t) for t in tiers],
    })


def segment_compare(pinned_report: Report, current_report: Report, kind: str,
                    order: Sequence[str]) -> pd.DataFrame:
    """Per segment of ``kind``, in ``order``: both runs' relative change, CI and Holm p."""
    def by_segment(report: Report) -> dict:
        split = report.segments.get(kind)
        return {} if split is None else {str(s.segment): s for s in in_order(split, order)}

    left, right = by_segment(pinned_report), by_segment(current_report)
    names = [name for name in order if name in left or name in right]

    def cells(found: dict, name: str) -> tuple[str, str, str]:
        s = found.get(name)
        if s is None:
            return (messages.NOT_AVAILABLE,) * 3
        return (numbers.relative(s.rel_lift), numbers.interval(*s.rel_ci, share=True),
                numbers.p_value(s.p_holm))

    rows = []
    for name in names:
        pl, pc, pp = cells(left, name)
        cl, cc, cp = cells(right, name)
        rows.append({"segment": name, "pinned_lift": pl, "pinned_ci": pc, "pinned_p": pp,
                     "current_lift": cl, "current_ci": cc, "current_p": cp})
    return pd.DataFrame(rows, columns=["segment", "pinned_lift", "pinned_ci", "pinned_p",
                                       "current_lift", "current_ci", "current_p"])


def segment_rows(pinned_report: Report, current_report: Report, kind: str,
                 order: Sequence[str]) -> pd.DataFrame:
    """Both runs' relative change and CI per segment, long, for a side-by-side forest plot."""
    rows = []
    for run, report in ((PINNED, pinned_report), (CURRENT, current_report)):
        split = report.segments.get(kind)
        for s in in_order(split, order) if split is not None else ():
            rows.append({"segment": str(s.segment), "run": run, "estimate": s.rel_lift,
                         "low": s.rel_ci[0], "high": s.rel_ci[1], "p": s.p_holm})
    return pd.DataFrame(rows, columns=["segment", "run", "estimate", "low", "high", "p"])


def guardrail_compare(pinned_report: Report, current_report: Report) -> pd.DataFrame:
    """Per guardrail: its margin, and each run's one-sided bound and verdict."""
    names = list(dict.fromkeys([*pinned_report.guardrails, *current_report.guardrails]))

    def cells(report: Report, name: str) -> tuple[str, str]:
        g = report.guardrails.get(name)
        if g is None:
            return messages.NOT_AVAILABLE, messages.NOT_AVAILABLE
        bound = numbers.relative(g.bound) if g.relative else numbers.metric_change(g.bound, name)
        return bound, texts.HOLDS if g.non_inferior else texts.NOT_SHOWN

    rows = []
    for name in names:
        g = current_report.guardrails.get(name) or pinned_report.guardrails[name]
        margin = numbers.percent(g.margin, 1) if g.relative else numbers.metric_change(
            g.margin, name).lstrip("+")
        pb, pv = cells(pinned_report, name)
        cb, cv = cells(current_report, name)
        rows.append({"guardrail_metric": label(name), "margin": margin, "pinned_bound": pb,
                     "pinned_verdict": pv, "current_bound": cb, "current_verdict": cv})
    return pd.DataFrame(rows, columns=["guardrail_metric", "margin", "pinned_bound",
                                       "pinned_verdict", "current_bound", "current_verdict"])
