"""The decision memo, as Markdown or as a standalone HTML page with its charts.

The memo holds the call, its segments, the expected lift, the answers to the interviewer's
questions (an older decision's named checks, with each check's reading from the report), the
key numbers, what the decision rule says the data supports, the
person's own memo and, after the reveal, the scorecard. Its content is gathered once
(:func:`memo_sections`) and written out by :func:`memo_markdown` or :func:`memo_html`; text a
person typed is always escaped, never rendered. The HTML page holds the lift forest plot and
the daily lift as inline SVG, drawn on the server by vl-convert (Vega-Lite compiled and
rendered without a browser): the page has no scripts and loads nothing, so it opens offline,
in a mail client or from an archive, exactly as it was written.

>>> from sim import load_scenario, simulate, analyse
>>> from sim.decide import Decision
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=5_000)
>>> report = analyse(result)
>>> decision = Decision(call="ship_all", expected_lift=0.02, decision_day=28, checks=["srm"],
...                     memo="<b>ship it</b>")
>>> page = memo_html(decision, report, result.scenario)
>>> "&lt;b&gt;ship it&lt;/b&gt;" in page and "<b>ship it</b>" not in page
True
>>> "<script" in page, page.count("<svg") >= 1
(False, True)
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd
import vl_convert

from sim import messages
from sim.analysis.frame import format_p
from sim.decide.decision import Decision
from sim.decide.evidence import assess
from sim.decide.questions import answer_lines
from sim.decide.words import join_names, pct
from sim.export import charts

if TYPE_CHECKING:
    from sim.case.scenario import Scenario
    from sim.decide.scorecard import Scorecard
    from sim.engine.result import SimResult
    from sim.readout.report import Report

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
"""Each check a decision can name, in words."""

# Each check's readings in a report; optional readings (drift, novelty, ...) may be absent.
_READINGS: dict[str, Callable[[Report], list]] = {
    "srm": lambda r: [r.srm],
    "completeness": lambda r: [r.completeness],
    "guardrails": lambda r: list(r.guardrails.values()),
    "segments": lambda r: list(r.segments.values()),
    "interaction": lambda r: list(r.interactions.values()),
    "drift": lambda r: [r.drift],
    "novelty": lambda r: [r.novelty],
    "cuped": lambda r: [r.cuped.get(r.primary_metric)],
    "retention": lambda r: [r.logrank, r.hazard],
    "sequential": lambda r: [r.sequential],
    "power": lambda r: [r.power],
    "bayes": lambda r: [r.bayes],
    "compliance": lambda r: [r.compliance],
}


def check_readings(check: str, report: Report) -> list[str]:
    """The report's plain-language readings behind one check (empty when it has none).

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> check_readings("srm", report)[0].startswith("Split as planned")
    True
    """
    return [result.reading for result in _READINGS[check](report) if result is not None]


def key_numbers(report: Report) -> pd.DataFrame:
    """The primary metric (plain and CUPED), the guardrails and the segments, one row each.

    Columns: ``what``, ``metric``, ``group``, ``change`` (relative), ``low``, ``high``,
    ``p_value`` and ``verdict`` (in words, for the memo's table).

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> key_numbers(report)["group"].unique().tolist()
    ['primary', 'guardrail', 'segment']
    """
    primary = report.primary_metric
    rows = []
    lift = report.metrics[primary]
    rows.append((primary, primary, "primary", lift.rel_lift, *lift.rel_ci, lift.p_value,
                 _verdict(lift.p_value, report.alpha)))
    adjusted = report.cuped.get(primary)
    if adjusted is not None:
        rows.append((f"{primary} (CUPED)", primary, "primary", adjusted.rel_lift,
                     *adjusted.rel_ci, adjusted.p_value, _verdict(adjusted.p_value, report.alpha)))
    for name, guardrail in report.guardrails.items():
        lift = report.metrics[name]
        margin = pct(guardrail.margin).lstrip("+")
        verdict = "non-inferior" if guardrail.non_inferior else "not shown non-inferior"
        rows.append((f"{name} (margin {margin})", name, "guardrail", lift.rel_lift, *lift.rel_ci,
                     guardrail.p_value, verdict))
    for kind, result in report.segments.items():
        for segment in result.segments:
            rows.append((f"{primary}: {kind} {segment.segment}", primary, "segment",
                         segment.rel_lift, *segment.rel_ci, segment.p_holm,
                         _verdict(segment.p_holm, report.alpha) + " (Holm)"))
    return pd.DataFrame(rows, columns=["what", "metric", "group", "change", "low", "high",
                                       "p_value", "verdict"])


def _verdict(p_value: float, alpha: float) -> str:
    return messages.VERDICT_CLEAR if p_value < alpha else messages.VERDICT_UNCLEAR


def memo_charts(report: Report) -> alt.VConcatChart:
    """The memo's figures: the key numbers as a forest plot, and the daily lift.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> len(memo_charts(report).to_dict()["vconcat"])
    2
    """
    numbers = key_numbers(report)
    rows = pd.DataFrame({
        "label": numbers["what"], "estimate": numbers["change"], "low": numbers["low"],
        "high": numbers["high"], "p": numbers["p_value"],
        "verdict": [charts.verdict(metric, low, high) for metric, low, high
                    in zip(numbers["metric"], numbers["low"], numbers["high"], strict=True)],
    })
    return alt.vconcat(
        charts.forest(rows, "What changed: relative change with its confidence interval",
                      "Relative change (95% CI)", width=520),
        charts.daily_lift(report.daily, width=520))


def memo_charts_svg(report: Report) -> str:
    """The memo's figures (:func:`memo_charts`) as one SVG image, for an HTML page that loads
    nothing: Vega-Lite of Altair's own version compiles and renders the chart in-process, and
    may fetch no data from anywhere (the chart's data is inline).

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> svg = memo_charts_svg(report)
    >>> svg.startswith("<svg") and "<script" not in svg
    True
    """
    version = ".".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6.4"
    return vl_convert.vegalite_to_svg(memo_charts(report).to_dict(), vl_version=version,
                                      allowed_base_urls=[])


# --- the memo's content, gathered once -------------------------------------------------------
@dataclass(frozen=True)
class MemoSections:
    """Everything a memo says, as plain text (the writers escape it)."""

    title: str
    subtitle: str
    call: str
    facts: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]
    numbers: pd.DataFrame
    rule: str
    memo: str
    score_title: str | None
    score_lines: tuple[tuple[str, str], ...]


def memo_sections(decision: Decision, report: Report, scenario: Scenario,
                  scorecard: Scorecard | None = None,
                  result: SimResult | None = None) -> MemoSections:
    """The memo's content. ``scorecard`` (after the reveal) adds the score; ``result`` lets
    the rule's own reading check guardrails inside each segment (see
    :func:`sim.decide.evidence.assess`)."""
    where = (f"in {join_names(decision.segments)}" if decision.call == "ship_segments"
             else "across the fleet")
    # The answers to the interviewer's questions; an older decision's named checks with the
    # readings behind them.
    evidence = answer_lines(decision.answers) + tuple(
        (CHECK_TITLES[check],
         " ".join(check_readings(check, report)) or messages.MEMO_NO_READING)
        for check in decision.checks
    ) or ((messages.MEMO_NO_ANSWERS, ""),)
    score_lines: tuple[tuple[str, str], ...] = ()
    if scorecard is not None:
        score_lines = tuple((item.criterion, f"{item.points:g}/{item.max_points:g}: "
                                             f"{item.explanation}") for item in scorecard.items)
    return MemoSections(
        title=messages.MEMO_TITLE.format(feature=scenario.feature.name),
        subtitle=f"Case: {scenario.meta.title} ({scenario.meta.id}), decided on day "
                 f"{decision.decision_day}.",
        call=decision.label(),
        facts=(f"Expected change in {report.primary_metric}: {pct(decision.expected_lift)} "
               f"{where}",),
        evidence=evidence,
        numbers=key_numbers(report),
        rule=assess(report, scenario, result).reason,
        memo=decision.memo.strip() or messages.MEMO_NO_TEXT,
        score_title=None if scorecard is None else f"Scorecard: {scorecard.total}/100",
        score_lines=(("Right call", f"{scorecard.right_label}."), *score_lines)
        if scorecard is not None else (),
    )


def _number_cells(row) -> tuple[str, str, str, str, str]:
    return (str(row.what), pct(row.change), f"{pct(row.low)} to {pct(row.high)}",
            format_p(row.p_value), str(row.verdict))


# --- writing it out --------------------------------------------------------------------------
def memo_markdown(decision: Decision, report: Report, scenario: Scenario,
                  scorecard: Scorecard | None = None, result: SimResult | None = None) -> str:
    """The decision memo as Markdown: the case's and the person's text escaped (the memo is
    quoted), the readings as the library wrote them.

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000)
    >>> text = memo_markdown(Decision(call="iterate", expected_lift=0.0, decision_day=28,
    ...                               checks=["srm"], memo="No lift <here>."),
    ...                      analyse(result), result.scenario)
    >>> text.splitlines()[0], "> No lift &lt;here&gt;." in text
    ('# Launch decision: No-op build', True)
    """
    s = memo_sections(decision, report, scenario, scorecard, result)
    lines = ["# " + _md(s.title), "", f"*{_md(s.subtitle)}*", "", f"- **Call:** {_md(s.call)}",
             *(f"- {_md(fact)}" for fact in s.facts), "", "## The interviewer's questions, answered", ""]
    lines += [f"- **{title}:** {text}" if text else f"- {title}" for title, text in s.evidence]
    lines += ["", "## Key numbers", "", "| what | change | 95% CI | p | reading |",
              "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(_number_cells(row)) + " |"
              for row in s.numbers.itertuples(index=False)]
    lines += ["", "## What the decision rule says the data supports", "", s.rule, "",
              "## Memo", ""]
    lines += ["> " + _md(line) if line.strip() else ">" for line in s.memo.splitlines()]
    if s.score_title is not None:
        lines += ["", f"## {_md(s.score_title)}", ""]
        lines += [f"- **{name}** {text}" for name, text in s.score_lines]
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
figure.charts { margin: 1rem 0; overflow-x: auto; }
figure.charts svg { max-width: 100%; height: auto; }
"""


def memo_html(decision: Decision, report: Report, scenario: Scenario,
              scorecard: Scorecard | None = None, result: SimResult | None = None) -> str:
    """The memo as a standalone HTML page with the forest plot and the daily lift.

    Every piece of text is escaped; the charts are inline SVG (:func:`memo_charts_svg`), so
    the page has no ``<script>`` and needs no network to show them. ``scorecard`` and
    ``result`` as in :func:`memo_sections`. See the module docstring for an example.
    """
    e = html.escape
    s = memo_sections(decision, report, scenario, scorecard, result)
    parts = ['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(s.title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
             "<main>", f"<h1>{e(s.title)}</h1>", f'<p class="muted">{e(s.subtitle)}</p>',
             f'<p class="call">{e(s.call)}</p>', "<ul>",
             *(f"<li>{e(fact)}</li>" for fact in s.facts), "</ul>",
             "<h2>The interviewer's questions, answered</h2>", "<ul>"]
    parts += [f"<li><strong>{e(title)}:</strong> {e(text)}</li>" if text else f"<li>{e(title)}</li>"
              for title, text in s.evidence]
    parts += ["</ul>", "<h2>Key numbers</h2>", "<table>",
              "<tr><th>what</th><th>change</th><th>95% CI</th><th>p</th><th>reading</th></tr>"]
    parts += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in _number_cells(row)) + "</tr>"
              for row in s.numbers.itertuples(index=False)]
    parts += ["</table>", "<h2>What the decision rule says the data supports</h2>",
              f"<p>{e(s.rule)}</p>", "<h2>Memo</h2>", f"<blockquote>{e(s.memo)}</blockquote>"]
    if s.score_title is not None:
        parts += [f"<h2>{e(s.score_title)}</h2>", "<ul>"]
        parts += [f"<li><strong>{e(name)}</strong> {e(text)}</li>" for name, text in s.score_lines]
        parts.append("</ul>")
    parts += ["<h2>Charts</h2>", '<figure id="memo-charts" class="charts">',
              memo_charts_svg(report), "</figure>", "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
