"""Bench: memory the copy's bookkeeping holds per file (plan, items, journal reads, manifests, Iceberg states).

No service: a synthetic plan of N files (50 databases, 1,000 Iceberg tables, 365 partitions, one bucket) is
written once; each contender is a child process that walks the copy's bookkeeping steps in run_copy's order,
calling the real functions on the same plan, and prints its RSS after each step and its peak RSS:
  plan+items     items_from_plan (the plan's FileEntry list and the shard's CopyItem list, both kept)
  journal        Journal.add_items (one SQLite row per file)
  copy starts    what the run holds while files copy: the pool's queues (and the code before this change:
                 a dict of every file's journal row)
  (every file is then marked verified in SQL, as a finished copy leaves it: not measured)
  files_verified counted as run_copy counts it
  manifests      write_manifests (one per table; the S3 PUTs go to a sink: there is no server here)
  iceberg states the (bucket, key) -> state dict iceberg_commit builds from SharedJournal.entries()
--shards N writes the plan split in N shards (as `plan --shards N` does) and --shard I/N measures the process of
shard I (a Kubernetes pod's): plan+items is then that shard's items, and every later step covers them alone.
The baseline is the same steps run by another tree of the code (--baseline-pythonpath DIR: a folder holding an
`okdp_migrate` package, e.g. a copy of the code before a change, imported first), in the same run, on the
same plan. Prints each contender's figures, MB and bytes per file, and the ratios to the baseline.
Usage: python bench/copy_bookkeeping.py [--files 200000] [--shards 10 --shard 1/10]
       [--baseline-commit REV | --baseline-pythonpath DIR]
"""
from __future__ import annotations

import sys

# bench/copy.py is named like the stdlib module `copy`: keep this folder off the import path
_here = __import__("os").path.dirname(__import__("os").path.realpath(__file__))
sys.path[:] = [p for p in sys.path if __import__("os").path.realpath(p or ".") != _here]

import argparse
import gc
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = "/warehouse/tablespace/external/hive"
STEPS = ["start", "plan+items", "journal", "copy starts", "files_verified", "manifests", "iceberg states"]


def make_plan(directory: Path, count: int, shards: int = 1) -> Path:
    """The synthetic plan (run in a child: building it must not count in the contenders' peaks)."""
    from okdp_migrate import plan as planmod
    from okdp_migrate.plan import FileEntry, MappingRule, Plan, TablePlan
    from okdp_migrate.plan.shards import pack

    def table(i: int) -> str:
        return f"db{i % 50}.t{i % 1000}"

    files = [FileEntry(src=f"{ROOT}/db{i % 50}.db/t{i % 1000}/part={i % 365}/f{i:08d}.parquet", size=1000 + i,
                       mtime=1700000000000 + i, table=table(i), partition=f"part={i % 365}", owner="hive",
                       group="hadoop", permission="rw-r--r--") for i in range(count)]
    for f, s in zip(files, pack([(f.size, f.table) for f in files], shards)):
        f.shard = s
    tables = {table(i): TablePlan(fqn=table(i), kind="table", strategy="register", format="parquet",
                                  location=f"{ROOT}/db{i % 50}.db/t{i % 1000}",
                                  iceberg={"namespace": f"db{i % 50}", "table": f"t{i % 1000}"})
              for i in range(min(count, 1000))}
    path = directory / "plan.yaml"
    planmod.save(Plan(target="s3://lake/p", mappings=[MappingRule(ROOT, "s3://lake/p")], tables=tables,
                      shard_count=shards, files=files), path)
    return path


class SinkTarget:
    """Where the manifests' PUTs go: read and dropped (this bench measures memory, not S3)."""

    def call(self, op, obj, rewind=None, **kwargs):
        body = kwargs.get("Body")
        while hasattr(body, "read") and body.read(1 << 20):
            pass
        return {}


def measure(plan_path: Path, shard: tuple[int, int] | None = None) -> list[dict]:
    """The bookkeeping steps, in run_copy's order; RSS and peak RSS (MB) after each."""
    import inspect

    import pyarrow as pa
    import pyarrow.parquet  # the plan load's libraries: imported here so "start" counts them, not the files
    import yaml  # noqa: F401
    from okdp_migrate import iceberg_commit
    from okdp_migrate.copy import journal as J
    from okdp_migrate.copy import run as runmod
    from okdp_migrate.copy.items import items_from_plan
    from okdp_migrate.copy.manifest import write_manifests
    from okdp_migrate.copy.shards import SharedJournal

    out, held = [], {}

    def step(name: str) -> None:
        gc.collect()
        pa.default_memory_pool().release_unused()
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        out.append({"step": name, "rss_mb": pages * os.sysconf("SC_PAGE_SIZE") / 2**20,
                    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    "seconds": time.monotonic() - started})

    started = time.monotonic()
    step("start")
    plan, items = items_from_plan(str(plan_path), shard)
    step("plan+items")
    journal = J.Journal(plan_path.parent / f"journal-{os.getpid()}")
    journal.add_items(items)
    step("journal")
    keys = lambda: ((i.dst_bucket, i.dst_key) for i in items)
    if "rows" in inspect.signature(runmod._Pool.__init__).parameters:  # the code before: every row, held
        held["rows"] = journal.rows_for(keys())
    held["queue"] = list(items)  # the pool's queues: one reference per file
    step("copy starts")
    journal._db.execute("UPDATE files SET state='verified', src_size=size, src_mtime=mtime, crc32c='00000000', "
                        "verified_by='s3-crc32c'")
    if hasattr(journal, "count_in_state"):
        verified = journal.count_in_state(keys(), J.VERIFIED)
    else:  # the code before
        verified = sum(1 for r in journal.rows_for(keys()).values() if r["state"] == J.VERIFIED)
    assert verified == len(items), verified
    step("files_verified")
    write_manifests(journal, items, SinkTarget(), shard, plan_id="bench")
    step("manifests")
    states = iceberg_commit._journal_states(SharedJournal(journal, SinkTarget(), plan, shard, items))
    assert sum(1 for s in states.values() if s == J.VERIFIED) == len(items)
    step("iceberg states")
    journal.close()
    return out


def run_child(plan_path: Path, pythonpath: str | None, shard: str | None = None) -> list[dict]:
    env = dict(os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {}))
    proc = subprocess.run([sys.executable, __file__, "--measure", str(plan_path), *(["--shard", shard] if shard else [])],
                          env=env, check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=200_000)
    ap.add_argument("--shards", type=int, default=1, help="the plan's shard count (default 1)")
    ap.add_argument("--shard", metavar="I/N", help="measure shard I of N (a pod's process), not the whole plan")
    ap.add_argument("--baseline-commit", metavar="REV", help="also measure the code of commit REV (git archive)")
    ap.add_argument("--baseline-pythonpath", help="or: a folder with the okdp_migrate package to compare against")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--make-plan", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        shard = tuple(int(x) for x in args.shard.split("/")) if args.shard else None
        print(json.dumps(measure(Path(args.measure), shard)))
        return
    if args.make_plan:
        make_plan(Path(args.make_plan[0]), int(args.make_plan[1]), int(args.make_plan[2]))
        return
    with tempfile.TemporaryDirectory(prefix="okdp-bookkeeping-") as tmp:
        subprocess.run([sys.executable, __file__, "--make-plan", tmp, str(args.files), str(args.shards)], check=True)
        plan_path = Path(tmp) / "plan.yaml"
        runs = {"current": run_child(plan_path, None, args.shard)}
        baseline = args.baseline_pythonpath
        if args.baseline_commit:
            import importlib.util  # by path: bench/ is kept off sys.path (bench/copy.py would shadow `copy`)

            spec = importlib.util.spec_from_file_location("commit_export", Path(_here) / "commit_export.py")
            exporter = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(exporter)
            baseline = str(exporter.export_commit(args.baseline_commit, Path(tmp) / "baseline"))
        if baseline:
            runs["baseline"] = run_child(plan_path, baseline, args.shard)
        report(runs, args.files, args.shards, args.shard)


def report(runs: dict[str, list[dict]], files: int, shards: int = 1, shard: str | None = None) -> None:
    print(f"{files:,} files in a plan of {shards} shard(s); measured: {f'shard {shard}' if shard else 'the whole plan'};"
          " MB = MiB; B/file = RSS growth over the step before, per file of the plan")
    for name, steps in runs.items():
        print(f"\n{name}")
        print(f"  {'step':<16}{'RSS MB':>9}{'+MB':>9}{'B/file':>9}{'peak MB':>10}{'s':>8}")
        for prev, s in zip([steps[0]] + steps, steps):
            grow = s["rss_mb"] - prev["rss_mb"]
            print(f"  {s['step']:<16}{s['rss_mb']:9.0f}{grow:9.0f}{grow * 2**20 / files:9.0f}{s['peak_mb']:10.0f}"
                  f"{s['seconds']:8.1f}")
        held = steps[-1]["rss_mb"] - steps[0]["rss_mb"]
        print(f"  held at the end: {held:.0f} MB ({held * 2**20 / files:.0f} B/file); "
              f"peak {steps[-1]['peak_mb']:.0f} MB ({(steps[-1]['peak_mb'] - steps[0]['rss_mb']) * 2**20 / files:.0f}"
              " B/file over the start)")
    if "baseline" in runs:
        cur, base = runs["current"], runs["baseline"]
        print("\ncurrent / baseline")
        for c, b in zip(cur, base):
            print(f"  {c['step']:<16} RSS {c['rss_mb']:.0f} / {b['rss_mb']:.0f} MB = {c['rss_mb'] / b['rss_mb']:.2f}x"
                  f"   peak {c['peak_mb']:.0f} / {b['peak_mb']:.0f} MB = {c['peak_mb'] / b['peak_mb']:.2f}x")


if __name__ == "__main__":
    main()
