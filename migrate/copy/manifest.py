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
import os
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
    verified file (complete or not: the other shards need it); returns notes for the summary.
    Groups hold references to the items only; the journal is read a chunk of files at a time."""
    groups: dict[str, list] = {}
    for i in items:
        groups.setdefault(_group(i), []).append(i)
    out_dir = journal.dir / "manifests"
    out_dir.mkdir(exist_ok=True)
    notes = []
    suffix = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    prefix = manifest_prefix(plan_id)
    for name, members in sorted(groups.items()):
        fname = file_stem(name) + suffix + ".json"
        path = out_dir / fname
        complete = _write_one(journal, path, name, members, shard, plan_id)
        if complete is None:
            continue
        bucket = members[0].dst_bucket
        try:
            with open(path, "rb") as body:  # streamed from the file; rewound if the PUT is retried
                target.call("put_object", f"s3://{bucket}/{prefix}{fname}", rewind=body, Bucket=bucket,
                            Key=f"{prefix}{fname}", Body=body, ContentType="application/json")
        except OkdpError as exc:
            notes.append(f"manifest {fname} kept locally only: {exc.one_line()}"
                         + ("" if complete else " (the other shards cannot see these files: rerun this shard)"))
    return notes


def _write_one(journal: J.Journal, path, name: str, members: list, shard, plan_id) -> bool | None:
    """Stream one group's manifest to `path`, a file per line; its completeness (None: not written,
    as no file of it is verified, or it is loose files not all verified)."""
    table = members[0].table
    head = {"group": name, "table": table, "plan_id": plan_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "shard": list(shard) if shard else None, "files_in_shard": len(members)}
    tmp = path.with_name(f".{path.name}.tmp")
    verified = 0
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(json.dumps(head)[:-1] + ',\n "files": [')
        for chunk in J.chunks(members):
            rows = {(r["bucket"], r["key"]): r for r in journal.lookup(
                ((i.dst_bucket, i.dst_key) for i in chunk), "bucket, key, src_size, src_mtime, crc32c, verified_by",
                state=J.VERIFIED)}
            for i in chunk:
                r = rows.get((i.dst_bucket, i.dst_key))
                if r is None:
                    continue
                out.write(",\n  " if verified else "\n  ")
                out.write(json.dumps({"src": i.src, "dst": f"s3://{i.dst_bucket}/{i.dst_key}",
                                      "size": r["src_size"], "mtime": r["src_mtime"], "crc32c": r["crc32c"],
                                      "verified_by": r["verified_by"], "owner": getattr(i, "owner", None),
                                      "group": getattr(i, "group", None),
                                      "permission": getattr(i, "permission", None)}))
                verified += 1
        complete = verified == len(members)
        tail = {"complete": complete, "not_preserved": NOT_PRESERVED,
                "metadata_keys": ["okdp-src", "okdp-mtime", "okdp-owner", "okdp-group", "okdp-permission"]}
        out.write("\n ],\n " + json.dumps(tail)[1:] + "\n")
    if not complete and not (table and verified):
        tmp.unlink()
        return None
    os.replace(tmp, path)
    return complete
