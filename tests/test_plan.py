"""Unit tests for `plan`: path mapping, strategies, waves, shards, the plan file and the CLI."""
from __future__ import annotations

import json

import pytest

from okdp_migrate.cli import main
from okdp_migrate.errors import BadInputError
from okdp_migrate.inventory import FILES, PARTITIONS, TABLES, write_json, write_manifest, write_parquet
from okdp_migrate.model import Column, HdfsEntry, HivePartition, HiveTable
from okdp_migrate.plan import MappingRule, default_rules, load, map_path
from okdp_migrate.plan.shards import pack
from okdp_migrate.plan.waves import assign_waves, view_dependencies

pytestmark = pytest.mark.unit

EXT = "/warehouse/tablespace/external/hive"
MAN = "/warehouse/tablespace/managed/hive"
PARQUET = ("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
           "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
TEXT = ("org.apache.hadoop.mapred.TextInputFormat", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
ORC = ("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcSerde")


def test_default_mapping_sends_warehouse_tables_to_db_and_table():
    rules = default_rules("s3://lake/raw")
    assert map_path(f"{EXT}/sales.db/orders/dt=2024-01-01/p0.parquet", rules) == \
        ("lake", "raw/sales/orders/dt=2024-01-01/p0.parquet")
    assert map_path(f"{MAN}/hr.db/emp/000000_0", rules) == ("lake", "raw/hr/emp/000000_0")
    assert map_path("hdfs://nn:8020/data/raw/x.csv", rules) == ("lake", "raw/data/raw/x.csv")
    assert map_path("/apps/hive/warehouse/a.db/t/f", default_rules("s3://b")) == ("b", "a/t/f")


def test_user_rule_overrides_default_with_longest_prefix():
    rules = [MappingRule("/data/raw", "s3://bronze/landing")] + default_rules("s3://lake")
    assert map_path("/data/raw/2024/f.csv", rules) == ("bronze", "landing/2024/f.csv")
    assert map_path("/data/rawish/f.csv", rules) == ("lake", "data/rawish/f.csv")


def test_bad_target_is_bad_input():
    with pytest.raises(BadInputError):
        default_rules("/not/s3")


def test_pack_balances_bytes_and_files_and_covers_every_file():
    files = [(1000, None)] * 3 + [(10, None)] * 300 + [(5, f"db.t{i % 7}") for i in range(70)]
    shards = pack(files, 4)
    assert len(shards) == len(files) and set(shards) == {0, 1, 2, 3}
    per_bytes = [sum(s for (s, _), k in zip(files, shards) if k == i) for i in range(4)]
    per_files = [shards.count(i) for i in range(4)]
    assert max(per_files) - min(per_files) <= len(files) * 0.15
    assert max(per_bytes) <= 2 * (sum(s for s, _ in files) / 4)
    # small tables are kept whole in one shard
    for t in range(7):
        assert len({k for (_, tb), k in zip(files, shards) if tb == f"db.t{t}"}) == 1
    assert pack(files, 4) == shards  # deterministic


def test_view_dependencies_skip_ctes_and_default_database():
    sql = "WITH x AS (SELECT * FROM sales.orders) SELECT * FROM x JOIN customers c ON x.id = c.id"
    assert view_dependencies(sql, "sales") == ["sales.customers", "sales.orders"]


def test_waves_put_views_after_what_they_read():
    waves, cyclic = assign_waves({"a.t": [], "a.v1": ["a.t"], "a.v2": ["a.v1", "a.t"], "a.w": ["x.unknown"]})
    assert waves == {"a.t": 0, "a.v1": 1, "a.v2": 2, "a.w": 0} and cyclic == []
    _, cyclic = assign_waves({"a": ["b"], "b": ["a"]})
    assert cyclic


def _table(db, name, fmt, location, **kw):
    return HiveTable(database=db, name=name, table_type=kw.pop("table_type", "EXTERNAL_TABLE"), location=location,
                     input_format=fmt[0] if fmt else None, serde=fmt[1] if fmt else None,
                     columns=[Column("id", "int"), Column("name", "varchar(20)")], **kw)


@pytest.fixture
def inventory(tmp_path):
    inv = tmp_path / "scan"
    tables = [
        _table("sales", "orders", PARQUET, f"hdfs://nn:8020{EXT}/sales.db/orders",
               partition_keys=[Column("dt", "date")]),
        _table("sales", "raw", TEXT, f"{EXT}/sales.db/raw"),
        _table("hr", "emp", ORC, f"{MAN}/hr.db/emp", table_type="MANAGED_TABLE",
               parameters={"transactional": "true"}),
        _table("hr", "hb", None, f"{EXT}/hr.db/hb", parameters={"storage_handler": "org.apache.hadoop.hive.hbase.HBaseStorageHandler"}),
        _table("sales", "v_orders", None, None, table_type="VIRTUAL_VIEW",
               view_expanded_text="SELECT o.id FROM sales.orders o JOIN sales.raw r ON o.id = r.id"),
        _table("sales", "v_top", None, None, table_type="VIRTUAL_VIEW", view_expanded_text="SELECT * FROM v_orders"),
    ]
    files = [HdfsEntry(f"{EXT}/sales.db/orders/dt=2024-01-0{d}/part-{i}.parquet", "file", size=100 + i, mtime=1000,
                       owner="etl", group="hadoop", permission="644") for d in (1, 2) for i in range(3)]
    files += [HdfsEntry("/data/custom/orders_2024_03/part-0.parquet", "file", size=50, mtime=1)]
    files += [HdfsEntry(f"{EXT}/sales.db/raw/f{i}.txt", "file", size=10, mtime=1) for i in range(4)]
    files += [HdfsEntry(f"{MAN}/hr.db/emp/delta_0000001_0000001/bucket_00000", "file", size=70, mtime=1)]
    files += [HdfsEntry(f"{EXT}/hr.db/hb/x", "file", size=7, mtime=1)]
    files += [HdfsEntry("/user/etl/apps/wf/workflow.xml", "file", size=3, mtime=1)]
    parts = [HivePartition("sales", "orders", ["2024-03-01"], "dt=2024-03-01", location="/data/custom/orders_2024_03")]
    write_parquet(inv / FILES, HdfsEntry, files)
    write_parquet(inv / PARTITIONS, HivePartition, parts)
    write_json(inv / TABLES, tables)
    write_manifest(inv, {"hdfs": "ok"}, {})
    return inv


def test_plan_cli_writes_a_plan_the_copy_engine_can_load(inventory, tmp_path, capsys):
    out = tmp_path / "plan.yaml"
    rc = main(["--json", "plan", "--from-scan", str(inventory), "--target", "s3://lake/w", "--shards", "2",
               "--out", str(out)])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["strategies"] == {"register": 1, "rewrite": 2, "skip": 1, "view": 2}
    plan = load(out)
    t = plan.tables
    assert t["sales.orders"].strategy == "register" and t["sales.orders"].iceberg == {"namespace": "sales", "table": "orders"}
    assert t["sales.orders"].target == "s3://lake/w/sales/orders"
    assert t["sales.raw"].strategy == "rewrite"
    assert t["hr.emp"].strategy == "rewrite" and "transactional" in t["hr.emp"].reasons[0]
    assert t["hr.hb"].strategy == "skip"
    assert (t["sales.orders"].wave, t["sales.v_orders"].wave, t["sales.v_top"].wave) == (0, 1, 2)
    items = list(plan.items())
    srcs = [i.src for i in items]
    assert f"{EXT}/hr.db/hb/x" not in srcs  # skipped table's files are left out
    assert len(items) == 6 + 1 + 4 + 1 + 1
    by_src = {i.src: i for i in items}
    custom = by_src["/data/custom/orders_2024_03/part-0.parquet"]
    assert (custom.table, custom.partition) == ("sales.orders", "dt=2024-03-01")
    first = by_src[f"{EXT}/sales.db/orders/dt=2024-01-01/part-0.parquet"]
    assert (first.dst_bucket, first.dst_key, first.partition, first.owner, first.permission) == \
        ("lake", "w/sales/orders/dt=2024-01-01/part-0.parquet", "dt=2024-01-01", "etl", "644")
    assert by_src["/user/etl/apps/wf/workflow.xml"].table is None
    # every file in exactly one shard, for the plan's N and for another N
    for n in (2, 3):
        got = [i.src for s in range(n) for i in plan.items(shard=(s, n))]
        assert sorted(got) == sorted(srcs)


def test_editing_a_mapping_in_the_yaml_moves_the_objects(inventory, tmp_path):
    out = tmp_path / "plan.yaml"
    assert main(["plan", "--from-scan", str(inventory), "--target", "s3://lake", "--out", str(out)]) == 0
    text = out.read_text().replace("to: s3://lake\n", "to: s3://other/moved\n", 1)
    out.write_text(text)
    assert "# okdp-migrate migration plan" in text
    plan = load(out)
    keys = {i.dst_bucket for i in plan.items()}
    assert "other" in keys


def test_mapping_file_and_json_plan(inventory, tmp_path, capsys):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("- {from: /user/etl, to: s3://apps/etl}\n")
    out = tmp_path / "plan.json"
    assert main(["plan", "--from-scan", str(inventory), "--target", "s3://lake", "--mapping", str(mapping),
                 "--out", str(out)]) == 0
    json.loads(out.read_text())
    item = [i for i in load(out).items() if i.src.endswith("workflow.xml")][0]
    assert (item.dst_bucket, item.dst_key) == ("apps", "etl/apps/wf/workflow.xml")
    capsys.readouterr()
    assert main(["--json", "plan", "show", str(out)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["files"] == 13 and [w["wave"] for w in shown["waves"]] == [0, 1, 2]
    assert main(["plan", "show", str(out)]) == 0
    assert "wave 1" in capsys.readouterr().out


def test_bad_inputs_are_one_line_errors_and_write_nothing(inventory, tmp_path, capsys):
    out = tmp_path / "plan.yaml"
    assert main(["plan", "--from-scan", str(tmp_path / "nope"), "--target", "s3://b", "--out", str(out)]) == 4
    assert main(["plan", "--from-scan", str(inventory), "--target", "bucket", "--out", str(out)]) == 4
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {from: /x}\n")
    assert main(["plan", "--from-scan", str(inventory), "--target", "s3://b", "--mapping", str(bad),
                 "--out", str(out)]) == 4
    collide = tmp_path / "collide.yaml"
    collide.write_text("- {from: /user/etl/apps/wf/workflow.xml, to: s3://b/sales/raw/f0.txt}\n")
    assert main(["plan", "--from-scan", str(inventory), "--target", "s3://b", "--mapping", str(collide),
                 "--out", str(out)]) == 4
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.count("okdp-migrate: error:") == 4 and "same object s3://b/sales/raw/f0.txt" in err
    assert main(["plan", "show", str(tmp_path / "missing.yaml")]) == 4


def test_tampered_sidecar_is_detected(inventory, tmp_path):
    out = tmp_path / "plan.yaml"
    assert main(["plan", "--from-scan", str(inventory), "--target", "s3://b", "--out", str(out)]) == 0
    side = tmp_path / "plan.yaml.files.parquet"
    side.write_bytes(side.read_bytes() + b"x")
    with pytest.raises(BadInputError, match="checksum"):
        load(out)
