"""A manifest per table (or per top-level prefix for loose files): what was copied, from where, with
which checksum and which HDFS attributes; written in the journal dir and next to the data's bucket
under _okdp_migrate/<plan-id>/manifests/ (outside table directories, so engines never read it as data;
scoped by plan, so two plans copying into one bucket never overwrite each other's).

A table's manifest is also how shards of a distributed copy learn what the others verified: each shard
publishes one per table it touched, complete or not (`complete: false` lists the files verified so far),
and the table commit reads them all (see shards.py).
"""
from __future__ import annotations

import json
import re
import time

from ..errors import OkdpError
from . import journal as J

NOT_PRESERVED = ["HDFS ACLs and extended attributes", "atime", "replication factor and block size",
                 "storage policy / erasure coding", "owner/group/permission as S3 permissions (kept as metadata)"]
RECORDS_ROOT = "_okdp_migrate"


def manifest_prefix(plan_id: str | None) -> str:
    """Where a plan's manifests live in each bucket (no plan id: the layout of earlier versions)."""
    return f"{RECORDS_ROOT}/{plan_id}/manifests/" if plan_id else f"{RECORDS_ROOT}/manifests/"


def file_stem(group: str) -> str:
    """A manifest's file name stem for a group (table 'db.t' -> 'db.t')."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", group)


def _group(item) -> str:
    if getattr(item, "table", None):
        return item.table
    first = item.dst_key.split("/", 1)[0]
    return f"{item.dst_bucket}/{first}"


def write_manifests(journal: J.Journal, items, target, shard: tuple[int, int] | None,
                    plan_id: str | None = None) -> list[str]:
    """Write one manifest per group whose files are all verified, and one per table with at least one
    verified file (complete or not: the other shards need it); returns notes for the summary."""
    rows = journal.rows_for((i.dst_bucket, i.dst_key) for i in items)
    groups: dict[str, list] = {}
    for i in items:
        groups.setdefault(_group(i), []).append(i)
    out_dir = journal.dir / "manifests"
    out_dir.mkdir(exist_ok=True)
    notes = []
    suffix = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    prefix = manifest_prefix(plan_id)
    for name, members in sorted(groups.items()):
        verified = [i for i in members if rows[(i.dst_bucket, i.dst_key)]["state"] == J.VERIFIED]
        complete = len(verified) == len(members)
        if not complete and not (members[0].table and verified):
            continue
        doc = {"group": name, "table": members[0].table, "plan_id": plan_id, "complete": complete,
               "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "shard": list(shard) if shard else None, "files_in_shard": len(members), "files": [],
               "not_preserved": NOT_PRESERVED,
               "metadata_keys": ["okdp-src", "okdp-mtime", "okdp-owner", "okdp-group", "okdp-permission"]}
        for i in verified:
            r = rows[(i.dst_bucket, i.dst_key)]
            doc["files"].append({"src": i.src, "dst": f"s3://{i.dst_bucket}/{i.dst_key}", "size": r["src_size"],
                                 "mtime": r["src_mtime"], "crc32c": r["crc32c"], "verified_by": r["verified_by"],
                                 "owner": getattr(i, "owner", None), "group": getattr(i, "group", None),
                                 "permission": getattr(i, "permission", None)})
        data = json.dumps(doc, indent=1).encode()
        fname = file_stem(name) + suffix + ".json"
        (out_dir / fname).write_bytes(data)
        bucket = members[0].dst_bucket
        try:
            target.call("put_object", f"s3://{bucket}/{prefix}{fname}", Bucket=bucket,
                        Key=f"{prefix}{fname}", Body=data, ContentType="application/json")
        except OkdpError as exc:
            notes.append(f"manifest {fname} kept locally only: {exc.one_line()}"
                         + ("" if complete else " (the other shards cannot see these files: rerun this shard)"))
    return notes
