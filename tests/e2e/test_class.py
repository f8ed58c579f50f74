"""A class in a real browser: the teacher creates a class, starts two rooms from it, members
submit (through the server's store), the teacher reveals both rooms from the Class page, sees
the dashboard and downloads the class as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect

from sim.decide.decision import Decision
from sim.rooms import RoomStore
from tests.e2e.conftest import ROOMS_DB, no_exception, screenshot, wait_for_app

REVEAL_TIMEOUT_MS = 120_000  # scoring a room simulates its fleet and every design


def test_a_teacher_reveals_two_rooms_and_downloads_the_class(app_server, new_context):
    teacher = new_context(accept_downloads=True).new_page()
    teacher.goto(f"{app_server}/class?case=aa_test&seed=3&devices=10000")
    wait_for_app(teacher)
    expect(teacher.get_by_role("heading", name="Class", exact=True)).to_be_visible()
    teacher.get_by_placeholder("Stats 101, week 3").fill("Browser class")
    teacher.get_by_role("button", name="Create the class").click()
    wait_for_app(teacher)
    expect(teacher.get_by_text("Class Browser class is ready.")).to_be_visible()
    secret = teacher.get_by_test_id("stCode").first.inner_text().strip()
    teacher.get_by_role("button", name="I have kept the secret").click()
    wait_for_app(teacher)
    expect(teacher.get_by_test_id("stCode")).to_have_count(0)

    codes = []
    for _ in range(2):
        teacher.get_by_role("button", name="Start a room for this run").click()
        wait_for_app(teacher)
        alert = teacher.get_by_text("is open for the class").inner_text()
        codes.append(alert.split("Room ", 1)[1].split(" ", 1)[0])
    no_exception(teacher)

    # Members submit in their rooms (the same store the server uses).
    with RoomStore(ROOMS_DB) as store:
        for code, members in zip(codes, (("Ana", "Bo"), ("Cy",)), strict=True):
            for index, name in enumerate(members):
                secret_of = store.join(code, name).token
                store.submit(code, name, Decision(
                    call="iterate" if index == 0 else "ship_all", expected_lift=0.01 * index,
                    decision_day=21 + index, memo=f"=SUM(A1) from {name}"),
                    member_token=secret_of)

    for code in codes:
        teacher.get_by_role("button", name=f"Reveal {code}").click()
        wait_for_app(teacher, timeout=REVEAL_TIMEOUT_MS)
        expect(teacher.get_by_text(f"Room {code} is revealed")).to_be_visible()
    no_exception(teacher)
    expect(teacher.get_by_test_id("stMetric").filter(has_text="Calls scored")).to_contain_text("3")
    expect(teacher.get_by_test_id("stVegaLiteChart")).to_have_count(4)
    screenshot(teacher, "8-class-dashboard")

    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Class (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["room"], row["member"]) for row in rows] == [
        (codes[0], "Ana"), (codes[0], "Bo"), (codes[1], "Cy")]
    assert {row["class"] for row in rows} == {"Browser class"}
    assert [row["memo"] for row in rows] == ["'=SUM(A1) from Ana", "'=SUM(A1) from Bo",
                                             "'=SUM(A1) from Cy"]
    assert all(row["score"] and row["call_points"] for row in rows)

    # The class opens again in another browser with its name and secret.
    again = new_context().new_page()
    again.goto(f"{app_server}/class")
    wait_for_app(again)
    # Two forms ask for a class name: fill the one that opens a class (once, in CI, ``.first``
    # was the other form's box).
    opening = again.get_by_test_id("stForm").filter(has_text="Open the class")
    opening.get_by_label("Class name").fill("browser CLASS")
    opening.get_by_label("Teacher secret").fill(secret)
    opening.get_by_role("button", name="Open the class").click()
    wait_for_app(again, timeout=REVEAL_TIMEOUT_MS)  # the dashboard scores every call again
    expect(again.get_by_test_id("stMetric").filter(has_text="Calls scored")).to_contain_text(
        "3", timeout=REVEAL_TIMEOUT_MS)
    no_exception(again)
