"""sim/engine/allocator.py: glibc's thresholds are set where glibc is the C library."""

import ctypes
import platform
import subprocess
import sys

import pytest

from sim.engine.allocator import retain_freed_memory
from tests.conftest import ROOT


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds():
    assert retain_freed_memory()


def test_a_c_library_without_mallopt_is_left_alone(monkeypatch):
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # no mallopt, as on macOS
    assert retain_freed_memory() is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_freed_block_sized_arrays_stay_in_the_process():
    # A loop that frees and reallocates 2 MB arrays, the engine's pattern: with the thresholds
    # fixed its pages are faulted in once, not on every round (counted by getrusage).
    script = """
import importlib.util, resource, sys
import numpy as np
# The module alone, without importing the sim package (statsmodels and all) in the child.
spec = importlib.util.spec_from_file_location("allocator", sys.argv[2])
allocator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(allocator)
if sys.argv[1] == "retain":
    allocator.retain_freed_memory()
np.empty(40_000_000 // 8)  # a large array freed first raises glibc's own thresholds
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    arrays = [np.ones(262_144) for _ in range(12)]
    del arrays
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    module = str(ROOT / "sim" / "engine" / "allocator.py")
    faults = {mode: int(subprocess.run([sys.executable, "-c", script, mode, module],
                                       capture_output=True, text=True, check=True).stdout)
              for mode in ("default", "retain")}
    assert faults["retain"] * 5 < faults["default"]
