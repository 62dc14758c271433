"""Bench: `okdp-migrate copy` (verification on) vs `rclone copy` HDFS -> S3, and the S3 ingest ceiling.

Same data, same run, same parallelism W, against the shared sandbox's real HDFS and SeaweedFS:
  - a bench dir in HDFS with thousands of small files and a few files of hundreds of MB (>= 2 GiB),
    created once and reused (and a local-disk copy of the same bytes for the ceiling runs);
  - okdp:    okdp-migrate copy PLAN --workers W   (HDFS RPC -> S3, CRC32C on every byte, S3-checked, journal)
  - rclone:  rclone copy hd:DIR s3:BUCKET/... --transfers W --checkers W   (Debian rclone, env -u AWS_CA_BUNDLE)
  - ceiling: the same bytes from local disk to S3 by the fastest clients we can build, each with W files in
    flight and up to 4 parts in flight per large file (rclone's default --s3-upload-concurrency):
      ceil-crt     awscrt's native S3 client (C, no GIL, its own connection pool)
      ceil-boto3   raw boto3 PUT / multipart, one tuned client (pool 64), no checksum, no journal
      ceil-rclone  rclone copy from local disk
    the ceiling is the best of them.
Each run also records the CPU the sandbox's servers spent meanwhile (SeaweedFS, NameNode, DataNode, from
/proc; "S3 server busy" is SeaweedFS's CPU over the run's wall time, 100% = one core): on 2 shared cores the S3 server's ~10 CPU s/GB is most of the budget, whoever the client is.
--topology split gives SeaweedFS one CPU of its own and moves every other process of the machine (the HDFS
servers, the contenders, anything else) to the others for the run (as when the object store runs on its own hosts): the ceiling is then the server's, which is the case
the issue's "within 10% of the ingest ceiling where the server is the bottleneck" speaks of; the default,
shared, is the sandbox as it runs, where copy clients compete with the server for the same CPU.
Every contender runs --rounds times in rotated order (load noise on the shared machine shows up as spread);
each run is a child process measured with os.wait4 (wall, CPU user+sys, peak RSS). Prints every run, the
best run per contender, and the ratios okdp/rclone and okdp/ceiling (best vs best, and per round).
Usage: python bench/copy.py [--small 4000] [--small-kib 256] [--big 3] [--big-mib 350] [--workers 4]
                            [--rounds 2] [--only okdp,rclone,ceil-crt,...] [--okdp-args "--processes 2"]
                            [--baseline-commit REV] [--topology shared|split]
A smaller subset of the same files (e.g. --small 500 --big 1) is handy to measure one change quickly.
--baseline-commit REV adds the contender `okdp-base`: the same copy command run by the code of commit REV
(exported with `git archive`, imported first through PYTHONPATH), so a change is measured against the code
before it in the same run, on the same data.
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
import threading
import time
from collections.abc import Callable, Iterator
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
    return [(st.path, st.length, st.modification_time) for st in c.list_status(root, True)
            if not st.isdir and st.path[len(root) + 1:] in want]


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


SERVERS = {"weed": "SeaweedFS", "namenode.NameNode": "NameNode", "datanode.DataNode": "DataNode"}


def command_lines() -> Iterator[tuple[int, str]]:
    """(pid, command line) of every process; kernel threads have an empty one."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            yield int(pid), Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue


def server_pids() -> dict[str, list[int]]:
    """The sandbox's SeaweedFS, NameNode and DataNode processes, by name."""
    out: dict[str, list[int]] = {name: [] for name in SERVERS.values()}
    for pid, cmd in command_lines():
        for marker, name in SERVERS.items():
            if marker in cmd.split(" ")[0] if marker == "weed" else marker in cmd:
                out[name].append(pid)
    return out


def pin(pid: int, cpus: set[int]) -> None:
    """Set the CPU affinity of every thread of pid (threads started later inherit it from their parent)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except (ProcessLookupError, OSError):
            pass


def split_topology() -> Callable[[], None]:
    """Give the S3 server (SeaweedFS) the last CPU to itself and move every other process of the machine
    (the HDFS servers, this script and its contenders, anything else running) to the others, as when the
    object store runs on its own hosts: the ceiling is then the server's, not the CPU the copy clients share
    with it. Processes started meanwhile inherit the affinity of their parent. Returns the function that
    gives every process back the CPUs it had (new ones: all of them)."""
    cpus = set(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--topology split needs at least 2 CPUs")
    s3_cpu, rest = {max(cpus)}, cpus - {max(cpus)}
    weed = set(server_pids()["SeaweedFS"])
    if not weed:
        raise SystemExit("--topology split: no SeaweedFS process found (okdp-migrate sandbox up)")
    before: dict[int, set[int]] = {}
    for pid in user_pids():
        try:
            before[pid] = set(os.sched_getaffinity(pid))
        except OSError:
            continue
        pin(pid, s3_cpu if pid in weed else rest)

    def restore() -> None:
        for pid in user_pids():
            pin(pid, before.get(pid, cpus))

    return restore


def user_pids() -> list[int]:
    """Processes with a command line (kernel threads have none and keep their CPUs)."""
    return [pid for pid, cmd in command_lines() if cmd]


def server_cpu() -> dict[str, float]:
    """CPU seconds (user+sys) used so far by the sandbox's SeaweedFS, NameNode and DataNode: the share of a
    run the servers pay (every contender makes them work; on 2 shared cores it is the same budget)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = dict.fromkeys(SERVERS.values(), 0.0)
    for name, pids in server_pids().items():
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[name] += (int(fields[11]) + int(fields[12])) / tick
    return out


def rclone_env(env) -> dict:
    e = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}  # rclone fails with it set
    e.update({"RCLONE_CONFIG_HD_TYPE": "hdfs", "RCLONE_CONFIG_HD_NAMENODE": env["namenode_rpc"],
              "RCLONE_CONFIG_HD_USERNAME": env.get("hdfs_user") or "root",
              "RCLONE_CONFIG_S3_TYPE": "s3", "RCLONE_CONFIG_S3_PROVIDER": "SeaweedFS",
              "RCLONE_CONFIG_S3_ENDPOINT": env["s3_endpoint"], "RCLONE_CONFIG_S3_ACCESS_KEY_ID": env["s3_access_key"],
              "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": env["s3_secret_key"]})
    return e




def delete_prefix(client, bucket: str, prefix: str) -> None:
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [{"Key": o["Key"]} for o in page.get("Contents", [])]
    for i in range(0, len(keys), 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": keys[i:i + 1000], "Quiet": True})



# -- ceiling clients (run as children of this script: `--child crt|boto3`) -------------------------------------
def local_jobs(local: str, names: list[str]) -> list[tuple[str, str, int]]:
    return [(os.path.join(local, n), n, os.path.getsize(os.path.join(local, n))) for n in names]


def child_crt(cfg: dict, bucket: str, prefix: str, jobs, workers: int) -> None:
    """awscrt's S3 client: native event loop, splits large files into parts itself."""
    from awscrt import auth, http, io, s3 as crt

    host = cfg["s3_endpoint"].split("//", 1)[1]
    elg = io.EventLoopGroup(2)
    boot = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
    creds = auth.AwsCredentialsProvider.new_static(cfg["s3_access_key"], cfg["s3_secret_key"])
    client = crt.S3Client(bootstrap=boot, region="us-east-1", tls_mode=crt.S3RequestTlsMode.DISABLED,
                          signing_config=crt.create_default_s3_signing_config(region="us-east-1",
                                                                              credential_provider=creds),
                          part_size=16 * MiB, throughput_target_gbps=10.0, memory_limit=1 << 30)
    gate = threading.Semaphore(workers)  # W files in flight, like the other contenders
    futures, status = [], {}

    for path, rel, size in jobs:
        gate.acquire()
        hdrs = http.HttpHeaders([("Host", host), ("Content-Length", str(size)),
                                 ("Content-Type", "application/octet-stream")])
        req = http.HttpRequest("PUT", f"/{bucket}/{prefix}/{rel}", hdrs)

        def on_headers(status_code, headers, _rel=rel, **kw):
            status[_rel] = status_code

        r = client.make_request(type=crt.S3RequestType.PUT_OBJECT, request=req, send_filepath=path,
                                on_headers=on_headers)
        r.finished_future.add_done_callback(lambda f: gate.release())
        futures.append(r.finished_future)
    for f in futures:
        f.result()
    bad = [k for k, v in status.items() if v != 200]
    assert len(status) == len(jobs) and not bad, f"crt: {len(bad)} failed"


def child_boto3(cfg: dict, bucket: str, prefix: str, jobs, workers: int) -> None:
    """Raw boto3: one client, pool 64, W file threads, 4 parts in flight per large file, no checksums."""
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=cfg["s3_endpoint"], region_name="us-east-1",
                          aws_access_key_id=cfg["s3_access_key"], aws_secret_access_key=cfg["s3_secret_key"],
                          config=Config(s3={"addressing_style": "path"}, max_pool_connections=64,
                                        request_checksum_calculation="when_required"))
    parts_pool = ThreadPoolExecutor(workers * 4)
    psize = 16 * MiB

    def one(job):
        path, rel, size = job
        key = f"{prefix}/{rel}"
        if size < psize:
            with open(path, "rb") as f:
                client.put_object(Bucket=bucket, Key=key, Body=f.read())
            return
        up = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]

        def part(n):
            with open(path, "rb") as f:
                f.seek((n - 1) * psize)
                data = f.read(psize)
            return {"PartNumber": n, "ETag": client.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n,
                                                                Body=data)["ETag"]}

        nparts = (size + psize - 1) // psize
        window = threading.Semaphore(4)

        def gated(n):
            try:
                return part(n)
            finally:
                window.release()

        futs = []
        for n in range(1, nparts + 1):
            window.acquire()
            futs.append(parts_pool.submit(gated, n))
        client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                         MultipartUpload={"Parts": [f.result() for f in futs]})

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, jobs))


def child_main(argv: list[str]) -> int:
    kind, cfg_path, bucket, prefix, local, names_path, workers = argv
    cfg = json.loads(Path(cfg_path).read_text())
    jobs = local_jobs(local, Path(names_path).read_text().split("\n"))
    {"crt": child_crt, "boto3": child_boto3}[kind](cfg, bucket, prefix, jobs, int(workers))
    return 0


# -- the bench ---------------------------------------------------------------------------------------------------
CONTENDERS = ["okdp", "rclone", "ceil-crt", "ceil-boto3", "ceil-rclone"]


def export_commit(rev: str, dest: Path) -> Path:
    """bench/commit_export.py's, loaded by path: this script keeps its own folder off sys.path (see the top)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("commit_export", os.path.join(_here, "commit_export.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.export_commit(rev, dest)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child_main(sys.argv[2:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=4000)
    ap.add_argument("--small-kib", type=int, default=256)
    ap.add_argument("--big", type=int, default=3)
    ap.add_argument("--big-mib", type=int, default=350)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", default=",".join(CONTENDERS), help="comma-separated contenders")
    ap.add_argument("--okdp-args", default="", help="extra flags for okdp-migrate copy")
    ap.add_argument("--baseline-commit", default=None, metavar="REV",
                    help="also run contender okdp-base: the code of commit REV (e.g. HEAD = before uncommitted changes)")
    ap.add_argument("--root", default="/bench/copy/data")
    ap.add_argument("--local", default="/tmp/okdp-bench-copy/local")
    ap.add_argument("--vacuum-master", default=None, metavar="HOST:PORT",  # default: the sandbox's master
                    help="SeaweedFS master: reclaim deleted space after each run (deletes alone do not free volumes; "
                         "10 runs x 2 GiB filled the sandbox's volumes once)")
    ap.add_argument("--topology", choices=("shared", "split"), default="shared",
                    help="shared: every server and contender on all CPUs (the sandbox as it runs); split: the S3 "
                         "server alone on one CPU, every other process on the others (S3 on its own hosts)")
    a = ap.parse_args()
    only = [c for c in a.only.split(",") if c]
    if a.baseline_commit and "okdp-base" not in only:
        only.insert(1, "okdp-base")
    if any(c.endswith("rclone") for c in only) and not shutil.which("rclone"):
        print("rclone is not installed (apt-get install rclone)", file=sys.stderr)
        return 7
    env = sandbox_env()
    a.vacuum_master = a.vacuum_master or sandbox_weed_master(env)
    bucket = env.get("s3_bucket") or "okdp-lake"
    local = Path(a.local)
    files = ensure_data(env, a.root, a.small, a.small_kib, a.big, a.big_mib, local)
    names = [p[len(a.root) + 1:] for p, _, _ in files]
    total = sum(s for _, s, _ in files)
    gb = total / 1e9
    work = Path(tempfile.mkdtemp(prefix="okdp-bench-copy-"))
    cfg = work / "cfg.json"
    cfg.write_text(json.dumps({k: env[k] for k in ("namenode_rpc", "webhdfs_url", "hdfs_user", "s3_endpoint",
                                                   "s3_access_key", "s3_secret_key")}))
    (work / "names.txt").write_text("\n".join(names))
    base_path = export_commit(a.baseline_commit, work / "baseline") if a.baseline_commit else None
    # rclone copies a directory: give it exactly the selected files
    (work / "files-from.txt").write_text("\n".join(names))
    from okdp_migrate.connectors import s3

    client = s3.make_client({"endpoint": env["s3_endpoint"], "access_key": env["s3_access_key"],
                             "secret_key": env["s3_secret_key"]})
    print(f"data: {len(files)} files, {total / 2**30:.2f} GiB ({a.small} x {a.small_kib} KiB + {a.big} x "
          f"{a.big_mib} MiB); parallelism W={a.workers}; rounds {a.rounds}; S3 {env['s3_endpoint']}; "
          f"load average at start {os.getloadavg()[0]:.1f}", flush=True)

    def run(name: str, rnd: int) -> dict:
        p = f"bench/{name}-{time.strftime('%H%M%S')}-{rnd}"
        servers_before = server_cpu()
        w = str(a.workers)
        rcl = ["--transfers", w, "--checkers", w, "--files-from-raw", str(work / "files-from.txt")]
        if name in ("okdp", "okdp-base"):
            plan = write_plan(files, a.root, f"s3://{bucket}/{p}", work / f"plan-{name}-{rnd}.yaml")
            child_env = dict(os.environ, PYTHONPATH=str(base_path)) if name == "okdp-base" else None
            r = measure([sys.executable, "-c", "from okdp_migrate.cli import main; main()", "--config", str(cfg),
                         "--json", "-q", "copy", str(plan), "--workers", w, "--no-commit", *a.okdp_args.split()],
                        env=child_env)
            s = json.loads(r["stdout"]) if r["rc"] == 0 else {}
            assert r["rc"] == 0 and s["files_verified"] == len(files), r["stderr"]
        elif name == "rclone":
            r = measure(["rclone", "copy", f"hd:{a.root}", f"s3:{bucket}/{p}", *rcl], env=rclone_env(env))
        elif name == "ceil-rclone":
            r = measure(["rclone", "copy", str(local), f"s3:{bucket}/{p}", *rcl], env=rclone_env(env))
        else:
            r = measure([sys.executable, os.path.realpath(__file__), "--child", name[5:], str(cfg), bucket, p,
                         str(local), str(work / "names.txt"), w])
        assert r["rc"] == 0, f"{name}: {r['stderr']}"
        r["servers"] = {k: v - servers_before[k] for k, v in server_cpu().items()}
        n, size = count_objects(client, bucket, p + "/")
        assert (n, size) == (len(files), total), f"{name}: {n} objects / {size} bytes in S3"
        delete_prefix(client, bucket, p + "/")
        if a.vacuum_master:
            vacuum(a.vacuum_master)
        r["load"] = os.getloadavg()[0]
        return r

    runs: dict[str, list[dict]] = {c: [] for c in only}
    warm_up(env, client, bucket, [p for p, s, _ in files if s < 8 * MiB][:500])
    restore = split_topology() if a.topology == "split" else (lambda: None)
    try:
        run_and_report(a, only, runs, run, total, gb, work)
    finally:
        restore()
    return 0


def run_and_report(a, only: list[str], runs: dict, run: Callable[[str, int], dict], total: int, gb: float,
           work: Path) -> None:
    """Run every contender a.rounds times and print the runs, the best of each and the ratios."""
    print(f"topology: {a.topology}" + (" (SeaweedFS alone on CPU "
                                        f"{max(os.sched_getaffinity(server_pids()['SeaweedFS'][0]))}; NameNode, "
                                        "DataNode, the contenders and every other process on the others)" if a.topology == "split" else
                                        " (servers and contenders share every CPU)"))
    print(f"{'round':>5} {'contender':12} {'wall s':>7} {'MB/s':>7} {'CPU s/GB':>9} {'RSS MB':>7} {'load1':>6}"
          f"  servers' CPU s/GB ({', '.join(SERVERS.values())})")
    for rnd in range(a.rounds):
        order = only[rnd % len(only):] + only[:rnd % len(only)] if rnd % 2 == 0 else list(reversed(only))
        for name in order:
            r = run(name, rnd)
            runs[name].append(r)
            print(f"{rnd + 1:>5} {name:12} {r['wall']:7.1f} {total / r['wall'] / 1e6:7.1f} {r['cpu'] / gb:9.2f} "
                  f"{r['rss_mb']:7.0f} {r['load']:6.1f}  "
                  + " ".join(f"{v / gb:5.2f}" for v in r["servers"].values()), flush=True)
    shutil.rmtree(work, ignore_errors=True)

    best = {c: min(rs, key=lambda r: r["wall"]) for c, rs in runs.items()}
    print(f"\nbest of {a.rounds} per contender")
    print(f"{'contender':12} {'wall s':>7} {'MB/s':>7} {'CPU s/GB':>9} {'peak RSS MB':>12} {'spread %':>9} "
          f"{'+servers s/GB':>14} {'S3 server busy':>15}")
    for c, r in best.items():
        walls = [x["wall"] for x in runs[c]]
        print(f"{c:12} {r['wall']:7.1f} {total / r['wall'] / 1e6:7.1f} {r['cpu'] / gb:9.2f} "
              f"{max(x['rss_mb'] for x in runs[c]):12.0f} {(max(walls) / min(walls) - 1) * 100:9.0f} "
              f"{(r['cpu'] + sum(r['servers'].values())) / gb:14.2f} "
              f"{r['servers']['SeaweedFS'] / r['wall'] * 100:10.0f}% CPU")
    ceilings = [c for c in best if c.startswith("ceil-")]
    if "okdp" in best and "rclone" in best:
        per_round = [f"{rc['wall'] / ok['wall']:.2f}" for ok, rc in zip(runs["okdp"], runs["rclone"])]
        print(f"throughput okdp/rclone (best vs best): {best['rclone']['wall'] / best['okdp']['wall']:.2f}x "
              f"(per round: {', '.join(per_round)}; target >= 1.5x)")
    if "okdp" in best and "okdp-base" in best:
        per_round = [f"{b['wall'] / ok['wall']:.2f}" for ok, b in zip(runs["okdp"], runs["okdp-base"])]
        cpu = [sorted(x["cpu"] for x in runs[c])[len(runs[c]) // 2] / gb for c in ("okdp", "okdp-base")]
        print(f"okdp vs okdp-base ({a.baseline_commit}): throughput {best['okdp-base']['wall'] / best['okdp']['wall']:.2f}x"
              f" best vs best (per round: {', '.join(per_round)}); median CPU s/GB {cpu[0]:.2f} vs {cpu[1]:.2f}")
    if "okdp" in best and ceilings:
        top = min(ceilings, key=lambda c: best[c]["wall"])
        others = "".join(f", {c} {best[top]['wall'] / best[c]['wall'] * 100:.0f}%" for c in ("rclone", "okdp-base")
                         if c in best)
        per_round = [f"{min(runs[c][i]['wall'] for c in ceilings) / ok['wall'] * 100:.0f}%"
                     for i, ok in enumerate(runs["okdp"])]
        print(f"S3 ingest ceiling: {top} {total / best[top]['wall'] / 1e6:.1f} MB/s; okdp = "
              f"{best[top]['wall'] / best['okdp']['wall'] * 100:.0f}% of it (per round: {', '.join(per_round)}; "
              f"target >= 90%){others}")
    if "okdp" in best:
        print(f"okdp peak RSS {max(x['rss_mb'] for x in runs['okdp']):.0f} MB (limit 300 MB)")


def warm_up(env: dict, client, bucket: str, paths: list[str]) -> None:
    """Read some bench files from HDFS and write them to S3 once, untimed: the NameNode's and DataNode's JIT
    warm up on it (the first contender after a sandbox start paid ~3 CPU s/GB more NameNode time otherwise)."""
    c = hdfs(env)

    def one(path: str) -> None:
        with c.read(path) as f:
            client.put_object(Bucket=bucket, Key=f"bench/warm-up{path}", Body=f.read())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, paths))
    delete_prefix(client, bucket, "bench/warm-up/")


def sandbox_weed_master(env: dict) -> str | None:
    """The sandbox's SeaweedFS master address (its state file), or None outside the sandbox."""
    try:
        port = json.loads((Path(env["state_dir"]) / "state.json").read_text())["ports"]["weed_master"]
    except (KeyError, OSError, ValueError):
        return None
    return f"127.0.0.1:{port}"


def vacuum(master: str, settle_bytes: int = 200 * MiB, timeout: float = 120) -> None:
    """Ask the SeaweedFS master to compact volumes, then wait until the garbage is gone (not timed)."""
    import urllib.request

    urllib.request.urlopen(f"http://{master}/vol/vacuum?garbageThreshold=0.05", timeout=timeout).read()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = json.loads(urllib.request.urlopen(f"http://{master}/vol/status", timeout=10).read())
        vols = [v for dc in status["Volumes"]["DataCenters"].values() for rack in dc.values()
                for node in rack.values() for v in node]
        if sum(v["DeletedByteCount"] for v in vols) < settle_bytes:
            return
        time.sleep(1)


def count_objects(client, bucket: str, prefix: str) -> tuple[int, int]:
    n = size = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            n += 1
            size += o["Size"]
    return n, size


if __name__ == "__main__":
    sys.exit(main())
