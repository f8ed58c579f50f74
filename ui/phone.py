"""The phone layout: on a narrow screen the sidebar closes after a tap in the navigation, and
wide Markdown tables scroll in place rather than widen the page.

Streamlit 1.67 closes the sidebar after a navigation tap only when the browser's user agent
says "mobile"; a narrow window on any other browser (a tablet in split view, a desktop
browser made narrow, a phone that asks for the desktop site) keeps the sidebar open over the
page. :func:`collapse_sidebar_on_narrow_screens` adds one listener to the page (installed
once per browser tab) that presses the sidebar's own collapse button after a tap on a page
link when the window is at most :data:`NARROW_PX` wide (Streamlit's own breakpoint for an
overlay sidebar).
"""

from __future__ import annotations

import streamlit as st

NARROW_PX = 768
"""At or below this width the sidebar covers the page (Streamlit's ``md`` breakpoint)."""

_SCRIPT = """
<script>
(() => {
  const root = window.parent && window.parent.document ? window.parent : window;
  if (root.__launchRoomSidebar) return;
  root.__launchRoomSidebar = true;
  const narrow = () => root.innerWidth <= NARROW_PX;
  const collapse = () => {
    const sidebar = root.document.querySelector('[data-testid="stSidebar"]');
    if (!sidebar || sidebar.getAttribute('data-collapsed') === 'true') return;
    const button = root.document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (button) button.click();
  };
  root.document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest(
      '[data-testid="stSidebarNav"] a, [data-testid="stSidebarNavLink"]');
    if (link && narrow()) root.setTimeout(collapse, 0);
  }, true);
})();
</script>
""".replace("NARROW_PX", str(NARROW_PX))


_STYLE = """
<style>
/* A wide Markdown table (the memo preview's key numbers) scrolls inside its own box instead of
   widening a phone's page. */
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
</style>
"""


def tables_scroll_on_narrow_screens() -> None:
    """Let wide Markdown tables scroll sideways in place (style only: takes no space)."""
    st.html(_STYLE)


def collapse_sidebar_on_narrow_screens() -> None:
    """Install the listener that closes the sidebar after a navigation tap on a narrow screen
    (drawn at the foot of the sidebar: the element itself shows nothing)."""
    st.sidebar.html(_SCRIPT, unsafe_allow_javascript=True)
