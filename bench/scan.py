"""Scan speed, side by side on the same sandbox data, in one process.

HDFS (a namespace of >= 100,000 files under /bench/scan, created on first run with hdfs-native threads):
  our RPC walk (hdfs-native) and our WebHDFS walk vs `rclone lsf -R` over HDFS RPC (Debian rclone) and vs a
  naive per-file WebHDFS walk like Google's dwh-migration-tools dumper (LISTSTATUS per directory +
  GETFILESTATUS per file).
Metastore (>= 1,000 tables and 100,000 partitions in database bench_scan, created on first run through
  thrift add_partitions in bulk): bulk thrift vs direct SQL vs table by table thrift (get_table +
  get_partitions per table, as the dumper does).

    python bench/scan.py [--config ENV_JSON] [--repeat 3] [--files 100000] [--tables 1000] [--partitions 100000]
Every contender runs --repeat times, interleaved (round 1: each once, in a rotated order; round 2 ...), so a
burst of load from other jobs hits all contenders alike. Printed per contender: best, median and every run,
the ratio of bests against the baseline, and the range of the per-round ratios (the noise).
Targets from issue 3 are printed next to them.
"""
from __future__ import annotations

import os
import sys

# `python bench/scan.py` puts bench/ first on sys.path, where bench/copy.py would shadow the stdlib `copy`
# (http.cookiejar calls copy.copy on every WebHDFS response cookie): drop it before anything imports copy.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from okdp_migrate import config as config_mod  # noqa: E402

BENCH_DIR = "/bench/scan"
BENCH_DB = "bench_scan"


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def interleaved(contenders: dict, rounds: int) -> dict[str, list[tuple[float, object]]]:
    """Run every contender `rounds` times, round by round, rotating the order each round."""
    names = list(contenders)
    runs: dict[str, list[tuple[float, object]]] = {n: [] for n in names}
    for r in range(rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:
            runs[n].append(timed(contenders[n]))
            print(f"  round {r + 1}: {n} {runs[n][-1][0]:.2f} s", file=sys.stderr)
    return runs


def report(title: str, runs: dict, baseline: str, describe) -> dict:
    """Print best / median / all runs and the ratio to the baseline; return the figures as JSON-able."""
    base = [t for t, _ in runs[baseline]]
    print(f"\n{title}   (load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    print(f"  {'contender':24s} {'best':>7s} {'median':>7s}  runs (s)              {'ratio of bests':>14s}"
          f"  per-round ratios")
    out = {}
    for name, rs in runs.items():
        ts = [t for t, _ in rs]
        best, med = min(ts), statistics.median(ts)
        per_round = [b / t for b, t in zip(base, ts)]
        print(f"  {name:24s} {best:7.2f} {med:7.2f}  {' '.join(f'{t:6.2f}' for t in ts):21s} "
              f"{min(base) / best:13.3g}x  {min(per_round):.3g}-{max(per_round):.3g}x   {describe(rs[0][1])}")
        out[name] = {"best_s": round(best, 3), "median_s": round(med, 3), "runs_s": [round(t, 3) for t in ts],
                     "ratio_vs_" + baseline: float(f"{min(base) / best:.3g}"), "result": rs[0][1]}
    return out


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
    rpc_walkers = {c: HdfsRpcWalker(rpc, user=user, max_concurrency=c) for c in (1, 4)}
    for w in rpc_walkers.values():
        w.client()

    def count(walker):  # the walks as scan runs them: every entry with all HdfsEntry fields, in Arrow batches
        return lambda: sum(b.num_rows for b in walker.batches(BENCH_DIR))

    contenders = {"rclone_lsf": lambda: rclone_lsf(rpc, user)[1]}
    for c, w in rpc_walkers.items():
        contenders[f"rpc_walk_c{c}"] = count(w)
    for c in args.webhdfs_concurrency:
        contenders[f"webhdfs_walk_c{c}"] = count(WebHdfsWalker(cfg.get("hdfs.webhdfs_url"), user=user,
                                                               max_concurrency=c))
    runs = interleaved(contenders, args.repeat)
    if not args.skip_naive:  # minutes per run: once, after the others
        web = WebHdfsWalker(cfg.get("hdfs.webhdfs_url"), user=user, max_concurrency=4)
        t, n = naive_walk(web, args.naive_per_dir, 4)
        runs["naive_per_file_c4"] = [(t, n)]
    return report(f"HDFS listing of {BENCH_DIR}, best of {args.repeat} interleaved (entries; rclone prints files+dirs "
                  f"below the root)", runs, "rclone_lsf", lambda n: f"{n} entries")


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

    def bulk(connections: int):  # what scan does: the full HiveTable / HivePartition model
        n_t = n_p = 0
        with MetastoreThrift(uri) as ms:
            for t, batches in ms.inventory(BENCH_DB, connections):
                n_t += 1
                n_p += sum(len(b) for b in batches)
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

    contenders = {"thrift_table_by_table": by_table, "sql_direct": sql, "thrift_bulk_1conn": lambda: bulk(1)}
    for c in args.hms_connections:
        contenders[f"thrift_bulk_{c}conn"] = lambda c=c: bulk(c)
    timed(by_table)  # the metastore and PostgreSQL warm their caches on the first pass: not counted
    runs = interleaved(contenders, args.repeat)
    return report(f"Metastore inventory of {BENCH_DB}, best of {args.repeat} interleaved", runs,
                  "thrift_table_by_table", lambda r: f"{r[0]} tables {r[1]} partitions")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=os.path.expanduser("~/.okdp-migrate/sandbox/env.json"))
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--tables", type=int, default=1000)
    ap.add_argument("--partitions", type=int, default=100_000)
    ap.add_argument("--naive-per-dir", type=int, default=None, help="GETFILESTATUS at most N files per directory")
    ap.add_argument("--only", choices=["hdfs", "metastore"])
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs of each contender (best kept)")
    ap.add_argument("--webhdfs-concurrency", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--hms-connections", type=int, nargs="+", default=[4])
    ap.add_argument("--skip-naive", action="store_true", help="leave out the (slow) per-file baseline")
    args = ap.parse_args()
    cfg = config_mod.load(args.config)
    results = {}
    if args.only in (None, "hdfs"):
        results["hdfs"] = bench_hdfs(cfg, args)
        print("  targets: rpc_walk >= 2x rclone; webhdfs_walk >= 1x rclone")
    if args.only in (None, "metastore"):
        results["metastore"] = bench_metastore(cfg, args)
        print("  targets: sql_direct > 10x thrift_table_by_table; bulk thrift faster than table by table")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
