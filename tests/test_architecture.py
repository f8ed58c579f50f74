"""The layout's one-direction rule, checked on every import in sim/ (function-level ones too).

case <- engine <- readout -> analysis; decide uses readout and analysis; export, rooms and
sweeps sit on decide; the command line (cli) sits above every package; nothing else in sim/
imports streamlit or the command line, and nothing imports a private name of another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

SIM = ROOT / "sim"
TOP = {"errors", "messages", "limits"}
BELOW = {
    "case": set(),
    "engine": {"case"},
    "analysis": set(),
    "readout": {"analysis", "engine", "case"},
    "decide": {"readout", "analysis", "engine", "case"},
    "export": {"decide", "readout", "analysis", "engine", "case"},
    "rooms": {"decide", "readout", "analysis", "engine", "case"},
    "sweeps": {"decide", "readout", "analysis", "engine", "case"},
}
ABOVE = {"cli"}  # the command line: it may import any package, and nothing imports it
MODULES = sorted(SIM.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _package(path: Path) -> str:
    parts = path.relative_to(SIM).with_suffix("").parts
    return parts[0] if len(parts) > 1 else parts[0]


def test_the_top_level_holds_at_most_six_modules_and_a_folder_per_concept():
    top = sorted(p.stem for p in SIM.glob("*.py"))
    assert len(top) <= 6, top
    packages = sorted(p.name for p in SIM.iterdir() if (p / "__init__.py").is_file())
    assert packages == sorted([*BELOW, *ABOVE])
    for package in packages:
        assert (ROOT / "tests" / package).is_dir(), f"tests/{package}/ mirrors sim/{package}/"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SIM)) for p in MODULES])
def test_imports_run_one_way(path):
    package = _package(path)
    for module, names in _imports(path):
        assert not module.startswith("streamlit"), f"{path.name} imports {module}"
        if not module.startswith("sim"):
            continue
        parts = module.split(".")
        if parts[:2] == ["sim", "cli"] or (module == "sim" and "cli" in names):
            assert package in ABOVE or path == SIM / "__main__.py", f"{path} imports the CLI"
        if path.parent == SIM and path.stem in {"__init__", "__main__"}:
            continue  # the facade and python -m sim sit above every package
        targets = {parts[1]} if len(parts) > 1 else set(names)
        for target in targets:
            if target in TOP or target == package or package in ABOVE:
                continue
            assert package in BELOW, f"{path}: a top-level module imports sim.{target}"
            assert target in BELOW[package], f"{path}: {package} may not import sim.{target}"
        assert not any(name.startswith("_") for name in names), f"{path}: private import {names}"
