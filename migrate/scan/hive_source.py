"""The Hive sources of scan: the metastore (bulk thrift, or direct SQL on its database) and HiveServer2 DDL."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import logs
from ..inventory import PARTITIONS, TABLES, read_json, table_from_dict, write_json
from ..model import HivePartition, HiveTable
from .hdfs_source import ParquetStream

log = logs.get("scan.hive")
DATABASES = "metastore_databases.json"


@dataclass
class MetastoreResult:
    databases: list[dict[str, Any]] = field(default_factory=list)
    tables: list[HiveTable] = field(default_factory=list)
    partitions: int = 0
    method: str = ""
    schema_version: str | None = None
    missing_calls: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        views = sum(1 for t in self.tables if t.is_view)
        return {"databases": len(self.databases), "tables": len(self.tables) - views, "views": views,
                "partitions": self.partitions, "method": self.method, "schema_version": self.schema_version,
                "missing_calls": self.missing_calls}


def partition_schema():
    import pyarrow as pa

    return pa.schema([("database", pa.string()), ("table", pa.string()), ("values", pa.string()),
                      ("name", pa.string()), ("location", pa.string()), ("input_format", pa.string()),
                      ("serde", pa.string()), ("parameters", pa.string()), ("create_time", pa.int64())])


def _partition_batch(parts: list[HivePartition]):
    import json

    import pyarrow as pa

    cols = {"database": [p.database for p in parts], "table": [p.table for p in parts],
            "values": [json.dumps(p.values, ensure_ascii=False) for p in parts], "name": [p.name for p in parts],
            "location": [p.location for p in parts], "input_format": [p.input_format for p in parts],
            "serde": [p.serde for p in parts],
            "parameters": [json.dumps(p.parameters, ensure_ascii=False) for p in parts],
            "create_time": [p.create_time for p in parts]}
    return pa.RecordBatch.from_pydict(cols, schema=partition_schema())


def scan_metastore(cfg, use_sql: bool, out: Path, progress: Callable[[int], None],
                   patterns: list[str] | None = None) -> MetastoreResult:
    """Tables, views and partitions into metastore_tables.json / metastore_partitions.parquet.

    patterns: database name globs (fnmatch) to keep; none keeps every database."""
    from fnmatch import fnmatch

    def wanted(db: str) -> bool:
        return not patterns or any(fnmatch(db, p) for p in patterns)

    res = MetastoreResult()
    stream = ParquetStream(out / PARTITIONS, partition_schema())
    ok = False
    try:
        if use_sql:
            _by_sql(cfg, res, stream, progress, wanted)
        else:
            _by_thrift(cfg, res, stream, progress, wanted)
        ok = True
    finally:
        stream.close(ok)
    write_json(out / TABLES, res.tables)
    write_json(out / DATABASES, res.databases)
    return res


def _by_thrift(cfg, res: MetastoreResult, stream: ParquetStream, progress, wanted) -> None:
    from ..connectors.metastore_thrift import MetastoreThrift

    with MetastoreThrift(cfg.get("metastore.uri")) as ms:
        res.method = "thrift"
        connections = int(cfg.get("metastore.max_connections") or 4)
        for db in filter(wanted, ms.databases()):
            res.databases.append(ms.database(db))
            for t, batches in ms.inventory(db, connections):
                res.tables.append(t)
                progress(1)
                for batch in batches:
                    stream.write(_partition_batch(batch))
                    res.partitions += len(batch)
                    progress(len(batch))
        res.missing_calls = sorted(ms.missing)


def _by_sql(cfg, res: MetastoreResult, stream: ParquetStream, progress, wanted) -> None:
    from ..connectors.metastore_db import MetastoreDb

    with MetastoreDb(cfg.get("metastore.db_url")) as db:
        res.method, res.schema_version = "sql", db.schema_version
        res.databases = [d for d in db.database_info() if wanted(d["name"])]
        res.tables = [t for t in db.tables() if wanted(t.database)]
        progress(len(res.tables))
        keep = {d["name"] for d in res.databases}
        for batch in db.partitions():
            batch = [p for p in batch if p.database in keep]
            if not batch:
                continue
            stream.write(_partition_batch(batch))
            res.partitions += len(batch)
            progress(len(batch))


def load_tables(out: Path) -> list[HiveTable]:
    p = out / TABLES
    return [table_from_dict(d) for d in read_json(p)] if p.exists() else []


def fetch_ddl(cfg, tables: list[HiveTable], only_views: bool = False) -> dict[str, Any]:
    """SHOW CREATE TABLE for each table (or each view); per-table failures are recorded, not fatal."""
    from ..connectors.hiveserver2 import HiveServer2
    from ..errors import BadInputError

    ddl, failed = {}, {}
    with HiveServer2(cfg.get("hiveserver2.host"), cfg.get("hiveserver2.port"), user=cfg.get("hiveserver2.user"),
                     password=cfg.get("hiveserver2.password")) as hs2:
        for t in tables:
            if only_views and not t.is_view:
                continue
            try:
                ddl[t.fqn] = hs2.show_create_table(t.database, t.name)
            except BadInputError as exc:
                failed[t.fqn] = exc.message
    return {"ddl": ddl, "failed": failed}
