"""The practice flow in Chromium at a desktop width (1,400 px) and a phone width (390 px):
Cases -> Design -> Run -> Analyse (every tab) -> Decide, a screenshot of every page, and of
every chart of the first case (``test-artifacts/screenshots/walk-*``). The desktop walks three cases (each with
its own panels); on the desktop the feasibility table fits, and once the system's dark setting
turns the app dark. The phone walks the household case: the sidebar closes after each
navigation tap and no page is wider than the screen (Compare designs, the SQL workbench and
the glossary too).

One test and one browser context per width and case (a fresh session, started from the
case's shared link), so the test runners can share the walks out; fleets are small (10,000
devices) so each walk stays quick.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, no_exception, screenshot, wait_for_app

PHONE, DESKTOP = 390, 1400


@dataclass(frozen=True)
class Walk:
    case: str
    title: str
    tabs: tuple[str, ...]
    call: str


WALKS = (
    Walk("camera_night_mode", "Night mode on every phone?",
         ("Data quality", "Lift", "Segments", "Retention", "Over time", "Your own data"),
         "Ship to segments"),
    Walk("firmware_drift", "AI workout detection",
         ("Data quality", "Lift", "Segments", "Retention", "Over time", "Drift", "Your own data"),
         "Iterate"),
    Walk("household_interference", "Handoff across the home",
         ("Data quality", "Lift", "Segments", "Retention", "Over time", "Households",
          "Your own data"),
         "Extend"),
)

_OVERFLOW_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return {main: main.scrollWidth - main.clientWidth,
            page: document.documentElement.scrollWidth - window.innerWidth};
}"""
_TABLE_OVERFLOW_JS = """(index) => {
    const tables = document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller');
    const table = tables[index];
    return table ? table.scrollWidth - table.clientWidth : null;
}"""
_BACKGROUND_JS = """() => getComputedStyle(document.querySelector('[data-testid="stApp"]'))
    .backgroundColor"""


def _sidebar_collapsed(page: Page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"


def _navigate(page: Page, title: str, width: int) -> None:
    """A tap in the sidebar's navigation; on the phone the sidebar opens first and must be
    closed again after the tap, leaving the page uncovered."""
    if width == PHONE:
        assert _sidebar_collapsed(page), "the sidebar covers the phone's page"
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    if width == PHONE:
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


def _fits(page: Page, width: int) -> None:
    """No horizontal overflow of the page or of its main area."""
    overflow = page.evaluate(_OVERFLOW_JS)
    assert overflow["main"] <= 1 and overflow["page"] <= 1, f"wider than {width} px: {overflow}"


def _shoot(page: Page, name: str, width: int, charts: bool) -> None:
    """The page, and (on the desktop) each chart on it, as screenshots."""
    no_exception(page)
    if width == PHONE:
        _fits(page, width)
    screenshot(page, name)
    if not charts:
        return
    for index, chart in enumerate(page.get_by_test_id("stVegaLiteChart").all()):
        if chart.is_visible():
            chart.scroll_into_view_if_needed()
            chart.screenshot(path=str(SCREENSHOTS / f"{name}-chart{index + 1}.png"),
                             animations="disabled")


def _walk(page: Page, base: str, walk: Walk, width: int) -> None:
    tag = f"walk-{width}-{walk.case}"
    # Every chart on its own, once: on the desktop, for the first case (the others' pages are
    # screenshotted whole).
    charts = width == DESKTOP and walk is WALKS[0]
    page.goto(f"{base}/?case={walk.case}&seed=3&devices=10000")
    wait_for_app(page)
    # Cases: the brief first, the library after it.
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    brief = page.get_by_text("The interviewer asks:").first
    library = page.get_by_role("heading", name="All cases")
    expect(brief).to_be_visible()
    assert brief.bounding_box()["y"] < library.bounding_box()["y"]
    expect(page.get_by_text("1. Brief · you are here")).to_be_visible()
    _shoot(page, f"{tag}-1-cases", width, charts)

    _navigate(page, "Design", width)
    expect(page.get_by_text("2. Design · you are here")).to_be_visible()
    if walk.case == "camera_night_mode":
        page.get_by_test_id("stSelectbox").filter(has_text="Quantization").click()
        page.get_by_role("option", name="int4", exact=True).click()
        wait_for_app(page)
        expect(page.get_by_text(re.compile(r"12M parameters at int4"))).to_be_visible()
        expect(page).to_have_url(re.compile(r"feature\.quantization=int4"))
        if width == DESKTOP:  # the feasibility table fits the desktop page
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stDataFrame\"] .dvn-scroller')")
            assert page.evaluate(_TABLE_OVERFLOW_JS, 0) <= 1
        expect(page.get_by_text("Smallest detectable change")).to_be_visible()
    _shoot(page, f"{tag}-2-design", width, charts)

    _navigate(page, "Run", width)
    page.get_by_role("button", name="Run the fleet").click()
    wait_for_app(page)
    expect(page.get_by_text("Treatment installed")).to_be_visible()
    _shoot(page, f"{tag}-3-run", width, charts)

    _navigate(page, "Analyse", width)
    expect(page.get_by_text("What to check first: can the data be trusted?")).to_be_visible()
    tabs = page.get_by_role("tab")
    assert tuple(t.inner_text().strip() for t in tabs.all()) == walk.tabs
    # "Your own data" is an uploader until a file comes.
    for tab in walk.tabs[:-1]:
        page.get_by_role("tab", name=tab, exact=True).click()
        wait_for_app(page, settle=100)  # a tab is drawn in the browser: no script run
        _shoot(page, f"{tag}-4-analyse-{tab.lower().replace(' ', '-')}", width, charts)

    _navigate(page, "Decide", width)
    page.get_by_text(walk.call, exact=True).click()
    wait_for_app(page)
    if walk.call == "Ship to segments":
        segments = page.get_by_test_id("stMultiSelect").filter(has_text="Segments to ship to")
        segments.locator("input").click()
        for tier in ("flagship", "upper_mid", "mid"):  # typed: a phone shows no list untyped
            page.keyboard.type(tier)
            page.get_by_role("option", name=tier, exact=True).click()
        page.keyboard.press("Escape")
        wait_for_app(page)
    page.get_by_role("textbox", name="Memo").fill(f"{walk.call}: my call on {walk.case}.")
    page.get_by_role("button", name="Submit the decision").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Your score: \d+ / 100"))).to_be_visible()
    expect(page.get_by_text("Compare this run with another design")).to_be_visible()
    _shoot(page, f"{tag}-5-decide", width, charts)


def _phone_extras(page: Page, width: int) -> None:
    """The other pages fit the phone too: compare two designs of the last case (pinned on
    Analyse, the unit switched to households on Design), the SQL workbench and the glossary."""
    _navigate(page, "Analyse", width)
    page.get_by_role("button", name="Pin this run").click()
    wait_for_app(page)
    _navigate(page, "Design", width)
    page.get_by_test_id("stSelectbox").filter(has_text="Randomisation unit").click()
    page.get_by_role("option", name="household", exact=True).click()
    wait_for_app(page)
    _navigate(page, "Compare designs", width)
    expect(page.get_by_role("heading", name="Lift per segment: by chip tier")).to_be_visible()
    _shoot(page, "walk-390-compare", width, charts=False)
    for title in ("SQL workbench", "Glossary"):
        _navigate(page, title, width)
        _shoot(page, f"walk-390-{title.lower().replace(' ', '-')}", width, charts=False)


# One test a (width, case), so the test runners share the walks out between them.
WALKED = [(DESKTOP, walk) for walk in WALKS] + [(PHONE, WALKS[-1])]


@pytest.mark.parametrize(("width", "walk"), WALKED,
                         ids=[f"{'desktop-1400' if width == DESKTOP else 'phone-390'}-{walk.case}"
                              for width, walk in WALKED])
def test_walk_the_practice_flow(new_context, app_server, width, walk):
    context = new_context(viewport={"width": width, "height": 900 if width == DESKTOP else 844})
    page = context.new_page()
    _walk(page, app_server, walk, width)
    # The phone walks one case (the page layouts are what it checks; the desktop walks the
    # three cases' own panels): the household case, whose pinned run the extras compare.
    if width == PHONE:
        _phone_extras(page, width)
    elif walk is WALKS[-1]:
        _memo_and_dark(page, width)


def _memo_and_dark(page: Page, width: int) -> None:
    """The memo downloads (the household case's call), then the system's dark setting turns
    the app dark, charts and all, with no reload."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Memo (Markdown)").click()
    assert "Extend: my call on household_interference." in download.value.path().read_text(
        encoding="utf-8")
    light = page.evaluate(_BACKGROUND_JS)
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(f"() => ({_BACKGROUND_JS})() !== {light!r}")
    red, green, blue = (int(v) for v in re.findall(r"\d+", page.evaluate(_BACKGROUND_JS))[:3])
    assert red + green + blue < 3 * 80, "the dark setting should give a dark background"
    _navigate(page, "Analyse", width)
    for tab in ("Lift", "Households"):
        page.get_by_role("tab", name=tab, exact=True).click()
        wait_for_app(page)
        _shoot(page, f"walk-dark-{tab.lower()}", width, charts=tab == "Lift")
