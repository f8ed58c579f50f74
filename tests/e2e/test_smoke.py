"""Smoke: the app opens in a real browser, shows its name and no exception."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def test_the_app_opens_with_its_title_and_no_exception(app_server, page):
    page.goto(app_server)
    wait_for_app(page)
    # Wherever the rewrite puts it (main area or sidebar), the name is on screen.
    expect(page.get_by_text("Launch Room", exact=True).filter(visible=True).first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert screenshot(page, "smoke-home").stat().st_size > 0
