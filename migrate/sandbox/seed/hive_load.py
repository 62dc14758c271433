"""Databases, tables and views created through the real services: DDL and loads through
HiveServer2 (the Spark Thrift Server, via pyhive) so the files really land in HDFS; what Spark
cannot express (an ACID table, table owners) through the metastore thrift API (hmsclient).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

from .raw_data import ACID_BUCKETS, ACID_COLUMNS, ACID_LOCATION
from .warehouse import DATABASES, MANAGED, SESSION_SETTINGS, TABLES, TableSpec

ORC_SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
ORC_INPUT = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
ORC_OUTPUT = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"


def _host_port(uri: str) -> tuple[str, int]:
    hostport = uri.split("://", 1)[-1].split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    return host, int(port)


@contextmanager
def metastore(env: dict) -> Iterator:
    from hmsclient import hmsclient

    host, port = _host_port(env["metastore_uri"])
    client = hmsclient.HMSClient(host=host, port=port)
    with client as c:
        yield c


@contextmanager
def hiveserver2(env: dict) -> Iterator:
    from pyhive import hive

    conn = hive.connect(host=env["hiveserver2_host"], port=int(env["hiveserver2_port"]),
                        username=env.get("hdfs_user") or "hive", auth="NONE")
    try:
        cur = conn.cursor()
        for s in SESSION_SETTINGS:
            cur.execute(s)
        yield cur
    finally:
        conn.close()


def create_databases(cur) -> None:
    for db, (_, comment) in DATABASES.items():
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {db} COMMENT '{comment}' LOCATION '{MANAGED}/{db}.db'")


def create_table(cur, spec: TableSpec, remove_dir: Callable[[str], None]) -> None:
    """(Re)create one table or view and load it; INSERT OVERWRITE keeps reruns exact."""
    cur.execute(f"DROP {'VIEW' if spec.kind == 'view' else 'TABLE'} IF EXISTS {spec.full_name}")
    if spec.kind == "managed":  # an interrupted earlier run can leave the directory without its table
        remove_dir(f"{MANAGED}/{spec.db}.db/{spec.name}")
    cur.execute(spec.ddl)
    for sql in spec.load:
        cur.execute(sql)


def load_tables(env: dict, remove_dir: Callable[[str], None], on_table: Callable[[str, float], None]) -> None:
    with hiveserver2(env) as cur:
        create_databases(cur)
        for spec in TABLES:
            if spec.kind == "acid":
                continue
            t0 = time.monotonic()
            try:
                create_table(cur, spec, remove_dir)
            except Exception as exc:  # name the table: the one line the user sees
                raise RuntimeError(f"{spec.full_name}: {_first_line(exc)}") from exc
            on_table(spec.full_name, time.monotonic() - t0)


def _first_line(exc: Exception) -> str:
    """pyhive wraps Spark's error in a long thrift status: keep the message, not the stack."""
    text = str(exc)
    if "errorMessage=" in text:
        text = text.split("errorMessage=", 1)[1].strip("'\"")
        text = text.split(" SQLSTATE", 1)[0].split("'), operationHandle", 1)[0]
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__


def create_acid_table(env: dict, namenode_uri: str) -> None:
    """A Hive 3 style transactional table Spark cannot create: ORC, bucketed, transactional=true."""
    from hmsclient.genthrift.hive_metastore import ttypes

    sd = ttypes.StorageDescriptor(
        cols=[ttypes.FieldSchema(name=n, type=t, comment=None) for n, t in ACID_COLUMNS],
        location=namenode_uri + ACID_LOCATION, inputFormat=ORC_INPUT, outputFormat=ORC_OUTPUT,
        compressed=False, numBuckets=ACID_BUCKETS, bucketCols=["order_id"], sortCols=[],
        serdeInfo=ttypes.SerDeInfo(name=None, serializationLib=ORC_SERDE, parameters={"serialization.format": "1"}),
        parameters={}, storedAsSubDirectories=False)
    table = ttypes.Table(
        tableName="orders_acid", dbName="sales", owner="hive", createTime=int(time.time()), lastAccessTime=0,
        retention=0, sd=sd, partitionKeys=[], tableType="MANAGED_TABLE",
        parameters={"transactional": "true", "transactional_properties": "default", "bucketing_version": "2",
                    "EXTERNAL": "FALSE", "comment": "Hive ACID table: compaction pending"})
    with metastore(env) as hms:
        try:
            hms.drop_table("sales", "orders_acid", False)
        except ttypes.NoSuchObjectException:
            pass
        hms.create_table(table)


def set_owners(env: dict) -> None:
    """Spark records the session user as owner; TDP tables belong to their teams."""
    with metastore(env) as hms:
        for db, (owner, _) in DATABASES.items():
            d = hms.get_database(db)
            if d.ownerName != owner:
                d.ownerName, d.ownerType = owner, 1  # PrincipalType.USER
                hms.alter_database(db, d)
        for spec in TABLES:
            t = hms.get_table(spec.db, spec.name)
            if t.owner != spec.owner:
                t.owner = spec.owner
                hms.alter_table(spec.db, spec.name, t)
