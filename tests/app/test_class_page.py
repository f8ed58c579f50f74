"""The Class page in Streamlit's AppTest: a teacher creates a class, starts a room from it, a
member submits in their own session, the teacher reveals and sees the dashboard.

Every test gets its own SQLite file (LAUNCHROOM_DB in the test's folder).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from sim.rooms import RoomStore
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/class_page.py"
ROOM_PAGE = "app_pages/study_group.py"


@pytest.fixture(autouse=True)
def _throwaway_database(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "rooms.db"))


def _session(page: str = PAGE, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return matches[0]


def _teacher(name: str = "Stats 101") -> AppTest:
    app = _session(case="aa_test", seed="7", devices="10000")
    app.text_input(key="class_new_name").input(name)
    _button(app, "Create the class").click().run()
    assert not app.exception and not app.error, [e.body for e in app.error]
    return app


def test_the_page_sits_in_the_together_section_with_open_and_create():
    app = _session()
    assert app.header[0].value == "Class"
    assert [t.label for t in app.text_input] == ["Class name", "Teacher secret", "Class name"]
    assert app.text_input(key="class_open_secret").proto.type == 1  # a password field
    assert {"Open the class", "Create the class"} <= {b.label for b in app.button}
    assert not app.error


def test_a_new_class_shows_its_secret_until_kept_and_reopens_only_with_it():
    teacher = _teacher("**Stats** <b>")
    secret = teacher.session_state["class_token"]
    assert [c.value for c in teacher.code] == [secret]
    assert teacher.subheader[0].value == r"Class \*\*Stats\*\* \<b\>"  # shown as typed
    assert any("No rooms yet" in i.body for i in teacher.info)
    teacher.run()  # still there until the teacher says it is kept
    assert [c.value for c in teacher.code] == [secret]
    _button(teacher, "I have kept the secret").click().run()
    assert secret not in [c.value for c in teacher.code]

    stranger = _session()
    stranger.text_input(key="class_open_name").input("**stats** <B>")
    stranger.text_input(key="class_open_secret").input("guessed")
    _button(stranger, "Open the class").click().run()
    assert not stranger.exception
    assert [e.body for e in stranger.error] == [
        r"Class\: no class '\*\*stats\*\* \<B\>' opens with that teacher secret; check the name "
        r"and the secret you were given when the class was created\."]
    assert "class_token" not in stranger.session_state

    stranger.text_input(key="class_open_secret").input(secret)
    _button(stranger, "Open the class").click().run()
    assert not stranger.error and stranger.session_state["class_name"] == "**Stats** <b>"


@pytest.mark.parametrize("bad", ["   ", "bell\x07", "zero\u200bwidth"])
def test_a_bad_class_name_gets_one_clear_message(bad):
    app = _session()
    app.text_input(key="class_new_name").input(bad)
    _button(app, "Create the class").click().run()
    assert not app.exception
    assert len(app.error) == 1 and "a class name is 1 to 40 printable characters" in \
        app.error[0].body


def test_attaching_a_room_needs_its_facilitator_link():
    teacher = _teacher()
    store = RoomStore()
    code, token = store.create_room("aa_test", seed=1, devices=10_000)
    teacher.text_input(key="class_attach_code").input(code)
    teacher.text_input(key="class_attach_token").input("guessed")
    _button(teacher, "Attach a room").click().run()
    assert any("only the room's facilitator can attach it" in e.body for e in teacher.error)
    teacher.text_input(key="class_attach_token").input(
        f"http://localhost:8501/study_group?room={code}&token={token}")
    _button(teacher, "Attach a room").click().run()
    assert not teacher.error
    assert teacher.dataframe[0].value["room"].tolist() == [code]


def test_the_teacher_starts_a_room_reveals_it_and_sees_the_dashboard():
    teacher = _teacher()
    _button(teacher, "Start a room for this run").click().run()
    assert not teacher.error
    code = next(iter(teacher.session_state["class_room_tokens"]))
    assert teacher.dataframe[0].value["room"].tolist() == [code]
    _button(teacher, "Start a room for this run").click().run()
    later = list(teacher.session_state["class_room_tokens"])[1]

    member = _session(ROOM_PAGE, room=code)
    member.text_input(key="room_join_name").input("Ana")
    _button(member, "Join").click().run()
    member.switch_page("app_pages/run.py").run()
    member.button[0].click().run()
    member.switch_page(ROOM_PAGE).run()
    member.radio[0].set_value("iterate")
    member.text_area[0].input("=HYPERLINK(\"https://evil.example\") iterate")
    _button(member, "Submit to the room").click().run()
    assert not member.error

    _button(teacher.run(), f"Reveal {code}").click().run()
    assert not teacher.exception and not teacher.error, [e.body for e in teacher.error]
    assert [m.value for m in teacher.metric] == ["2", "1", "1", "1"]
    # The other room can still be revealed from here once the dashboard has calls: its button
    # is on the page, not in the (by now collapsed) expander of the forms that add rooms.
    assert any(b.label == f"Reveal {later}" for b in teacher.button)
    assert not any(b.label.startswith(("Reveal", "Open")) for e in teacher.expander
                   for b in e.button)
    charts = teacher.get("vega_lite_chart")
    assert len(charts) == 4  # lifts, questions missed, scores, time used: before the table
    titles = [" ".join(json.loads(chart.proto.spec)["title"]["text"]) for chart in charts]
    assert titles == ["Expected lifts against the truth, room by room",
                      "The interview questions the class missed most",
                      "Scores, room by room", "Days of data used before deciding"]
    members = next(d.value for d in teacher.dataframe if "member" in d.value.columns)
    assert members["member"].tolist() == ["Ana"] and members["call"].tolist() == ["iterate"]
    assert members["memo"].tolist() == ["=HYPERLINK(\"https://evil.example\") iterate"]
    assert {"call_points", "speed_points", "question_split"} <= set(members.columns)
    downloads = teacher.get("download_button")
    assert [d.label for d in downloads] == ["Class (CSV)", "Class (JSON)"]
    assert not any(b.label == f"Reveal {code}" for b in teacher.button)

    _button(teacher, f"Open {code} as facilitator").click().run()
    assert not teacher.exception
    assert teacher.session_state["room_code"] == code
    assert teacher.session_state["room_token"] == teacher.session_state["class_room_tokens"][code]
