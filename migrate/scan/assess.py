"""The assessment: HDFS joined with the metastore, verdicts and estimates.

One pass over the directories (which table locations exist; which warehouse directories no table
owns) and one over the files (each file credited to the deepest table, partition or orphan directory
above it, with a per-directory cache). Partition counters live in flat arrays, not objects, so 1M
partitions cost tens of MB.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlparse

from ..inventory import DIRS, FILES, PARTITIONS
from ..model import HiveTable, Verdict
from .verdicts import table_verdict

_FORMAT_CACHE: dict[tuple, str] = {}
COUNTERS = ("files", "bytes", "physical_bytes", "small_files")


def hdfs_path(location: str | None) -> str | None:
    """The HDFS path of a location URI (hdfs://nn:8020/x -> /x); None when it is not on HDFS."""
    if not location:
        return None
    if location.startswith("/"):
        return location.rstrip("/") or "/"
    u = urlparse(location)
    if u.scheme in ("hdfs", "viewfs"):
        return u.path.rstrip("/") or "/"
    return None


def _ancestors(path: str) -> Iterable[str]:
    while True:
        cut = path.rfind("/")
        if cut <= 0:
            if path != "/":
                yield "/"
            return
        path = path[:cut]
        yield path


class Counters:
    def __init__(self, n: int = 0):
        self.c = {k: array("q", bytes(8 * n)) for k in COUNTERS}

    def grow(self) -> int:
        for a in self.c.values():
            a.append(0)
        return len(self.c["files"]) - 1

    def add(self, i: int, size: int, physical: int, small: int) -> None:
        c = self.c
        c["files"][i] += 1
        c["bytes"][i] += size
        c["physical_bytes"][i] += physical
        c["small_files"][i] += small

    def row(self, i: int) -> dict[str, int]:
        return {k: a[i] for k, a in self.c.items()}


@dataclass
class Assessment:
    table_usage: list[dict[str, Any]] = field(default_factory=list)
    partition_usage: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    orphans: list[dict[str, Any]] = field(default_factory=list)
    dangling: list[dict[str, Any]] = field(default_factory=list)
    estimates: dict[str, Any] = field(default_factory=dict)
    warehouse: dict[str, Any] = field(default_factory=dict)

    def verdict_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in self.verdicts:
            out[v.verdict] = out.get(v.verdict, 0) + 1
        return dict(sorted(out.items()))


def assess(out: Path, tables: list[HiveTable], databases: list[dict[str, Any]], *, hdfs_scanned: bool,
           roots: list[str], warehouse_dirs: list[str], small_file_bytes: int, bandwidth_mbps: float) -> Assessment:
    import pyarrow.parquet as pq

    tables = [t for t in tables]
    index: dict[str, tuple[str, int]] = {}  # HDFS path -> ("t"|"p"|"o", index)
    t_ids = {t.fqn.lower(): i for i, t in enumerate(tables)}
    t_cnt, p_cnt, o_cnt = Counters(len(tables)), Counters(), Counters()
    exists_t: list[bool | None] = [None if not hdfs_scanned else False] * len(tables)
    for i, t in enumerate(tables):
        p = hdfs_path(t.location)
        if p and not t.is_view:
            index.setdefault(p, ("t", i))
    # partitions: their table, their name, their directory
    p_table, p_names, p_exists = array("q"), [], []
    n_parts, part_formats = [0] * len(tables), [set() for _ in tables]
    if (out / PARTITIONS).exists():
        pf = pq.ParquetFile(out / PARTITIONS)
        for b in pf.iter_batches(columns=["database", "table", "name", "location", "input_format", "serde"],
                                 batch_size=65536):
            d = b.to_pydict()
            for db, tb, name, loc, inf, serde in zip(d["database"], d["table"], d["name"], d["location"],
                                                     d["input_format"], d["serde"]):
                ti = t_ids.get(f"{db}.{tb}".lower())
                if ti is None:
                    continue
                pi = p_cnt.grow()
                p_table.append(ti)
                p_names.append(name)
                p_exists.append(None if not hdfs_scanned else False)
                n_parts[ti] += 1
                part_formats[ti].add(_format(inf, serde))
                path = hdfs_path(loc)
                if path:
                    index.setdefault(path, ("p", pi))
    db_locs = {p for p in (hdfs_path(d.get("location")) for d in databases) if p}
    wh_roots = [w.rstrip("/") for w in warehouse_dirs if w]
    res = Assessment()
    orphan_rows: list[dict[str, Any]] = []
    if hdfs_scanned and (out / DIRS).exists():
        owned_anc = set(db_locs)
        for p in list(index):
            owned_anc.update(_ancestors(p))
        wh_dirs: list[tuple[str, str, int]] = []
        for b in pq.ParquetFile(out / DIRS).iter_batches(columns=["path", "kind", "owner", "mtime"], batch_size=65536):
            d = b.to_pydict()
            for p, kind, owner, mtime in zip(d["path"], d["kind"], d["owner"], d["mtime"]):
                hit = index.get(p)
                if hit:
                    if hit[0] == "t":
                        exists_t[hit[1]] = True
                    else:
                        p_exists[hit[1]] = True
                elif kind == "dir" and any(p.startswith(w + "/") for w in wh_roots):
                    wh_dirs.append((p, owner, mtime))
        for p, owner, mtime in sorted(wh_dirs):
            if p in owned_anc or p in db_locs:
                continue
            if any(a in index for a in _ancestors(p)):
                continue  # inside a table: an unregistered partition or a staging dir, not an orphan
            parent = p[:p.rfind("/")] or "/"
            if parent in owned_anc or parent in wh_roots or parent in db_locs:
                index[p] = ("o", o_cnt.grow())
                orphan_rows.append({"path": p, "owner": owner, "mtime": mtime})
        _credit_files(out, index, p_table, t_cnt, p_cnt, o_cnt, small_file_bytes, res, wh_roots)
    # locations outside the scanned roots cannot be judged
    in_roots = lambda p: any(p == r.rstrip("/") or p.startswith(r.rstrip("/") + "/") or r == "/" for r in roots)
    for i, t in enumerate(tables):
        p = hdfs_path(t.location)
        if exists_t[i] is False and not (p and in_roots(p)):
            exists_t[i] = None
    for i, name in enumerate(p_names):
        res.partition_usage.append({"database": tables[p_table[i]].database, "table": tables[p_table[i]].name,
                                    "name": name, "exists": p_exists[i], **p_cnt.row(i)})
    dangling_parts = [0] * len(tables)
    for row in res.partition_usage:
        if row["exists"] is False:
            ti = t_ids[f"{row['database']}.{row['table']}".lower()]
            dangling_parts[ti] += 1
            if len(res.dangling) < 10000:
                res.dangling.append({"obj": f"{row['database']}.{row['table']}", "partition": row["name"],
                                     "kind": "partition"})
    for i, t in enumerate(tables):
        usage = {**t_cnt.row(i), "partitions": n_parts[i], "dangling_partitions": dangling_parts[i]}
        res.table_usage.append({"database": t.database, "table": t.name, "format": t.file_format,
                                "table_type": t.table_type, "location": t.location, "exists": exists_t[i], **usage})
        if exists_t[i] is False and not t.is_view:
            res.dangling.insert(0, {"obj": t.fqn, "location": t.location, "kind": "table"})
        res.verdicts.append(table_verdict(t, usage, exists_t[i], part_formats[i] - {"none"}))
    for i, row in enumerate(orphan_rows):
        row.update(o_cnt.row(i))
    res.orphans = orphan_rows + res.orphans  # orphan dirs, then loose files noted while crediting
    res.estimates = estimates(res, bandwidth_mbps)
    return res


def _format(input_format: str | None, serde: str | None) -> str:
    key = (input_format, serde)
    fmt = _FORMAT_CACHE.get(key)
    if fmt is None:
        fmt = "none" if not input_format and not serde else \
            HiveTable("", "", "EXTERNAL_TABLE", input_format=input_format, serde=serde).file_format
        _FORMAT_CACHE[key] = fmt
    return fmt


def _credit_files(out: Path, index, p_table, t_cnt: Counters, p_cnt: Counters, o_cnt: Counters,
                  small: int, res: Assessment, wh_roots: list[str]) -> None:
    """Credit each file to the deepest table/partition/orphan directory above it."""
    import pyarrow.parquet as pq

    cache: dict[str, tuple[str, int] | None] = {}
    wh_files = wh_bytes = 0
    wh_prefixes = tuple(w + "/" for w in wh_roots)
    for b in pq.ParquetFile(out / FILES).iter_batches(columns=["path", "size", "replication"], batch_size=65536):
        d = b.to_pydict()
        for path, size, repl in zip(d["path"], d["size"], d["replication"]):
            parent = path[:path.rfind("/")] or "/"
            hit = cache.get(parent, False)
            if hit is False:
                hit = index.get(parent)
                if hit is None:
                    for a in _ancestors(parent):
                        hit = index.get(a)
                        if hit:
                            break
                cache[parent] = hit
            physical, is_small = size * max(repl or 1, 1), 1 if size < small else 0
            if path.startswith(wh_prefixes):
                wh_files += 1
                wh_bytes += size
            if hit is None:
                if path.startswith(wh_prefixes) and len(res.orphans) < 10000:
                    res.orphans.append({"path": path, "kind": "file", "files": 1, "bytes": size,
                                        "physical_bytes": physical, "small_files": is_small})
                continue
            kind, i = hit
            if kind == "p":
                p_cnt.add(i, size, physical, is_small)
                t_cnt.add(p_table[i], size, physical, is_small)
            elif kind == "t":
                t_cnt.add(i, size, physical, is_small)
            else:
                o_cnt.add(i, size, physical, is_small)
    res.warehouse = {"files": wh_files, "bytes": wh_bytes}


def estimates(res: Assessment, bandwidth_mbps: float) -> dict[str, Any]:
    """Objects and bytes to copy per verdict, and the time at the given bandwidth (MB/s, 10^6 bytes)."""
    per: dict[str, dict[str, int]] = {}
    for v in res.verdicts:
        agg = per.setdefault(v.verdict, {"tables": 0, "objects": 0, "bytes": 0, "physical_bytes": 0})
        agg["tables"] += 1
        agg["objects"] += int(v.details.get("files", 0))
        agg["bytes"] += int(v.details.get("bytes", 0))
        agg["physical_bytes"] += int(v.details.get("physical_bytes", 0))
    moving = [a for k, a in per.items() if k not in ("blocked", "translate_view")]
    objects, nbytes = sum(a["objects"] for a in moving), sum(a["bytes"] for a in moving)
    seconds = nbytes / (bandwidth_mbps * 1e6) if bandwidth_mbps > 0 else None
    return {"bandwidth_mbps": bandwidth_mbps, "objects": objects, "bytes": nbytes,
            "seconds": round(seconds, 1) if seconds is not None else None,
            "hours": round(seconds / 3600, 2) if seconds is not None else None, "by_verdict": per,
            "orphan_bytes": sum(o.get("bytes", 0) for o in res.orphans)}
