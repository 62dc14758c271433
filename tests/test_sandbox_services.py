"""Each sandbox service is real and reachable through the libraries the product uses.
Every test creates its own objects (unique names) and removes them: the sandbox is shared."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid

import pytest

from okdp_migrate.cli import main

pytestmark = pytest.mark.services


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _expected_md5_of_md5_of_crc32c(data: bytes, bytes_per_crc: int = 512) -> str:
    """HDFS's MD5-of-0MD5-of-512CRC32C for a one-block file, computed independently of HDFS.
    The NameNode digests its 32-byte DataOutputBuffer whole, so one block's MD5 is followed by 16 zero bytes."""
    import google_crc32c

    crcs = b"".join(google_crc32c.value(data[i:i + bytes_per_crc]).to_bytes(4, "big")
                    for i in range(0, len(data), bytes_per_crc))
    return hashlib.md5(hashlib.md5(crcs).digest() + b"\0" * 16).hexdigest()


@pytest.fixture
def hdfs_dir(sandbox):
    from hdfs import InsecureClient

    client = InsecureClient(sandbox["webhdfs_url"], user=sandbox["hdfs_user"])
    path = f"/tmp/okdp-test-{_uid()}"
    client.makedirs(path)
    yield client, path
    client.delete(path, recursive=True)


def test_webhdfs_listing_and_file_checksum_are_real_hdfs(hdfs_dir):
    client, path = hdfs_dir
    data = os.urandom(3000)
    client.write(f"{path}/part-0.bin", data)
    assert client.list(path) == ["part-0.bin"]
    assert client.status(f"{path}/part-0.bin")["length"] == 3000
    checksum = client.checksum(f"{path}/part-0.bin")
    assert checksum["algorithm"] == "MD5-of-0MD5-of-512CRC32C"
    # bytes = bytesPerCRC (int) + crcPerBlock (long) + MD5 (16 bytes), hex
    assert checksum["bytes"][:8] == "00000200"
    assert checksum["bytes"][24:56] == _expected_md5_of_md5_of_crc32c(data)


def test_permissions_are_enforced(hdfs_dir, sandbox):
    from hdfs import InsecureClient
    from hdfs.util import HdfsError

    client, path = hdfs_dir
    client.makedirs(f"{path}/private", permission="700")
    stranger = InsecureClient(sandbox["webhdfs_url"], user="analyst")
    with pytest.raises(HdfsError, match="Permission denied"):
        stranger.list(f"{path}/private")


def test_rpc_listing_with_hdfs_native_matches_webhdfs(hdfs_dir, sandbox):
    import hdfs_native

    client, path = hdfs_dir
    client.write(f"{path}/a.txt", b"abc")
    client.set_owner(f"{path}/a.txt", owner="etl", group="hadoop")
    rpc = hdfs_native.Client(f"hdfs://{sandbox['namenode_rpc']}")
    entries = {os.path.basename(s.path): s for s in rpc.list_status(path)}
    assert entries["a.txt"].length == 3
    assert entries["a.txt"].owner == "etl"


def test_snapshots_are_allowed_on_the_snapshot_dir(sandbox):
    from hdfs import InsecureClient

    client = InsecureClient(sandbox["webhdfs_url"], user=sandbox["hdfs_user"])
    snap_root = sandbox["hdfs_snapshot_dir"]
    name = f"okdp-test-{_uid()}"
    client._create_snapshot(snap_root, snapshotname=name)
    try:
        assert name in client.list(f"{snap_root}/.snapshot")
    finally:
        client._delete_snapshot(snap_root, snapshotname=name)


def _hms(sandbox):
    from hmsclient import hmsclient

    host, port = sandbox["metastore_uri"].removeprefix("thrift://").split(":")
    return hmsclient.HMSClient(host=host, port=int(port))


def test_metastore_thrift_and_its_postgres_database(sandbox):
    from hmsclient.genthrift.hive_metastore.ttypes import Database

    db = f"okdp_test_{_uid()}"
    with _hms(sandbox) as hms:
        hms.create_database(Database(name=db, description="okdp test", parameters={}))
        try:
            assert db in hms.get_all_databases()
            assert hms.get_database(db).locationUri.endswith(f"/warehouse/tablespace/managed/hive/{db}.db")
            if sandbox.get("metastore_db_url"):
                import psycopg

                with psycopg.connect(sandbox["metastore_db_url"]) as conn:
                    rows = conn.execute('SELECT "NAME" FROM "DBS" WHERE "NAME" = %s', (db,)).fetchall()
                assert rows == [(db,)]
        finally:
            hms.drop_database(db, True, True)


def test_hiveserver2_query_writes_real_files_to_hdfs(sandbox):
    from hdfs import InsecureClient
    from pyhive import hive

    db = f"okdp_test_{_uid()}"
    conn = hive.connect(host=sandbox["hiveserver2_host"], port=sandbox["hiveserver2_port"],
                        username=sandbox["hdfs_user"], auth="NONE")
    cur = conn.cursor()
    try:
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"CREATE TABLE {db}.t (id INT, name STRING) PARTITIONED BY (dt STRING) STORED AS PARQUET")
        cur.execute(f"INSERT INTO {db}.t PARTITION (dt='2024-01-01') VALUES (1, 'a'), (2, 'b')")
        cur.execute(f"SELECT id, name, dt FROM {db}.t ORDER BY id")
        assert cur.fetchall() == [(1, "a", "2024-01-01"), (2, "b", "2024-01-01")]
        files = InsecureClient(sandbox["webhdfs_url"], user=sandbox["hdfs_user"]).list(
            f"/warehouse/tablespace/managed/hive/{db}.db/t/dt=2024-01-01")
        assert any(f.endswith(".parquet") for f in files)
    finally:
        cur.execute(f"DROP DATABASE IF EXISTS {db} CASCADE")
        conn.close()


def test_s3_put_get_with_crc32c(sandbox):
    import boto3
    import google_crc32c

    s3 = boto3.client("s3", endpoint_url=sandbox["s3_endpoint"], region_name="us-east-1",
                      aws_access_key_id=sandbox["s3_access_key"], aws_secret_access_key=sandbox["s3_secret_key"])
    key = f"okdp-test/{_uid()}.bin"
    body = os.urandom(100_000)
    expected = base64.b64encode(google_crc32c.value(body).to_bytes(4, "big")).decode()
    put = s3.put_object(Bucket=sandbox["s3_bucket"], Key=key, Body=body, ChecksumAlgorithm="CRC32C")
    try:
        assert put["ChecksumCRC32C"] == expected
        head = s3.head_object(Bucket=sandbox["s3_bucket"], Key=key, ChecksumMode="ENABLED")
        assert head["ChecksumCRC32C"] == expected
        assert s3.get_object(Bucket=sandbox["s3_bucket"], Key=key)["Body"].read() == body
    finally:
        s3.delete_object(Bucket=sandbox["s3_bucket"], Key=key)


def test_s3_refuses_wrong_credentials(sandbox):
    import boto3
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3", endpoint_url=sandbox["s3_endpoint"], region_name="us-east-1",
                      aws_access_key_id=sandbox["s3_access_key"], aws_secret_access_key="wrong-secret")
    with pytest.raises(ClientError):
        s3.list_objects_v2(Bucket=sandbox["s3_bucket"])


def test_iceberg_table_created_and_read_back_through_rest_catalog(sandbox):
    import pyarrow as pa
    from pyiceberg.catalog import load_catalog

    catalog = load_catalog("sandbox", type="rest", uri=sandbox["iceberg_rest_uri"],
                           warehouse=sandbox["iceberg_warehouse"], credential=sandbox["iceberg_credential"],
                           **{"s3.endpoint": sandbox["s3_endpoint"], "s3.access-key-id": sandbox["s3_access_key"],
                              "s3.secret-access-key": sandbox["s3_secret_key"], "s3.path-style-access": "true",
                              "s3.region": "us-east-1"})
    ns = f"okdp_test_{_uid()}"
    catalog.create_namespace(ns)
    try:
        table = catalog.create_table(f"{ns}.events", schema=pa.schema([("id", pa.int64()), ("kind", pa.string())]))
        table.append(pa.table({"id": [1, 2, 3], "kind": ["a", "b", "c"]}))
        back = catalog.load_table(f"{ns}.events").scan().to_arrow().sort_by("id")
        assert back.column("kind").to_pylist() == ["a", "b", "c"]
        catalog.drop_table(f"{ns}.events")
    finally:
        catalog.drop_namespace(ns)


def test_status_json_reports_every_service_healthy(sandbox, capsys):
    assert main(["sandbox", "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["healthy"] is True
    assert {"namenode", "datanode", "metastore", "thriftserver", "seaweedfs"} <= {s["service"] for s in report["services"]}


def test_env_json_has_the_documented_keys_and_loads_as_a_config(sandbox, capsys, tmp_path):
    assert main(["sandbox", "env", "--json"]) == 0
    env = json.loads(capsys.readouterr().out)
    for key in ("webhdfs_url", "namenode_rpc", "metastore_uri", "hiveserver2_host", "hiveserver2_port", "s3_endpoint",
                "s3_access_key", "s3_secret_key", "iceberg_rest_uri", "iceberg_warehouse", "config_dir", "s3_bucket",
                "hdfs_user"):
        assert env[key], key
    path = tmp_path / "env.json"
    path.write_text(json.dumps(env))
    assert main(["--json", "--config", str(path), "config", "show"]) == 0
    shown = {r["key"]: r for r in json.loads(capsys.readouterr().out)["settings"]}
    assert shown["metastore.uri"]["value"] == env["metastore_uri"]
    assert shown["s3.secret_key"]["value"] == "***"


def test_up_again_reuses_the_running_services(sandbox, capsys):
    from okdp_migrate.sandbox import launcher

    before = {r["service"]: r["pid"] for r in launcher.status()}
    assert main(["sandbox", "up", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metastore_uri"] == sandbox["metastore_uri"]
    assert out["s3_secret_key"] == "***"  # `up` prints a redacted summary; `env --json` is the connection file
    assert {r["service"]: r["pid"] for r in launcher.status()} == before


def test_site_xml_files_point_at_the_sandbox(sandbox):
    from pathlib import Path

    from okdp_migrate.sandbox import xmlconf

    conf = Path(sandbox["config_dir"])
    core = xmlconf.parse(conf / "core-site.xml")
    assert core["fs.defaultFS"] == f"hdfs://{sandbox['namenode_rpc']}"
    hive_site = xmlconf.parse(conf / "hive-site.xml")
    assert hive_site["hive.metastore.uris"] == sandbox["metastore_uri"]
    assert "javax.jdo.option.ConnectionPassword" not in hive_site
    assert xmlconf.parse(conf / "hdfs-site.xml")["dfs.permissions.enabled"] == "true"
