"""Benchmark: okdp-migrate's fsimage parser against Hadoop's own `oiv -p Delimited`, same image, same machine.

    python bench/fsimage.py [--inodes 1200000] [--image FILE] [--keep DIR]

Without --image it writes a synthetic image shaped like a Hive warehouse (databases / tables /
partitions / files), which Hadoop's oiv must read too (that is the format check). Figures printed:
inodes/second for oiv (the whole command, JVM start included, and its own run without the JVM start
as measured on an empty image), for our parse to Arrow batches, and for our parse to Parquet; the
ratios; and whether both produced the same set of paths.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def synthetic(path: Path, inodes: int) -> int:
    from okdp_migrate.connectors.fsimage_writer import Node, write_fsimage

    files_per_part, parts_per_table, tables_per_db = 20, 50, 40
    per_db = tables_per_db * (1 + parts_per_table * (1 + files_per_part)) + 1
    dbs = max(1, inodes // per_db)
    warehouse = Node("hive", kind="dir", mode=0o1777, owner="hive")
    for d in range(dbs):
        db = Node(f"db_{d:03d}.db", kind="dir", mode=0o755, owner="hive")
        for t in range(tables_per_db):
            table = Node(f"table_{t:03d}", kind="dir", owner="etl", mode=0o755)
            for p in range(parts_per_table):
                part = Node(f"dt=2024-{1 + p // 28:02d}-{1 + p % 28:02d}", kind="dir", owner="etl", mode=0o755)
                part.children = [Node(f"part-{f:05d}-c000.snappy.parquet", size=(f + 1) * 1_048_576 + p,
                                      owner="etl", group="hadoop", replication=3) for f in range(files_per_part)]
                table.children.append(part)
            db.children.append(table)
        warehouse.children.append(db)
    root = Node("", kind="dir", mode=0o755, ns_quota=(1 << 63) - 1, children=[
        Node("warehouse", kind="dir", mode=0o755, children=[
            Node("tablespace", kind="dir", mode=0o755, children=[
                Node("managed", kind="dir", mode=0o755, children=[warehouse])])])])
    return write_fsimage(path, root)


def run_oiv(image: Path, out: Path) -> float:
    from okdp_migrate.hadoop_tools import run_oiv as oiv

    t0 = time.perf_counter()
    oiv(image, out)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inodes", type=int, default=1_200_000)
    ap.add_argument("--image", type=Path, help="a real fsimage instead of the synthetic one")
    ap.add_argument("--keep", type=Path, help="keep the work files in this directory")
    args = ap.parse_args()
    import pyarrow.parquet as pq

    from okdp_migrate.connectors.fsimage import FsImage
    from okdp_migrate.connectors.fsimage_writer import Node, write_fsimage
    from okdp_migrate.connectors.hdfs_batches import schema
    from okdp_migrate.connectors.oiv_delimited import OivDelimited

    work = args.keep or Path(tempfile.mkdtemp(prefix="okdp-bench-fsimage-"))
    work.mkdir(parents=True, exist_ok=True)
    image = args.image
    if image is None:
        image = work / "fsimage_synthetic"
        t0 = time.perf_counter()
        n = synthetic(image, args.inodes)
        print(f"synthetic image: {n:,} inodes, {image.stat().st_size / 1e6:.1f} MB, written in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    empty = work / "fsimage_empty"
    write_fsimage(empty, Node("", kind="dir"))
    jvm = run_oiv(empty, work / "empty.tsv")

    oiv_s = run_oiv(image, work / "oiv.tsv")
    t0 = time.perf_counter()
    im = FsImage(image)
    ours_paths, ours_n = set(), 0
    for b in im.batches():
        ours_n += b.num_rows
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with pq.ParquetWriter(work / "ours.parquet", schema(), compression="zstd") as w:
        for b in FsImage(image).batches():
            w.write_batch(b)
    ours_pq_s = time.perf_counter() - t0

    oiv_n, same = 0, True
    for b in OivDelimited(work / "oiv.tsv").batches():
        oiv_n += b.num_rows
    if ours_n == oiv_n and ours_n <= 2_000_000:  # full path comparison while memory allows
        ours_paths = {p for b in FsImage(image).batches() for p in b.column("path").to_pylist()}
        oiv_paths = {p for b in OivDelimited(work / "oiv.tsv").batches() for p in b.column("path").to_pylist()}
        same = ours_paths == oiv_paths
    rate = lambda s: ours_n / s if s else float("inf")  # noqa: E731
    print(f"image: {image} ({image.stat().st_size / 1e6:.1f} MB), inodes: ours {ours_n:,}, oiv {oiv_n:,}, "
          f"same paths: {same}")
    print(f"hadoop 2.7.3 oiv -p Delimited (whole command): {oiv_s:.2f} s = {rate(oiv_s):,.0f} inodes/s "
          f"(JVM start + empty image: {jvm:.2f} s)")
    print(f"okdp-migrate fsimage -> Arrow batches:          {ours_s:.2f} s = {rate(ours_s):,.0f} inodes/s")
    print(f"okdp-migrate fsimage -> Parquet file:           {ours_pq_s:.2f} s = {rate(ours_pq_s):,.0f} inodes/s")
    print(f"ratio vs oiv (Arrow): {oiv_s / ours_s:.2f}x; (Parquet): {oiv_s / ours_pq_s:.2f}x; "
          f"vs oiv minus JVM start: {(oiv_s - jvm) / ours_s:.2f}x")
    return 0 if same and ours_n == oiv_n else 1


if __name__ == "__main__":
    sys.exit(main())
