"""Bench: `okdp-migrate copy` (verification on) vs `rclone copy` HDFS -> S3, plus the S3 ingest ceiling.

Same data, same run, same parallelism, against the shared sandbox's real HDFS and SeaweedFS:
  - a bench dir in HDFS with thousands of small files and a few files of hundreds of MB (>= 2 GiB),
    created once and reused (and a local-disk copy of the same bytes for the ceiling runs);
  - okdp-migrate copy PLAN --workers W          (HDFS RPC -> S3, CRC32C on every byte, S3-checked)
  - rclone copy hd:DIR s3:BUCKET/... --transfers W --checkers W   (Debian rclone, env -u AWS_CA_BUNDLE)
  - ingest ceiling: the same bytes from local disk to S3 with rclone and with okdp's engine; the faster is
    the ceiling;
and prints wall time, throughput, CPU seconds per GB and peak RSS (os.wait4 of each child), the
throughput ratio okdp/rclone and okdp as a share of the ceiling.
Usage: python bench/copy.py [--small 4000] [--small-kib 256] [--big 3] [--big-mib 350] [--workers 4]
"""
from __future__ import annotations

import sys

# this file is named like the stdlib module `copy`: keep its folder off the import path
_here = __import__("os").path.dirname(__import__("os").path.realpath(__file__))
sys.path[:] = [p for p in sys.path if __import__("os").path.realpath(p or ".") != _here]

import argparse  # noqa: E402
import json
import os
import shutil
import subprocess  # noqa: E402
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MiB = 1 << 20


def sandbox_env() -> dict:
    out = subprocess.run([sys.executable, "-c", "from okdp_migrate.cli import main; main()", "--json", "sandbox",
                          "env"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def hdfs(env):
    import hdfs_native

    os.environ.setdefault("HADOOP_USER_NAME", env.get("hdfs_user") or "root")
    return hdfs_native.Client("hdfs://" + env["namenode_rpc"])


def ensure_data(env, root: str, small: int, small_kib: int, big: int, big_mib: int, local: Path) -> list:
    """Create the bench files in HDFS (once) and mirror them to local disk (once)."""
    c = hdfs(env)
    want = {f"small/f{i:05d}.bin": small_kib * 1024 for i in range(small)}
    want.update({f"big/b{i}.bin": big_mib * MiB for i in range(big)})
    have = {}
    try:
        have = {st.path[len(root) + 1:]: st.length for st in c.list_status(root, True) if not st.isdir}
    except Exception:  # noqa: BLE001 - absent: create
        pass
    missing = [k for k, v in want.items() if have.get(k) != v]
    if missing:
        print(f"creating {len(missing)} files in HDFS under {root} ...", file=sys.stderr)
        c.mkdirs(root + "/small", create_parent=True)
        c.mkdirs(root + "/big", create_parent=True)

        def make(rel):
            with c.create(f"{root}/{rel}", ) as w:
                left = want[rel]
                while left:
                    n = min(left, 8 * MiB)
                    w.write(os.urandom(n))
                    left -= n

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(make, missing))
    local.mkdir(parents=True, exist_ok=True)
    todo = [k for k, v in want.items() if not (local / k).exists() or (local / k).stat().st_size != v]
    if todo:
        print(f"mirroring {len(todo)} files to {local} ...", file=sys.stderr)

        def fetch(rel):
            (local / rel).parent.mkdir(parents=True, exist_ok=True)
            with open(local / rel, "wb") as f:
                for chunk in c.read(f"{root}/{rel}").read_range_stream(0, want[rel]):
                    f.write(chunk)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fetch, todo))
    return [(st.path, st.length, st.modification_time) for st in c.list_status(root, True) if not st.isdir]


def write_plan(files, src_root: str, target: str, path: Path) -> Path:
    from okdp_migrate import plan as planmod
    from okdp_migrate.plan import FileEntry, MappingRule, Plan

    entries = [FileEntry(src=p, size=s, mtime=m) for p, s, m in files]
    planmod.save(Plan(target=target, mappings=[MappingRule(src_root, target)], tables={}, shard_count=1,
                      files=entries), path)
    return path


def measure(args: list[str], env: dict | None = None) -> dict:
    """Run a child to completion: wall seconds, CPU seconds (user+sys), peak RSS (MB), exit code, stdout."""
    t0 = time.monotonic()
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, env=env, stdout=out, stderr=err)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024, "rc": proc.returncode,
            "stdout": out.read().decode(errors="replace"), "stderr": err.read().decode(errors="replace")[-3000:]}


def rclone_env(env) -> dict:
    e = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}  # rclone fails with it set
    e.update({"RCLONE_CONFIG_HD_TYPE": "hdfs", "RCLONE_CONFIG_HD_NAMENODE": env["namenode_rpc"],
              "RCLONE_CONFIG_HD_USERNAME": env.get("hdfs_user") or "root",
              "RCLONE_CONFIG_S3_TYPE": "s3", "RCLONE_CONFIG_S3_PROVIDER": "SeaweedFS",
              "RCLONE_CONFIG_S3_ENDPOINT": env["s3_endpoint"], "RCLONE_CONFIG_S3_ACCESS_KEY_ID": env["s3_access_key"],
              "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": env["s3_secret_key"]})
    return e


LOCAL_ENGINE = """
import json, sys
from okdp_migrate import config as C
from okdp_migrate.copy.run import run_copy, CopyOptions
from okdp_migrate.copy.source import LocalSource
from okdp_migrate.jsonutil import dumps
cfg = C.load(sys.argv[1])
s = run_copy(sys.argv[2], cfg, CopyOptions(workers=int(sys.argv[3]), journal_dir=sys.argv[4], commit_tables=False),
             source_factory=lambda c: LocalSource())
print(dumps(s))
"""


def delete_prefix(client, bucket: str, prefix: str) -> None:
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [{"Key": o["Key"]} for o in page.get("Contents", [])]
    for i in range(0, len(keys), 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": keys[i:i + 1000], "Quiet": True})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=4000)
    ap.add_argument("--small-kib", type=int, default=256)
    ap.add_argument("--big", type=int, default=3)
    ap.add_argument("--big-mib", type=int, default=350)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--root", default="/bench/copy/data")
    ap.add_argument("--local", default="/tmp/okdp-bench-copy/local")
    ap.add_argument("--keep", action="store_true", help="keep the copied objects in S3")
    a = ap.parse_args()
    if not shutil.which("rclone"):
        print("rclone is not installed (apt-get install rclone)", file=sys.stderr)
        return 7
    env = sandbox_env()
    bucket = env.get("s3_bucket") or "okdp-lake"
    local = Path(a.local)
    files = ensure_data(env, a.root, a.small, a.small_kib, a.big, a.big_mib, local)
    total = sum(s for _, s, _ in files)
    gb = total / 1e9
    work = Path(tempfile.mkdtemp(prefix="okdp-bench-copy-"))
    cfg = work / "cfg.json"
    cfg.write_text(json.dumps({k: env[k] for k in ("namenode_rpc", "webhdfs_url", "hdfs_user", "s3_endpoint",
                                                   "s3_access_key", "s3_secret_key")}))
    stamp = time.strftime("%H%M%S")
    from okdp_migrate.connectors import s3

    client = s3.make_client({"endpoint": env["s3_endpoint"], "access_key": env["s3_access_key"],
                             "secret_key": env["s3_secret_key"]})
    print(f"data: {len(files)} files, {total / 2**30:.2f} GiB ({a.small} x {a.small_kib} KiB + {a.big} x "
          f"{a.big_mib} MiB); workers/transfers = {a.workers}; S3 {env['s3_endpoint']}", flush=True)
    results = {}
    prefixes = []

    # 1. okdp-migrate copy, HDFS -> S3 (verification on: CRC32C of every byte, checked by S3 and HEAD)
    p = f"bench/okdp-{stamp}"
    prefixes.append(p)
    plan = write_plan(files, a.root, f"s3://{bucket}/{p}", work / "plan.yaml")
    r = measure([sys.executable, "-c", "from okdp_migrate.cli import main; main()", "--config", str(cfg), "--json",
                 "-q", "copy", str(plan), "--workers", str(a.workers), "--no-commit"])
    s = json.loads(r["stdout"]) if r["rc"] == 0 else {}
    assert r["rc"] == 0 and s["files_verified"] == len(files), r["stderr"]
    results["okdp-migrate copy HDFS->S3 (verified)"] = r

    # 2. rclone copy, HDFS -> S3 (size/mtime only: rclone's hdfs backend has no hashes)
    p = f"bench/rclone-{stamp}"
    prefixes.append(p)
    r = measure(["rclone", "copy", f"hd:{a.root}", f"s3:{bucket}/{p}", "--transfers", str(a.workers),
                 "--checkers", str(a.workers)], env=rclone_env(env))
    assert r["rc"] == 0, r["stderr"]
    results["rclone copy HDFS->S3"] = r

    # 3. ingest ceiling: the same bytes from local disk
    p = f"bench/ceiling-rclone-{stamp}"
    prefixes.append(p)
    r = measure(["rclone", "copy", str(local), f"s3:{bucket}/{p}", "--transfers", str(a.workers),
                 "--checkers", str(a.workers)], env=rclone_env(env))
    assert r["rc"] == 0, r["stderr"]
    results["ceiling: rclone local->S3"] = r
    p = f"bench/ceiling-okdp-{stamp}"
    prefixes.append(p)
    local_files = [(str(local / f[0][len(a.root) + 1:]), f[1], f[2]) for f in files]
    lplan = write_plan(local_files, str(local), f"s3://{bucket}/{p}", work / "lplan.yaml")
    r = measure([sys.executable, "-c", LOCAL_ENGINE, str(cfg), str(lplan), str(a.workers), str(work / "lj")])
    assert r["rc"] == 0 and json.loads(r["stdout"])["files_verified"] == len(files), r["stderr"]
    results["ceiling: okdp engine local->S3"] = r

    print(f"{'run':42} {'wall s':>8} {'MB/s':>8} {'CPU s/GB':>9} {'peak RSS MB':>12}")
    for name, r in results.items():
        print(f"{name:42} {r['wall']:8.1f} {total / r['wall'] / 1e6:8.1f} {r['cpu'] / gb:9.2f} {r['rss_mb']:12.0f}")
    okdp, rcl = results["okdp-migrate copy HDFS->S3 (verified)"], results["rclone copy HDFS->S3"]
    ceiling = min(results["ceiling: rclone local->S3"]["wall"], results["ceiling: okdp engine local->S3"]["wall"])
    print(f"throughput ratio okdp/rclone (HDFS->S3): {rcl['wall'] / okdp['wall']:.2f}x")
    print(f"okdp copy as a share of the S3 ingest ceiling ({total / ceiling / 1e6:.1f} MB/s): "
          f"{ceiling / okdp['wall'] * 100:.0f}%")
    print(f"CPU s/GB okdp {okdp['cpu'] / gb:.2f} vs rclone {rcl['cpu'] / gb:.2f}; "
          f"peak RSS okdp {okdp['rss_mb']:.0f} MB vs rclone {rcl['rss_mb']:.0f} MB")
    if not a.keep:
        for p in prefixes:
            delete_prefix(client, bucket, p + "/")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
