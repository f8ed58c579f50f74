"""Benchmark: the engine against a textbook SimPy model with one process per device.

Device-days per second of `sim.simulate` and of `benchmarks/process_per_device.py` on the
camera_night_mode case at 20,000 and 100,000 devices x 28 days, and their ratio. Every
measurement runs in a fresh process (imports are not timed; building the fleet is). The engine
reports the median of 3 runs; the process-per-device model one run per size, as it takes far
longer. The ratio is given on wall time (the target) and on CPU time, which other processes
on a shared machine disturb far less. Should a process-per-device run be expected to take more than 15 minutes, it runs over
fewer days and its device-days per second is extrapolated to the full horizon (the output
says so).

One process per device holds 6-8 KB a device (818 MB at 100,000, 6.3 GB at 1,000,000), so above
``--process-max-devices`` (1,000,000) it is not run at the fleet's size: its device-days per
second measured at the largest size that fits stands for the bigger fleet (its cost per
device-day does not fall with size: 111,658/s at 20,000 devices, 92,592/s at 100,000), and the
output says so.

At or below the case's ``telemetry.daily_max_devices`` (50,000) `simulate` also builds the raw
device x day report table, which the process-per-device model does not produce; for those
sizes the engine is timed a second time without it, and that row is labelled.

    python benchmarks/bench_engine_vs_processes.py            # Markdown table on stdout
    python benchmarks/bench_engine_vs_processes.py --json     # machine-readable
    python benchmarks/bench_engine_vs_processes.py --sizes 1000000 10000000

Target (issue #8): the engine at least 50x the device-days per second of the
process-per-device model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "scenarios" / "camera_night_mode.toml"
SIZES = (20_000, 100_000)
DAYS = 28
TARGET_RATIO = 50.0
BUDGET_S = 15 * 60  # longest process-per-device run before it is cut to fewer days


def _child(model: str, devices: int, days: int, seed: int) -> None:
    """Child process: time one run and print seconds, peak RSS and the arms' session means."""
    sys.path.insert(0, str(ROOT))
    from sim import load_scenario

    case = load_scenario(CASE)
    if model == "engine-no-daily-rows":
        telemetry = case.telemetry.model_copy(update={"daily_max_devices": 0})
        case, model = case.model_copy(update={"telemetry": telemetry}), "engine"
    if model == "engine":
        from sim import simulate

        started, cpu_started = time.perf_counter(), time.process_time()
        result = simulate(case, seed=seed, devices=devices, days=days)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        by_arm = result.devices.groupby("arm", observed=True)["sessions"].mean()
        means = {arm: float(value) for arm, value in by_arm.items()}
    else:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from process_per_device import simulate_processes

        result = simulate_processes(case, devices=devices, days=days, seed=seed)
        seconds, cpu_seconds = result.seconds, result.cpu_seconds
        means = {arm: values["sessions"] for arm, values in result.observed.items()}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {"seconds": seconds, "cpu_s": cpu_seconds, "peak_mb": peak_mb, "sessions": means}
        )
    )


def _run(model: str, devices: int, days: int, seed: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", model, str(devices), str(days), str(seed)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def measure(model: str, devices: int, days: int, runs: int) -> dict:
    """Median seconds over ``runs`` fresh processes, and device-days per second from it."""
    samples = [_run(model, devices, days, seed) for seed in range(runs)]
    seconds = [s["seconds"] for s in samples]
    median = statistics.median(seconds)
    return {
        "model": model,
        "devices": devices,
        "days": days,
        "runs": runs,
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_mb": max(s["peak_mb"] for s in samples),
        "device_days_per_s": devices * days / median,
        "median_cpu_s": statistics.median(s["cpu_s"] for s in samples),
        "sessions": samples[0]["sessions"],
    }


def _row(devices: int, variant: str, processes: dict, engine: dict) -> dict:
    return {
        "devices": devices,
        "days": DAYS,
        "variant": variant,
        "processes": processes,
        "engine": engine,
        "ratio": engine["device_days_per_s"] / processes["device_days_per_s"],
        # The same ratio on CPU time: steadier when other processes share the machine.
        "cpu_ratio": (processes["median_cpu_s"] / (processes["devices"] * processes["days"]))
        / (engine["median_cpu_s"] / (devices * DAYS)),
    }


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-runs", type=int, default=3)
    parser.add_argument("--process-runs", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--process-max-devices", type=int, default=1_000_000,
                        help="largest fleet the process-per-device model is run at")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        model, devices, days, seed = args.child
        _child(model, int(devices), int(days), int(seed))
        return

    sys.path.insert(0, str(ROOT))
    from sim import load_scenario

    daily_max_devices = load_scenario(CASE).telemetry.daily_max_devices
    load_before = _uptime()
    started = time.perf_counter()
    rows = []
    rate = None  # process-per-device device-days per second seen so far, for the budget
    measured: dict[int, dict] = {}  # process-per-device runs by fleet size
    for devices in sorted(args.sizes):
        model_devices = min(devices, args.process_max_devices)
        days, note = DAYS, ""
        if rate is not None and model_devices * DAYS / rate > BUDGET_S:
            days = max(1, math.floor(BUDGET_S * rate / model_devices))
            note = f"measured over {days} days, extrapolated per device-day to {DAYS}"
        if model_devices not in measured:
            measured[model_devices] = measure("processes", model_devices, days,
                                              args.process_runs)
            measured[model_devices]["note"] = note
        processes = dict(measured[model_devices])
        if model_devices < devices:
            processes["note"] = "; ".join(filter(None, [processes["note"], (
                f"measured at {model_devices:,} devices (one process per device needs 6-8 "
                f"KB a device: {devices:,} do not fit in memory); its device-days per second "
                f"stands for {devices:,}")]))
        rate = processes["device_days_per_s"]
        engine = measure("engine", devices, DAYS, args.engine_runs)
        rows.append(_row(devices, "", processes, engine))
        if devices <= daily_max_devices:
            engine = measure("engine-no-daily-rows", devices, DAYS, args.engine_runs)
            rows.append(_row(devices, "engine without the raw daily table", processes, engine))
    machine = {
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "uptime_before": load_before,
        "uptime_after": _uptime(),
        "wall_s": time.perf_counter() - started,
    }
    if args.json:
        print(
            json.dumps({"machine": machine, "target_ratio": TARGET_RATIO, "rows": rows}, indent=2)
        )
        return
    print(
        f"camera_night_mode on {machine['processor']}, {machine['cores']} cores, "
        f"Python {machine['python']}"
    )
    print(f"before: {machine['uptime_before']}")
    print(f"after:  {machine['uptime_after']}")
    print()
    print(
        "| devices x days | process per device: s (runs) | device-days/s | peak MB | "
        "engine: median s (runs, range) | device-days/s | peak MB | ratio | ratio on CPU time "
        "| target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        p, e = row["processes"], row["engine"]
        ok = row["ratio"] >= TARGET_RATIO
        label = f" ({row['variant']})" if row["variant"] else ""
        p_time = f"{p['median_s']:.1f} ({p['runs']})" + (
            f" over {p['days']} days" if p["days"] != DAYS else ""
        )
        print(
            f"| {row['devices']:,} x {DAYS}{label} | {p_time} | {p['device_days_per_s']:,.0f} | "
            f"{p['peak_mb']:.0f} | {e['median_s']:.2f} ({e['runs']}, "
            f"{e['min_s']:.2f}-{e['max_s']:.2f}) | {e['device_days_per_s']:,.0f} | "
            f"{e['peak_mb']:.0f} | {row['ratio']:.0f}x | {row['cpu_ratio']:.0f}x | "
            f">= {TARGET_RATIO:g}x {'met' if ok else 'MISSED'} |"
        )
    for row in rows:
        if row["processes"]["note"]:
            print(f"\n{row['devices']:,} devices, process per device: {row['processes']['note']}.")
    print()
    print("Sessions per device by arm (sanity check, seed 0; the engine's are observed telemetry):")
    for row in rows:
        if row["variant"]:
            continue
        for name in ("processes", "engine"):
            means = row[name]["sessions"]
            print(
                f"- {row['devices']:,} devices, {name}: control {means['control']:.2f}, "
                f"treatment {means['treatment']:.2f}"
            )
    print(f"\nTotal benchmark wall time {machine['wall_s']:.0f} s.")


if __name__ == "__main__":
    main()
