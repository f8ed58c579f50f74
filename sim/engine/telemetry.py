"""What the fleet reports: the analyst sees telemetry, not the truth.

Every device-day the realised outcome (the arm the device is in) becomes a report that can be
lost (missing), arrive late (after the run ends it is not in the table), arrive twice
(duplicate), carry a skewed day label, or never come because the device went silent after a
crash or a failed install. A firmware step can shift a sensor reading for devices on the build.
One uniform per device-day decides missing / late / duplicate, so those three are exclusive.

This module keeps three views of the reports: per-device observed totals (always), a
day x group x segment cube (always; it is small), and raw rows (small fleets only).

Blocks of devices may be recorded in parallel threads: :meth:`TelemetryPipe.record` writes
only its block's per-device totals and returns the block's cube sums and raw rows as
:class:`BlockReports`, which :meth:`TelemetryPipe.commit` adds in block order (float sums
depend on their order, so the tables stay the same bit for bit however the blocks ran).

>>> COLUMNS[:4]
('device_id', 'day', 'received_day', 'active')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.case.scenario import Scenario
from sim.engine.behaviour import DayOutcome, DeviceTotals
from sim.engine.fleet import Fleet
from sim.engine.rollout import DayExposure, GateReading

COLUMNS = (
    "device_id",
    "day",
    "received_day",
    "active",
    "sessions",
    "feature_uses",
    "crashed",
    "battery_drain",
    "latency_ms",
    "sensor_score",
)
# Sums kept per day x group x segment cell; see `cube_frame` for the table they become.
CUBE_SUMS = (
    "devices_reporting",
    "active",
    "sessions",
    "sessions_sq",
    "feature_uses",
    "crashes",
    "battery_sum",
    "battery_n",
    "latency_sum",
    "sensor_sum",
)
GROUPS = ("control", "treatment_off_build", "treatment_on_build")
_COLUMN = {name: index for index, name in enumerate(CUBE_SUMS)}
# Each gate metric as numerator / denominator over the cube's sums.
_GATE_RATIOS = {
    "crash_rate": ("crashes", "active"),
    "battery_drain": ("battery_sum", "battery_n"),
    "latency_ms": ("latency_sum", "active"),
}
# Gates on a share of device-days, tested with an exact binomial test.
_RATE_GATES = {"crash_rate"}
# What a gate reads, per day and group, from the reports that arrived on time: a late report
# is not there yet when the gate checks (and a run that ends sooner must make the same calls).
GATE_SUMS = ("active", "crashes", "battery_sum", "battery_n", "latency_sum")
_GATE_COLUMN = {name: index for index, name in enumerate(GATE_SUMS)}
# Outlier sessions are a Pareto multiple (shape 1.5: a finite mean, an infinite variance, the
# tail of bot traffic) of the case's scale; this share of outliers is in a crash loop instead.
OUTLIER_PARETO_SHAPE = 1.5
CRASH_LOOP_SHARE = 0.3


def outlier_devices(rate: float, scale: float, sessions_per_day: float, n: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each device's extra reported sessions per active day (0 for a person) and whether it is
    in a crash loop (a crash reported on every active day).

    A share ``rate`` of devices are outliers; of those, ``CRASH_LOOP_SHARE`` crash-loop and
    the rest are rigs or bots whose extra sessions are ``scale`` typical days times a Pareto
    draw of at least 1.

    >>> extra, loop = outlier_devices(0.01, 20.0, 6.0, 100_000, np.random.default_rng(0))
    >>> round(float((extra > 0).mean() + loop.mean()), 3), bool(extra[extra > 0].min() >= 120)
    (0.01, True)
    """
    outlier = rng.random(n) < rate
    crash_loop = outlier & (rng.random(n) < CRASH_LOOP_SHARE)
    multiple = rng.pareto(OUTLIER_PARETO_SHAPE, n) + 1.0
    extra = np.where(outlier & ~crash_loop, scale * sessions_per_day * multiple, 0.0)
    return extra.astype(np.float32), crash_loop


@dataclass(frozen=True)
class BlockReports:
    """One block's day in the shared views: its sums per cube cell and its raw rows.

    ``cells`` are distinct cube cells of the day and ``sums`` their rows of :data:`CUBE_SUMS`;
    ``gate_sums`` the on-time reports' :data:`GATE_SUMS` per group (what the rollout's gates
    read); ``rows`` the panel's report columns (``None`` without a panel).
    """

    cells: np.ndarray
    sums: np.ndarray
    gate_sums: np.ndarray
    rows: dict[str, np.ndarray] | None


class TelemetryPipe:
    """Turns each day's realised outcomes into reports and keeps the observed views."""

    def __init__(
        self,
        scenario: Scenario,
        fleet: Fleet,
        days: int,
        rng: np.random.Generator,
        panel: np.ndarray | None,
        outlier_rng: np.random.Generator,
    ) -> None:
        n = fleet.size
        self._spec = scenario.telemetry
        self._measures_distraction = scenario.baseline.distraction_per_day > 0
        self._fleet = fleet
        self._days = days
        # Raw rows are kept for the panel's devices only (None: no raw rows at all).
        self.panel = panel
        self._treatment = fleet.treatment
        self.silent = np.zeros(n, dtype=bool)
        self._silent_if_failed = rng.random(n) < self._spec.silent_after_failed_install
        # Its own stream: a case that adds outliers keeps every other report the same.
        self._outliers = None if self._spec.outlier_rate == 0 else outlier_devices(
            self._spec.outlier_rate, self._spec.outlier_scale,
            scenario.baseline.sessions_per_day, n, outlier_rng)
        n_types, n_regions = len(fleet.device_types), len(fleet.regions)
        self._segments = len(fleet.tiers) * n_types * n_regions
        segment = (fleet.tier.astype(np.int64) * n_types + fleet.device_type) * n_regions
        segment += fleet.region
        # The fleet is sorted by (arm, segment): each present pair is one contiguous run.
        static_cell = fleet.treatment * self._segments + segment
        self._run_starts = np.flatnonzero(np.diff(static_cell, prepend=-1))
        run_cell = static_cell[self._run_starts]
        self._run_treated = run_cell >= self._segments
        self._run_segment = run_cell % self._segments
        self._cube = np.zeros((days, len(GROUPS) * self._segments, len(CUBE_SUMS)))
        self._gate_cube = np.zeros((days, len(GROUPS), len(GATE_SUMS)))

        self.days_reported = np.zeros(n, dtype=np.int16)
        # Last reported day plus one (0: never reported), so a running maximum keeps it.
        self.last_report_end = np.zeros(n, dtype=np.int16)
        self.duplicate_reports = np.zeros(n, dtype=np.int16)
        self.late_reports = np.zeros(n, dtype=np.int16)
        self.observed = DeviceTotals(n)
        self._rows: list[dict[str, np.ndarray]] = []

    def record(
        self,
        day: int,
        block: slice,
        outcome: DayOutcome,
        exposure: DayExposure,
        rng: np.random.Generator,
    ) -> BlockReports:
        """Turn one day's outcomes of the devices in ``block`` into reports: the block's
        per-device views are updated here, the shared ones by :meth:`commit`."""
        spec = self._spec
        fleet = self._fleet
        first = block.start
        n = block.stop - first

        def pick(pair: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
            return fleet.pick(*pair, first)

        silent = self.silent[block]
        silent |= exposure.failed_install & self._silent_if_failed[block]
        treatment = self._treatment[block]
        active = pick(outcome.active)
        sessions = (
            pick(outcome.sessions) if outcome.realised_sessions is None
            else outcome.realised_sessions
        )
        crashed = pick(outcome.crashed)
        if self._outliers is not None:
            extra_sessions, crash_loop = self._outliers
            sessions = sessions + extra_sessions[block] * active
            crashed = crashed | (crash_loop[block] & active)
        reporting = pick(outcome.reporting) & ~silent
        uses = outcome.feature_uses * treatment

        u = rng.random(n, dtype=np.float32)
        missing_to = spec.missing_rate
        late_to = missing_to + spec.late_rate
        duplicate_to = late_to + spec.duplicate_rate
        late = reporting & (u >= missing_to) & (u < late_to)
        delay = np.zeros(n, dtype=np.int16)
        late_idx = np.flatnonzero(late)
        if late_idx.size:
            delay[late_idx] = rng.geometric(1.0 / spec.late_mean_days, late_idx.size)
        arrives = delay < self._days - day
        received = reporting & (u >= missing_to) & arrives
        duplicate = received & (u >= late_to) & (u < duplicate_to)
        # A crash can kill the telemetry agent: silent from the next day on. The top of the
        # same uniform decides it, independent of the crash itself.
        silent |= crashed & (u >= np.float32(1.0 - spec.silent_after_crash))

        on_build = exposure.on_build
        battery = pick(outcome.battery)
        latency = pick(outcome.latency_ms)
        sensor = pick(outcome.sensor)
        if spec.firmware_shift:
            sensor = sensor + np.float32(spec.firmware_shift) * on_build

        seen_active = received & active
        seen_battery = seen_active & fleet.has_battery[block]
        seen_crash = received & crashed
        sums = {
            "sessions": sessions * received,
            "sessions_sq": sessions * sessions * received,
            "feature_uses": uses * received,
            "battery_sum": battery * seen_battery,
            "latency_sum": latency * seen_active,
            "sensor_sum": sensor * seen_active,
        }
        self.days_reported[block] += received
        last = self.last_report_end[block]
        np.maximum(last, received * np.int16(day + 1), out=last)
        self.duplicate_reports[block] += duplicate
        self.late_reports[block] += late & arrives
        self.observed.add(
            day,
            block,
            active=seen_active,
            sessions=sums["sessions"],
            feature_uses=sums["feature_uses"],
            crashed=seen_crash,
            battery_day=seen_battery,
            battery=battery,
            latency=latency,
            sensor=sensor,
            distraction=None
            if outcome.distraction is None
            else pick(outcome.distraction) * received,
        )

        counts = {
            "devices_reporting": received,
            "active": seen_active,
            "crashes": seen_crash,
            "battery_n": seen_battery,
        }
        cells, cell_sums = self._cube_sums(block, on_build, counts, sums)
        on_time = received & ~late
        split = min(max(fleet.n_control - first, 0), n)
        off_build = ~on_build[split:]
        gate_sums = np.empty((len(GROUPS), len(GATE_SUMS)))
        for column, values in enumerate((seen_active, seen_crash, sums["battery_sum"],
                                         seen_battery, sums["latency_sum"])):
            # Cast before summing: numpy holds the interpreter lock in a reduction that casts,
            # which would serialise the day's threads.
            weighted = (values * on_time).astype(np.float64)
            treated = weighted[split:]
            gate_sums[:, column] = (weighted[:split].sum(), (treated * off_build).sum(),
                                    (treated * on_build[split:]).sum())
        rows = None
        if self.panel is not None:
            in_panel = self.panel[block]
            rows = self._keep(day, block, received & in_panel, duplicate & in_panel, delay,
                              active, sessions, uses, crashed, battery, latency, sensor)
        return BlockReports(cells, cell_sums, gate_sums, rows)

    def commit(self, day: int, reports: BlockReports) -> None:
        """Add a recorded block's day to the cubes and the raw rows (call in block order)."""
        self._cube[day][reports.cells] += reports.sums
        self._gate_cube[day] += reports.gate_sums
        if reports.rows is not None:
            self._rows.append(reports.rows)

    def _cube_sums(
        self,
        block: slice,
        on_build: np.ndarray,
        counts: dict[str, np.ndarray],
        sums: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        # The block's part of each (arm, segment) run: where runs start inside the block.
        starts = self._run_starts
        first_run = int(np.searchsorted(starts, block.start, side="right")) - 1
        last_run = int(np.searchsorted(starts, block.stop, side="left"))
        local = np.maximum(starts[first_run:last_run], block.start) - block.start
        treated = self._run_treated[first_run:last_run]
        segment = self._run_segment[first_run:last_run]
        seg = self._segments
        # Control runs are never on the build; a treatment run splits into on and off. A run
        # is one (arm, segment) pair, so the block's cells are distinct. Control devices come
        # first, so the treatment runs are the block's tail: only it is summed on the build.
        cells = np.concatenate([segment[~treated], seg + segment[treated],
                                2 * seg + segment[treated]])
        tail = local[treated]
        first = int(tail[0]) if tail.size else 0
        tail = tail - first
        out = np.empty((cells.size, len(CUBE_SUMS)))
        for name, values in (*counts.items(), *sums.items()):
            # Cast first, as in the gate's sums: a casting reduceat holds the interpreter lock.
            values = values.astype(np.int64 if values.dtype == bool else np.float64)
            total = np.add.reduceat(values, local)
            on = (np.add.reduceat(values[first:] * on_build[first:], tail) if tail.size
                  else np.zeros(0, dtype=values.dtype))
            out[:, _COLUMN[name]] = np.concatenate(
                [total[~treated], total[treated] - on, on])
        return cells, out

    def _keep(self, day, block, received, duplicate, delay, active, sessions, uses, crashed,
              battery, latency, sensor) -> dict[str, np.ndarray]:
        rows = np.concatenate([np.flatnonzero(received), np.flatnonzero(duplicate)])
        nan = np.float32(np.nan)
        act = active[rows]
        fleet_rows = rows + block.start
        return {
            "device_id": self._fleet.device_id[fleet_rows],
            "day": (np.int16(day) + self._fleet.clock_skew[fleet_rows].astype(np.int16)),
            "received_day": (day + delay[rows]).astype(np.int16),
            "active": act.astype(np.int8),
            "sessions": sessions[rows],
            "feature_uses": uses[rows],
            "crashed": crashed[rows].astype(np.int8),
            "battery_drain": np.where(act & self._fleet.has_battery[fleet_rows],
                                      battery[rows], nan),
            "latency_ms": np.where(act, latency[rows], nan),
            "sensor_score": np.where(act, sensor[rows], nan),
        }

    def read_gate(self, metric: str, first_day: int, last_day: int) -> GateReading:
        """A guardrail over days ``first_day..last_day``: treatment on the build vs control, from
        the reports that arrived on time."""
        per_group = self._gate_cube[first_day : last_day + 1].sum(axis=0)
        column = _GATE_COLUMN

        numerator, denominator = _GATE_RATIOS[metric]

        def value(group: int) -> float:
            below = per_group[group][column[denominator]]
            return float(per_group[group][column[numerator]] / below) if below > 0 else 0.0

        is_rate = metric in _RATE_GATES
        return GateReading(
            treatment=value(2),
            control=value(0),
            exposed_device_days=int(per_group[2][column["active"]]),
            events=int(per_group[2][column[numerator]]) if is_rate else None,
            trials=int(per_group[2][column[denominator]]) if is_rate else None,
        )

    def observed_metrics(self) -> dict[str, np.ndarray]:
        """Per-device metrics as the analyst's table shows them, plus report counts.

        ``last_report_day`` is the last day a report came for (-1: never); distraction events
        are NaN on a fleet without a distraction sensor.
        """
        metrics = {
            "days_reported": self.days_reported,
            "last_report_day": (self.last_report_end - 1).astype(np.int16),
            "duplicate_reports": self.duplicate_reports,
            "late_reports": self.late_reports,
            **self.observed.metrics(self._days),
        }
        if not self._measures_distraction:
            metrics["distraction_events"] = np.full(self._fleet.size, np.nan, dtype=np.float32)
        return metrics

    def rows_frame(self) -> pd.DataFrame | None:
        """The raw report rows in arrival order (duplicates included, late rows on the day they
        arrived)."""
        if self.panel is None:
            return None
        if not self._rows:
            return pd.DataFrame({name: [] for name in COLUMNS})
        columns = {name: np.concatenate([chunk[name] for chunk in self._rows]) for name in COLUMNS}
        # In arrival order, as a pipeline receives them (a stable sort on one small integer).
        order = np.argsort(columns["received_day"], kind="stable")
        return pd.DataFrame({name: values[order] for name, values in columns.items()}, copy=False)

    def cube_frame(self) -> pd.DataFrame:
        """The day x arm x build x chip tier x device type x region sums (the `day_arm` table)."""
        fleet = self._fleet
        days, cells, _ = self._cube.shape
        n_types, n_regions = len(fleet.device_types), len(fleet.regions)
        sums = self._cube.reshape(days * cells, len(CUBE_SUMS))
        # Cells nobody reported from (control devices on the build, say) carry no information.
        kept = np.flatnonzero(sums[:, _COLUMN["devices_reporting"]] > 0)
        columns = np.ascontiguousarray(sums[kept].T)
        cell = kept % cells
        segment = cell % self._segments
        group = cell // self._segments

        def categories(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
            return pd.Categorical.from_codes(codes.astype(np.int8), categories=list(names),
                                             validate=False)

        counts = {"devices_reporting", "active", "crashes", "battery_n"}
        return pd.DataFrame({
            "day": (kept // cells).astype(np.int16),
            "arm": categories(group > 0, ["control", "treatment"]),
            "on_build": group == 2,
            "chip_tier": categories(segment // (n_types * n_regions), fleet.tiers),
            "device_type": categories((segment // n_regions) % n_types, fleet.device_types),
            "region": categories(segment % n_regions, fleet.regions),
            **{name: columns[index].astype(np.int32) if name in counts else columns[index]
               for index, name in enumerate(CUBE_SUMS)},
        }, copy=False)
