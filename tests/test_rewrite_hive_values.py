"""Function results computed at translation time against the values Hive's own q.out files record."""
from __future__ import annotations

import pytest

from okdp_migrate.rules.sql.engine import translate
from okdp_migrate.rules.sql.instr_position import hive_instr

pytestmark = pytest.mark.unit


def _literals(sql: str, target: str = "trino") -> list[str]:
    out = translate(sql, targets=(target,)).targets[target]
    assert out.status == "translated", out.findings
    return [part.strip() for part in out.sql.removeprefix("SELECT ").split(", ")]


def test_hash_of_literals_matches_hive_udf_hash_q_out():
    sql = ("SELECT hash(CAST(1 AS TINYINT)), hash(CAST(2 AS SMALLINT)), hash(3), hash(CAST('123456789012' AS BIGINT)), "
           "hash(CAST(1.25 AS FLOAT)), hash(CAST(16.0 AS DOUBLE)), hash('400'), hash('abc'), hash(TRUE), hash(FALSE), "
           "hash(1, 2, 3)")
    assert _literals(sql) == "1 2 3 -1097262584 1067450368 1076887552 51508 96354 1 0 1026".split()


def test_locate_of_literals_matches_hive_udf_locate_q_out():
    sql = ("SELECT locate('abc', 'abcd'), locate('ccc', 'abcabc'), locate('23', 123), locate(23, 123), "
           "locate('abc', 'abcabc', 2), locate('abc', 'abcabc', '2'), locate(1, TRUE), locate(1, FALSE), "
           "locate(CAST('2' AS TINYINT), '12345'), locate('34', CAST('12345' AS SMALLINT)), "
           "locate('456', CAST('123456789012' AS BIGINT)), locate('.25', CAST(1.25 AS FLOAT)), "
           "locate('.0', CAST(16.0 AS DOUBLE)), locate(null, 'abc'), locate('abc', null), locate('abc', 'abcd', null), "
           "locate('abc', 'abcd', 'invalid number')")
    want = "1 0 2 2 4 4 0 0 2 3 4 2 3 NULL NULL 0 0".split()
    got = ["NULL" if v.startswith("CAST(NULL") else v for v in _literals(sql)]
    assert got == want


def test_instr_follows_hive_documented_examples():
    assert hive_instr("Facebook", "boo") == 5
    assert hive_instr("CORPORATE FLOOR", "OR", 3, 2) == 14
    assert hive_instr("CORPORATE FLOOR", "OR", -3, 2) == 2
    assert hive_instr("aaa", "a", 3, 2) == 0


@pytest.mark.parametrize("sql,reason", [
    ("SELECT <SELECT_COLS_PLACEHOLDER> FROM t", "template placeholder <SELECT_COLS_PLACEHOLDER>"),
    ("header.uuid, CAST(header.ts AS TIMESTAMP) AS ts, event_date", "not a statement: a list of expressions"),
    ("SELECT a FROM db.t x ${hiveconf:WHERE_clause} AND x.f LIKE '%y'", "${hiveconf:WHERE_clause} after the FROM clause"),
])
def test_statements_hive_cannot_run_as_written_say_why(sql, reason):
    outcome = translate(sql).targets["trino"]
    assert outcome.status == "error"
    assert reason in outcome.findings[0].message
