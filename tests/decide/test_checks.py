"""The checks that mattered in a run."""

from __future__ import annotations

from sim.decide.checks import key_checks


def test_key_checks_name_what_mattered(night_result, aa_result):
    night = {k.check: k for k in key_checks(night_result)}
    assert night["segments"].critical and "entry" in night["segments"].why
    assert not night["srm"].critical
    assert [k.check for k in key_checks(aa_result) if k.critical] == []
