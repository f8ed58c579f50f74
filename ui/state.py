"""Session state shared by every page: the case, its variant, knobs, seed and fleet size, and
shareable links.

Everything a run depends on lives in ``st.session_state`` (per browser session, never at module
level, which every user of the server would share) and round-trips through the URL's query
parameters, so a link pasted to a friend reproduces the exact same run. :class:`RunKey` is the
one recipe for "which run": the sidebar, rooms and the caches all build it the same way.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from sim import LaunchRoomError, Scenario, load_scenario
from sim.case.knobs import parse_knob_value
from sim.case.library import CASES_FOLDER, case_paths
from sim.limits import MAX_SEED, MAX_VARIANT
from sim.rooms.database import cases_folder
from ui import texts

DEFAULT_CASE = "camera_night_mode"
FLEET_SIZES = (10_000, 20_000, 50_000, 100_000, 200_000)
DEFAULT_DEVICES = 100_000
_RESERVED = {"case", "variant", "seed", "devices", "room", "token", "member"}
MAX_LINK_VALUE_CHARS = 100
"""The longest value a link may give a setting (a knob value, a seed)."""
_KEPT = ("room",)  # a study group's code stays in the address bar (secrets never do)


@dataclass(frozen=True)
class RunKey:
    """Everything that changes a run's tables: the case, its variant (0: the file as written),
    its knobs, the seed and the fleet size.

    ``knobs`` are sorted ``(path, JSON text of the value)`` pairs, so equal settings give equal
    keys however they were typed, and the key is hashable (a cache key).

    >>> key = RunKey.of("aa_test", {"feature.quantization": "int4"}, 3, 10_000, variant=2)
    >>> key.knobs, key.knob_values(), key.variant
    ((('feature.quantization', '"int4"'),), {'feature.quantization': 'int4'}, 2)
    """

    case_id: str
    knobs: tuple[tuple[str, str], ...]
    seed: int
    devices: int
    variant: int

    @classmethod
    def of(cls, case_id: str, knobs: Mapping[str, Any], seed: int, devices: int, *,
           variant: int) -> RunKey:
        """The key of a run from plain settings."""
        return cls(case_id, canonical_knobs(knobs), int(seed), int(devices), int(variant))

    def knob_values(self) -> dict[str, Any]:
        """The knobs as ``{path: value}``."""
        return {path: json.loads(text) for path, text in self.knobs}


def canonical_knobs(knobs: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Knob settings as sorted ``(path, JSON text)`` pairs: a stable, hashable form.

    >>> canonical_knobs({"b": True, "a": 0.5})
    (('a', '0.5'), ('b', 'true'))
    """
    return tuple(sorted((str(path), json.dumps(value)) for path, value in knobs.items()))


def case_library() -> dict[str, Scenario]:
    """Every valid case by id: the built-in library (``scenarios/``), then the cases saved on
    this server (:func:`sim.rooms.database.cases_folder`; a saved case never replaces a
    built-in one). Invalid files are reported on the Cases page.

    >>> "aa_test" in case_library()
    True
    """
    user = cases_folder()
    return _library(str(CASES_FOLDER), str(user), _stamp(user))


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What the saved cases' files look like now: a new, changed or deleted file changes it,
    and with it the cached library (in every server process)."""
    stamps = []
    for path in case_paths(folder):
        with contextlib.suppress(OSError):
            info = path.stat()
            stamps.append((path.name, info.st_mtime_ns, info.st_size))
    return tuple(stamps)


@st.cache_data(max_entries=32, show_spinner=False)
def _library(folder: str, user_folder: str,
             stamp: tuple[tuple[str, int, int], ...]) -> dict[str, Scenario]:
    cases = {}
    for path in [*case_paths(folder), *case_paths(user_folder)]:
        if path.stem in cases:
            continue
        try:
            cases[path.stem] = load_scenario(path)
        except LaunchRoomError:
            continue
    return cases


@st.cache_data(max_entries=64, show_spinner=False)
def case_variant(case_id: str, variant: int) -> Scenario:
    """Variant ``variant`` of a library case (0: the file as written), validated once."""
    return case_library()[case_id].variant(variant)


def case_for(key: RunKey) -> Scenario:
    """The case a run key describes: its variant of the case with its knobs applied."""
    return case_variant(key.case_id, key.variant).with_knobs(key.knob_values())


def library_problems() -> list[str]:
    """One line per case file, built-in or saved on this server, that does not validate."""
    problems = []
    for path in [*case_paths(CASES_FOLDER), *case_paths(cases_folder())]:
        try:
            load_scenario(path)
        except LaunchRoomError as error:
            problems.append(str(error))
    return problems


def init_state() -> None:
    """Set the session's defaults once, reading a shared link's query parameters if present.

    A link carries the case, its variant, the seed, the fleet size and the case's declared
    knobs (a room's
    link also its code and, for the facilitator, a token the Study group page takes out of the
    address bar). Every other key is ignored with a note naming it; every value is read with
    a bounded length; a value a knob does not accept is left out with its reason.
    """
    cases = case_library()
    if st.session_state.get("_initialised"):
        return
    params = st.query_params
    notes: list[str] = []
    fallback = DEFAULT_CASE if DEFAULT_CASE in cases else next(iter(cases))
    case_id = params.get("case", fallback)
    if case_id not in cases:
        notes.append(texts.LINK_UNKNOWN_CASE.format(case=case_id))
        case_id = fallback
    st.session_state.setdefault("case_id", case_id)
    st.session_state.setdefault("variant", _variant_param(params.get("variant"), notes))
    st.session_state.setdefault("seed", _int_param(params.get("seed"), 0, 0, MAX_SEED, "seed", notes))
    devices = _int_param(params.get("devices"), DEFAULT_DEVICES, FLEET_SIZES[0], FLEET_SIZES[-1],
                         "devices", notes)
    st.session_state.setdefault("devices", min(FLEET_SIZES, key=lambda size: abs(size - devices)))
    st.session_state.setdefault("knobs", {})
    try:
        case = case_variant(case_id, st.session_state["variant"])
    except LaunchRoomError as error:  # a case that declares no variants has only variant 0
        notes.append(texts.LINK_BAD_KNOBS.format(error=error))
        st.session_state["variant"] = 0
        case = cases[case_id]
    knobs: dict[str, Any] = {}
    for key in params:
        if key in _RESERVED:
            continue
        raw = params.get(key) or ""
        if case.knob(key) is None:
            notes.append(texts.LINK_KEY_IGNORED.format(key=key))
        elif len(raw) > MAX_LINK_VALUE_CHARS:
            notes.append(texts.LINK_VALUE_TOO_LONG.format(key=key, limit=MAX_LINK_VALUE_CHARS))
        else:
            try:
                value = parse_knob_value(raw)
                case.with_knobs({**knobs, key: value})
            except LaunchRoomError as error:
                notes.append(texts.LINK_BAD_KNOBS.format(error=error))
            else:
                knobs[key] = value
    if knobs:
        st.session_state["knobs"][case_id] = knobs
    st.session_state.setdefault("decisions", [])
    st.session_state["_link_notes"] = notes
    st.session_state["_initialised"] = True


SIDEBAR_KEYS = ("case_id", "variant", "seed", "devices")
"""The sidebar's widgets' keys: the run's case, variant, seed and fleet size."""


def keep_sidebar_values() -> None:
    """Keep the sidebar's values on pages that do not draw the sidebar (the Learn pages).

    Streamlit forgets a widget's value after a run that does not draw the widget; setting
    the key again makes it the session's own value, which survives until the widget is
    drawn again.
    """
    for key in SIDEBAR_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _int_param(raw: str | None, default: int, low: int, high: int, name: str,
               notes: list[str]) -> int:
    if raw is None:
        return default
    try:
        if len(raw) > MAX_LINK_VALUE_CHARS:
            raise ValueError(raw)
        value = int(raw)
    except ValueError:
        notes.append(texts.LINK_BAD_NUMBER.format(name=name, value=raw))
        return default
    if not low <= value <= high:
        notes.append(texts.LINK_BAD_NUMBER.format(name=name, value=raw))
        return default
    return value


def _variant_param(raw: str | None, notes: list[str]) -> int:
    """A link's variant, or 0 (the case as written) with a note saying why it was not used."""
    if raw is None:
        return 0
    if len(raw) <= MAX_LINK_VALUE_CHARS and raw.isascii() and raw.isdigit() \
            and int(raw) <= MAX_VARIANT:
        return int(raw)
    shown = raw if len(raw) <= MAX_LINK_VALUE_CHARS else raw[:MAX_LINK_VALUE_CHARS] + "..."
    notes.append(texts.LINK_BAD_VARIANT.format(value=shown, high=MAX_VARIANT))
    return 0


def fresh_variant(case_id: str) -> int:
    """A variant of the case this session has not seen (a number drawn from fresh entropy:
    which variant comes next should not be predictable; each variant itself is deterministic)."""
    seen = seen_variants(case_id)
    rng = np.random.default_rng()
    while True:
        number = int(rng.integers(1, MAX_VARIANT + 1))
        if number not in seen:
            return number


def take_fresh_variant() -> None:
    """Put an unseen variant of the sidebar's case into the sidebar (the button's on_click)."""
    st.session_state["variant"] = fresh_variant(st.session_state["case_id"])


def seen_variants(case_id: str) -> set[int]:
    """The variants of a case this session has had in its sidebar."""
    return st.session_state.setdefault("seen_variants", {}).setdefault(case_id, set())


def note_variant_seen() -> None:
    """Remember the sidebar's variant of its case as seen (for :func:`fresh_variant`)."""
    seen_variants(st.session_state["case_id"]).add(int(st.session_state["variant"]))


def knobs_for(case_id: str) -> dict[str, Any]:
    """The knob overrides the person set for a case (empty: the case's defaults)."""
    return dict(st.session_state["knobs"].get(case_id, {}))


def set_knob(case_id: str, path: str, value: Any, default: Any) -> None:
    """Remember a knob value; a value equal to the case's default is forgotten."""
    knobs = st.session_state["knobs"].setdefault(case_id, {})
    if value == default:
        knobs.pop(path, None)
    else:
        knobs[path] = value


def current_case() -> Scenario:
    """The selected case's variant with the person's knobs applied."""
    return case_for(run_key())


def run_key() -> RunKey:
    """The run the sidebar describes."""
    case_id = st.session_state["case_id"]
    return RunKey.of(case_id, knobs_for(case_id), st.session_state["seed"],
                     st.session_state["devices"], variant=st.session_state["variant"])


def _link_params(key: RunKey) -> dict[str, str]:
    params = {"case": key.case_id, "seed": str(key.seed), "devices": str(key.devices)}
    if key.variant:  # variant 0 is the case as written: links from before variants stay valid
        params["variant"] = str(key.variant)
    params.update({path: _link_value(value) for path, value in key.knob_values().items()})
    return params


def sync_link() -> None:
    """Write the run's inputs into the URL so the address bar is a shareable link."""
    params = _link_params(run_key())
    params.update({name: st.query_params[name] for name in _KEPT if name in st.query_params})
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def _link_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return repr(value)


def share_query() -> str:
    """The query string of the current run (for a copyable link)."""
    return "?" + urlencode(_link_params(run_key()))


def readout_day(key: RunKey) -> int:
    """The day this session reads the run ``key`` through: its decision day.

    It starts at the case's decision day (a design knob where the case has one) and only
    moves forward, when the person extends: looking at later data and then deciding at an
    earlier day would decide on data the person did not have.
    """
    days = st.session_state.setdefault("readout_days", {})
    if key not in days:
        case = case_for(key)
        days[key] = min(case.experiment.decision_day, case.fleet.days)
    return days[key]


def record_extension(key: RunKey, day: int, later: int) -> None:
    """An extend on ``day``: the run's readout moves forward to ``later``, and the session
    remembers it (the days waited count against the budget)."""
    days = st.session_state.setdefault("readout_days", {})
    days[key] = max(int(later), readout_day(key))
    st.session_state.setdefault("extensions", {}).setdefault(key, []).append((day, int(later)))


def extensions(key: RunKey) -> list[tuple[int, int]]:
    """The extends this session made on a run: ``(day, later day)`` pairs, oldest first."""
    return list(st.session_state.setdefault("extensions", {}).get(key, []))
