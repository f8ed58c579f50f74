"""A clock that counts down in the browser: the interview's "Time left".

The seconds tick in the page's own script, not in a fragment that reruns on the server every
second: a ticking fragment's runs interleaved with the page's full runs, and Chromium then
lost elements the full run had drawn (the step's caption once in 12 runs, the readout's "Make
the call" button in CI), until the next full run. The server draws the time left as of each
run, so the clock is right on every page even where scripts do not run, and the page holds one
one-shot timer that reruns it when the time is up.
"""

from __future__ import annotations

import html
import time

import streamlit as st

from sim.decide.interview import Clock

_SCRIPT = """
<script>
(() => {
  const clock = document.getElementById("CLOCK_ID");
  if (!clock) return;
  const value = clock.querySelector("[data-countdown-value]");
  const deadline = Date.now() + 1000 * Number(clock.dataset.secondsLeft);
  const show = () => {
    if (!clock.isConnected) { window.clearInterval(timer); return; }
    const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    const text = String(Math.floor(left / 60)).padStart(2, "0") + ":"
      + String(left % 60).padStart(2, "0");
    if (value.textContent !== text) value.textContent = text;
    if (left === 0) window.clearInterval(timer);
  };
  const timer = window.setInterval(show, 250);
})();
</script>
"""


def mm_ss(seconds: float) -> str:
    """Whole seconds as minutes and seconds, the way the clock shows them.

    >>> mm_ss(1199.7), mm_ss(0), mm_ss(3600)
    ('19:59', '00:00', '60:00')
    """
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def clock_html(label: str, seconds_left: float, help_text: str, clock_id: str) -> str:
    """The clock's markup: a label and the time left, which its script counts down.

    >>> print(clock_html("Time left", 75.2, "A 20-minute interview.", "c1").split("<script>")[0].strip())
    <div id="c1" role="timer" data-seconds-left="75.2" title="A 20-minute interview.">
      <div style="font-size: 0.875rem; opacity: 0.75">Time left</div>
      <div data-countdown-value style="font-size: 2.25rem; line-height: 1.2">01:15</div>
    </div>
    """
    return (f'<div id="{clock_id}" role="timer" data-seconds-left="{seconds_left:.1f}" '
            f'title="{html.escape(help_text)}">\n'
            f'  <div style="font-size: 0.875rem; opacity: 0.75">{html.escape(label)}</div>\n'
            f'  <div data-countdown-value style="font-size: 2.25rem; line-height: 1.2">'
            f'{mm_ss(seconds_left)}</div>\n</div>\n'
            + _SCRIPT.replace("CLOCK_ID", clock_id))


def countdown(label: str, seconds_left: float, help_text: str, key: str) -> None:
    """Draw a clock counting down from ``seconds_left``; ``help_text`` is its tooltip."""
    st.html(clock_html(label, seconds_left, help_text, f"countdown-{key}"),
            unsafe_allow_javascript=True)


def rerun_when_time_is_up(clock: Clock) -> None:
    """Rerun the whole page once ``clock`` runs out: a timer set afresh by every full run for
    the time left, so it fires once, not every second."""

    @st.fragment(run_every=clock.remaining(time.time()) + 0.5)
    def time_is_up() -> None:
        if clock.out_of_time(time.time()):
            st.rerun()

    time_is_up()
