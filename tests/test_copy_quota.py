"""`okdp-migrate copy` into a SeaweedFS bucket that a quota has made read-only (issue 5).

Real services only: the sandbox's HDFS as the source, a private `weed mini` (its own loopback ports, so
the shared sandbox's S3 is never touched) whose bucket gets a quota through `weed shell`
(`s3.bucket.quota`, then `s3.bucket.quota.enforce -apply`, which marks the bucket read-only in filer.conf).

What SeaweedFS 4.48 answers for a PUT / CreateMultipartUpload into that bucket: HTTP 500 `InternalError`
("We encountered an internal error, please try again."); the cause ("read only: /buckets/B/ (e.g. bucket
over quota)") is only in the server's log, while reads (HeadBucket, lists) keep working. The copy tells it
from an outage by that read: every refused file fails on its own with a quota / read-only error naming its
own object (exit 8 PARTIAL, not 5 or 6), nothing absent or unverified counts as copied, and once the quota
is lifted a rerun finishes the job.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import google_crc32c
import pytest

from okdp_migrate.copy import journal as J

from copy_helpers import (PrivateWeed, assert_objects_match, make_plan, objects_under, pending_uploads,
                          write_config, write_hdfs_files)

pytestmark = pytest.mark.services
MiB = 1 << 20


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    w = PrivateWeed(tmp_path_factory.mktemp("weed-quota"))
    w.start()
    yield w
    w.stop()


def _shell(weed: PrivateWeed, *commands: str) -> str:
    """Run `weed shell` commands against the private server (master/filer given as host:port.grpcPort)."""
    p = weed.ports
    weed_bin = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    out = subprocess.run([weed_bin, "shell", f"-master=127.0.0.1:{p['master']}.{p['master.grpc']}",
                          f"-filer=127.0.0.1:{p['filer']}.{p['filer.grpc']}"],
                         input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


def _put_refused(client, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.put_object(Bucket=bucket, Key="_quota_probe", Body=b"x")
    except ClientError:
        return True
    client.delete_object(Bucket=bucket, Key="_quota_probe")
    return False


def _make_over_quota(weed: PrivateWeed, bucket: str, timeout: float = 120) -> None:
    """1 MiB quota, 2 MiB already stored, then enforce until the bucket refuses writes. The master learns
    collection sizes from volume heartbeats, so the usage shows up after some seconds: poll for it."""
    client = weed.client()
    client.put_object(Bucket=bucket, Key="_filler", Body=os.urandom(2 * MiB))
    assert "quota" in _shell(weed, f"s3.bucket.quota -name={bucket} -op=set -sizeMB=1")
    deadline = time.monotonic() + timeout
    while True:
        _shell(weed, "s3.bucket.quota.enforce -apply")
        if _put_refused(client, bucket):
            return
        assert time.monotonic() < deadline, _shell(weed, "s3.bucket.list")
        time.sleep(3)


def _copy(cfg, plan, **env) -> tuple[int, dict, str]:
    """A subprocess, so OKDP_MIGRATE_COPY_RETRY_SECONDS (read at import) applies; its timeout bounds the run."""
    proc = subprocess.run([sys.executable, "-c", "from okdp_migrate.cli import main; main()", "--config",
                           str(cfg), "--json", "copy", str(plan)], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **env))
    summary = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    return proc.returncode, summary, proc.stderr


@pytest.mark.parametrize("native", ["1", "0"], ids=["awscrt-put", "boto3-put"])
def test_bucket_over_quota_fails_per_file_and_reports_only_verified_copies(sandbox, tmp_path, weed, native):
    from okdp_migrate.copy import crc

    tag = uuid.uuid4().hex[:10]
    root = f"/tmp/okdp-copy-test/quota-{tag}"
    bucket, prefix = f"quota-{tag}", "t"
    client = weed.client()
    client.create_bucket(Bucket=bucket)
    cfg = write_config(tmp_path / "c.json", sandbox, **weed.settings())
    plan_path = tmp_path / "plan.yaml"

    # first run, bucket writable: two files verified
    before = write_hdfs_files(sandbox, root, {"a.bin": 3000, "b.bin": 5000})
    code, s, err = _copy(cfg, make_plan(sandbox, root, f"s3://{bucket}/{prefix}", plan_path),
                         OKDP_MIGRATE_S3_NATIVE=native)
    assert code == 0 and s["files_verified"] == 2, err[-2000:]

    # the bucket goes over quota; three more files (one multipart) join the same plan
    _make_over_quota(weed, bucket)
    after = write_hdfs_files(sandbox, root, {"c.bin": 4000, "d.bin": 6000, "big.bin": 17 * MiB + 5})
    make_plan(sandbox, root, f"s3://{bucket}/{prefix}", plan_path)
    code, s, err = _copy(cfg, plan_path, OKDP_MIGRATE_COPY_RETRY_SECONDS="5", OKDP_MIGRATE_S3_NATIVE=native)

    # a full bucket is neither an outage (5) nor a credentials fault (6): each refused file fails, exit 8
    assert code == 8, (code, s, err[-2000:])
    assert s, f"no --json summary (exit {code}): {err[-2000:]}"
    assert s["files_copied"] == 0 and s["files_not_attempted"] == 0
    assert not any(n.startswith("stopped early") for n in s["notes"]), s["notes"]
    refused = set(after)
    failed = {f["src"]: f for f in s["failures"]}
    assert set(failed) == refused and s["files_failed"] == len(refused)
    for src, f in failed.items():
        own = f"s3://{bucket}/{prefix}/{src.rsplit('/', 1)[1]}"
        assert f["dst"] == own and f["error"].startswith(own + ":"), f  # named by its own object, no probe key
        assert "refuses writes while reads work (over quota or read-only" in f["error"], f
        assert f["kind"] == "QuotaExceeded" and "s3.bucket.quota" in f["error"]
    assert s["files_verified"] == len(before)
    assert s["files_verified"] + s["files_failed"] + s["files_not_attempted"] == s["files_planned"]

    # what S3 holds is exactly what was verified, each with the source's CRC32C; nothing refused is there
    got = objects_under(client, bucket, prefix + "/")
    assert sorted(got) == sorted(f"{prefix}/{p.rsplit('/', 1)[1]}" for p in before)
    assert s["files_verified"] <= len(got)
    for path, data in before.items():
        h = client.head_object(Bucket=bucket, Key=f"{prefix}/{path.rsplit('/', 1)[1]}", ChecksumMode="ENABLED")
        assert h.get("ChecksumCRC32C") == crc.to_b64(google_crc32c.value(data))
    assert pending_uploads(client, bucket, prefix) == []
    journal = J.Journal(tmp_path / "plan.yaml.journal")
    assert all(journal.state_of(p) != J.VERIFIED for p in refused)
    assert all(journal.state_of(p) == J.VERIFIED for p in before)

    # quota lifted (removing it clears the read-only flag): the rerun finishes, byte-exact
    _shell(weed, f"s3.bucket.quota -name={bucket} -op=remove")
    deadline = time.monotonic() + 60
    while _put_refused(client, bucket):
        assert time.monotonic() < deadline, "bucket still read-only after the quota was removed"
        time.sleep(2)
    code, s, err = _copy(cfg, plan_path, OKDP_MIGRATE_S3_NATIVE=native)
    assert code == 0, (s, err[-2000:])
    assert s["files_copied"] == len(refused)
    assert_objects_match(client, bucket, prefix, {**before, **after}, root)
