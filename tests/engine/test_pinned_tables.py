"""The same case, knobs and seed give the same tables, byte for byte, across engine changes.

Each digest below was computed with the single-threaded engine of commit 2a8948f (before the
engine advanced blocks of devices in parallel threads; format version 5, where the rollout's
gates read only reports that arrived on time) and is pinned here: a change to the
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
        "da58c926e7d434c9daebca9e57d9e9083321dcce0d1d35ad163101e068468415",
    ("household_interference", 3, 30_000, 14, None):
        "b076102358f595715285042f364141257f1eac3d779aa410033da277431d438b",
    ("ev_voice_assistant", 5, 12_000, 21, None):
        "8f180ceb1c3ce21d566037a1bb5118ef86f3296022eded4645e459675c976a40",
    ("novelty_widget", 11, 600_000, 6, None):
        "1436a165df035f0e0d816794eae19d0f110d45d0b751e37d48d8c8f07f654d98",
    ("firmware_drift", 2, 8_000, 28, None):
        "84482753655b25ed41a0c9daeac291b397ad0bc7efbbad22ae39742df71dd198",
    ("camera_night_mode", 6, 30_000, 28, "halt"):
        "ac860dcdc66f91dd8a37ebdcbf80d693e6e5ae634cf8110988f12e3e2c8f48ec",
    ("household_interference", 4, 300_000, 5, None):
        "f7102cd355a35f70f431960cd05d4dcb9d8a18d0ce0c6b5b88fe761db6e4f09f",
}


def _result(case_id: str, seed: int, devices: int, days: int, gate: str | None):
    case = load_scenario(CASES / f"{case_id}.toml")
    if gate is not None:
        case = _with_bad_batch(case, gate)
    return simulate(case, seed=seed, devices=devices, days=days)


@pytest.mark.parametrize("run", list(PINNED), ids=lambda run: "-".join(map(str, run[:4])))
def test_the_tables_are_the_pinned_ones(run):
    assert table_digest(_result(*run)) == PINNED[run]
