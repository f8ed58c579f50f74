"""Hostile links in the real browser: notes show the link's text literally (no live link, no
image fetched), and no page shows an exception. The corpus is tests/app/test_hostile_links.py
(every link there runs in AppTest); the browser gets the links whose text carries markup - a
link, an image, HTML, emphasis, an address - which is what only a browser can render live."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlparse

from tests.app.test_hostile_links import BAD_TEXT, HOSTILE
from tests.e2e.conftest import no_exception, screenshot, wait_for_app

EVIL = "evil.example"
MARKUP = re.compile(r"[\[\]<>!*_`]|https?:|www\.|@")
IN_BROWSER = [(query, fragment) for query, fragment in HOSTILE
              if any(MARKUP.search(f"{key}={value}") for key, value in query.items())]


def test_hostile_links_render_literally_in_chromium(app_server, page):
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url)
            if (urlparse(request.url).hostname or "").endswith(EVIL) else None)
    assert len(IN_BROWSER) >= 14
    for query, fragment in IN_BROWSER:
        page.goto(f"{app_server}/?{urlencode(query)}")
        wait_for_app(page)
        no_exception(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert not any(bad in body for bad in BAD_TEXT), query
        # No element the link's text could have made live.
        assert page.locator(f"a[href*='{EVIL}']").count() == 0, query
        assert page.locator(f"img[src*='{EVIL}']").count() == 0, query
        if fragment is not None:
            alerts = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
            assert fragment in alerts, (query, alerts)
        if query.get("case", "").startswith("[Session expired"):
            screenshot(page, "hostile-link-session-expired")
    assert fetched == []  # the browser never asked the hostile host for anything
