"""Exporting a revealed board (sim/rooms/export.py, RoomStore.export_board, python -m sim board)
on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import io
import json

import pytest

from sim.cli import main
from sim.decide.decision import Decision
from sim.errors import RoomError
from sim.rooms import RoomStore, Scores
from sim.rooms.export import board_frame, spreadsheet_safe, to_csv

HOSTILE_MEMOS = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1:A2)",
                 "\t=1", " =1"]


def _stub_scores(room, decisions):
    """A cheap stand-in for score_room with the fields a real scorecard has."""
    cards = [{"total": 50 + index, "true_lift": 0.01, "days_to_ship": 30,
              "items": [{"criterion": "call", "points": 25.0}, {"criterion": "speed",
                                                                "points": 5.0}],
              "questions": [{"question": "split", "fraction": 1.0},
                            {"question": "novelty", "fraction": 0.0}]}
             for index, _ in enumerate(decisions)]
    return Scores(truth={"right_call": "iterate", "right_label": "iterate", "true_lift": 0.01},
                  cards=cards)


def _revealed_room(store: RoomStore, memos: list[str]) -> tuple[str, str]:
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    for index, memo in enumerate(memos):
        name = f"member {index}"
        secret = store.join(code, name).token
        store.submit(code, name, Decision(call="ship_segments", segment_kind="chip_tier",
                                          segments=("flagship", "upper_mid"),
                                          expected_lift=-0.02 + index / 100, decision_day=14,
                                          memo=memo), member_token=secret)
    store.join(code, "late")  # joined, never submitted: not a row
    store.reveal(code, token, score_fn=_stub_scores)
    return code, token


def test_the_facilitator_exports_one_row_per_submitted_member(store):
    code, token = _revealed_room(store, ["first", "second"])
    frame = board_frame([store.export_board(code.lower(), token)])
    assert frame["member"].tolist() == ["member 0", "member 1"]
    first = frame.iloc[0]
    assert first["room"] == code and first["case"] == "aa_test"
    assert first["call"] == "ship to flagship and upper_mid (chip_tier)"
    assert first["call_code"] == "ship_segments"
    assert first["segments"] == "flagship; upper_mid" and first["segment_kind"] == "chip_tier"
    assert first["expected_lift"] == pytest.approx(-0.02) and first["score"] == 50
    assert first["call_points"] == 25.0 and first["speed_points"] == 5.0
    assert first["question_split"] == 1.0 and first["question_novelty"] == 0.0
    assert first["decision_day"] == 14 and first["days_to_ship"] == 30
    assert first["memo"] == "first" and first["minutes_to_submit"] >= 0


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_export_is_refused_without_the_facilitator_token(store, token):
    code, _ = _revealed_room(store, ["a memo"])
    with pytest.raises(RoomError, match="not valid for room .* nothing was exported"):
        store.export_board(code, token)


def test_another_rooms_token_exports_nothing(store):
    code, _ = _revealed_room(store, ["a memo"])
    _, other_token = store.create_room("aa_test", seed=3, devices=1_000)
    with pytest.raises(RoomError, match="nothing was exported"):
        store.export_board(code, other_token)


def test_a_board_is_exported_only_after_the_reveal(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000)
    with pytest.raises(RoomError, match="has not been revealed yet"):
        store.export_board(code, token)


def test_the_csv_never_starts_a_cell_with_a_formula(store):
    code, token = _revealed_room(store, HOSTILE_MEMOS)
    text = to_csv(board_frame([store.export_board(code, token)]))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["memo"] for row in rows] == ["'" + memo for memo in HOSTILE_MEMOS]
    # Numbers stay numbers (a negative lift is not text to defuse).
    assert rows[0]["expected_lift"] == "-0.02"
    for row in rows:
        for value in row.values():
            assert not value.lstrip(" ").startswith(("=", "+", "@", "\t", "\r")), value


def test_spreadsheet_safe_leaves_plain_text_alone():
    assert spreadsheet_safe("ship it: +3% on flagship") == "ship it: +3% on flagship"
    assert spreadsheet_safe("") == "" and spreadsheet_safe(None) is None


# --- python -m sim board ------------------------------------------------------------------------
@pytest.fixture
def cli_store(store, monkeypatch):
    """The command line reads the same store as the app: LAUNCHROOM_DB_URL names it."""
    monkeypatch.setenv("LAUNCHROOM_DB_URL", store.url.render_as_string(hide_password=False))
    return store


def test_the_board_command_prints_csv_json_and_a_table(cli_store, capsys):
    code, token = _revealed_room(cli_store, ["=cmd|' /C calc'!A0", "plain"])
    assert main(["board", code, "--token", token, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["member"] for row in rows] == ["member 0", "member 1"]
    assert rows[0]["memo"] == "'=cmd|' /C calc'!A0"

    assert main(["board", code, "--token", token, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["about"]["room"] == code and payload["about"]["truth"]["right_call"] == "iterate"
    assert payload["rows"][0]["memo"] == "=cmd|' /C calc'!A0"  # JSON keeps the memo as typed

    assert main(["board", code, "--token", token]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"room {code}: aa_test") and "member 1" in out


def test_the_board_command_reads_a_pasted_link_or_standard_input(cli_store, capsys,
                                                                 monkeypatch):
    code, token = _revealed_room(cli_store, ["memo"])
    link = f"https://launchroom.example/study_group?room={code}&token={token}"
    assert main(["board", code, "--token", link, "--csv"]) == 0
    assert "member 0" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert main(["board", code, "--token", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["member"] == "member 0"


@pytest.mark.parametrize("form", [[], ["--csv"], ["--json"]])
def test_the_board_command_without_the_token_prints_one_line_and_exits_2(cli_store, capsys,
                                                                         form):
    code, _ = _revealed_room(cli_store, ["secret memo"])
    assert main(["board", code, "--token", "wrong", *form]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "nothing was exported" in captured.err


def test_the_board_command_on_a_mistyped_code_exits_2(cli_store, capsys):
    assert main(["board", "K7MQ-3XH0", "--token", "x"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1


def test_the_board_command_on_a_real_reveal_has_every_scorecard_item(cli_store, capsys):
    code, token = cli_store.create_room("aa_test", seed=3, devices=2_000)
    secret = cli_store.join(code, "Ana").token
    cli_store.submit(code, "Ana", Decision(call="iterate", expected_lift=0.0, decision_day=28),
                     member_token=secret)
    cli_store.reveal(code, token)
    assert main(["board", code, "--token", token, "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert {f"{item}_points" for item in ("call", "outcome", "questions", "design",
                                          "calibration", "speed")} <= set(row)
    assert any(key.startswith("question_") for key in row)
    points = [row[f"{item}_points"] for item in ("call", "outcome", "questions", "design",
                                                 "calibration", "speed")]
    assert row["score"] == round(sum(points))
