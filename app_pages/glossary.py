"""Glossary: every statistic, call, evidence item and metric in plain words, each with a
short worked example (the help texts on the other pages link here)."""

from __future__ import annotations

import streamlit as st

from ui import glossary, texts

st.title("Glossary")
st.caption(texts.GLOSSARY_INTRO)
wanted = st.text_input(texts.GLOSSARY_FIND, key="glossary_find", max_chars=60,
                       placeholder=texts.GLOSSARY_FIND_PLACEHOLDER).strip().casefold()
shown = [term for term in glossary.TERMS.values()
         if not wanted or wanted in f"{term.name} {term.help} {term.key}".casefold()]
if not shown:
    st.info(texts.GLOSSARY_NOTHING)
for group in glossary.GROUPS:
    terms = [term for term in shown if term.group == group]
    if not terms:
        continue
    st.header(group, anchor=glossary.group_anchor(group), divider="gray")
    for term in terms:
        st.subheader(term.name, anchor=term.key)
        st.markdown(term.help)
        st.caption(f"{texts.GLOSSARY_EXAMPLE} {term.example}")
# A help's link opens this page in a new tab at a term's anchor; Streamlit scrolls to an anchor
# only when the address changes after the page has loaded, so scroll to it once here.
st.html(glossary.SCROLL_TO_ANCHOR, unsafe_allow_javascript=True)
