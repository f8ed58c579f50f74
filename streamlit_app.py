"""Launch Room: the browser app (a first version: pick a case, run the fleet, read the summary).

The full practice flow (design, analyse, decide) arrives with the app issue; this page already
runs the real simulator and never shows a traceback.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim import LaunchRoomError, load_scenario, simulate
from sim.cli import CASES_FOLDER
from sim.scenario import case_paths

st.set_page_config(page_title="Launch Room", page_icon="🚀", layout="wide")


@st.cache_data(max_entries=16, show_spinner=False)
def _cases() -> dict[str, str]:
    """Case id -> title for every valid case file."""
    titles = {}
    for path in case_paths(CASES_FOLDER):
        try:
            titles[path.stem] = load_scenario(path).meta.title
        except LaunchRoomError:
            continue
    return titles


@st.cache_data(max_entries=8, show_spinner=False)
def _run(case_id: str, seed: int, devices: int) -> tuple[dict, pd.DataFrame]:
    result = simulate(load_scenario(CASES_FOLDER / f"{case_id}.toml"), seed=seed, devices=devices)
    return result.summary(), result.rollout


st.title("Launch Room")
st.caption("Practise launching on-device AI features on a simulated fleet.")
cases = _cases()
if not cases:
    st.error(f"No case files found in {CASES_FOLDER}.")
    st.stop()

with st.sidebar:
    case_id = st.selectbox("Case", list(cases), format_func=lambda key: cases[key])
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1)
    devices = st.select_slider("Fleet size", options=[10_000, 20_000, 50_000, 100_000],
                               value=100_000, format_func=lambda n: f"{n:,} devices")

case = load_scenario(CASES_FOLDER / f"{case_id}.toml")
st.subheader(case.meta.title)
st.markdown(case.meta.brief)
if case.meta.learning_objectives:
    st.markdown("**You will practise:**\n" + "\n".join(f"- {o}" for o in case.meta.learning_objectives))

if st.button("Run the fleet", type="primary"):
    st.session_state["last_run"] = (case_id, int(seed), int(devices))

if st.session_state.get("last_run") == (case_id, int(seed), int(devices)):
    try:
        with st.spinner("Simulating the rollout..."):
            summary, rollout = _run(case_id, int(seed), int(devices))
    except LaunchRoomError as error:
        st.error(f"The run failed: {error}")
        st.stop()
    cols = st.columns(4)
    cols[0].metric("Devices", f"{summary['devices']:,}")
    cols[1].metric("Installed (treatment)", f"{summary['installed_share_of_treatment']:.1%}")
    cols[2].metric("Install failures", f"{summary['install_failures']:,}")
    cols[3].metric("Gate breaches", summary["gate_breaches"])
    long = rollout.melt(id_vars="day", value_vars=["offered", "installed", "on_build"],
                        var_name="series", value_name="devices")
    chart = (
        alt.Chart(long, title="Rollout: treatment devices offered and installed")
        .mark_line(point=True)
        .encode(
            x=alt.X("day:Q", title="Day"),
            y=alt.Y("devices:Q", title="Treatment devices"),
            color=alt.Color("series:N", title=None),
        )
    )
    st.altair_chart(chart, width="stretch")
    primary = summary["observed_primary"]
    st.write(
        f"Observed **{summary['primary_metric']}** per device: control "
        f"{primary['control_mean']:.2f}, treatment {primary['treatment_mean']:.2f}. "
        "Is that a real lift? The analysis pages will tell."
    )
