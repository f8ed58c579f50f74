"""Browser tests: the real app served by ``streamlit run``, driven by Playwright in Chromium.

Fixtures
    ``app_server``  (session) the base URL of the app, served from the repository root on a free
                    loopback port; the server is stopped (its whole process group) at the end.
                    Its study-group store is a fresh SQLite file, test-artifacts/rooms-e2e.db
                    (rooms-e2e-gw0.db, ... under pytest-xdist: one server per worker).
    ``browser``     (session) headless Chromium: the system build at /usr/bin/chromium (or
                    ``$LAUNCHROOM_CHROMIUM``); Playwright never downloads a browser.
    ``new_context`` a factory of independent browser contexts (separate cookies, storage and
                    Streamlit sessions: a facilitator and a member), closed after the test.
    ``page``        a page in a fresh 1400x1000 context, one per test.

Helpers (import them: ``from tests.e2e.conftest import screenshot, wait_for_app``)
    ``wait_for_app(page)``        returns once Streamlit has connected and finished running the
                                  script, with no stale element left on the page.
    ``screenshot(page, name)``    a full-page PNG in ``test-artifacts/screenshots/``.

Without Chromium the tests skip with the reason; with ``LAUNCHROOM_REQUIRE_BROWSER=1`` (set by
``.ci/run``) they fail instead. A failing test leaves ``FAILED-<test>.png`` beside the
screenshots, and the server's output is in ``test-artifacts/streamlit-server.log`` (with the
xdist worker's name before ``.log`` when the suite runs on several workers).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    sync_playwright = None
    PlaywrightError = PlaywrightTimeout = Exception

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
# Each pytest-xdist worker starts its own server: its log and store carry the worker's name.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SUFFIX = f"-{_WORKER}" if _WORKER else ""
SERVER_LOG = ARTIFACTS / f"streamlit-server{_SUFFIX}.log"
ROOMS_DB = ARTIFACTS / f"rooms-e2e{_SUFFIX}.db"  # the server's study-group store, fresh each session

CHROMIUM = os.environ.get("LAUNCHROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Containers often have a small /dev/shm; Chromium then crashes on large pages.
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT_S = float(os.environ.get("LAUNCHROOM_SERVER_TIMEOUT", "60"))
APP_TIMEOUT_MS = 60_000  # one script run, including a cold first run of the simulator


def _browser_required() -> bool:
    return os.environ.get("LAUNCHROOM_REQUIRE_BROWSER", "") not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip (on a developer machine) or fail (in CI) because the browser cannot run."""
    if _browser_required():
        pytest.fail(f"{reason} (LAUNCHROOM_REQUIRE_BROWSER is set, so this fails instead of skipping)",
                    pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    # Every test under tests/e2e is a browser test: `-m "not e2e"` leaves them all out.
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test, so `page` can take a screenshot when a test fails.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


# ---------------------------------------------------------------------------- the app server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parent_death_signal() -> Callable[[], None] | None:
    """Linux: a pre-exec hook asking the kernel to stop the server if pytest itself dies."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up now, not in the forked child
    except (OSError, AttributeError):
        return None

    def hook() -> None:  # pragma: no cover - runs in the child between fork and exec
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return hook


def _log_tail(limit: int = 4000) -> str:
    try:
        text = SERVER_LOG.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server output)"
    return text[-limit:].strip() or "(no server output)"


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", errors="replace").strip()
    except (urllib.error.URLError, OSError):
        return None


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and anything it started: SIGTERM to the group, then SIGKILL."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # The leader may be gone while children linger in its group: sweep them as well.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _start_server() -> tuple[subprocess.Popen, str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LAUNCHROOM_DB": str(ROOMS_DB)}
    env.pop("LAUNCHROOM_DB_URL", None)
    for leftover in (ROOMS_DB, *ROOMS_DB.parent.glob(ROOMS_DB.name + "-*")):
        leftover.unlink(missing_ok=True)
    for attempt in range(3):  # another process may take the free port before Streamlit binds it
        port = _free_port()
        command = [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            # Tests never edit the app; no file watcher means no surprise reruns.
            "--server.fileWatcherType", "none",
        ]
        # Output goes to a file, never a pipe: a pipe nobody reads fills up and stalls the server.
        with SERVER_LOG.open("w", encoding="utf-8") as log:
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if _health(f"{base_url}/_stcore/health") == "ok":
                return process, base_url
            time.sleep(0.25)
        _stop(process)
        output = _log_tail()
        if process.returncode is not None and "already in use" in output and attempt < 2:
            continue
        what = (f"exited with code {process.returncode}" if process.returncode not in (None, -15)
                else f"did not answer {base_url}/_stcore/health within {SERVER_START_TIMEOUT_S:.0f} s")
        pytest.fail(f"the Streamlit server {what}; its output:\n{output}", pytrace=False)
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of the app, served from the repository root."""
    process, base_url = _start_server()
    try:
        yield base_url
    finally:
        _stop(process)


# ------------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    if sync_playwright is None:
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def browser(_playwright) -> Iterator[Browser]:
    """Headless system Chromium (Playwright gives every launch a fresh temporary profile)."""
    executable = shutil.which(CHROMIUM)
    if executable is None:
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium, "
                     "or set LAUNCHROOM_CHROMIUM to a Chromium binary)")
    try:
        chromium = _playwright.chromium.launch(executable_path=executable, headless=True,
                                               args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        _unavailable(f"Chromium at {executable} did not start: {str(error).strip()[:2000]}")
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., BrowserContext]]:
    """Factory: ``new_context(**options)`` opens an independent context (own cookies and
    Streamlit session), 1400x1000 unless ``viewport`` is given; all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        options.setdefault("viewport", dict(VIEWPORT))
        context = browser.new_context(**options)
        context.set_default_timeout(30_000)
        context.set_default_navigation_timeout(APP_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        with contextlib.suppress(PlaywrightError):
            context.close()


@pytest.fixture
def page(request, new_context) -> Iterator[Page]:
    """A page in a fresh 1400x1000 context; screenshots itself if the test fails."""
    browser_page = new_context().new_page()
    yield browser_page
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed and not browser_page.is_closed():
        with contextlib.suppress(PlaywrightError):
            screenshot(browser_page, f"FAILED-{request.node.name}")


# ----------------------------------------------------------------------------------- helpers

# True once the app is idle; the string "disconnected" if the server is gone for good.
_APP_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    const connection = app.getAttribute('data-test-connection-state');
    if (connection === 'DISCONNECTED_FOREVER') return 'disconnected';
    if (connection !== 'CONNECTED') return false;
    // 'initial' before the first run; 'running', 'rerunRequested', 'stopRequested' while busy.
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
    if (document.querySelector('[data-testid="stAppSkeleton"]')) return false;
    if (!document.querySelector('[data-testid="stMain"] [data-testid="stMainBlockContainer"]'))
        return false;
    // Elements from the previous run that the new run has not replaced yet.
    if (document.querySelector('[data-stale="true"]')) return false;
    return true;
}"""

_APP_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return {
        url: location.href,
        connection: app && app.getAttribute('data-test-connection-state'),
        script: app && app.getAttribute('data-test-script-state'),
        stale: document.querySelectorAll('[data-stale="true"]').length,
        main: !!document.querySelector('[data-testid="stMainBlockContainer"]'),
    };
}"""


def wait_for_app(page: Page, timeout: float = APP_TIMEOUT_MS, settle: float = 300) -> None:
    """Wait until Streamlit is connected and idle: the script has run to the end (not just
    "not started yet"), nothing is marked stale and the main block is on the page, and it stays
    so for ``settle`` ms (a script that calls ``st.rerun`` or ``st.switch_page`` goes idle for
    an instant before the next run). Call it after ``page.goto`` and after every interaction
    that reruns the script. Raises AssertionError with the app's state on timeout."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        remaining = (deadline - time.monotonic()) * 1000
        try:
            idle = page.wait_for_function(_APP_IDLE_JS, timeout=max(remaining, 1),
                                          polling="raf").json_value()
        except PlaywrightTimeout:
            raise AssertionError(f"the app did not finish running within {timeout / 1000:.0f} s; "
                                 f"state: {_app_state(page)}") from None
        if idle == "disconnected":
            raise AssertionError(f"the app lost its server connection; state: {_app_state(page)}")
        # Still idle after the settle time (polled, not slept through, so a rerun in between
        # is seen): done. Otherwise a new run started; wait for it too.
        settled_at = time.monotonic() + settle / 1000
        while time.monotonic() < settled_at and page.evaluate(_APP_IDLE_JS) is True:
            page.wait_for_timeout(50)
        if page.evaluate(_APP_IDLE_JS) is True:
            return


def _app_state(page: Page) -> dict | str:
    try:
        return page.evaluate(_APP_STATE_JS)
    except PlaywrightError as error:
        return f"unavailable ({error})"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as ``test-artifacts/screenshots/<name>.png``; return its path.

    Streamlit scrolls inside its main area rather than the document, so the viewport is
    stretched to the content's height for the shot, then restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-') or 'page'}.png"
    with contextlib.suppress(PlaywrightError):
        page.evaluate("document.fonts.ready.then(() => true)")
    viewport = page.viewport_size
    height = page.evaluate("""() => Math.max(
        document.documentElement.scrollHeight,
        ...Array.from(document.querySelectorAll(
            '[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]'
        ), el => el.scrollHeight))""")
    if viewport and height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": min(int(height), 16_000)})
        try:
            page.wait_for_timeout(200)  # let charts re-layout to the new size
            page.screenshot(path=str(path), full_page=True, animations="disabled")
        finally:
            page.set_viewport_size(viewport)
    else:
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def go_to(page: Page, title: str) -> None:
    """Navigate with the sidebar (a client-side switch that keeps the session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def no_exception(page: Page) -> None:
    """The page shows no Streamlit exception box."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
