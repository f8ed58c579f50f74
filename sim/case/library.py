"""The case library: the folder of case files, and finding a case by file or by id.

>>> [path.stem for path in case_paths()][:2]
['aa_test', 'assistant_llm_ram']
>>> load_case("aa_test").meta.id == resolve_case("scenarios/aa_test.toml").meta.id
True
"""

from __future__ import annotations

from pathlib import Path

from sim import messages
from sim.case.scenario import Scenario, load_scenario
from sim.errors import ScenarioError

CASES_FOLDER = Path(__file__).resolve().parents[2] / "scenarios"
"""The case library that ships with Launch Room (``scenarios/`` at the repository's root)."""


def case_paths(folder: str | Path = CASES_FOLDER) -> list[Path]:
    """The case files in a folder, sorted by name."""
    return sorted(Path(folder).glob("*.toml"))


def load_case(case_id: str, folder: str | Path = CASES_FOLDER) -> Scenario:
    """The case with this id from the library (its file is ``<id>.toml``).

    >>> load_case("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: no case named 'nope'; known cases: aa_test, ...
    """
    candidate = Path(folder) / f"{case_id}.toml"
    if candidate.is_file():
        return load_scenario(candidate)
    known = ", ".join(path.stem for path in case_paths(folder)) or "(none)"
    raise ScenarioError(messages.UNKNOWN_CASE.format(name=case_id, known=known))


def resolve_case(name: str, folder: str | Path = CASES_FOLDER) -> Scenario:
    """A case from a file path, or by id from the library (the command line's ``CASE``).

    >>> resolve_case("aa_test").meta.id
    'aa_test'
    """
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load_scenario(path)
    return load_case(name, folder)
