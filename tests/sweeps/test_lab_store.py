"""The metric lab's shipped rows (sim/sweeps/lab_data): there for every demo, current, and equal
to the rows the sweep computes now (a sample recomputed per demo)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.sweeps import lab, lab_store


@pytest.mark.parametrize("key", list(lab.DEMOS))
def test_every_demo_ships_its_default_rows_and_a_sample_recomputes_to_them(key):
    demo = lab.DEMOS[key]
    stored = lab_store.stored_rows(key, range(demo.runs))
    assert stored is not None, f"regenerate: python -m sim.sweeps.lab_store {key}"
    points = 1
    for values in demo.grid.values():
        points *= len(values)
    assert len(stored) == demo.runs * points
    assert stored["run"].drop_duplicates().tolist() == list(range(demo.runs))
    sample = sorted({0, demo.runs // 2, demo.runs - 1})
    fresh = lab.run_demo(key, sample, workers=1)
    shipped = stored[stored["run"].isin(sample)].reset_index(drop=True)
    pd.testing.assert_frame_equal(shipped, fresh)
    assert shipped.attrs == fresh.attrs


def test_shipped_rows_are_read_only_for_the_demo_they_were_made_for(monkeypatch):
    demo = lab.DEMOS["cuped"]
    assert lab_store.stored_rows("cuped", range(demo.runs - 1)) is None
    assert lab_store.stored_rows("cuped", range(1, demo.runs + 1)) is None
    changed = {**lab.DEMOS, "cuped": dataclasses.replace(demo, devices=demo.devices + 1)}
    monkeypatch.setattr(lab, "DEMOS", changed)
    assert lab_store.stored_rows("cuped", range(demo.runs)) is None
    monkeypatch.setattr(lab_store, "STORE_VERSION", lab_store.STORE_VERSION + 1)
    monkeypatch.setattr(lab, "DEMOS", {**changed, "cuped": demo})
    assert lab_store.stored_rows("cuped", range(demo.runs)) is None


def test_demo_rows_read_the_shipped_rows_and_compute_anything_else():
    demo = lab.DEMOS["srm"]
    shipped = lab_store.demo_rows("srm", range(demo.runs))
    assert shipped.equals(lab_store.stored_rows("srm", range(demo.runs)))
    computed = lab_store.demo_rows("srm", range(2), devices=800, workers=1)
    assert computed["devices"].eq(800).all() and len(computed) == 2 * 3


def test_demo_rows_ask_where_to_compute_only_when_they_compute():
    # The app's `where` starts workers or reaches a cluster: shipped rows must not need it.
    asked = []

    def where():
        asked.append(True)
        return {"workers": 1}

    demo = lab.DEMOS["srm"]
    lab_store.demo_rows("srm", range(demo.runs), where=where)
    assert asked == []
    computed = lab_store.demo_rows("srm", range(2), where=where, devices=800)
    assert asked == [True] and len(computed) == 2 * 3


def test_regenerating_writes_a_file_the_store_reads(tmp_path, monkeypatch):
    small = {"cuped": dataclasses.replace(lab.DEMOS["cuped"], runs=2, devices=600)}
    monkeypatch.setattr(lab, "DEMOS", small)
    [path] = lab_store.regenerate(["cuped"], workers=1, folder=tmp_path)
    assert path == tmp_path / "cuped.parquet"
    rows = lab_store.stored_rows("cuped", range(2), folder=tmp_path)
    pd.testing.assert_frame_equal(rows, lab.run_demo("cuped", range(2), workers=1))
