"""Benchmark the sandbox: time to `up` from cold (empty state dir), after `down` (data kept) and warm
(everything running: the reuse path), and the peak resident memory of all its services together.

    python bench/sandbox.py [--keep] [--no-postgres]

Runs in a fresh temporary state dir (never the shared one) and purges it at the end unless --keep.
Baseline named in the ratios: the cold start, measured in the same process on the same machine.
"""
from __future__ import annotations

import sys
from pathlib import Path

# `python bench/sandbox.py` puts bench/ first on sys.path, where bench/copy.py would shadow the stdlib module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from okdp_migrate.sandbox import launcher  # noqa: E402


class RssSampler(threading.Thread):
    """Sums the memory (PSS) of every sandbox service (and its children) twice a second; keeps the peak."""

    def __init__(self, directory: str):
        super().__init__(daemon=True)
        self.directory, self.peak, self.peak_by_service, self.stop_flag = directory, 0, {}, threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                by = launcher.peak_rss(self.directory)
            except Exception:
                by = {}
            total = sum(by.values())
            if total > self.peak:
                self.peak, self.peak_by_service = total, by
            time.sleep(0.5)


def timed(fn, *args, **kwargs) -> float:
    t0 = time.monotonic()
    fn(*args, **kwargs)
    return time.monotonic() - t0


def query_workload(env: dict) -> float:
    """One realistic round trip through HiveServer2 (writes to HDFS through the metastore)."""
    from pyhive import hive

    t0 = time.monotonic()
    conn = hive.connect(host=env["hiveserver2_host"], port=env["hiveserver2_port"], username=env["hdfs_user"],
                        auth="NONE")
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS bench_t (id INT, s STRING) STORED AS PARQUET")
    cur.execute("INSERT INTO bench_t SELECT id, CAST(id AS STRING) FROM range(100000)")
    cur.execute("SELECT COUNT(*) FROM bench_t")
    cur.fetchall()
    conn.close()
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="leave the benchmark sandbox running")
    ap.add_argument("--no-postgres", action="store_true", help="embedded Derby metastore instead of PostgreSQL")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("okdp_migrate.sandbox").setLevel(logging.DEBUG)  # per-service start times on stderr
    directory = tempfile.mkdtemp(prefix="okdp-sandbox-bench-")
    pg = not args.no_postgres
    sampler = RssSampler(directory)
    sampler.start()
    try:
        cold = timed(launcher.up, directory, use_postgres=pg)
        workload = query_workload(launcher.read_env(directory))
        steady = sum(launcher.peak_rss(directory).values())
        warm = timed(launcher.up, directory, use_postgres=pg)
        launcher.down(directory)
        restart = timed(launcher.up, directory, use_postgres=pg)
    finally:
        sampler.stop_flag.set()
        sampler.join()
        if not args.keep:
            launcher.down(directory, purge=True)
    mib = 1024 * 1024
    print(f"sandbox bench (metastore on {'PostgreSQL' if pg else 'Derby'}), state dir {directory}")
    print(f"  up, cold (empty dir: format, initdb, schema):  {cold:6.1f} s   (baseline)")
    print(f"  up, after down (data kept):                    {restart:6.1f} s   ratio {restart / cold:5.2f} x cold")
    print(f"  up, warm (all running, reuse):                 {warm:6.1f} s   ratio {warm / cold:5.3f} x cold")
    print(f"  HiveServer2 workload (create, insert 100k rows, count): {workload:.1f} s")
    print(f"  peak memory (PSS), all services: {sampler.peak / mib:7.0f} MiB")
    print(f"  memory after the workload:       {steady / mib:7.0f} MiB")
    for name, rss in sorted(sampler.peak_by_service.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<13} {rss / mib:7.0f} MiB (at the peak)")


if __name__ == "__main__":
    main()
