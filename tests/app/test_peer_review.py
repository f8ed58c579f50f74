"""Peer review on the Study group page in AppTest: after the reveal each member reviews the memos
they were given, reads the reviews of their own, and the facilitator sees every review and can
show names. The room is set up through the store (the page's own flow is in
test_study_group_page.py); each person opens the page through their own link."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim.decide.decision import Decision
from sim.rooms import RoomStore, Scores
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/study_group.py"


@pytest.fixture(autouse=True)
def _throwaway_database(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "rooms.db"))


def _stub(room, decisions):
    return Scores({"right_call": "iterate", "right_label": "iterate"},
                  [{"total": 60}] * len(decisions))


@pytest.fixture
def room():
    """A revealed room of three members who submitted and one who did not: its code, the
    facilitator token, each member's secret."""
    with RoomStore() as store:
        code, token = store.create_room("aa_test", seed=7, devices=10_000)
        secrets = {name: store.join(code, name).token for name in ("Ana", "Bo", "Cy")}
        for name, secret in secrets.items():
            store.submit(code, name, Decision(call="iterate", expected_lift=0.01, decision_day=20,
                                              memo=f"**{name}** says wait"),
                         member_token=secret)
        secrets["Di"] = store.join(code, "Di").token  # joined, never submitted
        store.reveal(code, token, score_fn=_stub)
    return code, token, secrets


def _open(**query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _button(app: AppTest, label: str, index: int = 0):
    matches = [b for b in app.button if b.label == label]
    assert len(matches) > index, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return matches[index]


def test_a_member_reviews_the_two_memos_given_and_the_author_reads_it(room):
    code, token, secrets = room
    ana = _open(room=code, member=secrets["Ana"])
    memos = [t.value for t in ana.text if t.value.startswith("Memo ")]
    assert memos == ["Memo A", "Memo B"]  # anonymous: no author's name
    assert "**Bo** says wait" in [t.value for t in ana.text]  # shown as typed, not as Markdown
    call = [r for r in ana.radio if r.key.endswith("::call")]
    assert len(call) == 2 and call[0].label.startswith("Is the call the one the data")
    call[0].set_value(2)
    [r for r in ana.radio if r.key.endswith("::speed")][0].set_value(0)
    [t for t in ana.text_area if t.key.endswith("::comment")][0].input("Clear, but <b>slow</b>.")
    _button(ana, "Send the review").click().run()
    assert not ana.exception and not ana.error
    assert any(s.body.startswith("Review sent.") for s in ana.success)

    bo = _open(room=code, member=secrets["Bo"])
    assert "From a classmate: call clearly, speed missing" in [t.value for t in bo.text]
    assert "Clear, but <b>slow</b>." in [t.value for t in bo.text]

    boss = _open(room=code, token=token)
    reviews = next(d.value for d in boss.dataframe if "memo by" in d.value.columns)
    assert reviews[["memo by", "reviewed by", "call", "speed", "points"]].values.tolist() == [
        ["Bo", "Ana", 2, 0, 2]]


def test_the_facilitator_shows_names_to_reviewers_and_authors(room):
    code, token, secrets = room
    boss = _open(room=code, token=token)
    names = boss.toggle(key=f"review_names::{code.replace('-', '')}")
    assert names.value is False
    names.set_value(True).run()
    assert not boss.exception and not boss.error
    assert RoomStore().room(code).reviews_named

    ana = _open(room=code, member=secrets["Ana"])
    assert [t.value for t in ana.text if t.value.startswith("Memo ")] == ["Memo A by Bo",
                                                                          "Memo B by Cy"]


def test_a_member_who_did_not_submit_is_told_why_there_is_nothing_to_review(room):
    code, _, secrets = room
    di = _open(room=code, member=secrets["Di"])
    assert not di.exception and not di.error
    assert any("only members who submitted a call review memos" in c.value for c in di.caption)
    assert not any(b.label == "Send the review" for b in di.button)
