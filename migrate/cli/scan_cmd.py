"""`okdp-migrate scan`: read-only inventory and migration assessment of a Hadoop cluster."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import ExitCode
from .app import App

SOURCE_FLAGS = ("hdfs", "metastore", "hiveserver2", "oozie", "ranger", "configs", "hbase", "workloads")


def _source_options(f):
    for name in reversed(SOURCE_FLAGS):
        f = click.option(f"--no-{name}", f"no_{name}", is_flag=True, help=f"Do not scan {name}.")(f)
    return f


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Settings file (YAML/JSON; `sandbox env --json` output works).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document on stdout.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Inventory directory to write.")
@click.option("--fsimage", type=click.Path(dir_okay=False), help="Read HDFS from this fsimage file (no NameNode).")
@click.option("--oiv-delimited", type=click.Path(dir_okay=False),
              help="Read HDFS from this `hdfs oiv -p Delimited` output (no NameNode).")
@click.option("--metastore-sql", is_flag=True, help="Read the metastore's database directly (metastore.db_url).")
@click.option("--hdfs-via", type=click.Choice(["auto", "rpc", "webhdfs"]), default="auto", show_default=True,
              help="Live HDFS protocol: RPC (hdfs-native) when reachable, else WebHDFS.")
@click.option("--root", "roots", multiple=True, help="HDFS directory to walk (repeatable; default scan.hdfs_roots).")
@click.option("--max-concurrency", type=int, help="Concurrent NameNode requests of the WebHDFS walk.")
@click.option("--bandwidth", type=float, help="MB/s assumed by the copy-time estimate (scan.bandwidth_mbps).")
@click.option("--small-file-mib", type=float, help="Files under this size count as small (default 16).")
@click.option("--database", "databases", multiple=True, help="Metastore database glob to scan (repeatable; default all).")
@click.option("--ddl", type=click.Choice(["none", "views", "all"]), default="views", show_default=True,
              help="SHOW CREATE TABLE through HiveServer2 for these objects.")
@click.option("--hbase-root", help="HBase root directory in HDFS (scan.hbase_root).")
@click.option("--workload-dir", "workload_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Local directory of Airflow DAGs and job scripts (repeatable).")
@click.option("--resume", is_flag=True, help="Keep the sources an earlier run of this --out finished.")
@click.option("--rescan", multiple=True, type=click.Choice(SOURCE_FLAGS), help="With --resume: scan this one again.")
@_source_options
@click.pass_obj
def scan(app: App, config_path, as_json, out, fsimage, oiv_delimited, metastore_sql, hdfs_via, roots,
         max_concurrency, bandwidth, small_file_mib, databases, ddl, hbase_root, workload_dirs, resume, rescan, **no):
    """Inventory HDFS, the Hive metastore, HiveServer2, Oozie, Ranger and configs, and judge each table.

    Read-only: nothing is ever written to the cluster (so there is no --dry-run). Each source fails
    alone with one line; the summary lists what was not scanned and the exit code is then 8 (partial).
    """
    from ..reports import scan_report
    from ..scan import ScanOptions, run_scan

    if fsimage and oiv_delimited:
        raise click.UsageError("--fsimage and --oiv-delimited are two ways to read HDFS: pass one")
    if config_path:
        app.config_path = config_path
    app.as_json = app.as_json or as_json
    app.with_flags(**{"hdfs.max_concurrency": max_concurrency, "scan.bandwidth_mbps": bandwidth,
                      "scan.hbase_root": hbase_root})
    cfg = app.config
    opts = ScanOptions(
        out=Path(out), disabled={n for n in SOURCE_FLAGS if no.get(f"no_{n}")}, fsimage=fsimage,
        oiv_delimited=oiv_delimited, metastore_sql=metastore_sql, hdfs_via=hdfs_via, hdfs_roots=list(roots),
        resume=resume, rescan=set(rescan), bandwidth_mbps=float(cfg.get("scan.bandwidth_mbps") or 0),
        small_file_bytes=int(small_file_mib * (1 << 20)) if small_file_mib else int(cfg.get("scan.small_file_bytes")),
        hbase_root=cfg.get("scan.hbase_root"), workload_dirs=list(workload_dirs) or list(cfg.get("scan.workload_dirs")),
        ddl=ddl, databases=list(databases))
    with scan_report.ScanProgress(enabled=app.verbosity >= 0) as progress:
        run = run_scan(cfg, opts, progress.counter)
    app.emit(run.summary, scan_report.summary_text(run.summary))
    return ExitCode.PARTIAL if run.failed else ExitCode.OK
