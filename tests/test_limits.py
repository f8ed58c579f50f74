"""The limits are named once: the same seed range in the engine, the command line, the sidebar
and links, study-group rooms and sweeps."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim import LaunchRoomError, simulate
from sim.cli import main
from sim.errors import RoomError
from sim.limits import MAX_DAYS, MAX_SEED, MIN_DEVICES
from sim.rooms import RoomStore
from sim.sweeps import build_spec, derive_seed
from tests.conftest import ROOT


def test_the_largest_seed_runs_and_the_next_one_is_refused(aa_case):
    assert simulate(aa_case, seed=MAX_SEED, devices=MIN_DEVICES, days=2).seed == MAX_SEED
    with pytest.raises(LaunchRoomError, match=f"from 0 to {MAX_SEED}"):
        simulate(aa_case, seed=MAX_SEED + 1, devices=MIN_DEVICES, days=2)
    with pytest.raises(LaunchRoomError, match=f"at least {MIN_DEVICES}"):
        simulate(aa_case, seed=0, devices=MIN_DEVICES - 1, days=2)
    with pytest.raises(LaunchRoomError, match=f"from 1 to {MAX_DAYS}"):
        simulate(aa_case, seed=0, devices=MIN_DEVICES, days=MAX_DAYS + 1)


def test_the_command_line_uses_the_same_seed_range(capsys):
    assert main(["run", "aa_test", "--seed", str(MAX_SEED), "--devices", "200", "--days", "2",
                 "--json"]) == 0
    assert main(["run", "aa_test", "--seed", str(MAX_SEED + 1), "--devices", "200"]) == 2
    assert f"from 0 to {MAX_SEED}" in capsys.readouterr().err


def test_rooms_and_sweeps_use_the_same_seed_range(aa_case, tmp_path):
    with RoomStore(tmp_path / "rooms.db") as store:
        store.create_room("aa_test", seed=MAX_SEED, devices=1_000, knobs={})
        with pytest.raises(RoomError, match=f"from 0 to {MAX_SEED}"):
            store.create_room("aa_test", seed=MAX_SEED + 1, devices=1_000, knobs={})
    build_spec(aa_case, seeds=1, base_seed=MAX_SEED)
    with pytest.raises(LaunchRoomError, match=f"from 0 to {MAX_SEED}"):
        build_spec(aa_case, seeds=1, base_seed=MAX_SEED + 1)
    assert all(0 <= derive_seed(MAX_SEED, run) <= MAX_SEED for run in range(100))


def test_the_sidebar_and_links_use_the_same_seed_range():
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.query_params["seed"] = str(MAX_SEED)
    app.run()
    assert not app.exception and not app.warning
    seed = app.sidebar.number_input(key="seed")
    assert seed.value == MAX_SEED and seed.max == MAX_SEED
    too_big = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    too_big.query_params["seed"] = str(MAX_SEED + 1)
    too_big.run()
    assert too_big.sidebar.number_input(key="seed").value == 0
    assert any("seed" in w.value for w in too_big.warning)
