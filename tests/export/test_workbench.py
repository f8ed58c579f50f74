"""The SQL workbench: read-only queries over the run's tables in a DuckDB sandbox that refuses
everything else in one line, interrupts slow queries and caps the rows."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.errors import LaunchRoomError, QueryError
from sim.export.workbench import EXAMPLES, Workbench
from tests.conftest import CASES

TABLES = ("devices", "daily", "day_arm", "timeline", "rollout")

HOSTILE = [
    # files, URLs and globs
    "SELECT * FROM read_csv('/etc/passwd')",
    "select * from Read_CSV_Auto('/etc/passwd') -- just a look",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_parquet('runs/night/devices.parquet')",
    "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    "SELECT * FROM 'https://example.com/data.csv'",
    "SELECT * FROM read_json_auto('s3://bucket/x.json')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM sqlite_scan('other.db', 't')",
    # hidden in a subquery, a CTE, a lateral join, a SUMMARIZE
    "SELECT (SELECT count(*) FROM read_csv('/etc/passwd')) AS n",
    "WITH files AS (SELECT * FROM glob('*')) SELECT * FROM files",
    "SELECT * FROM devices, LATERAL (SELECT * FROM read_blob('/etc/hostname'))",
    "SUMMARIZE SELECT * FROM read_csv('/etc/passwd')",
    # other databases, extensions, secrets, writing files
    "ATTACH '/tmp/evil.db' AS evil",
    "/* quietly */ ATTACH ':memory:' AS other",
    "INSTALL httpfs",
    "FORCE INSTALL httpfs FROM community",
    "LOAD httpfs",
    "LOAD '/tmp/evil.duckdb_extension'",
    "CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "COPY devices TO '/tmp/devices.csv'",
    "COPY (SELECT * FROM devices) TO '/tmp/d.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/dump'",
    "IMPORT DATABASE '/tmp/dump'",
    # settings
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "SET memory_limit = '100GB'",
    "PRAGMA enable_profiling",
    "CALL pragma_version()",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_secrets()",
    # the hidden truth, the catalog, and SQL run from a string
    "SELECT * FROM truth",
    'SELECT * FROM "TRUTH"',
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM system.main.duckdb_tables",
    "SELECT * FROM query('SELECT 42')",
    # changing the shared tables
    "DROP TABLE devices",
    "DELETE FROM devices",
    "UPDATE devices SET sessions = 0",
    "CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM devices",
    "ALTER TABLE devices RENAME TO d2",
    "SELECT 1; DROP TABLE devices",
]


@pytest.fixture(scope="module")
def result():
    return simulate(load_scenario(CASES / "camera_night_mode.toml"), seed=3, devices=3_000)


@pytest.fixture(scope="module")
def bench(result):
    workbench = Workbench(result, time_limit=1.0, max_rows=100)
    yield workbench
    workbench.close()


@pytest.mark.parametrize("query", HOSTILE)
def test_a_hostile_query_is_refused_in_one_line(bench, query):
    with pytest.raises(QueryError) as refused:
        bench.run(query)
    message = str(refused.value)
    assert message and "\n" not in message and len(message) < 300
    assert isinstance(refused.value, LaunchRoomError)


def test_each_kind_of_refusal_says_what_is_wrong(bench):
    def refusal(query: str) -> str:
        with pytest.raises(QueryError) as refused:
            bench.run(query)
        return str(refused.value)

    assert refusal("SELECT * FROM read_csv('/etc/passwd')").startswith(
        "read_csv() is not available here: the workbench reads this run's tables only "
        "(devices, daily, day_arm, timeline, rollout)")
    assert refusal("SELECT * FROM truth") == (
        "no table 'truth' here; the workbench holds this run's tables only: "
        "devices, daily, day_arm, timeline, rollout")
    assert refusal("CREATE OR REPLACE TEMP TABLE t AS SELECT 1").startswith(
        "only SELECT queries run here (this one is CREATE TABLE)")
    assert refusal("FORCE INSTALL httpfs").startswith("only SELECT queries run here (this one is FORCE INSTALL)")
    assert refusal("SELECT 1; SELECT 2") == "one query at a time: this text holds 2 statements"
    assert refusal("SELEC * FROM devices").startswith("not valid SQL: Parser Error: syntax error")
    assert refusal("   ").startswith("type a query first")
    assert refusal("-- nothing but a comment").startswith("type a query first")
    assert refusal("SELECT nope FROM devices").startswith("the query failed: Binder Error:")
    assert refusal("x" * 20_001).startswith("a query has at most 20,000 characters")


def test_the_engine_refuses_on_its_own_when_the_check_is_bypassed(bench, monkeypatch):
    # Defence in depth: even a SELECT the parser check missed cannot reach a file, a URL,
    # an extension or a Python object in scope.
    monkeypatch.setattr(Workbench, "_check_sources", lambda self, cursor, query: None)
    secret = pd.DataFrame({"password": ["hunter2"]})  # noqa: F841 - what a replacement scan would read
    for query in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM glob('/*')",
                  "SELECT * FROM 'https://example.com/x.csv'", "SELECT * FROM duckdb_secrets()"):
        with pytest.raises(QueryError, match="reaches outside this run's tables"):
            bench.run(query)
    with pytest.raises(QueryError, match="no table 'secret'|Table with name secret does not exist"):
        bench.run("SELECT * FROM secret")


def test_the_sandbox_settings_are_locked(bench):
    settings = bench.sandbox()
    assert settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["allow_community_extensions"] == "false"
    assert settings["python_enable_replacements"] == "false"
    assert settings["temp_directory"] == "" and settings["threads"] == "1"


def test_only_the_run_s_tables_are_there_and_never_the_truth(bench, result):
    shown = bench.run("SHOW TABLES").frame["name"].tolist()
    assert sorted(shown) == sorted(TABLES) and "truth" not in shown
    assert bench.tables == TABLES
    for name in TABLES:
        count = bench.run(f"SELECT count(*) AS n FROM {name}").frame["n"].iloc[0]
        assert count == len(getattr(result, name)), name
    columns = bench.run("DESCRIBE daily").frame["column_name"].tolist()
    assert columns == list(result.daily.columns)


def test_the_example_queries_run_and_agree_with_the_tables(bench, result):
    assert len(EXAMPLES) >= 4
    answers = {example.title: bench.run(example.sql) for example in bench.examples()}
    assert all(not answer.frame.empty for answer in answers.values())

    duplicates = answers["Duplicate reports"].frame.iloc[0]
    assert duplicates["duplicate_rows"] == result.daily.duplicated().sum()
    assert duplicates["duplicate_rows"] == duplicates["devices_table_says"] > 0

    per_day = answers["Reports per device per day"].frame.set_index("reports")["device_days"]
    assert per_day.loc[2] == duplicates["duplicate_rows"] and per_day.loc[1] > 0

    delays = answers["Late rows by delay"].frame.set_index("delay_days")["rows"]
    assert delays.sum() == len(result.daily) and delays.loc[0] > delays.loc[1] > 0

    sessions = answers["Sessions per arm after removing duplicates"].frame.set_index("arm")
    seen = result.devices[result.devices["days_reported"] > 0]
    means = seen.groupby("arm", observed=True)["sessions"].mean()
    assert sessions.loc["control", "sessions_per_device"] == pytest.approx(means["control"])
    assert sessions.loc["treatment", "devices"] == (seen["arm"] == "treatment").sum()


def test_the_row_cap_holds_and_says_it_cut(bench, result):
    answer = bench.run("SELECT * FROM daily")
    assert len(answer.frame) == 100 and answer.truncated
    assert list(answer.frame.columns) == list(result.daily.columns)
    assert answer.reading.startswith("Showing the first 100 rows")
    exact = bench.run("SELECT * FROM devices LIMIT 100")
    assert len(exact.frame) == 100 and not exact.truncated
    assert exact.reading.startswith("100 row(s) in")
    empty = bench.run("SELECT device_id FROM devices WHERE false")
    assert empty.frame.empty and list(empty.frame.columns) == ["device_id"]


def test_the_time_limit_interrupts_a_slow_query_in_about_the_limit(bench):
    started = time.perf_counter()
    with pytest.raises(QueryError, match=r"stopped after 1 s: a query may run for 1 s here"):
        bench.run("SELECT count(*) FROM daily a, daily b WHERE a.sessions + b.sessions > 3")
    elapsed = time.perf_counter() - started
    assert 0.9 < elapsed < 2.0
    # The workbench goes on answering after an interrupt.
    assert bench.run("SELECT count(*) AS n FROM devices").frame["n"].iloc[0] == 3_000


def test_queries_from_several_threads_each_get_their_answer(bench):
    answers: dict[int, int] = {}

    def ask(limit: int) -> None:
        answers[limit] = len(bench.run(f"SELECT * FROM devices LIMIT {limit}").frame)

    threads = [threading.Thread(target=ask, args=(n,)) for n in (5, 10, 20, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {5: 5, 10: 10, 20: 20, 40: 40}


def test_a_run_without_raw_reports_has_no_daily_table_and_fewer_examples():
    case = load_scenario(CASES / "aa_test.toml").with_knobs({"telemetry.daily_max_devices": 0})
    bench = Workbench(simulate(case, seed=1, devices=500, days=5))
    assert "daily" not in bench.tables
    assert all("daily" not in example.tables for example in bench.examples())
    with pytest.raises(QueryError, match="no table 'daily' here"):
        bench.run("SELECT * FROM daily")
