"""The data dictionary of an exported run: every column of every table, its unit and meaning,
and the defects the raw reports carry (the export's ``README.md``).

Column meanings live here, once, as a catalogue (like the metric catalogue in
:mod:`sim.case.metrics`, whose labels, units and help the metric columns reuse); the defects
are read from the case's ``[telemetry]`` rates and counted in the run itself.

>>> COLUMNS["daily"]["received_day"].unit
'day'
>>> describe("devices", "sessions").startswith("Sessions per device")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim import messages
from sim.case.metrics import METRICS

if TYPE_CHECKING:
    from sim.engine.result import SimResult


@dataclass(frozen=True)
class Column:
    """One column: its unit (or kind of value) and what it means."""

    unit: str
    meaning: str


_DELIVERY = (
    "in days since day 0 (hour / 24, so 5.25 is 06:00 on day 5); empty when it never happened "
    "(every control device, and treatment devices never reached)"
)


def _metric(name: str, note: str) -> Column:
    info = METRICS[name]
    return Column(info.unit, f"{info.label}: {info.help} {note}".strip())


_OBSERVED = "Totalled over the reports that arrived (each duplicate counted once)."
_PER_ACTIVE_DAY = "Mean over the active days reported; empty when none."

TABLES: dict[str, str] = {
    "devices": "one row a device: who it is, its arm, its rollout and its observed totals. "
               "The unit of analysis for the lift.",
    "daily": "one row a report as the pipeline received it: duplicates, skewed day labels "
             "and late uploads included. Nothing is cleaned.",
    "day_arm": "one row a day x arm x on-build x chip tier x device type x region cell: sums "
               "of the reports that arrived (duplicates once), by the day they describe.",
    "timeline": "one row a rollout event: stage starts, gate checks, pauses, halts, rollbacks "
                "and scripted incidents.",
    "rollout": "one row a day: the over-the-air rollout of the treatment devices (cumulative "
               "counts) and the load on the OTA servers.",
}
"""Each table of the export, in one line."""

COLUMNS: dict[str, dict[str, Column]] = {
    "devices": {
        "device_id": Column("id", "The device; joins daily rows to their device."),
        "household_id": Column("id", "The device's household (the randomisation unit when the "
                                     "case randomises households)."),
        "device_type": Column("category", "phone, wearable, tv, speaker or ev."),
        "chip_tier": Column("category", "The chip tier (NPU throughput, memory bandwidth, RAM), "
                                        "most capable first."),
        "ram_gb": Column("GB", "Installed RAM."),
        "region": Column("category", "Where the device is; its network quality drives install "
                                     "failures."),
        "arm": Column("category", "control or treatment: a sticky hash of the randomisation "
                                  "unit and the experiment id, fixed before the run."),
        "eligible": Column("true/false", "The build targets this device's type and chip tier "
                                         "(tiers below the case's lowest tier are not offered)."),
        "stage": Column("index", "The rollout stage (0 is the first) in which the device is "
                                 "offered the build if it is in treatment."),
        "offered_day": Column("day", f"When the build was offered, {_DELIVERY}."),
        "downloaded_day": Column("day", f"When the download finished, {_DELIVERY}."),
        "installed_day": Column("day", f"When the install succeeded, {_DELIVERY}."),
        "install_failed": Column("true/false", "The install failed (the device stays on the old "
                                               "build and may go silent)."),
        "in_panel": Column("true/false", "The device's raw reports are in daily (every device of "
                                         "a small fleet, a random panel of a large one)."),
        "pre_sessions": Column("sessions", "Sessions over the pre-period before day 0, the "
                                           "baseline for CUPED on sessions."),
        "pre_sensor_score": Column("score points", "Mean sensor score in the pre-period, the "
                                                   "baseline for sensor_score (before any "
                                                   "firmware step)."),
        "days_reported": Column("days", "Days for which a report arrived (a duplicate counts "
                                        "once; 0: the device never reported)."),
        "last_report_day": Column("day", "The last day a report arrived for (its true day, not "
                                         "a skewed label); -1 if none did."),
        "duplicate_reports": Column("reports", "Reports the device sent twice (each is one "
                                               "extra, identical row in daily)."),
        "late_reports": Column("reports", "Reports that arrived after the day they describe "
                                          "but before the run ended."),
        "active_days": _metric("active_days", _OBSERVED),
        "sessions": _metric("sessions", _OBSERVED),
        "feature_uses": _metric("feature_uses", _OBSERVED),
        "crashes": _metric("crashes", _OBSERVED),
        "distraction_events": _metric("distraction_events",
                                      _OBSERVED + " Empty on a fleet without the sensor."),
        "battery_drain": _metric("battery_drain", _PER_ACTIVE_DAY),
        "latency_ms": _metric("latency_ms", _PER_ACTIVE_DAY),
        "sensor_score": _metric("sensor_score",
                                _PER_ACTIVE_DAY + " Includes the firmware step, if any."),
        "retained": _metric("retained", "From the reports that arrived."),
        "churn_day": Column("day", "The day after the last active day reported; for a retained "
                                   "device the horizon minus the 7-day churn window, where it "
                                   "is right-censored (churn later than that cannot be seen "
                                   "yet)."),
        "churned": Column("0/1", "1 - retained: the event for survival analysis."),
    },
    "daily": {
        "device_id": Column("id", "The reporting device (devices.device_id)."),
        "day": Column("day", "The day the report describes, as the device labels it: its true "
                             "day, one off on a device with a skewed clock."),
        "received_day": Column("day", "The day the report arrived (the server's clock); after "
                                      "day for a late upload."),
        "active": Column("0/1", "The device was used that day."),
        "sessions": Column("sessions", "Sessions that day."),
        "feature_uses": Column("uses", "Times the new feature was used that day (0 in control "
                                       "and off the build)."),
        "crashed": Column("0/1", "The device crashed that day."),
        "battery_drain": Column(METRICS["battery_drain"].unit,
                                "Share of the battery used; empty when inactive or without "
                                "a battery."),
        "latency_ms": Column("ms", "Mean latency of the feature's answers; empty when inactive."),
        "sensor_score": Column("score points", "The sensor-derived score; empty when inactive. "
                                               "Shifted by the firmware step on devices running "
                                               "the build."),
    },
    "day_arm": {
        "day": Column("day", "The day the reports describe (true day)."),
        "arm": Column("category", "control or treatment."),
        "on_build": Column("true/false", "The devices ran the build that day."),
        "chip_tier": Column("category", "As in devices."),
        "device_type": Column("category", "As in devices."),
        "region": Column("category", "As in devices."),
        "devices_reporting": Column("devices", "Devices whose report for the day arrived."),
        "active": Column("devices", "Of those, devices active that day."),
        "sessions": Column("sessions", "Sum of sessions."),
        "sessions_sq": Column("sessions^2", "Sum of squared daily sessions (for variances)."),
        "feature_uses": Column("uses", "Sum of feature uses."),
        "crashes": Column("devices", "Devices that reported a crash."),
        "battery_sum": Column(METRICS["battery_drain"].unit,
                              "Sum of battery drain over battery_n device-days."),
        "battery_n": Column("device-days", "Active device-days with a battery."),
        "latency_sum": Column("ms", "Sum of latency over the active device-days."),
        "sensor_sum": Column("score points", "Sum of the sensor score over the active "
                                             "device-days."),
    },
    "timeline": {
        "hour": Column("hour", "When it happened, in hours since day 0."),
        "day": Column("day", "The same in days (hour / 24)."),
        "event": Column("category", "stage_start, gate_check, pause, resume_check, halt, "
                                    "rollback, rollout_complete, or an incident (bad_batch, "
                                    "ota_outage)."),
        "stage": Column("index", "The rollout stage at the time."),
        "metric": Column("name", "A gate check's metric (crash_rate, battery_drain, "
                                 "latency_ms)."),
        "value": Column("metric's unit", "A gate check's treatment value on the build; a stage "
                                         "start's share offered."),
        "control": Column("metric's unit", "A gate check's control value."),
        "threshold": Column("metric's unit", "The gate's limit."),
        "p_value": Column("probability", "A rate gate's one-sided exact binomial p-value."),
        "outcome": Column("category", "A gate check's result: pass, breach or too_few_devices."),
        "detail": Column("text", "What happened, in words."),
    },
    "rollout": {
        "day": Column("day", "The day."),
        "stage": Column("index", "The stage at the end of the day."),
        "offered": Column("devices", "Treatment devices offered the build by the end of the "
                                     "day (cumulative)."),
        "downloaded": Column("devices", "Downloads finished (cumulative)."),
        "installed": Column("devices", "Installs succeeded (cumulative)."),
        "failed": Column("devices", "Installs failed (cumulative)."),
        "on_build": Column("devices", "Devices running the build (0 after a rollback)."),
        "served": Column("downloads", "Downloads the OTA servers served that day."),
        "backlog": Column("downloads", "Downloads still waiting at the end of the day."),
        "halted": Column("true/false", "A gate has halted the rollout."),
        "capacity_per_hour": Column("downloads/hour", "What the OTA servers sustain, scaled "
                                                      "to this sample of the fleet."),
    },
}
"""Every exported column by table: unit and meaning."""


def describe(table: str, column: str) -> str:
    """A column's meaning in one line, with its unit.

    >>> describe("rollout", "backlog")
    'Downloads still waiting at the end of the day. (downloads)'
    """
    entry = COLUMNS[table][column]
    return f"{entry.meaning} ({entry.unit})"


def undocumented(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """``table.column`` for every column the catalogue does not describe (empty when all are).

    >>> undocumented({"rollout": pd.DataFrame(columns=["day", "mystery"])})
    ['rollout.mystery']
    """
    return [f"{name}.{column}" for name, frame in tables.items() for column in frame.columns
            if column not in COLUMNS.get(name, {})]


def _share(value: float) -> str:
    return f"{value:.1%}".replace(".0%", "%")


def _none_if_zero(rate: float, text: str) -> str:
    return text if rate > 0 else "None in this case."


def defects(result: SimResult) -> list[tuple[str, str]]:
    """The defects the raw reports carry, each as (name, what it is and how often, here).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
    >>> [name for name, _ in defects(result)][:3]
    ['Duplicate reports', 'Missing days', 'Late uploads']
    """
    spec = result.scenario.telemetry
    devices = result.devices
    days = result.days
    shift = spec.firmware_shift
    return [
        ("Duplicate reports", _none_if_zero(spec.duplicate_rate,
         f"{_share(spec.duplicate_rate)} of the reports arrive twice: the second row is an "
         f"exact copy (every column equal). This run: {int(devices['duplicate_reports'].sum()):,} "
         "duplicate rows (devices.duplicate_reports per device). Remove them with "
         "drop_duplicates() or SELECT DISTINCT before counting anything.")),
        ("Missing days",
         f"{_share(spec.missing_rate)} of the device-days never arrive, and a device that "
         "churned reports nothing more. A missing day has no row; it is not a zero. This run: "
         f"{int(devices['days_reported'].sum()):,} device-days reported of "
         f"{len(devices) * days:,}; {int((devices['days_reported'] == 0).sum()):,} devices "
         "never reported."),
        ("Late uploads", _none_if_zero(spec.late_rate,
         f"{_share(spec.late_rate)} of the reports arrive late, on average "
         f"{spec.late_mean_days:g} day(s) after the day they describe: received_day > day. "
         f"One that would arrive after day {days - 1} is never in the table. This run: "
         f"{int(devices['late_reports'].sum()):,} late rows (devices.late_reports).")),
        ("Clock skew", _none_if_zero(spec.clock_skew_rate,
         f"{_share(spec.clock_skew_rate)} of the devices have a clock one day off: every report "
         "of theirs carries day - 1 or day + 1 (received_day is the server's and is not "
         f"skewed), so day can be -1 or {days}, and received_day - day is one off: on a clock "
         "a day behind, every report looks late.")),
        ("Silent after a crash", _none_if_zero(spec.silent_after_crash,
         f"A crash stops the device's telemetry for good with probability "
         f"{_share(spec.silent_after_crash)}: no rows from the next day on. The device keeps "
         "its row in devices with the totals reported before (last_report_day).")),
        ("Silent after a failed install", _none_if_zero(spec.silent_after_failed_install,
         f"A failed install stops the device's telemetry for good with probability "
         f"{_share(spec.silent_after_failed_install)}; only treatment devices install, so this "
         f"silences one arm. This run: {int(devices['install_failed'].sum()):,} failed "
         "installs (devices.install_failed).")),
        ("Firmware step in sensor_score", _none_if_zero(abs(shift),
         f"On devices running the build, sensor_score reads {shift:+g} points from the day "
         "they install (until a rollback): a change in the measurement, not in behaviour. "
         "pre_sensor_score is never shifted.")),
    ]


def _table_lines(name: str, frame: pd.DataFrame) -> list[str]:
    lines = [f"### `{name}` ({len(frame):,} rows)", "", TABLES[name][0].upper() + TABLES[name][1:],
             "", "| column | type | unit | meaning |", "|---|---|---|---|"]
    for column in frame.columns:
        entry = COLUMNS[name][column]
        lines.append(f"| `{column}` | {frame[column].dtype} | {entry.unit} | {entry.meaning} |")
    return [*lines, ""]


def data_dictionary(result: SimResult, tables: Mapping[str, pd.DataFrame],
                    files: Sequence[tuple[str, str]], reproduce: str) -> str:
    """The export's ``README.md``: what the run is, its files, every column of every table,
    the defects in the raw reports and how to make the same run again.

    ``tables`` are the exported tables by name, ``files`` (name, what) every file of the
    export, ``reproduce`` the command that makes it again.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
    >>> text = data_dictionary(result, {"rollout": result.rollout}, [], "python -m sim ...")
    >>> "| `backlog` |" in text and "## Defects in the raw reports" in text
    True
    """
    case = result.scenario
    primary = case.experiment.primary_metric
    devices = result.devices
    lines = [
        f"# {case.meta.title}: the run's data", "",
        f"Case `{case.meta.id}`, seed {result.seed}, {len(devices):,} devices x {result.days} "
        f"days, exported by Launch Room. The tables are what an analyst sees: the devices and "
        "their raw telemetry, not the simulator's truth. Every table comes as CSV and as "
        "Parquet (the same rows; Parquet keeps the types). In the CSV files an empty field is "
        "a missing value, true/false are booleans and text is quoted.", "",
        f"Primary metric: `{primary}` ({METRICS[primary].label}, "
        f"{METRICS[primary].unit}); the readout analyses "
        + ("the devices that reported in the last 7 days of the run."
           if case.experiment.analysis_population == "reporting_at_decision"
           else "every device with at least one report (devices.days_reported > 0)."), "",
        _daily_note(result), "",
        "## Files", "",
    ]
    lines += [f"- `{name}`: {what}" for name, what in files]
    lines += ["", "## Tables", ""]
    for name, frame in tables.items():
        lines += _table_lines(name, frame)
    lines += ["## Defects in the raw reports", "",
              "The daily table is the telemetry as it arrived; nothing is cleaned. The "
              "devices and day_arm tables count each report once (duplicates removed, late "
              "reports on the day they describe).", ""]
    lines += [f"- **{name}.** {text}" for name, text in defects(result)]
    lines += ["", "## Make the same run again", "",
              "`case.toml` is the case with every setting of this run; the same case, seed, "
              "fleet size and horizon give the same tables on any machine:", "",
              "```bash", reproduce, "```", ""]
    return "\n".join(lines)


def _daily_note(result: SimResult) -> str:
    devices = result.devices
    spec = result.scenario.telemetry
    if result.daily is None:
        return messages.EXPORT_NO_DAILY.format(limit=spec.daily_max_devices)
    panel = int(devices["in_panel"].sum())
    if panel < len(devices):
        return messages.EXPORT_PANEL.format(panel=panel, devices=len(devices))
    return messages.EXPORT_ALL_DAILY.format(devices=len(devices))
