"""Services test: `copy` commits a Hive table into Iceberg through pyiceberg's Hive metastore catalog
(`iceberg.catalog: hive`), against the sandbox's real Hive Metastore 2.3.10 thrift server.

That metastore can take Iceberg tables only in part, for two reasons of its set-up (not of this tool):
- it has no Hadoop FileSystem for s3:// (no hadoop-aws on its classpath), and a metastore checks and creates
  every database/table location itself, so an s3:// warehouse is refused at the first call;
- its schema was made by DataNucleus, without Hive's transaction tables, so the table lock that every Iceberg
  commit through a metastore takes fails ("Internal error processing lock"; its log: relation next_lock_id).
The tests assert what does work there (database and Iceberg table created over thrift, seen by the metastore,
loaded back by pyiceberg) and that each refusal is one line naming its fix. The full commit and read-back run
against a private Hive Metastore 2.3.10 (same jars, embedded Derby) whose schema has the transaction tables, as
schematool makes them on real clusters. Own objects, unique names.
"""
from __future__ import annotations

import io
import json
import os
import uuid
from decimal import Decimal

import pytest

from okdp_migrate.cli import main
from private_metastore import PrivateMetastore, free_port, hms_client

pytestmark = pytest.mark.services
PARQ_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQ_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQ_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
ROWS = {"2024-01-01": [(1, "a", Decimal("1.50")), (2, "b", Decimal("2.25"))], "2024-01-02": [(3, "c", None)]}


def _parquet(rows) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table({"id": pa.array([r[0] for r in rows], pa.int64()), "name": [r[1] for r in rows],
                  "amount": pa.array([r[2] for r in rows], pa.decimal128(10, 2))})
    buf = io.BytesIO()
    pq.write_table(t, buf)  # Hive keeps partition columns out of the files
    return buf.getvalue()


@pytest.fixture(scope="module")
def private_hms(tmp_path_factory):
    hms = PrivateMetastore(tmp_path_factory.mktemp("hms"))
    try:
        hms.start()
        yield hms
    finally:
        hms.stop()


@pytest.fixture(scope="module")
def copied(sandbox, tmp_path_factory):
    """A partitioned Parquet table of our own in HDFS + the metastore, scanned, planned and copied to S3
    (files only: --no-commit); each test then reruns `copy` with its own Iceberg catalog settings."""
    import hdfs_native
    from hmsclient.genthrift.hive_metastore.ttypes import (Database, FieldSchema, Partition, SerDeInfo,
                                                           StorageDescriptor, Table)

    from okdp_migrate.connectors import s3

    tag = uuid.uuid4().hex[:8]
    os.environ.setdefault("HADOOP_USER_NAME", sandbox.get("hdfs_user") or "root")
    fs = hdfs_native.Client(f"hdfs://{sandbox['namenode_rpc']}")
    nn = f"hdfs://{sandbox['namenode_rpc']}"
    root, db = f"/tmp/okdp-hivecat-{tag}", f"hivecat_{tag}"
    wh = f"{root}/wh"
    location = f"{wh}/{db}.db/events"
    for dt, rows in ROWS.items():
        with fs.create(f"{location}/dt={dt}/000000_0", hdfs_native.WriteOptions(create_parent=True)) as w:
            w.write(_parquet(rows))
    cols = [FieldSchema("id", "bigint", None), FieldSchema("name", "string", None),
            FieldSchema("amount", "decimal(10,2)", None)]

    def sd(loc):
        return StorageDescriptor(cols=cols, location=loc, inputFormat=PARQ_IN, outputFormat=PARQ_OUT, compressed=False,
                                 numBuckets=-1, serdeInfo=SerDeInfo(serializationLib=PARQ_SERDE, parameters={}),
                                 bucketCols=[], sortCols=[], parameters={})

    tmp = tmp_path_factory.mktemp("hivecat")
    bucket, run = sandbox["s3_bucket"], f"hc{tag}"
    client = s3.make_client({"endpoint": sandbox["s3_endpoint"], "access_key": sandbox["s3_access_key"],
                             "secret_key": sandbox["s3_secret_key"]})
    try:
        with hms_client(sandbox["metastore_uri"]) as ms:
            ms._client.create_database(Database(name=db, description="okdp hive catalog test",
                                                locationUri=f"{nn}{wh}/{db}.db", parameters={}))
            ms._client.create_table(Table(tableName="events", dbName=db, owner="etl", createTime=0, lastAccessTime=0,
                                          retention=0, sd=sd(f"{nn}{location}"), tableType="EXTERNAL_TABLE",
                                          partitionKeys=[FieldSchema("dt", "string", None)],
                                          parameters={"EXTERNAL": "TRUE"}))
            ms._client.add_partitions([Partition(values=[dt], dbName=db, tableName="events", createTime=0,
                                                 lastAccessTime=0, sd=sd(f"{nn}{location}/dt={dt}"), parameters={})
                                       for dt in ROWS])
        base = {k: v for k, v in sandbox.items() if k in ("webhdfs_url", "namenode_rpc", "metastore_uri", "hdfs_user",
                                                         "s3_endpoint", "s3_access_key", "s3_secret_key")}
        cfg = tmp / "base.json"
        cfg.write_text(json.dumps({**base, "warehouse_dirs": [wh]}))
        scan_dir, plan = tmp / "scan", tmp / f"{run}.yaml"  # its name leads the plan id
        assert main(["--config", str(cfg), "scan", "--out", str(scan_dir), "--root", wh, "--database", db,
                     "--no-oozie", "--no-hbase", "--no-ranger", "--no-hiveserver2", "--no-configs"]) in (0, 8)
        assert main(["plan", "--from-scan", str(scan_dir), "--target", f"s3://{bucket}/{run}", "--include", location,
                     "--iceberg-prefix", f"{run}_", "--out", str(plan)]) == 0
        assert main(["--config", str(cfg), "copy", str(plan), "--journal", str(tmp / "journal"), "--no-commit"]) == 0
        yield {"base": base, "plan": plan, "journal": tmp / "journal", "tmp": tmp, "db": db, "run": run,
               "namespace": f"{run}_{db}", "bucket": bucket, "env": sandbox}
    finally:
        with hms_client(sandbox["metastore_uri"]) as ms:
            for name in (db, f"{run}_{db}"):
                try:
                    ms._client.drop_database(name, False, True)  # cascade: our tables too, data left alone
                except Exception:  # noqa: BLE001 - absent: nothing to clean
                    pass
        fs.delete(root, True)
        for prefix in (f"{run}/", f"_okdp_migrate/{run}-"):  # the copies, then the copy's per-plan records
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for o in page.get("Contents", []):
                    client.delete_object(Bucket=bucket, Key=o["Key"])


def _copy(copied, capsys, name, **iceberg) -> tuple[int, dict]:
    """Rerun `copy --json` (every file already verified: only the Iceberg step runs) with these settings."""
    cfg = copied["tmp"] / f"{name}.json"
    cfg.write_text(json.dumps({**copied["base"], "iceberg.catalog": "hive", **iceberg}))
    capsys.readouterr()
    rc = main(["--config", str(cfg), "--json", "copy", str(copied["plan"]), "--journal", str(copied["journal"])])
    return rc, json.loads(capsys.readouterr().out)


def _hive_table(uri, db, name):
    with hms_client(uri) as ms:
        return ms._client.get_table(db, name)


def _databases(uri) -> list[str]:
    with hms_client(uri) as ms:
        return ms._client.get_all_databases()


def test_s3_warehouse_refused_by_a_metastore_without_s3_filesystem_in_one_line(copied, capsys):
    uri = copied["env"]["metastore_uri"]
    rc, s = _copy(copied, capsys, "s3wh", **{"iceberg.hive_uri": uri,
                                            "iceberg.warehouse": f"s3://{copied['bucket']}/{copied['run']}/iceberg"})
    assert rc == 8 and s["files_failed"] == 0 and s["files_verified"] == s["files_planned"] == 2
    assert s["tables_committed"] == 0 and s["tables_failed"] == 1
    [failure] = s["failures"]
    error = failure["error"]
    assert "\n" not in error and "no Hadoop FileSystem" in error and 'scheme "s3"' in error
    assert "hadoop-aws" in error and "fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem" in error
    assert "iceberg.catalog=rest" in error
    assert copied["namespace"] not in _databases(uri)  # refused before anything was made


def test_iceberg_table_created_in_the_metastore_then_commit_lock_refused_in_one_line(copied, capsys):
    from okdp_migrate.connectors.iceberg import open_catalog

    uri, ns = copied["env"]["metastore_uri"], copied["namespace"]
    wh = f"file://{copied['tmp']}/hive-wh"  # metadata on local disk: this metastore accepts file:// locations
    settings = {"iceberg.hive_uri": uri, "iceberg.warehouse": wh}
    rc, s = _copy(copied, capsys, "filewh", **settings)
    assert rc == 8 and s["files_failed"] == 0 and s["tables_committed"] == 0 and s["tables_failed"] == 1
    [failure] = s["failures"]
    error = failure["error"]
    assert "\n" not in error and f"{ns}.events" in error
    assert "table lock" in error and "schematool" in error and "iceberg.catalog=rest" in error

    # the database and the table were made over thrift, where our warehouse says
    hive = _hive_table(uri, ns, "events")
    assert hive.parameters["table_type"] == "ICEBERG" and hive.parameters["EXTERNAL"] == "TRUE"
    assert hive.parameters["metadata_location"].startswith(f"{wh}/{ns}.db/events/metadata/")
    assert hive.sd.location.rstrip("/").endswith(f"{copied['tmp']}/hive-wh/{ns}.db/events")
    assert [c.name for c in hive.sd.cols] == ["id", "name", "amount", "dt"]
    # pyiceberg's HiveCatalog loads it back: Hive's schema and partition spec, no snapshot (the commit was refused)
    env = copied["env"]
    catalog = open_catalog({"iceberg.catalog": "hive", **settings, "s3.endpoint": env["s3_endpoint"],
                            "s3.access_key": env["s3_access_key"], "s3.secret_key": env["s3_secret_key"]})
    table = catalog.load_table(f"{ns}.events")
    assert table.metadata_location == hive.parameters["metadata_location"]
    assert [f.name for f in table.schema().fields] == ["id", "name", "amount", "dt"]
    assert str(table.schema().find_field("amount").field_type) == "decimal(10, 2)"
    assert [f.name for f in table.spec().fields] == ["dt"]
    assert table.current_snapshot() is None and table.scan().to_arrow().num_rows == 0

    # a rerun finds the table and fails the same way, with the same line
    rc, again = _copy(copied, capsys, "filewh2", **settings)
    assert rc == 8 and [f["error"] for f in again["failures"]] == [error]


def test_unreachable_metastore_is_one_line_and_exit_5(copied, capsys):
    port = free_port()
    rc, s = _copy(copied, capsys, "down", **{"iceberg.hive_uri": f"thrift://127.0.0.1:{port}",
                                            "iceberg.warehouse": f"file://{copied['tmp']}/down-wh"})
    assert rc == 5 and s["files_failed"] == 0 and s["tables_committed"] == 0
    [failure] = s["failures"]
    assert "\n" not in failure["error"] and "cannot reach the Hive metastore" in failure["error"]
    assert str(port) in failure["error"] and "iceberg.hive_uri" in failure["error"]
    assert any(n.startswith("stopped early") for n in s["notes"])


def test_hive_catalog_without_warehouse_is_a_config_error(copied, capsys):
    rc, s = _copy(copied, capsys, "nowh", **{"iceberg.hive_uri": copied["env"]["metastore_uri"]})
    assert rc == 8 and s["tables_committed"] == 0
    [failure] = s["failures"]
    assert "no warehouse for the Iceberg Hive catalog" in failure["error"] and "iceberg.warehouse" in failure["error"]


@pytest.mark.slow
def test_committed_through_a_metastore_with_transaction_tables_and_read_back(copied, private_hms, capsys):
    from okdp_migrate.connectors.iceberg import open_catalog

    ns, env = copied["namespace"], copied["env"]
    wh = f"file://{private_hms.root}/iceberg"
    settings = {"iceberg.hive_uri": private_hms.uri, "iceberg.warehouse": wh}
    rc, s = _copy(copied, capsys, "private", **settings)
    assert rc == 0 and s["failures"] == [] and s["tables_committed"] == 1 and s["files_copied"] == 0

    hive = _hive_table(private_hms.uri, ns, "events")
    assert hive.parameters["table_type"] == "ICEBERG" and hive.parameters["EXTERNAL"] == "TRUE"
    assert hive.parameters["metadata_location"].startswith(f"{wh}/{ns}.db/events/metadata/")
    assert "previous_metadata_location" in hive.parameters  # created, then one commit swapped its metadata
    catalog = open_catalog({"iceberg.catalog": "hive", **settings, "s3.endpoint": env["s3_endpoint"],
                            "s3.access_key": env["s3_access_key"], "s3.secret_key": env["s3_secret_key"]})
    table = catalog.load_table(f"{ns}.events")
    assert table.metadata_location == hive.parameters["metadata_location"]
    got = table.scan().to_arrow().to_pylist()
    assert sorted((r["id"], r["name"], r["amount"], r["dt"]) for r in got) == sorted(
        (i, n, a, dt) for dt, rows in ROWS.items() for i, n, a in rows)
    assert table.scan(row_filter="dt = '2024-01-01'").to_arrow().num_rows == 2
    # the copied objects are registered in place, not rewritten
    paths = {t.file.file_path for t in table.scan().plan_files()}
    assert len(paths) == 2 and all(p.startswith(f"s3://{copied['bucket']}/{copied['run']}/") for p in paths)

    rc, again = _copy(copied, capsys, "private2", **settings)  # same files: no new snapshot
    assert rc == 0 and again["tables_committed"] == 0
    assert _hive_table(private_hms.uri, ns, "events").parameters["metadata_location"] == table.metadata_location


def test_a_plain_hive_table_of_the_same_name_is_refused_in_one_line(copied):
    from okdp_migrate.connectors.iceberg import load_table, open_catalog
    from okdp_migrate.errors import BadInputError

    # plans without --iceberg-prefix into the source metastore would meet the Hive table itself
    catalog = open_catalog({"iceberg.catalog": "hive", "iceberg.hive_uri": copied["env"]["metastore_uri"],
                            "iceberg.warehouse": f"file://{copied['tmp']}/same-name"})
    with pytest.raises(BadInputError) as err:
        load_table(catalog, f"{copied['db']}.events")
    line = err.value.one_line()
    assert "not an Iceberg table" in line and "--iceberg-prefix" in line and "\n" not in line
    assert load_table(catalog, f"{copied['db']}.absent") is None
