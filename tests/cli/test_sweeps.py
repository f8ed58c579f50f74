"""python -m sim sweep (sim/cli/sweeps.py) with a variant (the sweep itself:
tests/sweeps/test_sweep.py)."""

from __future__ import annotations

from sim.cli import main


def test_sweep_and_export_take_a_variant(capsys, tmp_path):
    assert main(["sweep", "aa_test", "--variant", "2", "--seeds", "2", "--devices", "500",
                 "--days", "5", "--workers", "1"]) == 0
    assert capsys.readouterr().out.startswith("aa_test variant 2: 2 runs")
    assert main(["export", "aa_test", "--variant", "2", "--devices", "500", "--days", "5",
                 "--out", str(tmp_path / "export")]) == 0
