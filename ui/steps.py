"""The guided path through a case: Brief -> Design -> Run -> Analyse -> Decide.

Every practice page starts with :func:`step_indicator` (where the person is, what is done and
what comes next) and ends with :func:`next_step` (a link to the next page).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui import texts


@dataclass(frozen=True)
class Step:
    """One step of the practice path: its name, its page, and the link that leads to it."""

    name: str
    page: str
    icon: str
    go: str


STEPS: tuple[Step, ...] = (
    Step("Brief", "app_pages/cases.py", "📚", texts.GO_BRIEF),
    Step("Design", "app_pages/design.py", "🛠️", texts.GO_DESIGN),
    Step("Run", "app_pages/run.py", "📡", texts.GO_RUN),
    Step("Analyse", "app_pages/analyse.py", "📊", texts.GO_ANALYSE),
    Step("Decide", "app_pages/decide.py", "✅", texts.GO_DECIDE),
)
"""The practice path in order."""
STEP_NAMES: tuple[str, ...] = tuple(step.name for step in STEPS)


def _index(current: str) -> int:
    if current not in STEP_NAMES:
        raise ValueError(f"no step {current!r}; steps: {', '.join(STEP_NAMES)}")
    return STEP_NAMES.index(current)


def indicator_markdown(current: str) -> str:
    """The step line as Markdown badges: done steps ticked, the current one highlighted.

    >>> indicator_markdown("Run").split(" → ")[1:3]
    [':green-badge[:material/check: 2. Design]', ':blue-badge[**3. Run · you are here**]']
    """
    at = _index(current)
    badges = []
    for number, step in enumerate(STEPS, start=1):
        if number - 1 < at:
            badges.append(f":green-badge[:material/check: {number}. {step.name}]")
        elif number - 1 == at:
            badges.append(f":blue-badge[**{number}. {step.name} · {texts.STEP_HERE}**]")
        else:
            badges.append(f":gray-badge[{number}. {step.name}]")
    return " → ".join(badges)


def step_indicator(current: str) -> None:
    """Draw the path with ``current`` marked and the next step named."""
    at = _index(current)
    st.markdown(indicator_markdown(current))
    if at + 1 < len(STEPS):
        st.caption(texts.STEP_NEXT.format(step=STEPS[at + 1].name))


def next_step(current: str) -> None:
    """End a page with a link to the step after ``current`` (after Decide: compare designs)."""
    at = _index(current)
    st.divider()
    if at + 1 < len(STEPS):
        step = STEPS[at + 1]
        st.page_link(step.page, label=step.go, icon=step.icon)
    else:
        st.page_link("app_pages/compare.py", label=texts.GO_COMPARE, icon="⚖️")
        st.page_link("app_pages/cases.py", label=texts.GO_ANOTHER_CASE, icon="📚")
