"""The same case, knobs and seed give the same tables, byte for byte, across engine changes.

Each digest below was computed with the single-threaded engine of commit 96d2641 (before the
engine advanced blocks of devices in parallel threads) and is pinned here: a change to the
engine that alters any value, dtype, column or row order of any table fails this test. A
deliberate change to the tables bumps ``sim.engine.result.FORMAT_VERSION`` and re-pins them.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.engine.result import TABLES
from tests.conftest import CASES
from tests.engine.test_rollout import _with_bad_batch


def table_digest(result) -> str:
    """SHA-256 over every table's columns, dtypes and row hashes, in a fixed order."""
    digest = hashlib.sha256()
    for name in TABLES:
        table = getattr(result, name)
        digest.update(name.encode())
        if table is None:
            digest.update(b"none")
            continue
        digest.update(repr([(column, str(dtype)) for column, dtype in table.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    return digest.hexdigest()


# (case, seed, devices, days, bad batch gate) -> digest. The sizes cover one block and several
# (sim.engine.simulation.BLOCK_DEVICES is 2**18), the raw-report panel, household spillover,
# outliers, distraction, a firmware shift and a halted rollout.
PINNED = {
    ("camera_night_mode", 0, 20_000, 28, None):
        "1acccf629fa6a9739c8473f878f35b3d553b9372ca04f52930c09f804ace62eb",
    ("household_interference", 3, 30_000, 14, None):
        "a2c64cd803b0b91f8e859991ba2abccfabab031e6ebd869052ef004536490cbf",
    ("ev_voice_assistant", 5, 12_000, 21, None):
        "3e0451fb6578d54a889056e0f61e82a410318c66c60d18fa61cbd0d4490d9685",
    ("novelty_widget", 11, 600_000, 6, None):
        "2b37ca81874592a84756a1cef016d4840c8ccc609edd0494926e926628125f2f",
    ("firmware_drift", 2, 8_000, 28, None):
        "3851f219d57f0d4e276fe5bc5b3209f1ecacabe8599d83470067bdd072a3fb54",
    ("camera_night_mode", 6, 30_000, 28, "halt"):
        "e9d7a419d34358711c57bb29d44c986b65c89d5e918f4b34b110f00e6fa61ce4",
    ("household_interference", 4, 300_000, 5, None):
        "3c4abe592937fa36a1f319b4a276dcee617f740418e271c675fe4d570ca0ba36",
}


def _result(case_id: str, seed: int, devices: int, days: int, gate: str | None):
    case = load_scenario(CASES / f"{case_id}.toml")
    if gate is not None:
        case = _with_bad_batch(case, gate)
    return simulate(case, seed=seed, devices=devices, days=days)


@pytest.mark.parametrize("run", list(PINNED), ids=lambda run: "-".join(map(str, run[:4])))
def test_the_tables_are_the_pinned_ones(run):
    assert table_digest(_result(*run)) == PINNED[run]
