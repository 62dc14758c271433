"""Bench: merging a Hive ACID table's deltas (deletes applied), streamed vs whole-table.

Same data, same run: a synthetic Hive 3 ACID table on local disk (B buckets x D insert deltas of R rows
each, plus one delete delta naming P% of the rows), written once with pyarrow.orc (small stripes, as
Hive writes many stripes into big files). Contenders, each a child process measured with os.wait4
(wall, CPU user+sys, peak RSS):
  - okdp:     okdp_migrate.iceberg_acid.live_files: change keys first, then every file stripe by stripe
  - baseline: the obvious way: read every event file whole, concatenate, anti-join the delete keys
Both must return the same number of live rows (checked). Prints every run and the ratios okdp/baseline.
Usage: python bench/acid_merge.py [--buckets 4] [--deltas 4] [--rows 500000] [--deleted-pct 1] [--rounds 2]
"""
from __future__ import annotations

import sys

# bench/copy.py would shadow the stdlib `copy` module: keep this folder off the import path
_here = __import__("os").path.dirname(__import__("os").path.realpath(__file__))
sys.path[:] = [p for p in sys.path if __import__("os").path.realpath(p or ".") != _here]

import argparse
import json
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

ROW_COLS = ("order_id", "customer_id", "status", "note")


def write_table(root: Path, buckets: int, deltas: int, rows: int, deleted_pct: float) -> int:
    """Write the table once; returns the expected live row count."""
    import pyarrow as pa
    import pyarrow.orc as po

    from okdp_migrate.acid import encode_bucket

    rng = random.Random(7)
    row_type = pa.struct([("order_id", pa.int64()), ("customer_id", pa.int64()), ("status", pa.string()),
                          ("note", pa.string())])
    deleted: dict[int, list[tuple[int, int]]] = {b: [] for b in range(buckets)}
    total = 0
    for txn in range(1, deltas + 1):
        d = root / f"delta_{txn:07d}_{txn:07d}_0000"
        d.mkdir(parents=True, exist_ok=True)
        for b in range(buckets):
            ids = pa.array(range(txn * 10**9 + b * rows, txn * 10**9 + (b + 1) * rows), pa.int64())
            row = pa.StructArray.from_arrays(
                [ids, pa.array([rng.randrange(10**6) for _ in range(rows)], pa.int64()),
                 pa.array(["SHIPPED"] * rows), pa.array([f"order note {i % 997}" for i in range(rows)])],
                fields=list(row_type))
            t = pa.table({"operation": pa.array([0] * rows, pa.int32()),
                          "originalTransaction": pa.array([txn] * rows, pa.int64()),
                          "bucket": pa.array([encode_bucket(b)] * rows, pa.int32()),
                          "rowId": pa.array(range(rows), pa.int64()),
                          "currentTransaction": pa.array([txn] * rows, pa.int64()), "row": row})
            po.write_table(t, str(d / f"bucket_{b:05d}"), stripe_size=8 << 20)
            total += rows
            deleted[b] += [(txn, r) for r in rng.sample(range(rows), int(rows * deleted_pct / 100))]
    d = root / f"delete_delta_{deltas + 1:07d}_{deltas + 1:07d}_0000"
    d.mkdir(parents=True, exist_ok=True)
    n_deleted = 0
    for b, keys in deleted.items():
        n = len(keys)
        n_deleted += n
        t = pa.table({"operation": pa.array([2] * n, pa.int32()),
                      "originalTransaction": pa.array([k[0] for k in keys], pa.int64()),
                      "bucket": pa.array([encode_bucket(b)] * n, pa.int32()),
                      "rowId": pa.array([k[1] for k in keys], pa.int64()),
                      "currentTransaction": pa.array([deltas + 1] * n, pa.int64()),
                      "row": pa.nulls(n, row_type)})
        po.write_table(t, str(d / f"bucket_{b:05d}"))
    return total - n_deleted


def run_okdp(root: Path) -> int:
    from okdp_migrate.iceberg_acid import live_files
    from okdp_migrate.plan.model import CopyItem, TablePlan

    tp = TablePlan(fqn="bench.acid", kind="table", strategy="rewrite", format="orc", location=str(root))
    items = [CopyItem(src=str(p), dst_bucket="", dst_key="", size=p.stat().st_size, mtime=0)
             for p in sorted(root.rglob("bucket_*"))]
    live = 0
    for _, batches in live_files(tp, items, lambda i: open(i.src, "rb"), split_update=True):
        live += sum(b.num_rows for b in batches)
    return live


def run_baseline(root: Path) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.orc as po

    key = ["originalTransaction", "bucket", "rowId"]
    inserts = pa.concat_tables(po.read_table(str(p)) for p in sorted(root.glob("delta_*/bucket_*")))
    deletes = pa.concat_tables(po.read_table(str(p), columns=key) for p in sorted(root.glob("delete_delta_*/bucket_*")))
    keys = inserts.select(key).append_column("i", pa.arange(0, inserts.num_rows))
    survivors = keys.join(deletes, keys=key, join_type="left anti").column("i")
    live = inserts.take(pc.take(survivors, pc.sort_indices(survivors)))
    return pa.Table.from_struct_array(live.column("row").combine_chunks()).num_rows


def child(which: str, root: str) -> None:
    fn = run_okdp if which == "okdp" else run_baseline
    print(json.dumps({"live": fn(Path(root))}))


def measure(which: str, root: Path) -> dict:
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, __file__, "--child", which, str(root)], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out = json.loads(proc.stdout.read())
    return {"who": which, "wall_s": round(time.monotonic() - start, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "live": out["live"], "status": status}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--buckets", type=int, default=4)
    ap.add_argument("--deltas", type=int, default=4)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--deleted-pct", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", nargs=2)
    a = ap.parse_args()
    if a.child:
        return child(*a.child)
    with tempfile.TemporaryDirectory(prefix="acid-bench-") as tmp:
        root = Path(tmp) / "orders_acid"
        expected = write_table(root, a.buckets, a.deltas, a.rows, a.deleted_pct)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"table: {a.buckets} buckets x {a.deltas} deltas x {a.rows} rows, {a.deleted_pct}% deleted, "
              f"{size / 2**20:.1f} MiB ORC on disk, {expected} live rows")
        runs = []
        for r in range(a.rounds):
            for who in (("okdp", "baseline") if r % 2 == 0 else ("baseline", "okdp")):
                m = measure(who, root)
                assert m["live"] == expected, m
                runs.append(m)
                print(f"round {r}: {who:8s} wall {m['wall_s']:6.2f} s  cpu {m['cpu_s']:6.2f} s  "
                      f"peak RSS {m['peak_rss_mb']:7.1f} MB")
        best = {w: min((m for m in runs if m["who"] == w), key=lambda m: m["wall_s"]) for w in ("okdp", "baseline")}
        o, b = best["okdp"], best["baseline"]
        print(f"okdp/baseline: wall {o['wall_s'] / b['wall_s']:.2f}x, cpu {o['cpu_s'] / b['cpu_s']:.2f}x, "
              f"peak RSS {o['peak_rss_mb'] / b['peak_rss_mb']:.2f}x (best run of each)")


if __name__ == "__main__":
    main()
