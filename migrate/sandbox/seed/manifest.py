"""The seed manifest: what was seeded, read back from the services after writing (metastore for
tables/partitions/owners, NameNode for files/bytes/owners/permissions), so the scan tests can
assert a scan against it. No secret values: only the names of the secret properties.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from .hdfs_ops import SeedFs
from .hive_load import metastore
from .layout import OWNERSHIP, REPORTED_DIRS
from .warehouse import DATABASES, ORPHAN_DIRS, TABLES

MANIFEST_NAME = "seed_manifest.json"
VERSION = 1


def path_of(location: str | None) -> str | None:
    return urlsplit(location).path if location else None


def read_tables(env: dict, fs: SeedFs, raw_rows: dict[str, int]) -> tuple[list[dict], list[dict], list[dict]]:
    """(databases, tables, views) as the metastore and the NameNode report them now."""
    databases, tables, views = [], [], []
    with metastore(env) as hms:
        for db in DATABASES:
            d = hms.get_database(db)
            databases.append({"name": db, "owner": d.ownerName, "location": d.locationUri,
                              "path": path_of(d.locationUri), "description": d.description})
        for spec in TABLES:
            t = hms.get_table(spec.db, spec.name)
            entry = {"db": spec.db, "name": spec.name, "full_name": spec.full_name, "kind": spec.kind,
                     "table_type": t.tableType, "owner": t.owner, "notes": list(spec.notes)}
            if spec.kind == "view":
                entry["view_text"] = t.viewOriginalText
                entry["joins"] = " JOIN " in (t.viewOriginalText or "").upper()
                views.append(entry)
                continue
            sd = t.sd
            parts = hms.get_partition_names(spec.db, spec.name, -1) if t.partitionKeys else []
            path = path_of(sd.location)
            exists = fs.exists(path)
            entry.update({
                "format": spec.format,
                "input_format": sd.inputFormat,
                "serde": sd.serdeInfo.serializationLib,
                "location": sd.location,
                "path": path,
                "partition_keys": [k.name for k in t.partitionKeys or []],
                "partitions": len(parts),
                "rows": spec.rows if spec.rows is not None else raw_rows.get(spec.full_name),
                "transactional": (t.parameters or {}).get("transactional", "false").lower() == "true",
                "buckets": sd.numBuckets if sd.numBuckets and sd.numBuckets > 0 else 0,
                "bucket_cols": list(sd.bucketCols or []),
                "dangling": not exists,
                **(fs.summary(path) if exists else {"files": 0, "directories": 0, "bytes": 0}),
            })
            tables.append(entry)
    return databases, tables, views


def read_dirs(fs: SeedFs) -> dict[str, dict]:
    return {d: {**fs.summary(d), **fs.status(d)} for d in REPORTED_DIRS if fs.exists(d)}


def read_ownership(fs: SeedFs) -> list[dict]:
    out = []
    for rule in OWNERSHIP:
        if fs.exists(rule.path):
            out.append({"path": rule.path, "owner": rule.owner, "group": rule.group, "dir_mode": rule.dir_mode,
                        "file_mode": rule.file_mode, "read_back": fs.status(rule.path)})
    return out


def orphan_dirs(fs: SeedFs) -> list[dict]:
    return [{"path": d, **fs.summary(d)} for d in ORPHAN_DIRS]
