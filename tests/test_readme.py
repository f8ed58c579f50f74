"""The README's commands are the ones CI runs, and its Python examples run as written."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = "python -m pip install -r requirements-dev.txt && python -m pytest"
APP_COMMAND = "python -m pip install -r requirements.txt && python -m streamlit run streamlit_app.py"


def test_the_readme_gives_exactly_two_set_up_commands_and_ci_runs_the_test_one():
    assert APP_COMMAND in README
    assert TEST_COMMAND in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert TEST_COMMAND in commands


def test_python_examples_in_the_readme_run():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks, "the README should show the library in use"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own documentation
