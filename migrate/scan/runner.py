"""`scan` as a use case: run each source on its own, join, judge, write the inventory and the reports.

Each source is optional and fails alone: its error becomes one line in the log and in the report, and the
others go on. A source that finished leaves a marker (.scan-state/NAME.json); `resume` skips those.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import logs
from ..errors import OkdpError
from ..inventory import read_json, write_json, write_manifest
from .state import ScanState

log = logs.get("scan")
SOURCES = ("configs", "hdfs", "metastore", "hiveserver2", "oozie", "ranger", "hbase", "workloads")


@dataclass
class ScanOptions:
    out: Path
    disabled: set[str] = field(default_factory=set)
    fsimage: str | None = None
    oiv_delimited: str | None = None
    metastore_sql: bool = False
    hdfs_via: str = "auto"  # auto | rpc | webhdfs
    hdfs_roots: list[str] = field(default_factory=list)
    resume: bool = False
    rescan: set[str] = field(default_factory=set)
    bandwidth_mbps: float = 100.0
    small_file_bytes: int = 16 << 20
    hbase_root: str | None = None
    workload_dirs: list[str] = field(default_factory=list)
    ddl: str = "views"  # none | views | all (SHOW CREATE TABLE through HiveServer2)
    databases: list[str] = field(default_factory=list)  # metastore database globs; empty: all


@dataclass
class ScanRun:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None

    @property
    def failed(self) -> list[str]:
        return [k for k, v in self.sources.items() if v["status"] in ("failed", "partial")]


def run_scan(cfg, opts: ScanOptions, progress_factory: Callable[[str], Callable[[int], None]] | None = None) -> ScanRun:
    from . import other_sources
    from .hdfs_source import scan_hdfs
    from .hive_source import fetch_ddl, load_tables, scan_metastore

    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    state = ScanState(out)
    run = ScanRun(out=out)
    tick = progress_factory or (lambda name: (lambda n: None))

    def hdfs():
        return scan_hdfs(cfg, opts, out, tick("HDFS entries")).summary()

    def metastore():
        return scan_metastore(cfg, opts.metastore_sql, out, tick("metastore objects"), opts.databases).summary()

    def hiveserver2():
        tables = load_tables(out)
        if opts.ddl == "none":
            return {"tables": 0, "note": "--ddl none"}
        res = fetch_ddl(cfg, tables, only_views=opts.ddl == "views")
        write_json(out / "hiveserver2_ddl.json", res)
        return {"ddl": len(res["ddl"]), "failed": len(res["failed"])}

    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "configs": lambda: other_sources.scan_configs(cfg, out),
        "hdfs": hdfs,
        "metastore": metastore,
        "hiveserver2": hiveserver2,
        "oozie": lambda: other_sources.scan_oozie(cfg, opts, out, run.sources),
        "ranger": lambda: other_sources.scan_ranger(cfg, out),
        "hbase": lambda: other_sources.scan_hbase(cfg, opts, out, run.sources),
        "workloads": lambda: other_sources.scan_workloads(cfg, opts, out),
    }
    for name in SOURCES:
        run.sources[name] = _run_source(name, steps[name], opts, state, cfg, run.sources)
    _assess(cfg, opts, out, run)
    return run


def _run_source(name: str, step, opts: ScanOptions, state: ScanState, cfg, sources: dict[str, Any]) -> dict[str, Any]:
    if name in opts.disabled:
        state.clear(name)
        return {"status": "skipped", "reason": f"--no-{name}", "summary": {}}
    reason = _not_configured(name, opts, cfg, sources)
    if reason:
        state.clear(name)
        return {"status": "skipped", "reason": reason, "summary": {}}
    if opts.resume and name not in opts.rescan:
        done = state.done(name)
        if done:
            log.info("%s: done in an earlier run, kept (--resume)", name)
            return {**done, "status": "ok", "resumed": True}
    started = time.monotonic()
    log.info("%s: scanning", name)
    from .other_sources import PartialSource

    try:
        summary = step()
    except PartialSource as exc:
        for line in exc.errors:
            log.error("%s: input not scanned: %s", name, line)
        return state.record(name, "partial", exc.summary, "; ".join(exc.errors), started)
    except OkdpError as exc:
        log.error("%s not scanned: %s", name, exc.one_line())
        return state.record(name, "failed", {}, exc.one_line(), started)
    except Exception as exc:  # a bug in one source must not lose the others
        line = f"internal error: {type(exc).__name__}: {exc}"
        log.error("%s not scanned: %s", name, line)
        return state.record(name, "failed", {}, line, started)
    entry = state.record(name, "ok", summary, None, started)
    log.info("%s: done in %.1fs", name, entry["seconds"] or 0)
    return entry


def _not_configured(name: str, opts: ScanOptions, cfg, sources: dict[str, Any]) -> str | None:
    """Sources with nothing to read are skipped quietly; misconfigured ones fail loudly instead."""
    hdfs_listed = sources.get("hdfs", {}).get("status") == "ok"
    if name == "oozie" and not hdfs_listed and not cfg.get("oozie.url"):
        return "needs the HDFS listing, which this run does not have"
    if name == "oozie" and not cfg.get("oozie.app_dirs") and not cfg.get("oozie.url"):
        return "neither oozie.app_dirs nor oozie.url set"
    if name == "hbase" and not hdfs_listed and not cfg.get("hbase.rest_url"):
        return "needs the HDFS listing (or hbase.rest_url), which this run does not have"
    if name == "hdfs" and not (opts.fsimage or opts.oiv_delimited or cfg.get("hdfs.namenode_rpc")
                               or cfg.get("hdfs.webhdfs_url")):
        return "no HDFS address, --fsimage or --oiv-delimited"
    if name == "metastore" and not (cfg.get("metastore.db_url") if opts.metastore_sql else cfg.get("metastore.uri")):
        return "metastore.db_url not set" if opts.metastore_sql else "metastore.uri not set"
    if name == "hiveserver2" and not cfg.get("hiveserver2.host"):
        return "hiveserver2.host not set"
    if name == "configs" and not cfg.get("cluster.config_dir"):
        return "cluster.config_dir not set"
    if name == "ranger" and not (cfg.get("ranger.url") or cfg.get("ranger.export_files")):
        return "neither ranger.url nor ranger.export_files set"
    if name == "workloads" and not (opts.workload_dirs or cfg.get("scan.workload_dirs")):
        return "no --workload-dir"
    return None


def _assess(cfg, opts: ScanOptions, out: Path, run: ScanRun) -> None:
    from ..reports import scan_report
    from .assess import assess
    from .hive_source import DATABASES, load_tables

    hdfs_ok = run.sources["hdfs"]["status"] == "ok"
    ms_ok = run.sources["metastore"]["status"] == "ok"
    tables = load_tables(out) if ms_ok else []
    ddl = read_json(out / "hiveserver2_ddl.json")["ddl"] if (out / "hiveserver2_ddl.json").exists() and \
        run.sources["hiveserver2"]["status"] == "ok" else {}
    for t in tables:
        t.ddl = ddl.get(t.fqn)
    databases = read_json(out / DATABASES) if ms_ok and (out / DATABASES).exists() else []
    roots = ["/"] if (opts.fsimage or opts.oiv_delimited) else (opts.hdfs_roots or list(cfg.get("scan.hdfs_roots") or ["/"]))
    res = assess(out, tables, databases, hdfs_scanned=hdfs_ok, roots=roots,
                 warehouse_dirs=list(cfg.get("hdfs.warehouse_dirs") or []), small_file_bytes=opts.small_file_bytes,
                 bandwidth_mbps=opts.bandwidth_mbps)
    _write_assessment(out, res, ms_ok)
    run.summary = summarize(run, res, out)
    extra = {k: v for k, v in run.sources.items()}
    write_manifest(out, extra, run.summary)
    scan_report.write_reports(out, run.summary, run.sources, res, tables)


def _write_assessment(out: Path, res, ms_ok: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..inventory import atomic_write_bytes
    from ..inventory import write_json as wj

    for name, rows in (("table_usage.parquet", res.table_usage), ("partition_usage.parquet", res.partition_usage)):
        table = pa.Table.from_pylist(rows) if rows else pa.table({"database": pa.array([], pa.string())})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        atomic_write_bytes(out / name, sink.getvalue().to_pybytes())
    if ms_ok:
        wj(out / "verdicts.json", {"schema_version": 1, "verdicts": res.verdicts})
    else:
        (out / "verdicts.json").unlink(missing_ok=True)
    wj(out / "orphans.json", res.orphans)
    wj(out / "dangling.json", res.dangling)
    wj(out / "estimates.json", res.estimates)


def summarize(run: ScanRun, res, out: Path) -> dict[str, Any]:
    def s(name: str) -> dict[str, Any]:
        return run.sources.get(name, {}).get("summary") or {}

    h, m, o, r = s("hdfs"), s("metastore"), s("oozie"), s("ranger")
    return {
        "hdfs": {"files": h.get("files", 0), "directories": h.get("directories", 0), "bytes": h.get("bytes", 0),
                 "physical_bytes": h.get("physical_bytes", 0), "reader": h.get("reader")},
        "metastore": {"databases": m.get("databases", 0), "tables": m.get("tables", 0), "views": m.get("views", 0),
                      "partitions": m.get("partitions", 0), "method": m.get("method")},
        "oozie": {"workflows": o.get("workflows", 0), "coordinators": o.get("coordinators", 0),
                  "bundles": o.get("bundles", 0)},
        "ranger": {"policies": r.get("policies", 0)},
        "hbase": {"tables": s("hbase").get("tables", 0)},
        "workloads": {"files": s("workloads").get("files", 0)},
        "verdicts": res.verdict_counts(),
        "dangling": len(res.dangling),
        "orphans": len(res.orphans),
        "estimates": {k: res.estimates.get(k) for k in ("objects", "bytes", "seconds", "bandwidth_mbps")},
        "sources": {k: {"status": v["status"], **({"error": v["error"]} if v.get("error") else {}),
                        **({"reason": v["reason"]} if v.get("reason") else {})} for k, v in run.sources.items()},
        "not_scanned": run.failed,
        "out": str(out),
    }
