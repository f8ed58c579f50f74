"""Launch Room: the browser app. Run with ``python -m streamlit run streamlit_app.py``.

The entry point sets up the session (case, seed and fleet size in the sidebar, shared by every
page and mirrored in the URL) and navigates between the pages in ``app_pages/`` (not
``pages/``: that name would trigger Streamlit's legacy page discovery).
"""

from __future__ import annotations

import streamlit as st

from sim.limits import MAX_SEED, MAX_VARIANT
from ui import rooms, runs, state, texts
from ui.guard import literal
from ui.phone import collapse_sidebar_on_narrow_screens, tables_scroll_on_narrow_screens

st.set_page_config(page_title="Launch Room", page_icon="🚀", layout="wide")
runs.start_workers()
state.init_state()
state.keep_sidebar_values()
# Before the sidebar: a rejoin link may switch the sidebar to its room's run.
secret_in_link = rooms.take_secrets_from_link()
cases = state.case_library()

PRACTICE = [
    st.Page("app_pages/cases.py", title="Cases", icon="📚", default=True),
    st.Page("app_pages/design.py", title="Design", icon="🛠️"),
    st.Page("app_pages/run.py", title="Run", icon="📡"),
    st.Page("app_pages/analyse.py", title="Analyse", icon="📊"),
    st.Page("app_pages/sql.py", title="SQL workbench", icon="🧮"),
    st.Page("app_pages/decide.py", title="Decide", icon="✅"),
    st.Page("app_pages/compare.py", title="Compare designs", icon="⚖️"),
    st.Page("app_pages/interview.py", title="Interview", icon="🎤"),
]
TOGETHER = [st.Page("app_pages/study_group.py", title="Study group", icon="👥"),
            st.Page("app_pages/class_page.py", title="Class", icon="🎓", url_path="class")]
LEARN = [st.Page("app_pages/learn.py", title="Metric lab", icon="🧪"),
         st.Page("app_pages/drills.py", title="Drills", icon="🎲"),
         st.Page("app_pages/glossary.py", title="Glossary", icon="📖"),
         st.Page("app_pages/case_editor.py", title="Case editor", icon="✏️")]
# Every page listed (Streamlit folds a long navigation behind "View more" otherwise).
page = st.navigation({"Practice": PRACTICE, "Together": TOGETHER, "Learn": LEARN}, expanded=True)

# By identity (st.navigation returns the page it runs): a Page made in bare Python, as when a
# worker process re-imports this file as its main module, has no title or address to compare.
learning = any(page is learn for learn in LEARN)
with st.sidebar:
    st.title("Launch Room")
    if learning:
        # The Learn pages do not use the run: no case, seed or fleet size to confuse.
        st.caption(texts.SIDEBAR_LEARN)
    else:
        st.selectbox("Case", list(cases), key="case_id",
                     format_func=lambda key: cases[key].meta.title)
        st.number_input("Variant", min_value=0, max_value=MAX_VARIANT, step=1, key="variant",
                        help=texts.VARIANT_HELP)
        st.button(texts.FRESH_CASE, on_click=state.take_fresh_variant, help=texts.FRESH_CASE_HELP,
                  icon=":material/casino:")
        st.number_input("Seed", min_value=0, max_value=MAX_SEED, step=1, key="seed",
                        help=texts.SEED_HELP)
        state.note_variant_seen()
        st.select_slider("Fleet size", options=state.FLEET_SIZES, key="devices",
                         format_func=lambda n: f"{n:,} devices", help=texts.FLEET_HELP)
        st.caption(f"Share this exact run: `{state.share_query()}`")
collapse_sidebar_on_narrow_screens()
tables_scroll_on_narrow_screens()
for note in st.session_state.pop("_link_notes", []):
    st.warning(literal(note))
# A secret in the address is the script's to clean this run (no history entry); the Learn
# pages use no run, and their address keeps its anchor (a help's link to a glossary term).
if not secret_in_link and not learning:
    state.sync_link()
page.run()
