"""Scan speed, side by side on the same sandbox data, in one process.

HDFS (a namespace of >= 100,000 files under /bench/scan, created on first run with hdfs-native threads):
  our RPC walk (hdfs-native) and our WebHDFS walk vs `rclone lsf -R` over HDFS RPC (Debian rclone) and vs a
  naive per-file WebHDFS walk like Google's dwh-migration-tools dumper (LISTSTATUS per directory +
  GETFILESTATUS per file).
Metastore (>= 1,000 tables and 100,000 partitions in database bench_scan, created on first run through
  thrift add_partitions in bulk): bulk thrift vs direct SQL vs table by table thrift (get_table +
  get_partitions per table, as the dumper does).

    python bench/scan.py [--config ENV_JSON] [--files 100000] [--tables 1000] [--partitions 100000]
Prints figures and ratios; targets from issue 3 are printed next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from okdp_migrate import config as config_mod

BENCH_DIR = "/bench/scan"
BENCH_DB = "bench_scan"


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


# --- HDFS namespace -----------------------------------------------------------------------------
def prepare_namespace(rpc: str, files: int, fan: int = 10, per_dir: int = 1000) -> int:
    import hdfs_native

    c = hdfs_native.Client(f"hdfs://{rpc}")
    marker = f"{BENCH_DIR}/_COMPLETE_{files}"
    try:
        c.get_file_info(marker)
        return 0
    except Exception:
        pass
    dirs = [f"{BENCH_DIR}/a{i:02d}/b{j:02d}/c{k:03d}" for i in range(fan) for j in range(fan)
            for k in range(max(1, -(-files // (fan * fan * per_dir))))]
    print(f"creating {files} files in {len(dirs)} directories under {BENCH_DIR} ...", file=sys.stderr)
    opts = hdfs_native.WriteOptions(overwrite=True, create_parent=True)

    def make(d_index: int) -> int:
        d = dirs[d_index]
        n = 0
        for f in range(per_dir):
            if d_index * per_dir + f >= files:
                break
            c.create(f"{d}/part-{f:05d}.parquet", opts).close()
            n += 1
        return n

    t, counts = timed(lambda: list(ThreadPoolExecutor(8).map(make, range(len(dirs)))))
    c.create(marker, opts).close()
    print(f"created {sum(counts)} files in {t:.0f} s", file=sys.stderr)
    return sum(counts)


def rclone_lsf(rpc: str, user: str) -> tuple[float, int]:
    if not shutil.which("rclone"):
        return float("nan"), 0
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    env.update(RCLONE_CONFIG_HD_TYPE="hdfs", RCLONE_CONFIG_HD_NAMENODE=rpc, RCLONE_CONFIG_HD_USERNAME=user)
    t, p = timed(lambda: subprocess.run(["rclone", "lsf", "-R", f"hd:{BENCH_DIR}"], env=env, capture_output=True,
                                        text=True, check=True))
    return t, len(p.stdout.splitlines())


def naive_walk(web, limit: int | None, workers: int) -> tuple[float, int]:
    """LISTSTATUS per directory, then GETFILESTATUS for every file (two NameNode calls per file)."""
    def per_dir(d: str) -> tuple[list[str], int]:
        sub, n = [], 0
        for st in web.request("LISTSTATUS", d)["FileStatuses"]["FileStatus"]:
            p = f"{d}/{st['pathSuffix']}"
            if st["type"] == "DIRECTORY":
                sub.append(p)
            elif limit is None or n < limit:
                web.request("GETFILESTATUS", p)
                n += 1
        return sub, n

    def run():
        total, frontier = 0, [BENCH_DIR]
        with ThreadPoolExecutor(workers) as pool:
            while frontier:
                nxt = []
                for sub, n in pool.map(per_dir, frontier):
                    nxt += sub
                    total += n
                frontier = nxt
        return total

    return timed(run)


def bench_hdfs(cfg, args) -> dict:
    from okdp_migrate.connectors.hdfs_rpc_walk import HdfsRpcWalker
    from okdp_migrate.connectors.webhdfs_walk import WebHdfsWalker

    rpc, user = cfg.get("hdfs.namenode_rpc"), cfg.get("hdfs.user") or "root"
    prepare_namespace(rpc, args.files)
    out = {}
    walker = HdfsRpcWalker(rpc, user=user)
    walker.client()
    # the walks as scan runs them: every entry with all HdfsEntry fields, in Arrow batches
    t, n = timed(lambda: sum(b.num_rows for b in walker.batches(BENCH_DIR)))
    out["rpc_walk"] = (t, n)
    for conc in (4, 8):
        web = WebHdfsWalker(cfg.get("hdfs.webhdfs_url"), user=user, max_concurrency=conc)
        t, n = timed(lambda: sum(b.num_rows for b in web.batches(BENCH_DIR)))
        out[f"webhdfs_walk_c{conc}"] = (t, n)
    out["rclone_lsf"] = rclone_lsf(rpc, user)
    web = WebHdfsWalker(cfg.get("hdfs.webhdfs_url"), user=user, max_concurrency=4)
    if not args.skip_naive:
        out["naive_per_file_c4"] = naive_walk(web, args.naive_per_dir, 4)
    return out


# --- metastore ----------------------------------------------------------------------------------
def prepare_metastore(uri: str, rpc: str, tables: int, partitions: int) -> None:
    from hmsclient.genthrift.hive_metastore.ttypes import (AddPartitionsRequest, Database, FieldSchema, Partition,
                                                           SerDeInfo, StorageDescriptor, Table)

    from okdp_migrate.connectors.metastore_thrift import MetastoreThrift

    ms = MetastoreThrift(uri).open()
    c = ms._client
    if BENCH_DB in c.get_all_databases() and len(c.get_all_tables(BENCH_DB)) >= tables:
        ms.close()
        return
    print(f"creating {tables} tables / {partitions} partitions in {BENCH_DB} ...", file=sys.stderr)
    t0 = time.perf_counter()
    root = f"hdfs://{rpc}/bench/hms/{BENCH_DB}.db"
    if BENCH_DB not in c.get_all_databases():
        c.create_database(Database(name=BENCH_DB, description="okdp-migrate scan bench", locationUri=root,
                                   parameters={}))
    parq = SerDeInfo(serializationLib="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters={})
    cols = [FieldSchema("id", "bigint", None), FieldSchema("amount", "decimal(10,2)", None),
            FieldSchema("label", "string", None)]
    partitioned = 100
    per_table = max(1, partitions // partitioned)
    existing = set(c.get_all_tables(BENCH_DB))
    for i in range(tables):
        name = f"t{i:04d}"
        if name in existing:
            continue
        loc = f"{root}/{name}"

        def sd(location):
            return StorageDescriptor(cols=cols, location=location,
                                     inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                                     outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                                     compressed=False, numBuckets=-1, serdeInfo=parq, bucketCols=[], sortCols=[],
                                     parameters={})
        keys = [FieldSchema("dt", "string", None)] if i < partitioned else []
        c.create_table(Table(tableName=name, dbName=BENCH_DB, owner="etl", createTime=int(time.time()),
                             lastAccessTime=0, retention=0, sd=sd(loc), partitionKeys=keys,
                             parameters={"EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE"))
        if keys:
            parts = [Partition(values=[f"d{p:05d}"], dbName=BENCH_DB, tableName=name, createTime=int(time.time()),
                               lastAccessTime=0, sd=sd(f"{loc}/dt=d{p:05d}"), parameters={})
                     for p in range(per_table)]
            for k in range(0, len(parts), 1000):
                c.add_partitions_req(AddPartitionsRequest(dbName=BENCH_DB, tblName=name, parts=parts[k:k + 1000],
                                                          ifNotExists=True, needResult=False))
        if i % 100 == 99:
            print(f"  {i + 1} tables ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    ms.close()


def bench_metastore(cfg, args) -> dict:
    from okdp_migrate.connectors.metastore_db import MetastoreDb
    from okdp_migrate.connectors.metastore_thrift import MetastoreThrift

    uri = cfg.get("metastore.uri")
    prepare_metastore(uri, cfg.get("hdfs.namenode_rpc"), args.tables, args.partitions)
    out = {}

    def bulk():
        n_t = n_p = 0
        with MetastoreThrift(uri) as ms:
            for t in ms.tables(BENCH_DB):
                n_t += 1
                for b in ms.partitions(BENCH_DB, t.name, [k.name for k in t.partition_keys]):
                    n_p += len(b)
        return n_t, n_p

    def by_table():
        n_t = n_p = 0
        with MetastoreThrift(uri) as ms:
            for name in ms.table_names(BENCH_DB):
                t = ms.table(BENCH_DB, name)
                n_t += 1
                if t.partition_keys:
                    n_p += len(ms._call("get_partitions", BENCH_DB, name, -1))
        return n_t, n_p

    def sql():
        with MetastoreDb(cfg.get("metastore.db_url")) as db:
            tables = [t for t in db.tables() if t.database == BENCH_DB]
            n_p = sum(1 for b in db.partitions() for p in b if p.database == BENCH_DB)
        return len(tables), n_p

    # the metastore and PostgreSQL warm their caches on the first pass: best of `repeat` runs of each
    for _ in range(args.repeat):
        for name, fn in (("thrift_bulk", bulk), ("sql_direct", sql), ("thrift_table_by_table", by_table)):
            t, res = timed(fn)
            if name not in out or t < out[name][0]:
                out[name] = (t, res)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=os.path.expanduser("~/.okdp-migrate/sandbox/env.json"))
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--tables", type=int, default=1000)
    ap.add_argument("--partitions", type=int, default=100_000)
    ap.add_argument("--naive-per-dir", type=int, default=None, help="GETFILESTATUS at most N files per directory")
    ap.add_argument("--only", choices=["hdfs", "metastore"])
    ap.add_argument("--repeat", type=int, default=2, help="runs of each metastore method (best kept)")
    ap.add_argument("--skip-naive", action="store_true", help="leave out the (slow) per-file baseline")
    args = ap.parse_args()
    cfg = config_mod.load(args.config)
    results = {}
    if args.only in (None, "hdfs"):
        h = bench_hdfs(cfg, args)
        results["hdfs"] = h
        base = h["rclone_lsf"][0]
        print(f"\nHDFS listing of {BENCH_DIR} (entries seen; rclone counts files+dirs it prints)")
        for k, (t, n) in h.items():
            print(f"  {k:22s} {t:8.2f} s  {n:>8} entries  {n / t if t else 0:>10.0f}/s  "
                  f"vs rclone: {base / t if t else 0:5.2f}x")
        print("  targets: rpc_walk >= 2x rclone; webhdfs_walk >= 1x rclone")
    if args.only in (None, "metastore"):
        m = bench_metastore(cfg, args)
        results["metastore"] = m
        base = m["thrift_table_by_table"][0]
        print(f"\nMetastore inventory of {BENCH_DB}")
        for k, (t, (n_t, n_p)) in m.items():
            print(f"  {k:22s} {t:8.2f} s  {n_t} tables {n_p} partitions  vs table-by-table: {base / t:6.1f}x")
        print("  target: sql_direct > 10x thrift_table_by_table")
    print(json.dumps({k: {n: [round(v[0], 3), v[1]] for n, v in r.items()} for k, r in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
