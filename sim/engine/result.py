"""`SimResult`: the tables a simulation produces, and their Parquet round trip.

>>> import tempfile
>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=1_000, days=7)
>>> folder = tempfile.mkdtemp()
>>> result.save(folder)
>>> SimResult.load(folder).devices.equals(result.devices)
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import messages
from sim.case.scenario import Scenario
from sim.errors import LaunchRoomError

TABLES = ("devices", "day_arm", "timeline", "rollout", "truth", "daily")
_META_FILE = "result.json"
# Bumped whenever a table's columns change, so an old folder is refused, not misread.
FORMAT_VERSION = 5


@dataclass(frozen=True)
class SimResult:
    """Everything a run produced; ``truth`` is hidden from the analyst until the reveal.

    - ``devices``: one row a device (the unit of analysis), observed totals.
    - ``daily``: device x day report rows as received, for every device of a small fleet or a
      random panel of a large one (``devices.in_panel``); ``None`` when none are kept.
    - ``day_arm``: day x arm x build x segment sums of the observed reports.
    - ``timeline``: rollout events (stage starts, gate checks, halts, rollbacks, incidents).
    - ``rollout``: one row a day: offered, downloaded, installed, failed, OTA backlog.
    - ``truth``: true means and effects per metric and segment.
    """

    scenario: Scenario
    seed: int
    days: int
    devices: pd.DataFrame
    day_arm: pd.DataFrame
    timeline: pd.DataFrame
    rollout: pd.DataFrame
    truth: pd.DataFrame
    daily: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def true_effect(self, metric: str, segment_kind: str = "all", segment: str = "all") -> float:
        """The true absolute effect of the treatment on ``metric`` in a segment.

        >>> from sim import load_scenario, simulate
        >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=500, days=5)
        >>> result.true_effect("sessions")
        0.0
        """
        rows = self.truth[
            (self.truth["metric"] == metric)
            & (self.truth["segment_kind"] == segment_kind)
            & (self.truth["segment"] == segment)
        ]
        if rows.empty:
            raise LaunchRoomError(
                f"no truth for metric {metric!r} in segment {segment_kind}={segment}"
            )
        return float(rows["abs_effect"].iloc[0])

    def summary(self) -> dict[str, Any]:
        """A short, JSON-ready summary of the run for people and the command line."""
        devices = self.devices
        treatment = devices["arm"] == "treatment"
        primary = self.scenario.experiment.primary_metric
        installed = devices["installed_day"].notna() & treatment
        events = self.timeline["event"].value_counts().to_dict()
        return {
            "case": self.scenario.meta.id,
            "variant": self.scenario.variant_number,
            "seed": self.seed,
            "devices": len(devices),
            "days": self.days,
            "treatment_devices": int(treatment.sum()),
            "control_devices": int((~treatment).sum()),
            "installed_share_of_treatment": float(installed.sum() / max(treatment.sum(), 1)),
            "install_failures": int(devices["install_failed"].sum()),
            "halted": bool(events.get("halt", 0) or events.get("rollback", 0)),
            "rolled_back": bool(events.get("rollback", 0)),
            "gate_breaches": int((self.timeline["outcome"] == "breach").sum()),
            "primary_metric": primary,
            "observed_primary": {
                "control_mean": float(devices.loc[~treatment, primary].mean()),
                "treatment_mean": float(devices.loc[treatment, primary].mean()),
            },
            "daily_rows": None if self.daily is None else len(self.daily),
            "seconds": self.info.get("seconds"),
        }

    def save(self, folder: str | Path) -> None:
        """Write every table as Parquet plus ``result.json`` (case, seed, days, info)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            table = getattr(self, name)
            if table is not None:
                table.to_parquet(folder / f"{name}.parquet", index=False)
        meta = {
            "format_version": FORMAT_VERSION,
            "scenario": self.scenario.model_dump(mode="json"),
            "source": self.scenario.source,
            "variant": self.scenario.variant_number,
            "seed": self.seed,
            "days": self.days,
            "info": self.info,
        }
        (folder / _META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> SimResult:
        """Read a result written by :meth:`save`."""
        from sim.case.scenario import scenario_from_data

        folder = Path(folder)
        needed = [_META_FILE] + [f"{name}.parquet" for name in TABLES if name != "daily"]
        missing = [name for name in needed if not (folder / name).is_file()]
        if missing:
            raise LaunchRoomError(
                messages.RESULT_NOT_FOUND.format(path=folder, missing=", ".join(missing))
            )
        try:
            meta = json.loads((folder / _META_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise LaunchRoomError(
                messages.RESULT_UNREADABLE.format(path=folder / _META_FILE, detail=error)
            ) from None
        if meta.get("format_version") != FORMAT_VERSION:
            raise LaunchRoomError(
                messages.RESULT_OLD_FORMAT.format(
                    path=folder, found=meta.get("format_version", 1), expected=FORMAT_VERSION
                )
            )
        # Runs saved before variants existed ran the case as written.
        scenario = scenario_from_data(meta["scenario"], meta["source"],
                                      variant_number=meta.get("variant", 0))
        tables = {
            name: pd.read_parquet(folder / f"{name}.parquet")
            for name in TABLES
            if (folder / f"{name}.parquet").is_file()
        }
        return cls(
            scenario=scenario,
            seed=meta["seed"],
            days=meta["days"],
            info=meta["info"],
            daily=tables.pop("daily", None),
            **tables,
        )
