"""Streamlit and Altair pieces shared by the pages (state, cached runs, charts, texts)."""
