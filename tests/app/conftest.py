"""Fixtures of the AppTest tests."""

from __future__ import annotations

import dataclasses

import pytest

from sim.sweeps import lab


@pytest.fixture
def small_demos(monkeypatch):
    """Every metric-lab demo at 600 devices and 4 replications per setting (6 for peeking)."""
    small = {key: dataclasses.replace(demo, devices=600, runs=6 if key == "peeking" else 4)
             for key, demo in lab.DEMOS.items()}
    monkeypatch.setattr(lab, "DEMOS", small)
    return small

