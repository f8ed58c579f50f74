"""Cases people write (sim/case/library.py: check_case_text, save_case, pack_cases,
unpack_cases) and where the server keeps them (sim/rooms/database.py: cases_folder)."""

from __future__ import annotations

import io
import zipfile

import pytest

from sim.case.library import (
    BLANK_CASE,
    CASES_FOLDER,
    case_paths,
    check_case_text,
    load_case,
    pack_cases,
    save_case,
    unpack_cases,
)
from sim.errors import ScenarioError
from sim.limits import CASE_MAX_BYTES, PACK_MAX_CASES
from sim.rooms.database import cases_folder

BLANK = BLANK_CASE.read_text(encoding="utf-8")


def _case(case_id: str) -> str:
    return BLANK.replace('id = "my_case"', f'id = "{case_id}"')


def _zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_blank_template_is_a_valid_case_that_changes_nothing():
    case = check_case_text(BLANK)
    assert case.meta.id == "my_case" and case.feature.params_m == 0.0


def test_a_saved_case_loads_from_its_folder_and_a_second_save_replaces_it(tmp_path):
    path = save_case(_case("night_v2"), tmp_path / "cases")
    assert path == tmp_path / "cases" / "night_v2.toml"
    assert load_case("night_v2", tmp_path / "cases").meta.id == "night_v2"
    save_case(_case("night_v2").replace('title = "My case"', 'title = "Second"'),
              tmp_path / "cases")
    assert load_case("night_v2", tmp_path / "cases").meta.title == "Second"
    assert [p.name for p in (tmp_path / "cases").iterdir()] == ["night_v2.toml"]  # no leftovers


def test_saving_into_the_apps_own_library_is_refused():
    with pytest.raises(ScenarioError, match="the app's own case library"):
        save_case(_case("sneaky"), CASES_FOLDER)
    assert not (CASES_FOLDER / "sneaky.toml").exists()


def test_a_built_in_id_an_invalid_case_and_a_huge_file_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="'camera_night_mode' is a built-in case's"):
        save_case(_case("camera_night_mode"), tmp_path)
    with pytest.raises(ScenarioError, match=r"case.toml: fleet.size: "):
        save_case(BLANK.replace("size = 100_000", "size = -1"), tmp_path)
    with pytest.raises(ScenarioError, match=f"at most {CASE_MAX_BYTES:,}"):
        save_case(BLANK + "#" * CASE_MAX_BYTES, tmp_path)
    assert case_paths(tmp_path) == []


def test_a_case_pack_round_trips(tmp_path):
    for case_id in ("pack_a", "pack_b"):
        save_case(_case(case_id), tmp_path / "here")
    saved, refused = unpack_cases(pack_cases(tmp_path / "here"), tmp_path / "there")
    assert [path.name for path in saved] == ["pack_a.toml", "pack_b.toml"] and refused == []
    assert [p.read_text(encoding="utf-8") for p in case_paths(tmp_path / "there")] == [
        _case("pack_a"), _case("pack_b")]


def test_a_hostile_case_pack_saves_only_its_valid_cases_by_their_own_names(tmp_path):
    pack = _zip({
        "../../escape.toml": _case("escaped"),
        "folder/good.toml": _case("good_one"),
        "notes.txt": "hello",
        "broken.toml": "[fleet",
        "builtin.toml": _case("aa_test"),
        "binary.toml": b"\xff\xfe\x00",
    })
    saved, refused = unpack_cases(pack, tmp_path / "cases")
    # Saved under the case's id, inside the folder, whatever the path inside the zip said.
    assert sorted(path.name for path in saved) == ["escaped.toml", "good_one.toml"]
    assert all(path.parent == tmp_path / "cases" for path in saved)
    assert not (tmp_path / "escape.toml").exists()
    assert len(refused) == 4 and all("\n" not in line for line in refused)
    assert any(line.startswith("notes.txt: not a case file") for line in refused)
    assert any(line.startswith("broken.toml: not valid TOML") for line in refused)
    assert any("'aa_test' is a built-in case's" in line for line in refused)
    assert any(line.startswith("binary.toml: not valid TOML") for line in refused)


def test_a_file_that_is_not_a_zip_or_holds_too_many_files_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="not a zip of case files"):
        unpack_cases(b"PK not really", tmp_path)
    many = _zip({f"case_{index}.toml": "" for index in range(PACK_MAX_CASES + 1)})
    with pytest.raises(ScenarioError, match=f"at most {PACK_MAX_CASES}"):
        unpack_cases(many, tmp_path)
    assert case_paths(tmp_path) == []


def test_the_cases_folder_sits_beside_the_rooms_database_unless_named(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_CASES", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "db" / "rooms.db"))
    assert cases_folder() == tmp_path / "db" / "cases"
    monkeypatch.setenv("LAUNCHROOM_CASES", str(tmp_path / "elsewhere"))
    assert cases_folder() == tmp_path / "elsewhere"


def test_the_command_line_lists_and_runs_a_case_saved_on_this_server(monkeypatch, tmp_path,
                                                                     capsys):
    from sim.cli import main

    monkeypatch.setenv("LAUNCHROOM_CASES", str(tmp_path / "cases"))
    save_case(_case("saved_here").replace('title = "My case"', 'title = "Saved here"'),
              tmp_path / "cases")
    assert main(["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("aa_test") and listed[-1].startswith("saved_here")
    assert "Saved here" in listed[-1]
    assert main(["run", "saved_here", "--devices", "500", "--days", "3"]) == 0
    assert capsys.readouterr().out.startswith("saved_here  seed 0  500 devices x 3 days")
    assert main(["run", "not_saved", "--devices", "500"]) == 2
    assert "no case named 'not_saved'" in capsys.readouterr().err


@pytest.mark.parametrize("markup, location", [
    ("[prize](https://evil.example)", "meta.brief"),
    ("![pixel](x.png)", "meta.brief"),
    ("<img src=x onerror=alert(1)>", "meta.brief"),
    ("see www.evil.example", "meta.brief"),
    ("<https://evil.example>", "meta.brief"),
])
def test_a_saved_case_may_not_carry_links_images_or_html(tmp_path, markup, location):
    text = _case("linky").replace("What the team ships, to which devices", markup)
    with pytest.raises(ScenarioError, match=f"case.toml: {location}: links, images"):
        save_case(text, tmp_path)
    tags = _case("linky").replace("tags = []", 'tags = ["fine", "[x](http://y)"]')
    with pytest.raises(ScenarioError, match=r"meta.tags\[1\]: links"):
        save_case(tags, tmp_path)
    assert case_paths(tmp_path) == []


def test_emphasis_and_comparisons_stay_allowed(tmp_path):
    text = _case("plain").replace("What the team ships", "**Ship** *int8* when latency < 25 ms")
    assert save_case(text, tmp_path).name == "plain.toml"
