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
