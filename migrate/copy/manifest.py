"""A manifest per table (or per top-level prefix for loose files): what was copied, from where, with
which checksum and which HDFS attributes; written in the journal dir and next to the data's bucket
under _okdp_migrate/manifests/ (outside table directories, so engines never read it as data).
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

from ..errors import OkdpError
from . import journal as J

NOT_PRESERVED = ["HDFS ACLs and extended attributes", "atime", "replication factor and block size",
                 "storage policy / erasure coding", "owner/group/permission as S3 permissions (kept as metadata)"]


def _group(item) -> str:
    if getattr(item, "table", None):
        return item.table
    first = item.dst_key.split("/", 1)[0]
    return f"{item.dst_bucket}/{first}"


def write_manifests(journal: J.Journal, items, target, shard: tuple[int, int] | None) -> list[str]:
    """Write one manifest per group whose files are all verified; returns notes for the summary."""
    rows = journal.rows_for((i.dst_bucket, i.dst_key) for i in items)
    groups: dict[str, list] = {}
    for i in items:
        groups.setdefault(_group(i), []).append(i)
    out_dir = journal.dir / "manifests"
    out_dir.mkdir(exist_ok=True)
    notes = []
    suffix = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    for name, members in sorted(groups.items()):
        states = [rows[(i.dst_bucket, i.dst_key)]["state"] for i in members]
        if any(s != J.VERIFIED for s in states):
            continue
        doc = {"group": name, "table": members[0].table, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "shard": list(shard) if shard else None, "files": [], "not_preserved": NOT_PRESERVED,
               "metadata_keys": ["okdp-src", "okdp-mtime", "okdp-owner", "okdp-group", "okdp-permission"]}
        for i in members:
            r = rows[(i.dst_bucket, i.dst_key)]
            doc["files"].append({"src": i.src, "dst": f"s3://{i.dst_bucket}/{i.dst_key}", "size": r["src_size"],
                                 "mtime": r["src_mtime"], "crc32c": r["crc32c"], "verified_by": r["verified_by"],
                                 "owner": getattr(i, "owner", None), "group": getattr(i, "group", None),
                                 "permission": getattr(i, "permission", None)})
        data = json.dumps(doc, indent=1).encode()
        fname = re.sub(r"[^A-Za-z0-9_.=-]+", "_", name) + suffix + ".json"
        (out_dir / fname).write_bytes(data)
        bucket = members[0].dst_bucket
        try:
            target.call("put_object", f"s3://{bucket}/_okdp_migrate/manifests/{fname}", Bucket=bucket,
                        Key=f"_okdp_migrate/manifests/{fname}", Body=data, ContentType="application/json")
        except OkdpError as exc:
            notes.append(f"manifest {fname} kept locally only: {exc.one_line()}")
    return notes
