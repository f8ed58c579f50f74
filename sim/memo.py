"""The decision memo (Markdown and a standalone HTML page with charts) and the impact ledger.

* :func:`memo_markdown` / :func:`memo_html` - the call, its segments, the expected lift, the
  evidence relied on (each check's reading from the report), the key numbers, what the
  decision rule says the data supports, the person's own memo and, after the reveal, the
  scorecard. The HTML page embeds the lift forest plot and the daily lift as Altair charts
  (Altair's own HTML export; the Vega libraries load from a CDN). Text a person typed is always
  escaped, never rendered as HTML.
* :func:`ledger_row`, :func:`ledger_frame`, :func:`ledger_csv` - the impact ledger: one row per
  decided case (feature, KPI, change in %, days to ship, data owned), as a table or CSV text.

>>> from sim import load_scenario, simulate, analyse
>>> from sim.decision import Decision
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=5_000)
>>> report = analyse(result)
>>> decision = Decision(call="ship_all", expected_lift=0.02, decision_day=28, checks=["srm"],
...                     memo="<b>ship it</b>")
>>> page = memo_html(decision, report, result.scenario)
>>> "&lt;b&gt;ship it&lt;/b&gt;" in page and "<b>ship it</b>" not in page
True
>>> ledger_csv([ledger_row(decision, report, result)]).splitlines()[0]
'feature,kpi,change_pct,change_low_pct,change_high_pct,days_to_ship,data_owned,case,call,shipped_to,reach_pct'
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from sim import messages
from sim.analysis.frame import format_p
from sim.decision import (
    SHIP_CALLS,
    Decision,
    assess,
    combine_segment_lifts,
    join_names,
    pct,
)
from sim.errors import DecisionError
from sim.scorecard import Scorecard, days_to_ship

if TYPE_CHECKING:
    from sim.analysis.report import Report
    from sim.result import SimResult
    from sim.scenario import Scenario

DEFAULT_DATA_OWNED = "device telemetry pipeline"
DATA_OWNED_MAX_CHARS = 200
LEDGER_COLUMNS = (
    "feature",
    "kpi",
    "change_pct",
    "change_low_pct",
    "change_high_pct",
    "days_to_ship",
    "data_owned",
    "case",
    "call",
    "shipped_to",
    "reach_pct",
)
CHECK_TITLES = {
    "srm": "Sample ratio (SRM)",
    "completeness": "Telemetry completeness",
    "guardrails": "Guardrails",
    "segments": "Segments",
    "interaction": "Interaction test",
    "drift": "Sensor drift",
    "novelty": "Novelty",
    "cuped": "CUPED",
    "retention": "Retention",
    "sequential": "Peeking (sequential)",
    "power": "Power",
    "bayes": "Bayesian reading",
    "compliance": "Installed vs assigned",
}


# --- the evidence, as the report read it ----------------------------------------------------
def check_readings(check: str, report: Report) -> list[str]:
    """The report's plain-language readings behind one check (empty when it has none).

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> check_readings("srm", report)[0].startswith("Split as planned")
    True
    """
    primary = report.primary_metric
    found: list[str | None] = []
    if check == "srm":
        found = [report.srm.reading]
    elif check == "completeness":
        found = [report.completeness.reading]
    elif check == "guardrails":
        found = [g.reading for g in report.guardrails.values()]
    elif check == "segments":
        found = [s.reading for s in report.segments.values()]
    elif check == "interaction":
        found = [i.reading for i in report.interactions.values()]
    elif check == "drift":
        found = [getattr(report.drift, "reading", None)]
    elif check == "novelty":
        found = [getattr(report.novelty, "reading", None)]
    elif check == "cuped":
        found = [getattr(report.cuped.get(primary), "reading", None)]
    elif check == "retention":
        found = [getattr(report.logrank, "reading", None), getattr(report.hazard, "reading", None)]
    elif check == "sequential":
        found = [getattr(report.sequential, "reading", None)]
    elif check == "power":
        found = [getattr(report.power, "reading", None)]
    elif check == "bayes":
        found = [getattr(report.bayes, "reading", None)]
    elif check == "compliance":
        found = [getattr(report.compliance, "reading", None)]
    return [text for text in found if text]


def key_numbers(report: Report) -> pd.DataFrame:
    """The primary metric (plain and CUPED), the guardrails and the segments, one row each.

    Columns: ``what``, ``group``, ``change`` (relative), ``low``, ``high``, ``p_value`` and
    ``verdict``. The same rows feed the forest plot.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> key_numbers(report)["group"].unique().tolist()
    ['primary', 'guardrail', 'segment']
    """
    primary = report.primary_metric
    rows = []
    lift = report.metrics[primary]
    rows.append((primary, "primary", lift.rel_lift, *lift.rel_ci, lift.p_value,
                 _verdict(lift.p_value, report.alpha)))
    adjusted = report.cuped.get(primary)
    if adjusted is not None:
        rows.append((f"{primary} (CUPED)", "primary", adjusted.rel_lift, *adjusted.rel_ci,
                     adjusted.p_value, _verdict(adjusted.p_value, report.alpha)))
    for name, guardrail in report.guardrails.items():
        lift = report.metrics.get(name)
        if lift is None:
            continue
        margin = pct(guardrail.margin).lstrip("+")
        verdict = "non-inferior" if guardrail.non_inferior else "not shown non-inferior"
        rows.append((f"{name} (margin {margin})", "guardrail", lift.rel_lift, *lift.rel_ci,
                     guardrail.p_value, verdict))
    for kind, result in report.segments.items():
        for segment in result.segments:
            rows.append((f"{primary}: {kind} {segment.segment}", "segment", segment.rel_lift,
                         *segment.rel_ci, segment.p_holm,
                         _verdict(segment.p_holm, report.alpha) + " (Holm)"))
    return pd.DataFrame(rows, columns=["what", "group", "change", "low", "high", "p_value",
                                       "verdict"])


def _verdict(p_value: float, alpha: float) -> str:
    return messages.VERDICT_CLEAR if p_value < alpha else messages.VERDICT_UNCLEAR


# --- charts (Altair; no Streamlit) ---------------------------------------------------------
def lift_forest_chart(report: Report) -> alt.Chart:
    """Relative change with its CI for the primary metric, the guardrails and the segments.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> lift_forest_chart(report).to_dict()["layer"][0]["mark"]["type"]
    'rule'
    """
    frame = key_numbers(report)
    frame = frame[frame[["change", "low", "high"]].map(math.isfinite).all(axis=1)]
    frame = frame.assign(**{c: frame[c] * 100 for c in ("change", "low", "high")})
    order = frame["what"].tolist()
    y = alt.Y("what:N", sort=order, title=None)
    base = alt.Chart(frame[["what", "group", "change", "low", "high"]])
    interval = base.mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("low:Q", title="Relative change, % (95% CI)"), x2="high:Q",
        color=alt.Color("group:N", title=None),
    )
    point = base.mark_point(filled=True, size=60).encode(
        y=y, x="change:Q", color="group:N",
        tooltip=[alt.Tooltip("what:N"), alt.Tooltip("change:Q", format="+.2f"),
                 alt.Tooltip("low:Q", format="+.2f"), alt.Tooltip("high:Q", format="+.2f")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(
        x="x:Q"
    )
    return alt.layer(interval, point, zero).properties(
        title="What changed: relative change with its confidence interval", width=520
    )


def daily_lift_chart(report: Report) -> alt.Chart:
    """Each day's difference in sessions per reporting device, with its CI band.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> daily_lift_chart(report).to_dict()["layer"][1]["mark"]["type"]
    'line'
    """
    frame = report.daily[["day", "estimate", "low", "high"]].dropna()
    base = alt.Chart(frame).encode(x=alt.X("day:Q", title="Day of the experiment"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", title="Treatment minus control, sessions per device"), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        y="estimate:Q",
        tooltip=[alt.Tooltip("day:Q"), alt.Tooltip("estimate:Q", format="+.3f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(
        y="y:Q"
    )
    return alt.layer(band, line, zero).properties(
        title="Daily lift: does the effect fade (novelty) or grow?", width=520
    )


# --- the memo --------------------------------------------------------------------------------
def _expected_where(decision: Decision) -> str:
    if decision.call == "ship_segments":
        return f"in {join_names(decision.segments)}"
    return "across the fleet"


def memo_markdown(decision: Decision, report: Report, scenario: Scenario,
                  scorecard: Scorecard | None = None, result: SimResult | None = None) -> str:
    """The decision memo as Markdown (the person's text is escaped and quoted).

    ``scorecard`` (after the reveal) adds the score; ``result`` lets the rule's own reading
    check guardrails inside each segment (see :func:`sim.evidence.assess`).

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000)
    >>> text = memo_markdown(Decision(call="iterate", expected_lift=0.0, decision_day=28,
    ...                               checks=["srm"], memo="No lift <here>."),
    ...                      analyse(result), result.scenario)
    >>> text.splitlines()[0], "> No lift &lt;here&gt;." in text
    ('# Launch decision: No-op build', True)
    """
    primary = report.primary_metric
    lines = [
        "# " + messages.MEMO_TITLE.format(feature=_md(scenario.feature.name)),
        "",
        f"*Case: {_md(scenario.meta.title)} (`{scenario.meta.id}`), decided on day "
        f"{decision.decision_day}.*",
        "",
        f"- **Call:** {decision.label()}",
        f"- **Expected change in {primary}:** {pct(decision.expected_lift)} "
        f"{_expected_where(decision)}",
        f"- **Checks relied on:** {', '.join(decision.checks) or 'none'}",
        "",
        "## Evidence relied on",
        "",
    ]
    for check in decision.checks:
        readings = check_readings(check, report) or ["(no reading in this run)"]
        lines.append(f"- **{CHECK_TITLES.get(check, check)}:** " + " ".join(readings))
    if not decision.checks:
        lines.append("- (no checks named)")
    lines += ["", "## Key numbers", "", "| what | change | 95% CI | p | reading |",
              "|---|---|---|---|---|"]
    for row in key_numbers(report).itertuples(index=False):
        lines.append(f"| {row.what} | {pct(row.change)} | {pct(row.low)} to {pct(row.high)} | "
                     f"{format_p(row.p_value)} | {row.verdict} |")
    verdict = assess(report, scenario, result)
    lines += ["", "## What the decision rule says the data supports", "", verdict.reason, "",
              "## Memo", ""]
    text = decision.memo.strip() or messages.MEMO_NO_TEXT
    lines += ["> " + _md(line) if line.strip() else ">" for line in text.splitlines()]
    if scorecard is not None:
        lines += ["", f"## Scorecard: {scorecard.total}/100", "",
                  f"Right call: {scorecard.right_label}.", ""]
        for item in scorecard.items:
            lines.append(f"- **{item.criterion}** {item.points:g}/{item.max_points:g}: "
                         f"{item.explanation}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Escape text for Markdown that may be rendered to HTML: no tags, no entities."""
    return html.escape(str(text), quote=False)


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c;
       max-width: 880px; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 0.3rem 0.5rem; text-align: left; }
blockquote { border-left: 4px solid #2b6cb0; margin: 0; padding: 0.2rem 1rem;
             background: #f7fafc; white-space: pre-wrap; }
.call { font-size: 1.2rem; font-weight: 600; color: #2b6cb0; }
.muted { color: #718096; }
"""


def memo_html(decision: Decision, report: Report, scenario: Scenario,
              scorecard: Scorecard | None = None, result: SimResult | None = None) -> str:
    """The memo as a standalone HTML page with the forest plot and the daily lift.

    Every piece of text is escaped; the charts come from Altair's HTML export
    (``to_html(fullhtml=False)``), so the page needs the Vega scripts from the CDN to draw
    them. ``scorecard`` and ``result`` as in :func:`memo_markdown`. See the module docstring
    for an example.
    """
    e = html.escape
    primary = report.primary_metric
    title = messages.MEMO_TITLE.format(feature=scenario.feature.name)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">Case: {e(scenario.meta.title)} ({e(scenario.meta.id)}), decided on '
        f"day {decision.decision_day}.</p>",
        f'<p class="call">{e(decision.label())}</p>',
        "<ul>",
        f"<li>Expected change in {e(primary)}: {e(pct(decision.expected_lift))} "
        f"{e(_expected_where(decision))}</li>",
        f"<li>Checks relied on: {e(', '.join(decision.checks) or 'none')}</li>",
        "</ul>",
        "<h2>Evidence relied on</h2>",
        "<ul>",
    ]
    for check in decision.checks:
        readings = check_readings(check, report) or ["(no reading in this run)"]
        parts.append(f"<li><strong>{e(CHECK_TITLES.get(check, check))}:</strong> "
                     f"{e(' '.join(readings))}</li>")
    if not decision.checks:
        parts.append("<li>(no checks named)</li>")
    parts += ["</ul>", "<h2>Key numbers</h2>", "<table>",
              "<tr><th>what</th><th>change</th><th>95% CI</th><th>p</th><th>reading</th></tr>"]
    for row in key_numbers(report).itertuples(index=False):
        parts.append(
            f"<tr><td>{e(str(row.what))}</td><td>{e(pct(row.change))}</td>"
            f"<td>{e(pct(row.low))} to {e(pct(row.high))}</td><td>{e(format_p(row.p_value))}</td>"
            f"<td>{e(row.verdict)}</td></tr>"
        )
    parts += ["</table>", "<h2>What the decision rule says the data supports</h2>",
              f"<p>{e(assess(report, scenario, result).reason)}</p>", "<h2>Memo</h2>",
              f"<blockquote>{e(decision.memo.strip() or messages.MEMO_NO_TEXT)}</blockquote>"]
    if scorecard is not None:
        parts += [f"<h2>Scorecard: {scorecard.total}/100</h2>",
                  f"<p>Right call: {e(scorecard.right_label)}.</p>", "<ul>"]
        for item in scorecard.items:
            parts.append(f"<li><strong>{e(item.criterion)}</strong> {item.points:g}/"
                         f"{item.max_points:g}: {e(item.explanation)}</li>")
        parts.append("</ul>")
    charts = alt.vconcat(lift_forest_chart(report), daily_lift_chart(report))
    parts += ["<h2>Charts</h2>", charts.to_html(fullhtml=False, output_div="memo-charts"),
              "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --- the impact ledger -----------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerRow:
    """One decided case: feature, KPI, measured change in % (with CI), days to ship, data owned.

    ``days_to_ship`` is ``None`` when nothing shipped; ``reach_pct`` is the share of analysed
    devices the call ships to.
    """

    feature: str
    kpi: str
    change_pct: float
    change_low_pct: float
    change_high_pct: float
    days_to_ship: int | None
    data_owned: str
    case: str
    call: str
    shipped_to: str
    reach_pct: float


def ledger_row(decision: Decision, report: Report, result: SimResult,
               data_owned: str = DEFAULT_DATA_OWNED) -> LedgerRow:
    """The impact-ledger row for one decided case, from the measured lift where it ships.

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=5_000)
    >>> row = ledger_row(Decision(call="ship_segments", segment_kind="chip_tier",
    ...                           segments=["flagship", "upper_mid"], expected_lift=0.05,
    ...                           decision_day=21), analyse(result), result)
    >>> row.kpi, row.days_to_ship, round(row.reach_pct)
    ('sessions', 31, 51)
    """
    owned = " ".join(str(data_owned).split())
    if len(owned) > DATA_OWNED_MAX_CHARS:
        raise DecisionError(messages.DECISION_FIELD.format(
            location="data_owned", detail=f"at most {DATA_OWNED_MAX_CHARS} characters"))
    primary = report.primary_metric
    reach = 1.0 if decision.call == "ship_all" else 0.0
    chosen = []
    if decision.call == "ship_segments" and decision.segment_kind in report.segments:
        lifts = report.segments[decision.segment_kind].segments
        chosen = [s for s in lifts if str(s.segment) in decision.segments]
        total = sum(s.n_control + s.n_treatment for s in lifts) or 1
        reach = sum(s.n_control + s.n_treatment for s in chosen) / total
    if chosen:
        change, (low, high) = combine_segment_lifts(chosen, report.alpha)
    else:
        reading = report.cuped.get(primary) or report.metrics[primary]
        change, (low, high) = reading.rel_lift, reading.rel_ci
    if decision.call == "ship_all":
        shipped_to = "all devices"
    elif decision.call == "ship_segments":
        shipped_to = f"{join_names(decision.segments)} ({decision.segment_kind})"
    else:
        shipped_to = "not shipped"
    return LedgerRow(
        feature=result.scenario.feature.name,
        kpi=primary,
        change_pct=round(100 * float(change), 2),
        change_low_pct=round(100 * float(low), 2),
        change_high_pct=round(100 * float(high), 2),
        days_to_ship=days_to_ship(decision, result),
        data_owned=owned or DEFAULT_DATA_OWNED,
        case=result.scenario.meta.id,
        call=decision.call,
        shipped_to=shipped_to,
        reach_pct=round(100 * reach, 1) if decision.call in SHIP_CALLS else 0.0,
    )


def ledger_frame(rows: Sequence[LedgerRow]) -> pd.DataFrame:
    """The ledger as a table, one row per decided case, in :data:`LEDGER_COLUMNS` order.

    >>> ledger_frame([]).columns.tolist()[:5]
    ['feature', 'kpi', 'change_pct', 'change_low_pct', 'change_high_pct']
    """
    for index, row in enumerate(rows):
        if not isinstance(row, LedgerRow):
            raise DecisionError(messages.LEDGER_ROW_BAD.format(
                index=index, detail=f"expected a LedgerRow, got {type(row).__name__}"))
    frame = pd.DataFrame([asdict(row) for row in rows], columns=list(LEDGER_COLUMNS))
    frame["days_to_ship"] = frame["days_to_ship"].astype("Int64")
    return frame


def ledger_csv(rows: Sequence[LedgerRow]) -> str:
    """The ledger as CSV text; text cells that a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-`` or ``@``) are prefixed with ``'``.

    >>> row = LedgerRow("Night mode", "sessions", 2.9, 0.4, 5.4, 38, "=HYPERLINK()",
    ...                 "camera_night_mode", "ship_all", "all devices", 100.0)
    >>> ledger_csv([row]).splitlines()[1]
    "Night mode,sessions,2.9,0.4,5.4,38,'=HYPERLINK(),camera_night_mode,ship_all,all devices,100.0"
    """
    frame = ledger_frame(rows)
    for column in ("feature", "kpi", "data_owned", "case", "call", "shipped_to"):
        frame[column] = frame[column].map(_defuse)
    return frame.to_csv(index=False, lineterminator="\n")


def _defuse(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
