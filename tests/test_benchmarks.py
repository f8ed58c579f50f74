"""The process-per-device baseline in benchmarks/ runs, and gives sane per-arm means."""

from __future__ import annotations

import importlib.util
import math
import sys

from tests.conftest import ROOT


def _load(name: str):
    path = ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_the_process_per_device_model_runs_and_its_arm_means_are_finite_and_positive(night_case):
    model = _load("process_per_device")
    result = model.simulate_processes(night_case, devices=300, days=5, seed=0)
    assert result.devices == 300 and result.days == 5
    assert result.seconds > 0 and result.device_days_per_second > 0
    for means in (result.observed, result.potential):
        for arm in ("control", "treatment"):
            for metric in ("sessions", "active_days"):
                value = means[arm][metric]
                assert math.isfinite(value) and value > 0, (arm, metric, value)
    # Stages 0-2 (20% of the fleet) are offered by day 3: some treatment devices install.
    assert result.installed > 0


def test_the_process_per_device_model_is_reproducible(night_case):
    model = _load("process_per_device")
    a = model.simulate_processes(night_case, devices=200, days=3, seed=4)
    b = model.simulate_processes(night_case, devices=200, days=3, seed=4)
    assert a.observed == b.observed and a.potential == b.potential


def test_every_benchmark_script_imports():
    # A benchmark is run by hand, not by the suite: importing each one catches a moved module.
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        _load(path.stem)
