"""Hostile links in the real browser: notes show the link's text literally (no live link, no
image fetched), and no page shows an exception. The corpus is tests/app/test_hostile_links.py."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

from tests.app.test_hostile_links import BAD_TEXT, HOSTILE
from tests.e2e.conftest import no_exception, screenshot, wait_for_app

EVIL = "evil.example"


def test_hostile_links_render_literally_in_chromium(app_server, page):
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url)
            if (urlparse(request.url).hostname or "").endswith(EVIL) else None)
    for index, (query, fragment) in enumerate(HOSTILE[:30]):
        page.goto(f"{app_server}/?{urlencode(query)}")
        wait_for_app(page)
        no_exception(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert not any(bad in body for bad in BAD_TEXT), (index, query)
        # No element the link's text could have made live.
        assert page.locator(f"a[href*='{EVIL}']").count() == 0, query
        assert page.locator(f"img[src*='{EVIL}']").count() == 0, query
        if fragment is not None:
            alerts = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
            assert fragment in alerts, (query, alerts)
        if index == 12:
            screenshot(page, "hostile-link-session-expired")
    assert fetched == []  # the browser never asked the hostile host for anything
