"""The case library: the folder of case files, finding a case by file or by id, and the cases
people write themselves (saved into a folder of their own, never ``scenarios/``; shared as a
zip, a case pack).

>>> [path.stem for path in case_paths()][:2]
['aa_test', 'assistant_llm_ram']
>>> load_case("aa_test").meta.id == resolve_case("scenarios/aa_test.toml").meta.id
True
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

from sim import messages
from sim.case.scenario import Scenario, load_scenario, parse_scenario
from sim.errors import ScenarioError
from sim.limits import CASE_MAX_BYTES, PACK_MAX_CASES

CASES_FOLDER = Path(__file__).resolve().parents[2] / "scenarios"
"""The case library that ships with Launch Room (``scenarios/`` at the repository's root)."""
BLANK_CASE = Path(__file__).resolve().with_name("blank_case.toml")
"""The case editor's blank template: a valid case whose feature changes nothing yet."""


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


def resolve_case(name: str, folder: str | Path = CASES_FOLDER,
                 saved: str | Path | None = None) -> Scenario:
    """A case from a file path, or by id from the library, else from the folder of ``saved``
    cases (the command line's ``CASE``; a built-in id always means the built-in case).

    >>> resolve_case("aa_test").meta.id
    'aa_test'
    """
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load_scenario(path)
    if saved is not None and not (Path(folder) / f"{name}.toml").is_file():
        candidate = Path(saved) / f"{name}.toml"
        if candidate.is_file():
            return load_scenario(candidate)
    return load_case(name, folder)


def check_case_text(text: str, source: str = "case.toml") -> Scenario:
    """The case in TOML ``text``, validated; one line naming the file, the dotted path and what
    is allowed when it is not a case, or when it would take a built-in case's id.

    >>> check_case_text(BLANK_CASE.read_text(encoding="utf-8")).meta.id
    'my_case'
    >>> check_case_text((CASES_FOLDER / "aa_test.toml").read_text(encoding="utf-8"))
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: case.toml: the case id 'aa_test' is a built-in case's; give your case another meta.id
    """
    size = len(text.encode("utf-8"))
    if size > CASE_MAX_BYTES:
        raise ScenarioError(messages.CASE_TOO_BIG.format(path=source, size=size,
                                                         limit=CASE_MAX_BYTES))
    case = parse_scenario(text, source)
    if (CASES_FOLDER / f"{case.meta.id}.toml").is_file():
        raise ScenarioError(messages.CASE_ID_BUILT_IN.format(path=source, id=case.meta.id))
    location = _markup_location(tomllib.loads(text))
    if location is not None:
        raise ScenarioError(messages.CASE_MARKUP.format(path=source, location=location))
    return case


# A saved case is shown to everyone on the server, and its brief is drawn as Markdown: links,
# images, bare addresses and HTML tags could send them anywhere. Emphasis stays allowed.
_MARKUP = re.compile(r"\]\(|!\[|<[A-Za-z/!?]|https?://|www\.", re.IGNORECASE)


def _markup_location(value: object, location: str = "") -> str | None:
    """The dotted path of the first text in a case's data that holds a link, an image, an
    address or an HTML tag (``None`` when none does).

    >>> _markup_location({"meta": {"brief": "**Ship** it", "tags": ["a", "see www.x.example"]}})
    'meta.tags[1]'
    """
    if isinstance(value, str):
        return location if _MARKUP.search(value) else None
    if isinstance(value, dict):
        items = ((f"{location}.{key}" if location else str(key), item)
                 for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{location}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in items:
        found = _markup_location(item, where)
        if found is not None:
            return found
    return None


def _checked_folder(folder: str | Path) -> Path:
    path = Path(folder).expanduser().absolute()
    if path.resolve() == CASES_FOLDER.resolve():
        raise ScenarioError(messages.CASE_FOLDER_IS_LIBRARY.format(folder=path))
    return path


def save_case(text: str, folder: str | Path) -> Path:
    """Validate the case and write it to ``folder/<id>.toml`` (replacing an earlier version of
    the same id; the write is atomic); return the file. ``scenarios/`` is refused.

    >>> folder = tempfile.TemporaryDirectory()
    >>> save_case(BLANK_CASE.read_text(encoding="utf-8"), folder.name).name
    'my_case.toml'
    >>> folder.cleanup()
    """
    case = check_case_text(text)
    target_folder = _checked_folder(folder)
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / f"{case.meta.id}.toml"
    # Write beside the target, then rename: a reader never sees half a case.
    handle, temporary = tempfile.mkstemp(dir=target_folder, suffix=".toml.part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def pack_cases(folder: str | Path) -> bytes:
    """Every case file in ``folder`` as a zip (a case pack).

    >>> folder = tempfile.TemporaryDirectory()
    >>> _ = save_case(BLANK_CASE.read_text(encoding="utf-8"), folder.name)
    >>> zipfile.ZipFile(io.BytesIO(pack_cases(folder.name))).namelist()
    ['my_case.toml']
    >>> folder.cleanup()
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in case_paths(folder):
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


def unpack_cases(data: bytes, folder: str | Path) -> tuple[list[Path], list[str]]:
    """Save every valid case of a case pack into ``folder``; return the files saved and one
    line per file refused (not TOML, too big, not a valid case, a built-in case's id). Only
    the file names inside the zip are used, never its folders.

    >>> folder = tempfile.TemporaryDirectory()
    >>> saved, refused = unpack_cases(pack_cases(CASES_FOLDER), folder.name)
    >>> saved, refused[0]
    ([], "aa_test.toml: the case id 'aa_test' is a built-in case's; give your case another meta.id")
    >>> folder.cleanup()
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ScenarioError(messages.PACK_NOT_A_ZIP) from None
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > PACK_MAX_CASES:
        raise ScenarioError(messages.PACK_TOO_MANY.format(count=len(members),
                                                          limit=PACK_MAX_CASES))
    saved, refused = [], []
    for info in members:
        name = PurePosixPath(info.filename).name
        if not name.endswith(".toml"):
            refused.append(messages.PACK_NOT_TOML.format(path=info.filename))
            continue
        if info.file_size > CASE_MAX_BYTES:
            refused.append(messages.CASE_TOO_BIG.format(path=name, size=info.file_size,
                                                        limit=CASE_MAX_BYTES))
            continue
        try:
            text = archive.read(info).decode("utf-8")
            check_case_text(text, name)
            saved.append(save_case(text, folder))
        except UnicodeDecodeError:
            refused.append(messages.TOML_SYNTAX.format(path=name, detail="not UTF-8 text"))
        except ScenarioError as error:
            refused.append(str(error))
    return saved, refused
