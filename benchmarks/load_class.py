"""Load test: a class on one server - many people run the default case at once (issue #18).

Starts the app (``streamlit run``) on a free loopback port, then drives ``--sessions`` browser
sessions in headless Chromium (Playwright, one browser context each, so one Streamlit session
each), started ``--stagger`` seconds apart. Every session opens the Run page with a seed of its
own (``?seed=<k>``, 100,000 devices, the default case), presses "Run the fleet", waits for the
rollout, switches to Analyse and waits for the readout. Meanwhile the health endpoint
(``/_stcore/health``) is polled four times a second and the resident memory of the server and
every process it started (its worker pool) is sampled twice a second.

A session's *wait* is from pressing Run to the rollout drawn, plus from clicking Analyse to the
readout drawn. Its *server wait* is the server's part of it: from the browser sending each of
those two requests to the server's last script run for it finishing, both read on the
browser's network clock from the app's websocket frames (Chrome DevTools Protocol), so the
browser's own drawing is left out. The report gives both waits' median, p95 and maximum,
sessions with an error (an exception box, an error alert, or a timeout), the slowest health
answer, the peak memory and the CPU seconds used by the browsers, the server and its workers.
Everything stays on 127.0.0.1, the count is capped at 40 sessions and the whole test at
``--timeout`` seconds (default 600).

Thirty browsers on the server's own two cores are most of the work (each draws its pages: about
three CPU-seconds a session), where a class brings its own machines; the server wait says how
long the server itself kept each person waiting under that load.

    python benchmarks/load_class.py                          # 30 sessions, 1 s apart
    python benchmarks/load_class.py --sessions 30 --stagger 0 --json

Targets: p95 wait <= 10 s, no errors, health always answered within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LAUNCHROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run"]
MAX_SESSIONS = 40
SESSION_TIMEOUT_S = 240
TARGET_P95_S, TARGET_HEALTH_S = 10.0, 1.0
# True once the app is connected and idle (the same test as tests/e2e/conftest.py).
IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    return !!document.querySelector('[data-testid="stMainBlockContainer"]');
}"""


@dataclass
class Session:
    """What one browser session saw."""

    seed: int
    run_s: float = math.nan
    analyse_s: float = math.nan
    server_run_s: float = math.nan
    server_analyse_s: float = math.nan
    error: str = ""

    @property
    def wait_s(self) -> float:
        return self.run_s + self.analyse_s

    @property
    def server_wait_s(self) -> float:
        return self.server_run_s + self.server_analyse_s


@dataclass
class ServerClock:
    """When a page asked the server for a script run and when the server's runs finished, on
    the browser's network clock (seconds), read from the app's websocket frames."""

    requested: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)

    def attach(self, cdp) -> None:
        """Listen to a page's DevTools session (``Network.enable`` must be sent on it)."""
        cdp.on("Network.webSocketFrameSent", self._sent)
        cdp.on("Network.webSocketFrameReceived", self._received)

    # Script runs are requested and reported in small frames; the large ones are the page's
    # elements, left undecoded.
    def _sent(self, event: dict) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        payload = event["response"]["payloadData"]
        if len(payload) < 20_000 and BackMsg.FromString(
                base64.b64decode(payload)).WhichOneof("type") == "rerun_script":
            self.requested.append(event["timestamp"])

    def _received(self, event: dict) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        payload = event["response"]["payloadData"]
        if len(payload) < 2_000 and ForwardMsg.FromString(
                base64.b64decode(payload)).WhichOneof("type") == "script_finished":
            self.finished.append(event["timestamp"])

    def mark(self) -> int:
        """How many runs have been requested so far (call before the click to be timed)."""
        return len(self.requested)

    def wait_since(self, mark: int) -> float:
        """Seconds from the first run requested after ``mark`` to the last run finished."""
        if len(self.requested) <= mark or not self.finished:
            return math.nan
        return self.finished[-1] - self.requested[mark]


@dataclass
class Monitor:
    """Health answers and memory samples, taken in a thread while the sessions run."""

    server_pid: int
    health_url: str
    health_s: list[float] = field(default_factory=list)
    health_failures: int = 0
    memory_mb: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        import psutil

        server = psutil.Process(self.server_pid)
        next_memory = 0.0
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.health_url, timeout=5) as answer:
                    ok = answer.read().strip() == b"ok"
            except OSError:
                ok = False
            self.health_s.append(time.perf_counter() - started)
            self.health_failures += not ok
            if time.monotonic() >= next_memory:
                next_memory = time.monotonic() + 0.5
                total = 0
                for process in [server, *server.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        continue
                self.memory_mb.append(total / 2**20)
            self.stop.wait(0.25)


def cpu_seconds(root: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the process ``root`` and its descendants,
    split into the browser (Chromium and Playwright's driver), the app server's own process
    and the processes the server started (its workers)."""
    import psutil

    used = {"browser": 0.0, "server": 0.0, "server workers": 0.0}
    top = psutil.Process(root)
    for process in [top, *top.children(recursive=True)]:
        try:
            times = process.cpu_times()
            name = " ".join(process.cmdline()[:3])
        except psutil.Error:
            continue
        seconds = times.user + times.system
        if "chromium" in name or "playwright" in name or "node" in name:
            used["browser"] += seconds
        elif "streamlit" in name:
            used["server"] += seconds
        elif process.pid != root:
            used["server workers"] += seconds
    return used


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    """Serve the app from the repository on a free loopback port (log and store in
    ``folder``); return the process and its base URL once it answers its health check."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LAUNCHROOM_DB": str(folder / "rooms.db")}
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return process, base
        except OSError:
            time.sleep(0.25)
    stop_server(process)
    raise SystemExit(f"the server did not start; see {folder / 'server.log'}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server and every process it started (its session group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


async def idle(page, timeout_s: float) -> None:
    """Wait until the app is connected and idle, and stays so for 0.3 s."""
    await page.wait_for_function(IDLE_JS, timeout=timeout_s * 1000, polling=100)
    await page.wait_for_timeout(300)  # a rerun that starts right away is seen
    await page.wait_for_function(IDLE_JS, timeout=timeout_s * 1000, polling=100)


async def page_problem(page) -> str:
    """What is wrong on the page: an exception box or an error alert ("" when nothing)."""
    if await page.get_by_test_id("stException").count():
        return "exception"
    errors = page.get_by_test_id("stAlertContentError")
    if await errors.count():
        return "error: " + (await errors.first.inner_text())[:200]
    return ""


def server_cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by the server process and by every process it
    started (its workers)."""
    import psutil

    server = psutil.Process(server_pid)
    own, started = 0.0, 0.0
    for process in [server, *server.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        if process.pid == server_pid:
            own += times.user + times.system
        else:
            started += times.user + times.system
    return own, started


# One person's steps, as every session of the class takes them: each returns once the page
# is drawn and idle.
async def open_run(page, base: str, seed: int, timeout_s: float = SESSION_TIMEOUT_S) -> None:
    """Open the Run page on seed ``seed`` at 100,000 devices."""
    await page.goto(f"{base}/run?seed={seed}&devices=100000", timeout=60_000)
    await idle(page, timeout_s)


async def press_run(page, timeout_s: float = SESSION_TIMEOUT_S) -> None:
    """Press "Run the fleet" and wait for the rollout."""
    await page.get_by_role("button", name="Run the fleet").click()
    await page.get_by_text("Treatment installed").wait_for(timeout=timeout_s * 1000)
    await idle(page, timeout_s)


async def open_analyse(page, timeout_s: float = SESSION_TIMEOUT_S) -> None:
    """Open Analyse from the sidebar and wait for its quality checks."""
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Analyse").click()
    await page.get_by_text("Quality checks come before any lift").wait_for(
        timeout=timeout_s * 1000)
    await idle(page, timeout_s)


async def _session(browser, base: str, seed: int, start_after: float) -> Session:
    await asyncio.sleep(start_after)
    outcome = Session(seed)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    clock = ServerClock()
    devtools = await context.new_cdp_session(page)
    clock.attach(devtools)
    await devtools.send("Network.enable")
    try:
        await open_run(page, base, seed)
        started, mark = time.perf_counter(), clock.mark()
        await press_run(page)
        outcome.run_s = time.perf_counter() - started
        outcome.server_run_s = clock.wait_since(mark)
        outcome.error = await page_problem(page)
        started, mark = time.perf_counter(), clock.mark()
        await open_analyse(page)
        outcome.analyse_s = time.perf_counter() - started
        outcome.server_analyse_s = clock.wait_since(mark)
        outcome.error = outcome.error or await page_problem(page)
    except Exception as error:  # noqa: BLE001 - one session's failure is a result, not a crash
        outcome.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    finally:
        await context.close()
    return outcome


async def _drive(base: str, sessions: int, stagger: float, first_seed: int,
                 cpu: dict[str, float]) -> list[Session]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        before = cpu_seconds(os.getpid())
        try:
            return await asyncio.gather(*(
                _session(browser, base, first_seed + index, index * stagger)
                for index in range(sessions)))
        finally:
            # The server started before this process's children: its CPU is counted apart.
            after = cpu_seconds(os.getpid())
            cpu.update({name: round(after[name] - before[name], 1) for name in after})
            await browser.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--stagger", type=float, default=1.0,
                        help="seconds between two sessions' starts (0: all at once)")
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=600.0, help="whole test, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    with tempfile.TemporaryDirectory(prefix="launchroom-load-") as folder:
        process, base = start_server(Path(folder))
        cpu: dict[str, float] = {}
        monitor = Monitor(process.pid, f"{base}/_stcore/health")
        watcher = threading.Thread(target=monitor.run, daemon=True)
        watcher.start()
        started = time.perf_counter()
        try:
            results = asyncio.run(asyncio.wait_for(
                _drive(base, sessions, args.stagger, args.first_seed, cpu), args.timeout))
        finally:
            elapsed = time.perf_counter() - started
            monitor.stop.set()
            watcher.join(timeout=10)
            stop_server(process)
    waits = [r.wait_s for r in results if not r.error and math.isfinite(r.wait_s)]
    server_waits = [r.server_wait_s for r in results
                    if not r.error and math.isfinite(r.server_wait_s)]
    summary = {
        "sessions": sessions,
        "stagger_s": args.stagger,
        "elapsed_s": round(elapsed, 1),
        "errors": [asdict(r) for r in results if r.error],
        "wait_median_s": statistics.median(waits) if waits else math.nan,
        "wait_p95_s": _percentile(waits, 0.95),
        "wait_max_s": max(waits, default=math.nan),
        "run_median_s": statistics.median(r.run_s for r in results if not r.error) if waits
        else math.nan,
        "analyse_median_s": statistics.median(r.analyse_s for r in results if not r.error)
        if waits else math.nan,
        "server_wait_median_s": statistics.median(server_waits) if server_waits else math.nan,
        "server_wait_p95_s": _percentile(server_waits, 0.95),
        "server_wait_max_s": max(server_waits, default=math.nan),
        "health_checks": len(monitor.health_s),
        "health_max_s": max(monitor.health_s, default=math.nan),
        "health_p99_s": _percentile(monitor.health_s, 0.99),
        "health_failures": monitor.health_failures,
        "peak_memory_mb": round(max(monitor.memory_mb, default=math.nan)),
        "cpu_s": cpu,
        "load_average_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }
    met = (summary["wait_p95_s"] <= TARGET_P95_S and not summary["errors"]
           and summary["health_max_s"] <= TARGET_HEALTH_S and not summary["health_failures"])
    summary["targets_met"] = met
    if args.json:
        print(json.dumps({**summary, "waits_s": [round(r.wait_s, 2) for r in results],
                          "server_waits_s": [round(r.server_wait_s, 2) for r in results]}))
        return
    print(f"{sessions} sessions, {args.stagger:g} s apart, 100,000 devices each, "
          f"{elapsed:.0f} s in all: wait median "
          f"{summary['wait_median_s']:.2f} s, p95 {summary['wait_p95_s']:.2f} s, max "
          f"{summary['wait_max_s']:.2f} s (run {summary['run_median_s']:.2f} s + analyse "
          f"{summary['analyse_median_s']:.2f} s, medians); the server's part: median "
          f"{summary['server_wait_median_s']:.2f} s, p95 {summary['server_wait_p95_s']:.2f} s, "
          f"max {summary['server_wait_max_s']:.2f} s; "
          f"{len(summary['errors'])} errors; health: {summary['health_checks']} "
          f"checks, slowest {summary['health_max_s']:.3f} s, {summary['health_failures']} "
          f"failed; peak memory (server and its workers) {summary['peak_memory_mb']:,} MB; "
          f"CPU seconds used: {summary['cpu_s']}; "
          f"targets (p95 <= {TARGET_P95_S:g} s, no errors, health <= {TARGET_HEALTH_S:g} s): "
          f"{'met' if met else 'MISSED'}")
    for error in summary["errors"]:
        print(f"  seed {error['seed']}: {error['error']}")


if __name__ == "__main__":
    main()
