"""`okdp-migrate copy` against real services: the sandbox's HDFS (Hadoop 2.7.3, RPC + WebHDFS) as the
source, SeaweedFS S3 as the target (the sandbox's, or a private `weed mini` for the kill and
server-restart tests so the shared one is never disturbed)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from okdp_migrate.cli import main
from okdp_migrate.copy import journal as J
from okdp_migrate.plan import FileEntry

from copy_helpers import (PrivateWeed, assert_objects_match, hdfs_client, make_plan, objects_under,
                          pending_uploads, write_config, write_hdfs_files)

pytestmark = pytest.mark.services
MiB = 1 << 20


@pytest.fixture(scope="module")
def env(request):
    """The running shared sandbox's connection settings (HDFS and S3 are all copy needs; it does not
    wait for the seed), else the conftest `sandbox` fixture, which starts one."""
    out = subprocess.run([sys.executable, "-c", "from okdp_migrate.cli import main; main()", "--json",
                          "sandbox", "env"], capture_output=True, text=True)
    if out.returncode == 0:
        found = json.loads(out.stdout)
        try:
            hdfs_client(found).get_file_info("/")
            return found
        except Exception:  # noqa: BLE001 - not running: start it through the fixture
            pass
    try:
        return request.getfixturevalue("sandbox")
    except pytest.FixtureLookupError:
        pytest.skip("no running sandbox and no sandbox fixture")


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    w = PrivateWeed(tmp_path_factory.mktemp("weed"))
    w.start()
    yield w
    w.stop()


def _unique() -> str:
    return uuid.uuid4().hex[:10]


def _run(args: list[str], capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip().startswith("{") else {})


def _subprocess(args: list[str], **env) -> subprocess.Popen:
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **env)
    return subprocess.Popen([sys.executable, "-c", "from okdp_migrate.cli import main; main()", *args],
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"copy ended before the pause point: {proc.stderr.read()[-2000:]}")
        assert time.monotonic() < deadline, "pause point never reached"
        time.sleep(0.1)


# --- the happy path on the shared sandbox ---------------------------------------------------------------
def test_copy_hdfs_to_s3_every_object_crc32c_matches_and_rerun_copies_nothing(env, tmp_path, capsys):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    sizes = {f"part-{i:03d}.bin": 1000 * i + 1 for i in range(30)}
    sizes.update({"empty.bin": 0, "big/multi.bin": 40 * MiB + 7})  # 40 MiB -> multipart, 6 parts of 8 MiB
    contents = write_hdfs_files(env, root, sizes)
    bucket, prefix = env.get("s3_bucket") or "okdp-lake", f"copy-test/{_unique()}"
    plan = make_plan(env, root, f"s3://{bucket}/{prefix}", tmp_path / "plan.yaml")
    cfg = write_config(tmp_path / "cfg.json", env)

    code, s = _run(["--config", str(cfg), "--json", "copy", str(plan)], capsys)
    assert code == 0, s
    assert (s["files_planned"], s["files_copied"], s["files_verified"], s["files_failed"]) == (32, 32, 32, 0)
    assert s["bytes_copied"] == sum(sizes.values())
    from okdp_migrate.connectors import s3

    hdfs_s3 = s3.make_client({"endpoint": env["s3_endpoint"], "access_key": env["s3_access_key"],
                              "secret_key": env["s3_secret_key"]})
    assert_objects_match(hdfs_s3, bucket, prefix, contents, root)
    meta = hdfs_s3.head_object(Bucket=bucket, Key=f"{prefix}/part-001.bin")["Metadata"]
    st = hdfs_client(env).get_file_info(f"{root}/part-001.bin")
    assert meta["okdp-mtime"] == str(st.modification_time) and meta["okdp-owner"] == st.owner
    assert meta["okdp-permission"] == f"{st.permission:o}"
    manifests = list((tmp_path / "plan.yaml.journal" / "manifests").glob("*.json"))
    assert manifests and len(json.loads(manifests[0].read_text())["files"]) == 32

    code, s2 = _run(["--config", str(cfg), "--json", "copy", str(plan), "--verify"], capsys)
    assert code == 0 and s2["files_copied"] == 0 and s2["files_skipped"] == 32 and s2["files_verified"] == 32


def test_dry_run_writes_nothing(env, tmp_path, capsys):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    write_hdfs_files(env, root, {"a.bin": 10})
    plan = make_plan(env, root, f"s3://okdp-lake/copy-test/{_unique()}", tmp_path / "plan.yaml")
    code, s = _run(["--config", str(write_config(tmp_path / "c.json", env)), "--json", "copy", str(plan),
                    "--dry-run"], capsys)
    assert code == 0 and s["dry_run"] and s["items"][0]["dst"].endswith("/a.bin")
    assert not (tmp_path / "plan.yaml.journal").exists()


# --- bad input: one clear error per file, the rest is copied, nothing unverified reported ----------------
def test_missing_and_permission_denied_files_fail_alone(env, tmp_path, weed):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    contents = write_hdfs_files(env, root, {"ok1.bin": 5000, "ok2.bin": 7000, "secret.bin": 100})
    c = hdfs_client(env)
    c.set_permission(f"{root}/secret.bin", 0o000)  # owned by the sandbox user; the copy runs as another user
    c.set_permission(root, 0o755)
    missing = FileEntry(src=f"{root}/gone.bin", size=5, mtime=1)
    bucket = f"bad-{_unique()}"
    weed.client().create_bucket(Bucket=bucket)
    plan = make_plan(env, root, f"s3://{bucket}/t", tmp_path / "plan.yaml", extra_files=[missing])
    cfg = write_config(tmp_path / "c.json", env, **weed.settings())
    proc = _subprocess(["--config", str(cfg), "--json", "copy", str(plan)], HADOOP_USER_NAME="okdp_copy_tester")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 8, err
    s = json.loads(out)
    assert (s["files_copied"], s["files_failed"], s["files_verified"]) == (2, 2, 2)
    errors = {Path(f["src"]).name: f["error"] for f in s["failures"]}
    assert "no such file" in errors["gone.bin"]
    assert "permission denied" in errors["secret.bin"]
    assert sorted(objects_under(weed.client(), bucket, "t/")) == ["t/ok1.bin", "t/ok2.bin"]
    assert "secret.bin" in err and "gone.bin" in err  # one line each on stderr
    contents.pop(f"{root}/secret.bin")
    j = J.Journal(tmp_path / "plan.yaml.journal")
    assert j.state_of(f"{root}/secret.bin") == J.FAILED and j.state_of(f"{root}/ok1.bin") == J.VERIFIED


def test_denied_credentials_fail_every_file_with_auth_exit(env, tmp_path, weed, capsys):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    write_hdfs_files(env, root, {"a.bin": 10, "b.bin": 20})
    bucket = f"auth-{_unique()}"
    weed.client().create_bucket(Bucket=bucket)
    plan = make_plan(env, root, f"s3://{bucket}/t", tmp_path / "plan.yaml")
    cfg = write_config(tmp_path / "c.json", env, **dict(weed.settings(), s3_secret_key="wrong-secret"))
    code, s = _run(["--config", str(cfg), "--json", "copy", str(plan)], capsys)
    assert code == 6
    assert s["files_copied"] == 0 and s["files_verified"] == 0 and s["files_failed"] == 2
    assert all("SignatureDoesNotMatch" in f["error"] for f in s["failures"])
    assert "wrong-secret" not in json.dumps(s)
    assert objects_under(weed.client(), bucket, "t/") == {}


def test_file_changing_during_copy_is_retried_then_reported(env, tmp_path, weed):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    write_hdfs_files(env, root, {"grows.bin": 4096})
    bucket = f"chg-{_unique()}"
    weed.client().create_bucket(Bucket=bucket)
    plan = make_plan(env, root, f"s3://{bucket}/t", tmp_path / "plan.yaml")
    cfg = write_config(tmp_path / "c.json", env, **weed.settings())
    marker = tmp_path / "paused"
    # every time the file has been read (before it is sent), the test appends to it
    proc = _subprocess(["--config", str(cfg), "--json", "copy", str(plan)],
                       OKDP_MIGRATE_TEST_HOOK="before_put:*:wait", OKDP_MIGRATE_TEST_HOOK_FILE=str(marker))
    c = hdfs_client(env)
    for _ in range(3):
        _wait_for(marker, proc)
        with c.append(f"{root}/grows.bin") as w:
            w.write(b"more")
        marker.unlink()
    out, err = proc.communicate(timeout=120)
    s = json.loads(out)
    assert proc.returncode == 8 and s["files_failed"] == 1 and s["files_verified"] == 0
    assert "changed while copied" in s["failures"][0]["error"]
    assert objects_under(weed.client(), bucket, "t/") == {}  # a changing source is never committed

    # once the writer stops, the rerun copies the final content
    proc = _subprocess(["--config", str(cfg), "--json", "copy", str(plan)])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    body = weed.client().get_object(Bucket=bucket, Key="t/grows.bin")["Body"].read()
    assert len(body) == 4096 + 12 and body.endswith(b"moremoremore")


# --- interruption: kill -9 at named points, rerun finishes, nothing duplicated or partial --------------
@pytest.mark.slow
@pytest.mark.parametrize("hook", ["before_put:4", "after_part:2", "before_complete:1", "after_file:10"])
def test_kill_9_then_rerun_completes_every_file_verified(env, tmp_path, weed, hook):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    sizes = {f"s{i:02d}.bin": 3000 + i for i in range(20)}
    sizes.update({"m1.bin": 50 * MiB + 3, "m2.bin": 34 * MiB})
    contents = write_hdfs_files(env, root, sizes)
    bucket = f"kill-{_unique()}"
    weed.client().create_bucket(Bucket=bucket)
    plan = make_plan(env, root, f"s3://{bucket}/t", tmp_path / "plan.yaml")
    cfg = write_config(tmp_path / "c.json", env, **weed.settings())
    marker = tmp_path / "reached"
    proc = _subprocess(["--config", str(cfg), "--json", "copy", str(plan), "--workers", "2"],
                       OKDP_MIGRATE_TEST_HOOK=hook, OKDP_MIGRATE_TEST_HOOK_FILE=str(marker))
    _wait_for(marker, proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    j = J.Journal(tmp_path / "plan.yaml.journal")
    before = j.counts()
    parts_before = {r["src"]: len(j.parts(r["id"])) for r in j.entries() if r["upload_id"]}
    j.close()

    rerun = _subprocess(["--config", str(cfg), "--json", "copy", str(plan), "--workers", "2"])
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    s = json.loads(out)
    assert s["files_verified"] == len(sizes) and s["files_failed"] == 0
    assert s["files_skipped"] == before[J.VERIFIED]  # verified files were not copied again
    assert s["files_copied"] == len(sizes) - before[J.VERIFIED]
    if hook.startswith(("after_part", "before_complete")):
        assert parts_before and max(parts_before.values()) >= 1  # an interrupted upload was resumed
    assert_objects_match(weed.client(), bucket, "t", contents, root)


@pytest.mark.slow
def test_s3_server_restart_during_copy_is_ridden_out(env, tmp_path, weed):
    root = f"/tmp/okdp-copy-test/{_unique()}"
    sizes = {"big.bin": 48 * MiB, **{f"s{i}.bin": 2000 for i in range(10)}}
    contents = write_hdfs_files(env, root, sizes)
    bucket = f"restart-{_unique()}"
    weed.client().create_bucket(Bucket=bucket)
    plan = make_plan(env, root, f"s3://{bucket}/t", tmp_path / "plan.yaml")
    cfg = write_config(tmp_path / "c.json", env, **weed.settings())
    # 8 MB/s: the copy lasts ~7 s, long enough to restart the server under it
    proc = _subprocess(["--config", str(cfg), "--json", "copy", str(plan), "--bandwidth", "8", "--workers", "2"])
    journal = tmp_path / "plan.yaml.journal" / "journal.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the multipart upload has a part stored
        if journal.exists():
            j = J.Journal(journal.parent)
            started = any(j.parts(r["id"]) for r in j.entries())
            j.close()
            if started:
                break
        time.sleep(0.2)
    weed.stop()
    time.sleep(3)
    weed.start()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    s = json.loads(out)
    assert s["files_verified"] == len(sizes) and s["files_failed"] == 0
    assert_objects_match(weed.client(), bucket, "t", contents, root)
    assert pending_uploads(weed.client(), bucket, "t") == []


# --- throughput design: small files are read ahead while at most `workers` PUTs are in flight ------------------
class _SlowPutSpy:
    """The real S3 client (awscrt data path) with a pause before each PutObject of the test's files, counting
    those in flight and, as each starts, how many files were read but not yet sent. Not a fake: every call
    goes to the real server."""

    def __init__(self, client, prefix: str, reads_done: list, pause: float = 0.3):
        self._client, self._prefix, self._reads_done, self._pause = client, prefix, reads_done, pause
        self._lock = threading.Lock()
        self.in_flight = self.max_in_flight = self.started = 0
        self.read_not_sent: list[int] = []

    def __getattr__(self, name):
        return getattr(self._client, name)

    def put_object(self, **kwargs):
        if not kwargs["Key"].startswith(self._prefix):  # the capability probe
            return self._client.put_object(**kwargs)
        with self._lock:
            self.read_not_sent.append(len(self._reads_done) - self.started)  # this file included
            self.started += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self._pause)  # a slow server: the other workers read ahead meanwhile
            return self._client.put_object(**kwargs)
        finally:
            with self._lock:
                self.in_flight -= 1


def test_small_files_are_read_ahead_while_at_most_workers_puts_are_in_flight(env, tmp_path):
    from okdp_migrate import config as configmod
    from okdp_migrate.connectors import s3
    from okdp_migrate.copy import run as runmod
    from okdp_migrate.copy.source import source_from_config

    root = f"/tmp/okdp-copy-test/{_unique()}"
    contents = write_hdfs_files(env, root, {f"s{i:02d}.bin": 3000 + i for i in range(12)})
    bucket, prefix = env.get("s3_bucket") or "okdp-lake", f"copy-test/{_unique()}"
    plan = make_plan(env, root, f"s3://{bucket}/{prefix}", tmp_path / "plan.yaml")
    cfg = configmod.load(write_config(tmp_path / "cfg.json", env), env={})
    reads_done: list[str] = []  # a small file's read phase ends with the stat that checks it did not change
    spies: list[_SlowPutSpy] = []

    def client_factory(settings, max_pool):
        spies.append(_SlowPutSpy(s3.with_native_uploads(s3.make_client(settings, max_pool), settings), prefix,
                                 reads_done))
        return spies[-1]

    def source_factory(config):
        src = source_from_config(config)
        real_stat = src.stat

        def stat(path):
            st = real_stat(path)
            reads_done.append(path)
            return st
        src.stat = stat
        return src

    summary = runmod.run_copy(str(plan), cfg, runmod.CopyOptions(workers=2, commit_tables=False),
                              source_factory=source_factory, client_factory=client_factory)
    assert summary.files_verified == 12 and summary.files_failed == 0
    spy = spies[0]
    assert spy.started == 12 and spy.max_in_flight == 2  # never more PUTs than workers ...
    assert max(spy.read_not_sent) >= 2  # ... while another file was already read and checked, waiting its turn
    s3_client = s3.make_client({"endpoint": env["s3_endpoint"], "access_key": env["s3_access_key"],
                                "secret_key": env["s3_secret_key"]})
    assert_objects_match(s3_client, bucket, prefix, contents, root)
