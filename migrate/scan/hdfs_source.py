"""The HDFS source of scan: one of four readers (RPC walk, WebHDFS walk, fsimage, oiv Delimited) into the
same two Parquet files, streamed batch by batch so memory stays flat on 100M-inode namespaces.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import logs
from ..errors import BadInputError, ServiceUnreachable
from ..inventory import DIRS, FILES, write_json
from ..model import HdfsEntry

from ..connectors.hdfs_listing import ENTRY_FIELDS
from ..connectors.hdfs_listing import schema as entry_schema
log = logs.get("scan.hdfs")


class ParquetStream:
    """A Parquet file written batch by batch under a temporary name, renamed into place on close."""

    def __init__(self, path: Path, schema):
        import pyarrow.parquet as pq

        self.path, self.schema, self.rows = Path(path), schema, 0
        fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")

    def write(self, batch) -> None:
        if batch.num_rows:
            self.writer.write_batch(batch)
            self.rows += batch.num_rows

    def close(self, ok: bool = True) -> None:
        self.writer.close()
        if ok:
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.unlink(self.tmp)


@dataclass
class HdfsScanResult:
    files: int = 0
    directories: int = 0
    symlinks: int = 0
    bytes: int = 0
    physical_bytes: int = 0
    reader: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"files": self.files, "directories": self.directories, "symlinks": self.symlinks,
                "bytes": self.bytes, "physical_bytes": self.physical_bytes, "reader": self.reader}


def entries_to_batch(entries: list[HdfsEntry]):
    import pyarrow as pa

    schema = entry_schema()
    return pa.RecordBatch.from_arrays([pa.array([getattr(e, n) for e in entries], type=schema.field(n).type)
                                       for n in ENTRY_FIELDS], schema=schema)


class HdfsSink:
    """Splits listing batches into files and directories and counts them."""

    def __init__(self, out: Path, on_count: Callable[[int], None]):
        self.schema = entry_schema()
        self.files = ParquetStream(out / FILES, self.schema)
        self.dirs = ParquetStream(out / DIRS, self.schema)
        self.result = HdfsScanResult()
        self.on_count = on_count

    def add(self, batch) -> None:
        """batch: a list of HdfsEntry or an Arrow RecordBatch with (at least) the HdfsEntry columns."""
        import pyarrow.compute as pc

        if isinstance(batch, list):
            batch = entries_to_batch(batch)
        batch = batch.select(list(ENTRY_FIELDS))
        is_file = pc.equal(batch.column("kind"), "file")
        files, others = batch.filter(is_file), batch.filter(pc.invert(is_file))
        self.files.write(files)
        self.dirs.write(others)
        r = self.result
        r.files += files.num_rows
        r.symlinks += pc.sum(pc.equal(others.column("kind"), "symlink")).as_py() or 0
        r.directories += others.num_rows
        sizes = files.column("size")
        r.bytes += pc.sum(sizes).as_py() or 0
        r.physical_bytes += pc.sum(pc.multiply(sizes, pc.max_element_wise(files.column("replication"), 1))).as_py() or 0
        self.on_count(batch.num_rows)

    def close(self, ok: bool) -> None:
        self.files.close(ok)
        self.dirs.close(ok)
        self.result.directories -= self.result.symlinks


def scan_hdfs(cfg, opts, out: Path, progress: Callable[[int], None]) -> HdfsScanResult:
    """Run the chosen reader over the configured roots; write hdfs_files/hdfs_dirs and hdfs_extras.json."""
    sink = HdfsSink(out, progress)
    ok = False
    try:
        reader, extras = _read_into(sink, cfg, opts)
        ok = True
    finally:
        sink.close(ok)
    if callable(extras):  # live walks: summaries and snapshot probes once the listing is on disk
        extras = extras()
    sink.result.reader, sink.result.extras = reader, extras
    write_json(out / "hdfs_extras.json", {"reader": reader, **extras})
    return sink.result


def _read_into(sink: HdfsSink, cfg, opts) -> tuple[str, dict[str, Any]]:
    if opts.fsimage:
        from ..connectors.fsimage import FsImage

        image = FsImage(opts.fsimage)
        for b in image.batches():
            sink.add(b)
        info = image.info
        return "fsimage", {"source_file": str(opts.fsimage), "transaction_id": info.transaction_id,
                           "snapshottable": [{"path": d, "snapshots": [s for s in info.snapshots if s["dir"] == d]}
                                             for d in info.snapshottable_dirs],
                           "quotas": info.quotas, "snapshot_only_inodes": info.snapshot_only_inodes}
    if opts.oiv_delimited:
        from ..connectors.oiv_delimited import OivDelimited

        for b in OivDelimited(opts.oiv_delimited).batches():
            sink.add(b)
        return "oiv_delimited", {"source_file": str(opts.oiv_delimited)}
    roots = opts.hdfs_roots or list(cfg.get("scan.hdfs_roots") or ["/"])
    via = opts.hdfs_via
    rpc, web = cfg.get("hdfs.namenode_rpc"), cfg.get("hdfs.webhdfs_url")
    if not rpc and not web:
        raise BadInputError("no HDFS address configured", obj="hdfs",
                            fix="set hdfs.namenode_rpc or hdfs.webhdfs_url, pass --fsimage/--oiv-delimited, or --no-hdfs")
    webw = _webhdfs(cfg) if web else None
    if via in ("auto", "rpc") and rpc:
        try:
            from ..connectors.hdfs_rpc_walk import HdfsRpcWalker

            conf_dir = cfg.get("cluster.config_dir")  # hdfs-site.xml there resolves HA nameservices
            conf_dir = conf_dir if conf_dir and (Path(conf_dir) / "hdfs-site.xml").exists() else None
            walker = HdfsRpcWalker(rpc, user=cfg.get("hdfs.user"), config_dir=conf_dir,
                                   max_concurrency=int(cfg.get("hdfs.max_concurrency") or 4))
            for root in roots:
                for b in walker.batches(root):
                    sink.add(b)
            return "rpc", lambda: _extras(webw, walker, roots, cfg, sink)
        except ServiceUnreachable as exc:
            if via == "rpc" or webw is None or sink.files.rows or sink.dirs.rows:
                raise  # never mix a half RPC listing with a WebHDFS one
            log.warning("HDFS RPC failed (%s); walking over WebHDFS instead", exc.one_line())
    if webw is None:
        raise BadInputError("WebHDFS requested but hdfs.webhdfs_url is not set", obj="hdfs.webhdfs_url",
                            fix="set hdfs.webhdfs_url or use --hdfs-via rpc")
    for root in roots:
        for b in webw.batches(root):
            sink.add(b)
    return "webhdfs", lambda: _extras(webw, None, roots, cfg, sink)


def _webhdfs(cfg):
    from ..connectors.webhdfs_walk import WebHdfsWalker

    return WebHdfsWalker(cfg.get("hdfs.webhdfs_url"), user=cfg.get("hdfs.user"), password=cfg.get("hdfs.password"),
                         kerberos=bool(cfg.get("hdfs.kerberos")), ca_bundle=cfg.get("hdfs.ca_bundle"),
                         max_concurrency=int(cfg.get("hdfs.max_concurrency") or 4))


def _extras(webw, rpcw, roots: Iterable[str], cfg, sink: HdfsSink) -> dict[str, Any]:
    """Content summaries of the roots and warehouse dirs; snapshots, policies and zones where visible."""
    out: dict[str, Any] = {"roots": list(roots), "content_summaries": {}, "snapshottable": [], "unreadable": []}
    client = webw or rpcw
    for path in list(roots) + list(cfg.get("hdfs.warehouse_dirs") or []):
        try:
            out["content_summaries"][path] = client.content_summary(path)
        except Exception as exc:  # a missing warehouse dir is normal on some clusters
            out["content_summaries"][path] = {"error": getattr(exc, "message", str(exc))}
    if webw is not None:
        try:
            out["snapshottable"] = webw.snapshottable_dirs(_snapshot_candidates(sink))
        except Exception as exc:
            out["snapshot_error"] = getattr(exc, "message", str(exc))
        ex = webw.extras
        out.update(list_op=ex.list_op, encrypted_dirs=ex.encrypted_dirs, ec_dirs=ex.ec_dirs,
                   storage_policies=ex.storage_policies, unreadable=ex.unreadable)
    return out


def _snapshot_candidates(sink: HdfsSink, max_depth: int = 3, limit: int = 2000) -> list[str]:
    """Directories probed for `.snapshot` on servers without a snapshottable-directory list (Hadoop 2.x)."""
    import pyarrow.parquet as pq

    if not Path(sink.dirs.path).exists():
        return []
    out: list[str] = []
    for b in pq.ParquetFile(sink.dirs.path).iter_batches(columns=["path", "kind"], batch_size=65536):
        for p, k in zip(b.column("path").to_pylist(), b.column("kind").to_pylist()):
            if k == "dir" and 0 < p.count("/") <= max_depth and p != "/":
                out.append(p)
                if len(out) >= limit:
                    return out
    return out
