"""The run leaves the app: the SQL workbench answers and refuses in a real browser, and the
Analyse page's "Download this run" gives the export as a zip."""

from __future__ import annotations

import io
import re
import zipfile

from playwright.sync_api import expect

from tests.e2e.conftest import go_to, no_exception, screenshot, wait_for_app


def test_query_the_run_in_sql_and_download_it(page, app_server):
    page.goto(f"{app_server}/run?case=camera_night_mode&seed=3&devices=10000")
    wait_for_app(page)
    page.get_by_role("button", name="Run the fleet").click()
    wait_for_app(page)

    go_to(page, "SQL workbench")
    page.get_by_test_id("stSelectbox").filter(has_text="Start from an example").click()
    page.get_by_role("option", name="Sessions per arm after removing duplicates").click()
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Query")).to_have_value(
        re.compile(r"SELECT DISTINCT \* FROM daily"))
    page.get_by_role("button", name="Run the query").click()
    wait_for_app(page)
    expect(page.get_by_text("2 row(s) in")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    no_exception(page)
    screenshot(page, "sql-workbench")

    query = page.get_by_role("textbox", name="Query")
    query.fill("SELECT * FROM read_csv('/etc/passwd') -- <b>**bold**</b>")
    page.keyboard.press("Control+Enter")  # commit the text area before pressing the button
    wait_for_app(page)
    page.get_by_role("button", name="Run the query").click()
    wait_for_app(page)
    expect(page.get_by_text("The workbench did not run that query:")).to_be_visible()
    expect(page.get_by_test_id("stCode").filter(has_text="read_csv() is not available here")
           ).to_be_visible()
    no_exception(page)

    go_to(page, "Analyse")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this run").click()
    assert download.value.suggested_filename == "camera_night_mode-seed3.zip"
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = archive.namelist()
    assert "camera_night_mode-seed3/README.md" in names
    assert "camera_night_mode-seed3/daily.parquet" in names
    assert "camera_night_mode-seed3/analysis.ipynb" in names
    assert not any("truth" in name for name in names)
    wait_for_app(page)
    no_exception(page)
