"""Verdict rules of the scan assessment: each table shape gets the verdict and the reason a person needs."""
import pytest

from okdp_migrate.model import Column, HiveTable
from okdp_migrate.scan.verdicts import table_verdict

pytestmark = pytest.mark.unit

PARQUET = dict(input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
               serde="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
ORC = dict(input_format="org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", serde="org.apache.hadoop.hive.ql.io.orc.OrcSerde")
TEXT = dict(input_format="org.apache.hadoop.mapred.TextInputFormat",
            serde="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
USAGE = {"files": 3, "bytes": 300, "physical_bytes": 900, "small_files": 0, "partitions": 0}


def table(name="t", table_type="EXTERNAL_TABLE", cols=(("id", "bigint"),), **kw):
    kw.setdefault("location", f"hdfs://nn:8020/data/{name}")
    return HiveTable("db", name, table_type, columns=[Column(n, t) for n, t in cols], **kw)


def test_parquet_table_is_registered_in_place():
    v = table_verdict(table(**PARQUET), USAGE, True)
    assert v.verdict == "register_in_place" and "name mapping" in v.reasons[0]
    assert v.details["files"] == 3 and v.details["format"] == "parquet"


def test_orc_managed_transactional_table_is_rewritten_for_acid():
    v = table_verdict(table(table_type="MANAGED_TABLE", parameters={"transactional": "true"}, **ORC), USAGE, True)
    assert v.verdict == "rewrite" and any("ACID" in r for r in v.reasons)


def test_bucketed_and_char_columns_give_one_reason_each():
    t = table(num_buckets=4, bucket_columns=["id"], cols=(("id", "int"), ("code", "char(3)"), ("n", "varchar(20)")),
              **ORC)
    v = table_verdict(t, USAGE, True)
    assert v.verdict == "rewrite"
    assert [r.split(" ")[0] for r in v.reasons] == ["bucketed", "CHAR(n)", "VARCHAR(n)"]


def test_parquet_with_timestamp_is_rewritten_for_int96():
    v = table_verdict(table(cols=(("ts", "timestamp"),), **PARQUET), USAGE, True)
    assert v.verdict == "rewrite" and "INT96" in v.reasons[0]


def test_external_text_is_kept_for_trino_hive_but_managed_text_is_rewritten():
    assert table_verdict(table(**TEXT), USAGE, True).verdict == "keep_hive"
    assert table_verdict(table(table_type="MANAGED_TABLE", **TEXT), USAGE, True).verdict == "rewrite"


def test_custom_serde_is_rewritten_naming_the_serde():
    v = table_verdict(table(input_format="org.apache.hadoop.mapred.TextInputFormat", serde="com.acme.FancySerDe"),
                      USAGE, True)
    assert v.verdict == "rewrite" and "com.acme.FancySerDe" in v.reasons[0]


def test_dangling_location_and_hbase_handler_are_blocked():
    assert table_verdict(table(**PARQUET), USAGE, False).verdict == "blocked"
    hb = table(parameters={"storage_handler": "org.apache.hadoop.hive.hbase.HBaseStorageHandler"}, location=None)
    v = table_verdict(hb, USAGE, None)
    assert v.verdict == "blocked" and "HBase" in v.reasons[0]


def test_unknown_existence_does_not_block():
    assert table_verdict(table(**PARQUET), USAGE, None).verdict == "register_in_place"


def test_view_keeps_its_text_for_the_rewrite():
    v = table_verdict(table(table_type="VIRTUAL_VIEW", location=None, view_original_text="select * from db.t"),
                      USAGE, None)
    assert v.verdict == "translate_view" and v.kind == "view"
    assert v.details["view_text"] == "select * from db.t"


def test_partitions_in_another_format_force_a_rewrite():
    v = table_verdict(table(**PARQUET), USAGE, True, {"parquet", "text"})
    assert v.verdict == "rewrite" and "text" in v.reasons[0]


def test_small_files_are_noted_without_changing_the_verdict():
    v = table_verdict(table(**PARQUET), {**USAGE, "small_files": 7}, True)
    assert v.verdict == "register_in_place" and any("7 small files" in r for r in v.reasons)
