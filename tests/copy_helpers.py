"""Helpers for the copy tests: test files in the sandbox's real HDFS, a plan over them, a private
SeaweedFS (`weed mini` on its own ports, so restarting it never disturbs the shared sandbox),
and checks that read every object back."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import google_crc32c
from okdp_migrate import plan as planmod
from okdp_migrate.plan import FileEntry, MappingRule, Plan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateWeed:
    """A SeaweedFS S3 server of our own, restartable on the same ports and data dir."""

    def __init__(self, root: Path):
        self.root = root
        self.dir = root / "data"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.access_key, self.secret_key = "copytest", "copytest-" + uuid.uuid4().hex[:12]
        names = ["master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc",
                 "s3.iceberg", "webdav", "admin", "admin.grpc", "metrics"]
        self.ports = {n: free_port() for n in names}
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def start(self, timeout: float = 60) -> None:
        weed = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
        p = self.ports
        args = [weed, "mini", f"-dir={self.dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}",
                f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}", f"-s3.port={p['s3']}",
                f"-s3.port.grpc={p['s3.grpc']}", f"-s3.port.iceberg={p['s3.iceberg']}",
                f"-webdav.port={p['webdav']}", f"-admin.port={p['admin']}", f"-admin.port.grpc={p['admin.grpc']}",
                f"-s3.metricsPort={p['metrics']}"]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key)
        log = open(self.root / "weed.log", "ab")
        self.proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        client = self.client()
        while time.monotonic() < deadline:
            try:
                client.list_buckets()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        raise RuntimeError(f"private weed mini did not start; see {self.root / 'weed.log'}")

    def stop(self) -> None:
        stop_group(self.proc, grace=20)

    def client(self):
        from okdp_migrate.connectors import s3

        return s3.make_client({"endpoint": self.endpoint, "access_key": self.access_key,
                               "secret_key": self.secret_key})

    def settings(self) -> dict:
        return {"s3_endpoint": self.endpoint, "s3_access_key": self.access_key, "s3_secret_key": self.secret_key}


def hdfs_client(env: dict):
    import hdfs_native

    os.environ.setdefault("HADOOP_USER_NAME", env.get("hdfs_user") or "root")
    return hdfs_native.Client("hdfs://" + env["namenode_rpc"])


def write_hdfs_files(env: dict, root: str, sizes: dict[str, int]) -> dict[str, bytes]:
    """Create files under root with random content; returns {path: content}."""
    c = hdfs_client(env)
    c.mkdirs(root, create_parent=True)
    out = {}
    for name, size in sizes.items():
        data = os.urandom(size)
        with c.create(f"{root}/{name}") as w:
            w.write(data)
        out[f"{root}/{name}"] = data
    return out


def make_plan(env: dict, root: str, target: str, plan_path: Path, extra_files: list[FileEntry] = (),
              table: str | None = None) -> Path:
    """A real plan file (plan engineer's format) listing every file under root -> target."""
    c = hdfs_client(env)
    files = [FileEntry(src=st.path, size=st.length, mtime=st.modification_time, owner=st.owner, group=st.group,
                       permission=f"{st.permission:o}", table=table)
             for st in c.list_status(root, True) if not st.isdir]
    files += list(extra_files)
    planmod.save(Plan(target=target, mappings=[MappingRule(root, target)], tables={}, shard_count=1,
                      files=files), plan_path)
    return plan_path


def write_config(path: Path, env: dict, **override) -> Path:
    keys = ["namenode_rpc", "webhdfs_url", "hdfs_user", "s3_endpoint", "s3_access_key", "s3_secret_key"]
    cfg = {k: env[k] for k in keys if k in env}
    cfg.update(override)
    path.write_text(json.dumps(cfg))
    return path


def objects_under(client, bucket: str, prefix: str) -> dict[str, dict]:
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"]] = o
    return out


def pending_uploads(client, bucket: str, prefix: str) -> list[str]:
    r = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix)
    return [u["Key"] for u in r.get("Uploads", [])]


def assert_objects_match(client, bucket: str, prefix: str, contents: dict[str, bytes], root: str) -> None:
    """Exactly the expected objects, each read back byte-exact, with S3's stored CRC32C equal to the source's."""
    from okdp_migrate.copy import crc

    want = {f"{prefix}/{p[len(root) + 1:]}": data for p, data in contents.items()}
    got = objects_under(client, bucket, prefix + "/")
    assert sorted(got) == sorted(want), "objects differ from the source files (missing or extra)"
    for key, data in want.items():
        h = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert h["ContentLength"] == len(data)
        assert h.get("ChecksumCRC32C") == crc.to_b64(google_crc32c.value(data)), key
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert google_crc32c.value(body) == google_crc32c.value(data), key
    assert pending_uploads(client, bucket, prefix) == []


def stop_group(proc, grace: float) -> None:
    """SIGTERM a private server's process group, SIGKILL it after `grace` seconds."""
    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
