"""A corpus of broken tables through the command line: each gets one line and exit code 2, or
a readout whose JSON is valid (no NaN, no Infinity) and whose text shows no "nan"; a reading
the table cannot give says why in its own place while the rest appears."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from sim.cli import main

GOOD = "arm,x,y\n" + "".join(f"{'control' if i % 2 else 'treatment'},{i % 7},{i % 3}\n"
                              for i in range(40))

# (file name, content, expected exit code, a fragment of the output)
TABLES = [
    ("empty.csv", "", 2, "the table has no rows"),
    ("header_only.csv", "arm,x\n", 2, "the table has no rows"),
    ("ragged_wide.csv", "arm,x\ncontrol,1,5\ntreatment,2,5\n", 2, "line 2 has 3 fields but the header has 2"),
    ("ragged_short.csv", "arm,x,y\ncontrol,1\ntreatment,2,5\n", 2, "line 2 has 2 fields"),
    ("ragged_later.csv", GOOD + "control,1,2,3\n", 2, "line 42 has 4 fields"),
    ("binary.csv", None, 2, "cannot be read as CSV"),
    ("inf.csv", "arm,x\ncontrol,1\ntreatment,inf\ncontrol,2\ntreatment,3\n", 2, "infinite or beyond"),
    ("minus_inf.csv", "arm,x\ncontrol,-inf\ntreatment,1\ncontrol,2\ntreatment,3\n", 2, "row 1"),
    ("overflow.csv", "arm,x\ncontrol,1e400\ntreatment,1\ncontrol,2\ntreatment,3\n", 2, "infinite or beyond"),
    ("near_max.csv", "arm,x\ncontrol,1.7e308\ntreatment,1\ncontrol,2\ntreatment,3\n", 2, "infinite or beyond"),
    ("all_text.csv", "arm,x\ncontrol,a\ntreatment,b\n", 2, "no numeric metric columns"),
    ("one_arm.csv", "arm,x\ncontrol,1\ncontrol,2\n", 2, "one arm only"),
    ("three_arms.csv", "arm,x\na,1\nb,2\nc,3\na,1\nb,2\nc,3\n", 2, "exactly two are needed"),
    ("empty_arm.csv", "arm,x\n,1\n,2\n", 2, "has no values"),
    ("no_arm_column.csv", "group,x\na,1\nb,2\n", 2, "no column 'arm'"),
    ("empty_metric.csv", "arm,x\ncontrol,\ntreatment,\ncontrol,\n", 2, "has no values"),
    ("one_row_each.csv", "arm,x\ncontrol,1\ntreatment,2\n", 0, "needs at least 2 values in each arm"),
    ("constant.csv", "arm,x\ncontrol,1\ntreatment,1\ncontrol,1\ntreatment,1\n", 0, "x"),
    ("text_and_numbers.csv", "arm,x,name\ncontrol,1,a\ntreatment,2,b\ncontrol,1,a\ntreatment,3,b\n", 0, "left out name: not numbers"),
    ("bools.csv", "arm,converted\ncontrol,True\ntreatment,False\ncontrol,True\ntreatment,True\n", 0, "converted"),
    ("negative.csv", "arm,x\ncontrol,-1\ntreatment,-2\ncontrol,-3\ntreatment,-4\n", 0, "x"),
    ("huge_counts.csv", "arm,x\ncontrol,1e140\ntreatment,2e140\ncontrol,3e140\ntreatment,1e140\n", 0, "x"),
    ("unicode_arms.csv", "arm,x\nкон,1\nтест,2\nкон,1\nтест,2\n", 0, "x"),
    ("markup_names.csv", "arm,<b>x</b>\ncontrol,1\ntreatment,2\ncontrol,1\ntreatment,3\n", 0, "<b>x</b>"),
    ("bom.csv", "\ufeffarm,x\ncontrol,1\ntreatment,2\ncontrol,1\ntreatment,3\n", 0, "x"),
    ("crlf.csv", "arm,x\r\ncontrol,1\r\ntreatment,2\r\ncontrol,1\r\ntreatment,3\r\n", 0, "x"),
    ("quoted_commas.csv", 'arm,x,note\ncontrol,1,"a, b"\ntreatment,2,"c, d"\ncontrol,1,e\ntreatment,3,f\n', 0, "x"),
    ("numeric_arms.csv", "arm,x\n0,1\n1,2\n0,1\n1,3\n", 0, "x"),
    ("not_a_table.txt", "arm,x\n", 2, "unsupported table format"),
    ("broken.parquet", None, 2, "cannot be read as Parquet"),
    ("mostly_missing.csv", "arm,x\ncontrol,\ntreatment,1\ncontrol,\ntreatment,2\ncontrol,3\n", 0, "x"),
    ("only_treatment_values.csv", "arm,x\ncontrol,\ntreatment,1\ncontrol,\ntreatment,2\n", 0, "needs at least 2 values in each arm"),
]


def _write(tmp_path, name: str, content: str | None):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8", newline="")
    elif name.endswith(".parquet"):
        path.write_bytes(b"PAR1 but not really a parquet file")
    else:
        path.write_bytes(b"arm,x\n\xff\xfe\x00\x81,2\n")
    return path


def _strict_json(text: str) -> dict:
    def refuse(constant: str):
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(("name", "content", "code", "fragment"), TABLES,
                         ids=[t[0] for t in TABLES])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_broken_table_gets_one_line_or_a_readout_that_says_what_it_could_not_read(
        tmp_path, capsys, name, content, code, fragment, as_json):
    path = _write(tmp_path, name, content)
    exit_code = main(["analyse", str(path), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert exit_code == code, (out, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err
        assert out == ""
        return
    assert err == ""
    if as_json:
        payload = _strict_json(out)
        assert fragment.split(":")[0].split()[-1] in json.dumps(payload) or fragment in out
    else:
        assert fragment in out, out
        assert " nan" not in out.lower() and "inf " not in out.lower(), out


def test_the_corpus_is_large_enough():
    assert len(TABLES) >= 30


def test_a_readout_of_a_simulated_run_is_strict_json(tmp_path, capsys, aa_case):
    from sim import simulate

    simulate(aa_case, seed=1, devices=500, days=3).save(tmp_path / "run")  # no churn yet
    assert main(["analyse", str(tmp_path / "run"), "--json"]) == 0
    payload = _strict_json(capsys.readouterr().out)
    # Three days: nobody has churned yet, so retention says why; the lifts are still there.
    assert "no events" in payload["unavailable"]["logrank"]
    assert "retention" not in payload
    assert payload["metrics"]["sessions"]["p_value"] is not None


def test_the_app_upload_reads_the_same_tables_without_a_traceback():
    from sim.analysis import load_table
    from sim.errors import DataError

    for name, content, code, _ in TABLES:
        if content is None or name.endswith(".txt"):
            continue
        try:
            table = load_table(name, io.BytesIO(content.encode("utf-8")))
        except DataError:
            assert code == 2, name
            continue
        assert isinstance(table, pd.DataFrame)
