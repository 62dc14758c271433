"""Translated Spark SQL run on a local SparkSession gives Hive's results (one session per test run).

Where Spark also accepts the original HiveQL, both run and the translation must keep Hive's answer
where the original (under Spark 4's ANSI defaults) loses it."""
from __future__ import annotations

import pytest

from okdp_migrate.rules.sql.engine import translate

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from okdp_migrate.rewrite.validators import SparkParser

    if not SparkParser.available():
        pytest.skip("pyspark or java missing")
    session = SparkParser().session()
    session.sql("CREATE OR REPLACE TEMP VIEW t AS SELECT * FROM VALUES "
                "(1, 'abcdef', array(3, 1), 10, 0, 'x'), (2, NULL, CAST(NULL AS ARRAY<INT>), 7, 2, NULL) "
                "AS t(id, s, arr, a, b, v)")
    return session


def _rows(spark, sql):
    return [tuple(r) for r in spark.sql(sql).collect()]


def _spark_sql(hive):
    out = translate(hive, targets=("spark",)).targets["spark"]
    assert out.status in ("translated", "review"), out.findings
    return out.sql


# (HiveQL, Hive's result) — results as Hive documents them
CASES = [
    ("SELECT id, size(arr) FROM t ORDER BY id", [(1, 2), (2, -1)]),
    ("SELECT id, substr(s, 0, 2) FROM t ORDER BY id", [(1, "ab"), (2, None)]),
    ("SELECT id, a / b FROM t ORDER BY id", [(1, None), (2, 3.5)]),
    ("SELECT id, arr[5] FROM t ORDER BY id", [(1, None), (2, None)]),
    ("SELECT id, CAST(s AS INT) FROM t ORDER BY id", [(1, None), (2, None)]),
    ("SELECT sort_array(collect_set(v)) FROM t", [(["x"],)]),
    ("SELECT struct(id, s).col1 FROM t ORDER BY id", [(1,), (2,)]),
    # exact percentiles over 1, 2, 3, 4 (NULL ignored): pos = 0.5 * 3 = 1.5; continuous 2.5, Hive's discrete v[ceil(1.5)]
    ("SELECT percentile(x, 0.5), percentile_disc(x, 0.5), percentile_disc(0.5) WITHIN GROUP (ORDER BY x), "
     "percentile(x, array(0.0, 1.0)) FROM (SELECT explode(array(1, 2, 3, 4, NULL)) AS x) s", [(2.5, 3.0, 3.0, [1.0, 4.0])]),
    # DESC: Hive sorts 4, 3, 2, 1 and takes pos = 0.2 * 3 = 0.6: discrete v[1] = 3, continuous 4 + 0.6 * (3 - 4)
    ("SELECT percentile_disc(0.2) WITHIN GROUP (ORDER BY x DESC), percentile_cont(0.2) WITHIN GROUP (ORDER BY x DESC) "
     "FROM (SELECT explode(array(1, 2, 3, 4, NULL)) AS x) s", [(3.0, 3.4)]),
    # Hive's documented instr examples (occurrence, negative start), and a BD literal beyond 38 digits (NULL)
    ("SELECT instr('CORPORATE FLOOR', 'OR', 3, 2), instr('CORPORATE FLOOR', 'OR', -3, 2), 1E99BD", [(14, 2, None)]),
    ("SELECT DATE '2012-01-01' + 1 day + '2' days", [(__import__("datetime").date(2012, 1, 4),)]),
    # Hive cuts a negative-count substring_index one character into a longer delimiter (substring(idx + 1))
    ("SELECT substring_index(x, '||', -2) FROM VALUES ('a||b||c'), ('a||b'), (NULL) AS v(x)", [("|b||c",), ("a||b",), (None,)]),
    # INTERVAL (text) YEAR TO MONTH: Hive parses 'y-m' ('1-1' is 13 months, '-1-1' minus 13)
    ("SELECT DATE '2012-01-01' + INTERVAL (x || '-1') YEAR TO MONTH FROM VALUES (1), (-1) AS v(x)",
     [(__import__("datetime").date(2013, 2, 1),), (__import__("datetime").date(2010, 12, 1),)]),
]


@pytest.mark.parametrize("hive,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_translated_spark_sql_gives_hive_results(spark, hive, expected):
    assert _rows(spark, _spark_sql(hive)) == expected


def test_original_hiveql_differs_where_the_rule_matters(spark):
    # Spark 4 (ANSI) raises where Hive returned NULL: the rules are needed, not cosmetic
    with pytest.raises(Exception):
        _rows(spark, "SELECT a / b FROM t")
    assert _rows(spark, "SELECT size(arr) FROM t ORDER BY id") != [(2,), (-1,)]


def test_dynamic_partition_overwrite_keeps_other_partitions(spark, tmp_path):
    spark.sql("DROP TABLE IF EXISTS okdp_rw_part")
    spark.sql(f"CREATE TABLE okdp_rw_part (a INT, dt STRING) USING parquet PARTITIONED BY (dt) LOCATION '{tmp_path}/p'")
    spark.sql("INSERT INTO okdp_rw_part VALUES (1, 'd1'), (2, 'd2')")
    for stmt in _spark_sql("INSERT OVERWRITE TABLE okdp_rw_part PARTITION (dt) SELECT 9, 'd1'").split(";\n"):
        spark.sql(stmt)
    try:
        assert sorted(_rows(spark, "SELECT a, dt FROM okdp_rw_part")) == [(2, "d2"), (9, "d1")]
    finally:
        spark.sql("SET spark.sql.sources.partitionOverwriteMode=static")
        spark.sql("DROP TABLE IF EXISTS okdp_rw_part")


def test_insert_values_of_mixed_kinds_get_hive_conversions(spark, tmp_path):
    # Hive converts each VALUES literal to the column type; Spark rejects rows of incompatible types unless told
    from okdp_migrate.rules.sql.context import Session

    session = Session()
    translate("CREATE TABLE okdp_rw_iv (a STRING, n INT)", session, targets=("spark",))
    out = translate("INSERT INTO okdp_rw_iv VALUES ('', 7), (10, '8'), (NULL, 'x')", session, targets=("spark",))
    spark.sql("DROP TABLE IF EXISTS okdp_rw_iv")
    spark.sql(f"CREATE TABLE okdp_rw_iv (a STRING, n INT) USING parquet LOCATION '{tmp_path}/iv'")
    try:
        with pytest.raises(Exception):  # as written, Spark refuses the inline table
            spark.sql("INSERT INTO okdp_rw_iv VALUES ('', 7), (10, '8'), (NULL, 'x')")
        spark.sql(out.targets["spark"].sql)
        assert sorted(_rows(spark, "SELECT a, n FROM okdp_rw_iv"), key=str) == sorted([("", 7), ("10", 8), (None, None)], key=str)
    finally:
        spark.sql("DROP TABLE IF EXISTS okdp_rw_iv")
