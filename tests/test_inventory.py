"""The inventory directory: Parquet/JSON round trips, atomic writes, clear errors on bad input."""
import pytest

from okdp_migrate import inventory
from okdp_migrate.errors import BadInputError
from okdp_migrate.model import Column, HdfsEntry, HivePartition, HiveTable

pytestmark = pytest.mark.unit


def test_round_trip_files_tables_partitions(tmp_path):
    files = [HdfsEntry(path=f"/d/f{i}", kind="file", size=i * 10, replication=3, owner="etl", permission="644")
             for i in range(5)]
    assert inventory.write_parquet(tmp_path / inventory.FILES, HdfsEntry, files) == 5
    inventory.write_parquet(tmp_path / inventory.DIRS, HdfsEntry, [])
    t = HiveTable("sales", "orders", "EXTERNAL_TABLE", location="/w/orders",
                  input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                  columns=[Column("id", "bigint")], partition_keys=[Column("dt", "string")],
                  parameters={"transactional": "true"})
    inventory.write_json(tmp_path / inventory.TABLES, [t])
    parts = [HivePartition("sales", "orders", ["2024-01-01"], "dt=2024-01-01", "/w/orders/dt=2024-01-01",
                           parameters={"numRows": "3"})]
    inventory.write_parquet(tmp_path / inventory.PARTITIONS, HivePartition, parts)
    inventory.write_manifest(tmp_path, {"hdfs": {"status": "ok"}}, {"hdfs": {"files": 5}})

    inv = inventory.Inventory(tmp_path)
    assert [f.size for f in inv.files()] == [0, 10, 20, 30, 40]
    assert list(inv.dirs()) == []
    (back,) = inv.tables()
    assert back.columns[0].type == "bigint" and back.is_transactional and back.file_format == "parquet"
    (p,) = inv.partitions()
    assert p.values == ["2024-01-01"] and p.parameters == {"numRows": "3"}
    assert set(inv.manifest["files"]) == {inventory.FILES, inventory.DIRS, inventory.TABLES, inventory.PARTITIONS}
    assert not [x for x in tmp_path.iterdir() if x.name.endswith(".tmp")]


def test_not_an_inventory_dir(tmp_path):
    with pytest.raises(BadInputError) as e:
        inventory.Inventory(tmp_path)
    assert "inventory.json" in str(e.value)


def test_wrong_schema_version(tmp_path):
    (tmp_path / inventory.MANIFEST).write_text('{"schema_version": 999}')
    with pytest.raises(BadInputError) as e:
        inventory.Inventory(tmp_path)
    assert "999" in str(e.value)


def test_malformed_json_is_one_clear_error(tmp_path):
    (tmp_path / inventory.MANIFEST).write_text("{not json")
    with pytest.raises(BadInputError) as e:
        inventory.Inventory(tmp_path)
    assert "malformed JSON" in str(e.value)


def test_failed_write_leaves_no_partial_file(tmp_path):
    class Boom:
        def __iter__(self):
            raise RuntimeError("source died")

    with pytest.raises(RuntimeError):
        inventory.write_parquet(tmp_path / "x.parquet", HdfsEntry, Boom())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("serde,fmt,expected", [
    ("org.apache.hadoop.hive.ql.io.orc.OrcSerde", "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "orc"),
    ("org.apache.hadoop.hive.serde2.avro.AvroSerDe", "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat", "avro"),
    ("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "org.apache.hadoop.mapred.TextInputFormat", "text"),
    ("org.apache.hadoop.hive.serde2.OpenCSVSerde", "org.apache.hadoop.mapred.TextInputFormat", "csv"),
    ("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "org.apache.hadoop.mapred.SequenceFileInputFormat", "sequence"),
    ("com.acme.WeirdSerDe", "com.acme.WeirdInputFormat", "other:com.acme.WeirdSerDe"),
])
def test_format_detection(serde, fmt, expected):
    assert HiveTable("d", "t", "MANAGED_TABLE", serde=serde, input_format=fmt).file_format == expected
