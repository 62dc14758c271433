"""Statement-level rules (grants, INSERT OVERWRITE DIRECTORY, bucket TABLESAMPLE, parse_url_tuple):
outputs the targets' own parsers accept, the statuses and reasons a reviewer relies on, and, on a
local SparkSession, the sampled fraction Hive meant."""
from __future__ import annotations

import pytest
from okdp_migrate.rules.sql.engine import translate

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def trino_grammar():
    from okdp_migrate.rewrite.validators import trino_grammar

    check = trino_grammar()
    if check is None:
        pytest.skip("trino-query-parser not installed")
    return check


ACCEPTED_BY_TRINO = [
    "GRANT SELECT, INSERT ON db.t TO USER a, ROLE b WITH GRANT OPTION",
    "REVOKE GRANT OPTION FOR ALL ON t FROM ROLE r",
    "EXPLAIN ANALYZE CREATE ROLE sRc_roLE",
    "GRANT ROLE src_role TO USER u WITH ADMIN OPTION",
    "REVOKE ROLE src_role FROM USER u",
    "SHOW GRANT USER u ON TABLE db.src",
    "SHOW ROLE GRANT USER u",
    "SHOW PRINCIPALS src_role",
    "SHOW CURRENT ROLES",
    (r"INSERT OVERWRITE DIRECTORY 's3a://b/x' ROW FORMAT DELIMITED FIELDS TERMINATED BY '\001' NULL DEFINED AS '' "
     "SELECT key, count(*) FROM src GROUP BY key"),
    "INSERT OVERWRITE DIRECTORY 's3a://b/x' STORED AS PARQUET SELECT a.key, b.key FROM a JOIN b ON a.id = b.id",
    "SELECT * FROM t TABLESAMPLE (BUCKET 1 OUT OF 3 ON rand()) s",
    "SELECT a.k, b.h FROM u a LATERAL VIEW parse_url_tuple(a.url, 'HOST', 'FILE', 'AUTHORITY', 'QUERY:q') b AS h, f, au, q",
    "SELECT parse_url_tuple(url, 'HOST', 'USERINFO') AS (h, ui) FROM u",
    "ALTER TABLE ex1.t1 EXCHANGE PARTITION (ds='2013-04-05', hr='1') WITH TABLE ex2.t2",
    "SHOW TABLE EXTENDED IN sales LIKE 'ord*'",
]


@pytest.mark.parametrize("hive", ACCEPTED_BY_TRINO, ids=[h[:40] for h in ACCEPTED_BY_TRINO])
def test_trino_grammar_accepts_each_output_statement(trino_grammar, hive):
    out = translate(hive, validators={"trino": trino_grammar}).targets["trino"]
    assert out.status == "review", out.findings
    assert out.parts and all(trino_grammar(sql) is None for sql in out.parts)


def test_grants_say_where_they_take_effect_and_spark_skips_them():
    result = translate("GRANT SELECT ON TABLE src TO USER analyst")
    trino = result.targets["trino"]
    assert trino.sql == "GRANT SELECT ON TABLE src TO USER analyst"
    message = trino.findings[0].message
    assert "hive.security=sql-standard" in message and "Ranger" in message
    spark = result.targets["spark"]
    assert spark.status == "skipped" and "no access-control statements" in spark.findings[-1].message


@pytest.mark.parametrize("hive,named", [
    ("GRANT LOCK ON t TO USER a", "LOCK"),
    ("GRANT SELECT(key) ON TABLE t TO USER a", "column-level"),
    ("GRANT SELECT ON t TO GROUP analysts", "GROUP analysts"),
    ("GRANT SELECT ON DATABASE d TO USER a", "DATABASE"),
])
def test_privileges_without_a_trino_form_stay_unsupported_and_named(hive, named):
    trino = translate(hive).targets["trino"]
    assert trino.status == "unsupported" and trino.sql == ""
    assert named in trino.findings[0].message


def test_directory_becomes_ctas_then_drop_of_an_external_table():
    trino = translate("INSERT OVERWRITE DIRECTORY 's3a://b/out' ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
                      "SELECT upper(s), s FROM t").targets["trino"]
    create, drop = trino.parts
    assert create.startswith("CREATE TABLE hive.default.okdp_dir_") and "external_location='s3a://b/out'" in create
    assert "textfile_field_separator=','" in create and "UPPER(s) AS _c0" in create
    assert drop == "DROP TABLE " + create.split()[2]
    message = trino.findings[0].message
    assert trino.status == "review" and "empty or absent" in message and "non-managed-table-writes" in message


def test_local_directory_stays_unsupported():
    result = translate("INSERT OVERWRITE LOCAL DIRECTORY '/tmp/x' SELECT * FROM src")
    assert result.targets["trino"].status == "unsupported" and result.targets["trino"].sql == ""
    assert result.targets["spark"].status == "review"  # Spark writes it natively


def test_bucket_sampling_on_a_column_stays_unsupported():
    result = translate("SELECT * FROM t TABLESAMPLE (BUCKET 1 OUT OF 4 ON id) s")
    assert {o.status for o in result.targets.values()} == {"unsupported"}


@pytest.mark.spark
def test_spark_bucket_sample_keeps_hives_fraction():
    pytest.importorskip("pyspark")
    from okdp_migrate.rewrite.validators import SparkParser

    if not SparkParser.available():
        pytest.skip("pyspark or java missing")
    spark = SparkParser().session()
    spark.sql("CREATE OR REPLACE TEMP VIEW sample_src AS SELECT id FROM range(20000)")
    hive = "SELECT count(*) FROM sample_src TABLESAMPLE (BUCKET 2 OUT OF 2) s"
    # Spark reads BUCKET 2 OUT OF 2 as the fraction 2/2: every row; Hive took one bucket of two
    assert spark.sql(hive).collect()[0][0] == 20000
    out = translate(hive, targets=("spark",)).targets["spark"]
    assert out.status == "review"
    assert 8000 < spark.sql(out.sql).collect()[0][0] < 12000


@pytest.mark.spark
@pytest.mark.parametrize("hive", [
    "ALTER TABLE ex1.t1 EXCHANGE PARTITION (ds='2013-04-05') WITH TABLE ex2.t2",
    "SELECT * FROM t TABLESAMPLE (BUCKET 3 OUT OF 32 ON rand()) s",
])
def test_spark_parser_accepts_what_it_refused_as_written(hive):
    pytest.importorskip("pyspark")
    from okdp_migrate.rewrite.validators import SparkParser, build

    if not SparkParser.available():
        pytest.skip("pyspark or java missing")
    validators, _, _ = build(("spark",), None)
    check = validators["spark"]
    assert check(hive) is not None  # Spark refuses the Hive form
    out = translate(hive, validators={"spark": check}).targets["spark"]
    assert out.status == "review" and all(check(sql) is None for sql in out.parts)


def test_trino_explain_analyze_of_ddl_becomes_explain():
    # Trino refuses EXPLAIN ANALYZE of DDL ("doesn't support statement type"); its grammar accepts it
    ddl = translate("EXPLAIN ANALYZE DROP ROLE src_role").targets["trino"]
    assert ddl.sql == "EXPLAIN DROP ROLE src_role IN hive" and ddl.status == "review"
    assert any(f.rule == "explain" for f in ddl.findings)
    query = translate("EXPLAIN ANALYZE SELECT 1").targets["trino"]
    assert query.sql == "EXPLAIN ANALYZE SELECT 1" and query.status == "translated"
