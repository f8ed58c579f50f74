"""The Study group page in Streamlit's AppTest: a facilitator and a member, each their own session.

Every test gets its own SQLite file (LAUNCHROOM_DB in the test's folder), so rooms never leak
between tests or into ~/.launchroom.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim.rooms import RoomStore
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/study_group.py"
SHARE = "experiment.treatment_share"


@pytest.fixture(autouse=True)
def _throwaway_database(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "rooms.db"))
    return tmp_path / "rooms.db"


def _session(**query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return matches[0]


def _facilitator_with_room() -> tuple[AppTest, str, str]:
    app = _session(case="aa_test", seed="7", devices="10000", **{SHARE: "0.4"})
    _button(app, "Start a room for this run").click().run()
    assert not app.exception and not app.error
    return app, app.session_state["room_code"], app.session_state["room_token"]


def _member(code: str, name: str) -> AppTest:
    app = _session(room=code)
    app.text_input(key="room_join_name").input(name)
    _button(app, "Join").click().run()
    assert not app.exception and not app.error, [e.body for e in app.error]
    return app


def test_the_page_sits_in_the_together_section_with_join_and_start():
    app = _session()
    assert app.header[0].value == "Study group"
    assert [t.label for t in app.text_input] == ["Room code", "Your display name"]
    assert {"Join", "Start a room for this run"} <= {b.label for b in app.button}
    # The shared sidebar is there too.
    assert [w.key for w in app.sidebar.selectbox] == ["case_id"]
    assert not app.error


def test_a_facilitator_starts_a_room_with_links_and_no_token_in_the_address_bar():
    app, code, token = _facilitator_with_room()
    assert len(code) == 9 and code[4] == "-"
    assert app.query_params["room"] == code and "token" not in app.query_params
    assert app.query_params["case"] == "aa_test" and app.query_params[SHARE] == "0.4"
    links = [c.value for c in app.code]
    assert links[0].endswith(f"?room={code}") and token not in links[0]
    assert links[1].endswith(f"?room={code}&token={token}")
    assert any(b.label == "Reveal the truth and the board" for b in app.button)
    room = RoomStore().room(code)
    assert (room.case_id, room.seed, room.devices, room.knobs) == ("aa_test", 7, 10_000,
                                                                   {SHARE: 0.4})


def test_a_member_joins_from_the_link_and_gets_the_rooms_settings():
    _, code, _ = _facilitator_with_room()
    member = _session(room=code)
    assert member.text_input(key="room_join_code").value == code
    assert member.session_state["case_id"] == "camera_night_mode"  # before joining
    member.text_input(key="room_join_name").input("Ana")
    _button(member, "Join").click().run()
    assert not member.exception and not member.error
    assert member.session_state["case_id"] == "aa_test"
    assert member.session_state["seed"] == 7 and member.session_state["devices"] == 10_000
    assert member.session_state["knobs"]["aa_test"] == {SHARE: 0.4}
    assert member.query_params["room"] == code and member.query_params[SHARE] == "0.4"
    assert any("Run the fleet with the room's settings first" in i.body for i in member.info)
    assert not any(b.label == "Reveal the truth and the board" for b in member.button)


def test_member_submits_facilitator_reveals_and_both_see_the_board():
    facilitator, code, _ = _facilitator_with_room()
    member = _member(code, "**Ana** <b>")
    member.switch_page("app_pages/run.py").run()
    member.button[0].click().run()
    member.switch_page(PAGE).run()
    member.radio[0].set_value("rollback")
    [n for n in member.number_input if n.label.startswith("Expected")][0].set_value(-2.0)
    [r for r in member.radio if (r.key or "").endswith("::q::measurement")][0].set_value("neither")
    member.text_area[0].input("<script>alert(1)</script> roll it back")
    _button(member, "Submit to the room").click().run()
    assert not member.exception and not member.error
    assert any(s.body.startswith("Submitted.") for s in member.success)

    # Before the reveal the facilitator sees who submitted, not what.
    facilitator.run()
    waiting = facilitator.dataframe[0].value
    assert waiting["member"].tolist() == ["**Ana** <b>"] and waiting["submitted"].tolist() == [True]
    assert "memo" not in waiting.columns

    _button(facilitator, "Reveal the truth and the board").click().run()
    assert not facilitator.exception and not facilitator.error
    for app in (facilitator, member.run()):
        assert not app.exception
        assert any(s.body.startswith("Revealed") for s in app.success)
        assert app.metric[0].label == "The right call" and app.metric[0].value == "iterate"
        board = app.dataframe[-1].value
        assert board["member"].tolist() == ["**Ana** <b>"]
        assert board["call"].tolist() == ["roll back"]
        assert board["memo"].tolist() == ["<script>alert(1)</script> roll it back"]
        assert board["expected_lift"].tolist() == [-0.02]
        assert 0 <= board["score"].iloc[0] <= 100
        # The name in the expander's (Markdown) label is escaped, so it shows as typed.
        assert app.expander[-1].label.startswith(r"\*\*Ana\*\* \<b\>")
        assert not any(b.label == "Submit to the room" for b in app.button)
    # Only the facilitator can take the board away (its memos are the members').
    downloads = facilitator.get("download_button")
    assert [d.label for d in downloads] == ["Board (CSV)", "Board (JSON)"]
    assert all(d.proto.ignore_rerun for d in downloads)
    assert not member.get("download_button")


def test_a_resubmission_replaces_the_first():
    _, code, token = _facilitator_with_room()
    member = _member(code, "Bo")
    member.switch_page("app_pages/run.py").run()
    member.button[0].click().run()
    member.switch_page(PAGE).run()
    for call in ("ship_all", "iterate"):
        member.radio[0].set_value(call)
        _button(member, "Submit to the room").click().run()
        assert not member.error
    store = RoomStore()
    assert store.submission(code, "Bo", member.session_state["room_member"])["call"] == "iterate"
    assert store.board(code).submitted == 1


def test_a_mistyped_code_gets_a_clear_message():
    app = _session()
    app.text_input(key="room_join_code").input("K7MQ-3XH0")
    app.text_input(key="room_join_name").input("Ana")
    _button(app, "Join").click().run()
    assert not app.exception
    assert any("is not a room code" in e.body for e in app.error)
    app.text_input(key="room_join_code").input("2345-6789")
    _button(app, "Join").click().run()
    assert any("no room has the code 2345" in e.body for e in app.error)
    assert "room_code" not in app.session_state


def test_a_facilitator_link_with_a_wrong_token_reveals_nothing():
    _, code, token = _facilitator_with_room()
    stranger = _session(room=code, token="guessed")
    assert not stranger.exception
    assert any("not valid for room" in w.body for w in stranger.warning)
    assert not any("ignored" in w.body for w in stranger.warning)  # a token is not a knob
    assert not any(b.label == "Reveal the truth and the board" for b in stranger.button)

    boss = _session(room=code, token=token)
    assert boss.session_state["room_token"] == token and boss.query_params["room"] == code
    assert any(b.label == "Reveal the truth and the board" for b in boss.button)


def test_a_secret_in_the_link_is_taken_out_of_the_address_and_its_history_entry():
    # AppTest runs no JavaScript: check the page asks the browser to replace its history entry
    # (the browser test tests/e2e/test_study_group.py checks the browser does it).
    _, code, token = _facilitator_with_room()
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(room=code, token=token, case="aa_test")
    app.run()
    frames = [str(node.proto) for node in _all(app.main) if getattr(node, "type", "") == "iframe"]
    assert any("history.replaceState" in frame and token not in frame for frame in frames), frames
    assert app.session_state["_room_link_secrets"] == (code, token)


def test_a_member_comes_back_with_their_rejoin_link():
    _, code, _ = _facilitator_with_room()
    member = _member(code, "Eve")
    secret = member.session_state["room_member"]
    link = [c.value for c in member.code if "member=" in c.value][0]
    assert link.endswith(f"?room={code}&member={secret}")
    again = _session(room=code, member=secret)
    assert again.session_state["room_name"] == "Eve" and again.session_state["room_member"] == secret
    assert any("Welcome back, Eve" in s.body for s in again.success)
    impostor = _session(room=code)
    impostor.text_input(key="room_join_name").input("EVE")
    _button(impostor, "Join").click().run()
    assert any("is already in room" in e.body for e in impostor.error)
    assert "room_name" not in impostor.session_state


def test_the_facilitator_removes_a_member():
    facilitator, code, _ = _facilitator_with_room()
    _member(code, "Spammer")
    facilitator.run()
    _button(facilitator, "Remove").click().run()
    assert not facilitator.exception and not facilitator.error
    assert RoomStore().board(code).entries == ()


def _all(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _all(child)


def test_leaving_the_room_returns_to_the_lobby():
    _, code, _ = _facilitator_with_room()
    member = _member(code, "Cy")
    _button(member, "Leave the room").click().run()
    assert "room_code" not in member.session_state and "room" not in member.query_params
    assert {"Join", "Start a room for this run"} <= {b.label for b in member.button}


def test_an_unreachable_database_gives_a_clear_message(monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("LAUNCHROOM_DB_URL", f"postgresql+psycopg://u:pw@127.0.0.1:{port}/rooms")
    app = _session()
    _button(app, "Start a room for this run").click().run()
    assert not app.exception
    errors = [e.body for e in app.error]
    assert any("cannot be reached" in e for e in errors), errors
    assert not any("pw" in e.replace("\\", "") and "u:pw" in e.replace("\\", "") for e in errors)


def test_the_room_form_starts_from_the_decide_pages_decision():
    _, code, _ = _facilitator_with_room()
    member = _member(code, "Di")
    member.switch_page("app_pages/run.py").run()
    member.button[0].click().run()
    member.switch_page("app_pages/decide.py").run()
    member.radio[0].set_value("extend").run()
    [n for n in member.number_input if n.label.startswith("Expected")][0].set_value(1.5)
    member.text_area[0].input("Wait for more power.")
    [b for b in member.button if b.label == "Submit the decision"][0].click().run()
    assert not member.exception
    member.switch_page(PAGE).run()
    assert member.radio[0].value == "extend"
    assert [n for n in member.number_input if n.label.startswith("Expected")][0].value == 1.5
    assert member.text_area[0].value == "Wait for more power."
    _button(member, "Submit to the room").click().run()
    assert not member.error
    mine = RoomStore().submission(code, "Di", member.session_state["room_member"])
    assert (mine["call"], mine["expected_lift"], mine["memo"]) == ("extend", 0.015,
                                                                  "Wait for more power.")


def test_the_decide_page_keeps_the_truth_back_until_the_reveal():
    _, code, _ = _facilitator_with_room()
    member = _member(code, "Ada")
    member.switch_page("app_pages/run.py").run()
    _button(member, "Run the fleet").click().run()
    member.switch_page("app_pages/decide.py").run()
    member.radio[0].set_value("iterate").run()
    _button(member, "Submit the decision").click().run()
    assert not member.exception and not member.error
    assert member.session_state["decisions"][-1].decision.call == "iterate"
    assert any("appear when the facilitator reveals" in i.body for i in member.info)
    assert not any(s.value.startswith("Your score") for s in member.subheader)
