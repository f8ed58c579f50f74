"""SimResult: the Parquet round trip and a clear error for a folder that holds none."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import LaunchRoomError, SimResult
from sim.engine.result import FORMAT_VERSION


def test_save_and_load_give_back_every_table(night_result, tmp_path):
    night_result.save(tmp_path / "run")
    loaded = SimResult.load(tmp_path / "run")
    for name in ("devices", "day_arm", "timeline", "rollout", "truth", "daily"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(night_result, name), obj=name)
    assert loaded.scenario == night_result.scenario
    assert loaded.seed == night_result.seed and loaded.days == night_result.days


def test_loading_a_folder_without_a_result_names_what_is_missing(tmp_path):
    with pytest.raises(LaunchRoomError, match=r"no saved simulation here \(expected result.json"):
        SimResult.load(tmp_path)


def test_true_effect_looks_up_the_truth(night_result):
    truth = night_result.truth
    row = truth[(truth["metric"] == "sessions") & (truth["segment"] == "entry")]
    assert night_result.true_effect("sessions", "chip_tier", "entry") == row["abs_effect"].iloc[0]
    with pytest.raises(LaunchRoomError, match="no truth for metric 'nope'"):
        night_result.true_effect("nope")


def test_summary_never_reveals_the_truth(night_result):
    summary = night_result.summary()
    assert "truth" not in str(summary).lower()
    assert summary["devices"] == len(night_result.devices)


def test_a_folder_from_another_format_version_is_refused(night_result, tmp_path):
    import json

    night_result.save(tmp_path)
    meta = json.loads((tmp_path / "result.json").read_text())
    del meta["format_version"]
    (tmp_path / "result.json").write_text(json.dumps(meta))
    with pytest.raises(LaunchRoomError,
                       match=f"saved in format 1, this version reads format {FORMAT_VERSION}"):
        SimResult.load(tmp_path)
    (tmp_path / "result.json").write_text("{not json")
    with pytest.raises(LaunchRoomError, match="cannot read the saved simulation"):
        SimResult.load(tmp_path)
