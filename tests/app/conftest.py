"""Fixtures of the AppTest tests."""

from __future__ import annotations

import dataclasses
import traceback

import pytest
from altair.utils import schemapi

from sim.sweeps import lab


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
