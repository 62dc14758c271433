"""The HDFS x metastore join: bytes per table and partition, dangling locations, orphan directories."""
import pytest

from okdp_migrate.model import Column, HdfsEntry, HivePartition, HiveTable
from okdp_migrate.inventory import PARTITIONS
from okdp_migrate.scan.assess import assess, hdfs_path
from okdp_migrate.scan.hdfs_source import HdfsSink, ParquetStream
from okdp_migrate.scan.hive_source import _partition_batch, partition_schema

pytestmark = pytest.mark.unit
WH = "/warehouse/tablespace/external/hive"
PARQ = dict(input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            serde="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")


def d(path):
    return HdfsEntry(path, "dir", owner="hive")


def f(path, size, repl=3):
    return HdfsEntry(path, "file", size=size, replication=repl, owner="etl")


@pytest.fixture
def inv(tmp_path):
    sink = HdfsSink(tmp_path, lambda n: None)
    sink.add([d("/"), d("/warehouse"), d("/warehouse/tablespace"), d(WH), d(f"{WH}/sales.db"),
              d(f"{WH}/sales.db/orders"), d(f"{WH}/sales.db/orders/dt=1"), d(f"{WH}/sales.db/orders/dt=2"),
              d(f"{WH}/sales.db/old_stuff"), d(f"{WH}/sales.db/old_stuff/sub"), d("/data"), d("/data/raw")])
    sink.add([f(f"{WH}/sales.db/orders/dt=1/a.parquet", 100 << 20), f(f"{WH}/sales.db/orders/dt=1/b.parquet", 10),
              f(f"{WH}/sales.db/orders/dt=2/c.parquet", 20), f(f"{WH}/sales.db/old_stuff/sub/x", 5, repl=1),
              f(f"{WH}/sales.db/stray.txt", 7), f("/data/raw/r.csv", 1000)])
    sink.close(True)
    stream = ParquetStream(tmp_path / PARTITIONS, partition_schema())
    stream.write(_partition_batch([
        HivePartition("sales", "orders", ["1"], "dt=1", location=f"hdfs://nn:8020{WH}/sales.db/orders/dt=1", **PARQ),
        HivePartition("sales", "orders", ["2"], "dt=2", location=f"hdfs://nn:8020{WH}/sales.db/orders/dt=2", **PARQ),
        HivePartition("sales", "orders", ["3"], "dt=3", location=f"hdfs://nn:8020{WH}/sales.db/orders/dt=3", **PARQ)]))
    stream.close(True)
    tables = [HiveTable("sales", "orders", "EXTERNAL_TABLE", location=f"hdfs://nn:8020{WH}/sales.db/orders",
                        partition_keys=[Column("dt", "string")], columns=[Column("id", "int")], **PARQ),
              HiveTable("sales", "ghost", "EXTERNAL_TABLE", location=f"hdfs://nn:8020{WH}/sales.db/ghost", **PARQ),
              HiveTable("raw", "r", "EXTERNAL_TABLE", location="/data/raw",
                        input_format="org.apache.hadoop.mapred.TextInputFormat",
                        serde="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
              HiveTable("sales", "v", "VIRTUAL_VIEW", view_original_text="select 1")]
    dbs = [{"name": "sales", "location": f"hdfs://nn:8020{WH}/sales.db"}]
    return assess(tmp_path, tables, dbs, hdfs_scanned=True, roots=["/"], warehouse_dirs=[WH],
                  small_file_bytes=1 << 20, bandwidth_mbps=10)


def by_table(res):
    return {f"{u['database']}.{u['table']}": u for u in res.table_usage}


def test_files_are_credited_to_partitions_and_their_table(inv):
    orders = by_table(inv)["sales.orders"]
    assert (orders["files"], orders["bytes"], orders["partitions"]) == (3, (100 << 20) + 30, 3)
    assert orders["physical_bytes"] == 3 * orders["bytes"] and orders["small_files"] == 2
    parts = {p["name"]: p for p in inv.partition_usage}
    assert parts["dt=1"]["files"] == 2 and parts["dt=2"]["bytes"] == 20


def test_missing_locations_are_dangling(inv):
    assert {(x["obj"], x.get("partition")) for x in inv.dangling} == {("sales.ghost", None), ("sales.orders", "dt=3")}
    verdicts = {v.obj: v for v in inv.verdicts}
    assert verdicts["sales.ghost"].verdict == "blocked"
    assert by_table(inv)["sales.orders"]["dangling_partitions"] == 1


def test_unowned_warehouse_dirs_and_files_are_orphans(inv):
    orphans = {o["path"]: o for o in inv.orphans}
    assert set(orphans) == {f"{WH}/sales.db/old_stuff", f"{WH}/sales.db/stray.txt"}
    assert orphans[f"{WH}/sales.db/old_stuff"]["files"] == 1 and orphans[f"{WH}/sales.db/old_stuff"]["bytes"] == 5


def test_verdicts_and_estimates(inv):
    verdicts = {v.obj: v.verdict for v in inv.verdicts}
    assert verdicts == {"sales.orders": "register_in_place", "sales.ghost": "blocked", "raw.r": "keep_hive",
                        "sales.v": "translate_view"}
    e = inv.estimates
    assert e["objects"] == 4 and e["bytes"] == (100 << 20) + 30 + 1000
    assert e["seconds"] == round(e["bytes"] / 10e6, 1)


def test_without_hdfs_nothing_is_called_dangling(tmp_path):
    t = HiveTable("a", "b", "EXTERNAL_TABLE", location="hdfs://nn/x", **PARQ)
    res = assess(tmp_path, [t], [], hdfs_scanned=False, roots=["/"], warehouse_dirs=[WH], small_file_bytes=1,
                 bandwidth_mbps=1)
    assert res.dangling == [] and res.verdicts[0].verdict == "register_in_place"


def test_hdfs_path_of_locations():
    assert hdfs_path("hdfs://ns1/warehouse/x/") == "/warehouse/x"
    assert hdfs_path("s3a://bucket/x") is None and hdfs_path(None) is None
