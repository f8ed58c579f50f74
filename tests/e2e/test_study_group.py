"""A study group in two real browsers: the facilitator starts a room, a member joins from the
link, runs the room's fleet and submits; the facilitator reveals and both see the board."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import go_to, no_exception, screenshot, wait_for_app

BOARD_WAIT_MS = 20_000  # the board refreshes itself every 5 s




def test_facilitator_and_member_share_a_room(app_server, new_context):
    facilitator = new_context().new_page()
    member = new_context().new_page()

    # The facilitator opens the Study group page on a small aa_test fleet and starts a room.
    facilitator.goto(f"{app_server}/study_group?case=aa_test&seed=3&devices=10000")
    wait_for_app(facilitator)
    expect(facilitator.get_by_role("heading", name="Study group", exact=True)).to_be_visible()
    facilitator.get_by_role("button", name="Start a room for this run").click()
    wait_for_app(facilitator)
    expect(facilitator.get_by_text("You are the facilitator.")).to_be_visible()
    join_link = facilitator.get_by_test_id("stCode").first.inner_text().strip()
    match = re.search(r"\?room=([2-9A-Z]{4}-[2-9A-Z]{4})$", join_link)
    assert match and join_link.startswith(app_server), join_link
    code = match.group(1)
    expect(facilitator).to_have_url(re.compile(rf"room={code}"))
    assert "token=" not in facilitator.url
    expect(facilitator.get_by_text("Nobody has joined yet.")).to_be_visible()

    # The member opens the join link in their own browser and joins with a name.
    member.goto(join_link)
    wait_for_app(member)
    expect(member.get_by_label("Room code")).to_have_value(code)
    member.get_by_label("Your display name").fill("Ana <i>")
    member.get_by_role("button", name="Join", exact=True).click()
    wait_for_app(member)
    expect(member.get_by_text(f"You are in room {code}.")).to_be_visible()
    expect(member.get_by_text("You are in this room as Ana <i>")).to_be_visible()
    no_exception(member)

    # The room's run: the sidebar now holds aa_test, seed 3, 10,000 devices.
    go_to(member, "Run")
    expect(member.get_by_text("A/A test").first).to_be_visible()
    member.get_by_role("button", name="Run the fleet").click()
    wait_for_app(member)
    expect(member.get_by_text("Treatment installed")).to_be_visible()
    go_to(member, "Study group")
    member.get_by_text("Roll back", exact=True).click()
    member.get_by_role("textbox", name="Memo").fill("<b>Nothing moved</b>; roll it back.")
    member.get_by_role("button", name="Submit to the room").click()
    wait_for_app(member)
    expect(member.get_by_text("Submitted. You can change your call")).to_be_visible()
    no_exception(member)

    # The facilitator's board refreshes on its own and shows who has submitted.
    expect(facilitator.get_by_text("1 of 1 members have submitted.")).to_be_visible(
        timeout=BOARD_WAIT_MS)
    screenshot(facilitator, "6-room-waiting")

    # The reveal: the facilitator sees the truth and the scorecards at once ...
    facilitator.get_by_role("button", name="Reveal the truth and the board").click()
    wait_for_app(facilitator)
    expect(facilitator.get_by_text("Revealed: the truth and everyone's scorecards")).to_be_visible()
    expect(facilitator.get_by_test_id("stMetric").filter(has_text="The right call")).to_contain_text(
        "iterate")
    expect(facilitator.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    expect(facilitator.get_by_text(re.compile(r"Ana <i>: \d+/100"))).to_be_visible()
    no_exception(facilitator)
    screenshot(facilitator, "6-room-facilitator")

    # ... and the member's page updates by itself, with no click.
    expect(member.get_by_text("Revealed: the truth and everyone's scorecards")).to_be_visible(
        timeout=BOARD_WAIT_MS)
    wait_for_app(member)
    expect(member.get_by_test_id("stMetric").filter(has_text="The right call")).to_contain_text(
        "iterate")
    expect(member.get_by_role("button", name="Submit to the room")).to_have_count(0)
    member.get_by_text(re.compile(r"Ana <i>: \d+/100")).click()
    expect(member.get_by_text("<b>Nothing moved</b>; roll it back.").last).to_be_visible()
    no_exception(member)
    screenshot(member, "7-room-member")


def test_secrets_leave_the_address_bar_and_the_history_on_any_page(app_server, new_context):
    facilitator = new_context().new_page()
    facilitator.goto(f"{app_server}/study_group?case=aa_test&seed=3&devices=10000")
    wait_for_app(facilitator)
    facilitator.get_by_role("button", name="Start a room for this run").click()
    wait_for_app(facilitator)
    facilitator.get_by_text("Facilitator link (keep it to yourself").click()
    boss_link = facilitator.get_by_test_id("stCode").nth(1).inner_text().strip()
    token = re.search(r"token=([^&]+)", boss_link).group(1)
    code = re.search(r"room=([^&]+)", boss_link).group(1)

    # The facilitator link opened on the Cases page (not Study group), in a fresh browser.
    later = new_context().new_page()
    later.goto(f"{app_server}/?room={code}&token={token}")
    entries = later.evaluate("window.history.length")
    wait_for_app(later)
    later.wait_for_function("!window.location.search.includes('token=')", timeout=10_000)
    assert token not in later.url and f"room={code}" in later.url
    # The entry was replaced, not pushed: the back button leads to where the tab was before.
    assert later.evaluate("window.history.length") == entries
    no_exception(later)
    # This session is still the facilitator.
    go_to(later, "Study group")
    expect(later.get_by_text("You are the facilitator.")).to_be_visible()
    later.go_back()
    assert token not in later.url
