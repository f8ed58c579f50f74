"""Fixtures of the AppTest tests."""

from __future__ import annotations

import dataclasses
import sys
import traceback
from pathlib import Path

import altair as alt
import pytest
from altair.utils import schemapi

from sim.sweeps import lab
from tests.conftest import ROOT


@pytest.fixture
def small_demos(monkeypatch):
    """Every metric-lab demo at 600 devices and 4 replications per setting (6 for peeking)."""
    small = {key: dataclasses.replace(demo, devices=600, runs=6 if key == "peeking" else 4)
             for key, demo in lab.DEMOS.items()}
    monkeypatch.setattr(lab, "DEMOS", small)
    return small



@pytest.fixture(autouse=True)
def charts_name_their_channels(monkeypatch):
    """Fail a page test whose charts pass Altair a channel as a bare string or a dict
    (``x="day:Q"``, ``tooltip=["day"]``, ``alt.condition(..., alt.value(...), ...)``): Altair
    then hashes every class of its schema to find the channel's (see :mod:`ui.charts`)."""
    lookups = []
    build = schemapi._FromDict.__init__

    def counted(self, *args, **kwargs):
        lookups.append("".join(traceback.format_stack(limit=12)[:-1]))
        build(self, *args, **kwargs)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counted)
    yield
    assert not lookups, ("a chart gave Altair a channel as a string or a dict; wrap it "
                         "(alt.X, alt.Tooltip, alt.ColorValue):\n" + lookups[0])


@pytest.fixture(autouse=True)
def charts_are_built_in_one_call(monkeypatch):
    """Fail a page test whose charts grow a chart after making it (``a + b``,
    ``.properties``, ``.configure_*``): Altair deep-copies every layer each time (see
    :mod:`sim.export.charts`)."""
    grown = []

    def recording(name, method):
        def record(self, *args, **kwargs):
            # Only this project's charts: Streamlit's own (st.line_chart) are built its way.
            caller = Path(sys._getframe(1).f_code.co_filename).resolve()
            if caller.is_relative_to(ROOT) and not caller.is_relative_to(ROOT / "tests"):
                grown.append(f"{name}:\n" + "".join(traceback.format_stack(limit=12)[:-1]))
            return method(self, *args, **kwargs)
        return record

    methods = {(alt.TopLevelMixin, "__add__"), (alt.LayerChart, "__add__"),
               (alt.TopLevelMixin, "properties")}
    methods |= {(alt.TopLevelMixin, name) for name in dir(alt.TopLevelMixin)
                if name.startswith("configure")}
    for owner, name in methods:
        monkeypatch.setattr(owner, name, recording(name, getattr(owner, name)))
    yield
    assert not grown, ("a chart was grown after it was made; build it in one call "
                       "(alt.LayerChart(data, layer=[...], title=..., ...)):\n" + grown[0])
