"""Shared fixtures: small, seeded simulations reused across tests (they are deterministic)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim import load_scenario, simulate

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _run_from_repository_root(monkeypatch):
    # Case paths in docs and messages are relative to the repository root.
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def aa_case():
    return load_scenario(CASES / "aa_test.toml")


@pytest.fixture(scope="session")
def night_case():
    return load_scenario(CASES / "camera_night_mode.toml")


@pytest.fixture(scope="session")
def night_result(night_case):
    return simulate(night_case, seed=11, devices=20_000)


@pytest.fixture(scope="session")
def aa_result(aa_case):
    return simulate(aa_case, seed=5, devices=20_000)


def pytest_report_header(config):
    return f"launch room tests from {ROOT} (cpus: {os.cpu_count()})"

