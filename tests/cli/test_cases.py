"""The case library's commands (sim/cli/cases.py): python -m sim list and validate."""

from __future__ import annotations

from sim.cli import main


def test_list_shows_every_case(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "aa_test" in out and "camera_night_mode" in out


def test_validate_reports_each_file(capsys, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[meta]\nid = 'x'\n", encoding="utf-8")
    code = main(["validate", "scenarios/aa_test.toml", str(broken)])
    captured = capsys.readouterr()
    assert code == 2
    assert "ok: scenarios/aa_test.toml" in captured.out
    assert captured.err.count("\n") == 1 and "broken.toml: meta.title: required but missing" in captured.err
