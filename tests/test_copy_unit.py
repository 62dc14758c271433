"""Unit tests of the copy engine's pieces that need no service: CRC32C combine, token bucket,
live limits and schedule, journal resume bookkeeping, part sizing."""
from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from types import SimpleNamespace

import google_crc32c
import pytest

from okdp_migrate.copy import crc
from okdp_migrate.copy import journal as J
from okdp_migrate.copy.mover import MAX_PARTS, MiB, part_size_for
from okdp_migrate.copy.throttle import ByteBudget, Controls, Limit, TokenBucket, schedule_override

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("len_a,len_b", [(0, 10), (1, 1), (1000, 4096), (5 * MiB + 3, 1), (7, 3 * MiB + 11)])
def test_crc32c_combine_equals_crc_of_concatenation(len_a, len_b):
    a, b = os.urandom(len_a), os.urandom(len_b)
    assert crc.combine(crc.of(a), crc.of(b), len(b)) == google_crc32c.value(a + b)


def test_combine_parts_matches_whole_file_for_unequal_parts():
    data = os.urandom(3 * 1024 * 1024 + 17)
    cuts = [0, 1024 * 1024, 2 * 1024 * 1024 + 5, len(data)]
    parts = [(crc.of(data[s:e]), e - s) for s, e in zip(cuts, cuts[1:])]
    assert crc.combine_parts(parts) == google_crc32c.value(data)


def test_combine_detects_a_wrong_part_crc():
    a, b = os.urandom(100), os.urandom(100)
    assert crc.combine(crc.of(a), crc.of(b) ^ 1, 100) != google_crc32c.value(a + b)


def test_b64_is_the_s3_header_form():
    # S3 ChecksumCRC32C: base64 of the big-endian CRC; check against a known vector ("123456789" -> e3069283)
    assert crc.of(b"123456789") == 0xE3069283
    assert crc.to_b64(0xE3069283) == "4waSgw=="
    assert crc.from_b64("4waSgw==") == 0xE3069283


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept = 0.0

    def __call__(self):
        return self.now

    def sleep(self, s):
        self.slept += s
        self.now += s


def test_token_bucket_makes_a_burst_wait_for_its_bytes():
    clock = FakeClock()
    tb = TokenBucket(rate=1000, burst_seconds=0.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        tb.consume(500)
    assert clock.slept == pytest.approx(5.0)  # 5000 bytes at 1000 B/s


def test_token_bucket_unlimited_never_sleeps_and_rate_can_change_live():
    clock = FakeClock()
    tb = TokenBucket(rate=0, clock=clock, sleep=clock.sleep)
    tb.consume(10**9)
    assert clock.slept == 0
    tb.set_rate(100)
    tb.consume(200)
    assert clock.slept == pytest.approx(2.0, rel=0.2)


def test_limit_capacity_lowered_while_held_blocks_new_holders():
    lim = Limit(2)
    lim.acquire()
    lim.acquire()
    lim.set_capacity(1)
    lim.release()
    got = threading.Event()
    t = threading.Thread(target=lambda: (lim.acquire(), got.set()), daemon=True)
    t.start()
    assert not got.wait(0.3)  # 1 in use, capacity 1
    lim.release()
    assert got.wait(2)


def test_schedule_window_overrides_bandwidth_on_weekdays_only():
    sched = [{"days": "mon-fri", "from": "08:00", "to": "19:00", "bandwidth_mbps": 20},
             {"from": "22:00", "to": "06:00", "workers": 16}]
    monday_noon = datetime(2024, 1, 1, 12, 0)
    sunday_noon = datetime(2024, 1, 7, 12, 0)
    assert schedule_override(sched, monday_noon) == {"bandwidth_mbps": 20}
    assert schedule_override(sched, sunday_noon) == {}
    assert schedule_override(sched, datetime(2024, 1, 3, 23, 30)) == {"workers": 16}
    assert schedule_override(sched, datetime(2024, 1, 3, 5, 59)) == {"workers": 16}


def test_control_file_changes_limits_when_reread(tmp_path):
    ctl = tmp_path / "control.json"
    c = Controls({"bandwidth_mbps": 0, "workers": 4}, control_file=ctl)
    assert c.workers.capacity == 4 and c.bucket.rate == 0
    ctl.write_text(json.dumps({"bandwidth_mbps": 5, "workers": 2, "paused": True}))
    c.apply()
    assert c.workers.capacity == 2 and c.bucket.rate == 5_000_000 and c.paused.is_set()
    assert c.files.capacity == 4  # files in progress: `workers` uploading + as many reading ahead
    ctl.write_text("{not json")  # a half-written control file is ignored, not fatal
    c.apply()
    assert c.workers.capacity == 4 and c.files.capacity == 8


def test_byte_budget_makes_a_reader_wait_until_its_bytes_fit():
    budget = ByteBudget(100)
    budget.acquire(60)
    got = threading.Event()

    def second():
        budget.acquire(60)
        got.set()

    t = threading.Thread(target=second, daemon=True)
    t.start()
    assert not got.wait(0.3)  # 60 + 60 > 100: held back
    budget.release(60)
    assert got.wait(5) and budget.in_use == 60
    t.join()


def test_byte_budget_lets_a_request_larger_than_the_budget_through_alone():
    budget = ByteBudget(100)
    taken = budget.acquire(10**9)  # one huge file: it waits for nobody when nothing is held, and takes it all
    assert taken == 100 and budget.in_use == 100
    small = threading.Event()
    t = threading.Thread(target=lambda: (budget.acquire(1), small.set()), daemon=True)
    t.start()
    assert not small.wait(0.3)
    budget.release(taken)
    assert small.wait(5)
    t.join()


def _item(n: int, size: int = 10):
    return SimpleNamespace(src=f"/data/f{n}", dst_bucket="b", dst_key=f"k/f{n}", size=size, mtime=1, table="db.t")


def test_journal_keeps_states_and_parts_across_reopen(tmp_path):
    j = J.Journal(tmp_path)
    j.add_items([_item(1), _item(2)])
    r1 = j.row("b", "k/f1")
    j.update(r1["id"], state=J.COPYING, upload_id="u1", part_size=8, src_size=10, src_mtime=1)
    j.add_part(r1["id"], J.Part(1, "etag1", 123, 8))
    j.update(j.row("b", "k/f2")["id"], state=J.VERIFIED, crc32c="0000abcd")
    j.close()
    j2 = J.Journal(tmp_path)  # what a rerun after kill -9 sees
    j2.add_items([_item(1), _item(2), _item(3)])  # re-adding does not reset progress
    assert j2.row("b", "k/f1")["upload_id"] == "u1"
    assert j2.parts(j2.row("b", "k/f1")["id"]) == [J.Part(1, "etag1", 123, 8)]
    assert j2.state_of("/data/f2") == J.VERIFIED
    assert j2.counts()[J.PLANNED] == 1 and j2.counts()[J.COPYING] == 1
    assert {e["src"] for e in j2.entries()} == {"/data/f1", "/data/f2", "/data/f3"}


def test_journal_survives_concurrent_writers(tmp_path):
    j = J.Journal(tmp_path)
    j.add_items([_item(n) for n in range(200)])
    rows = [j.row("b", f"k/f{n}") for n in range(200)]

    def work(chunk):
        for r in chunk:
            j.add_part(r["id"], J.Part(1, "e", 1, 1))
            j.update(r["id"], state=J.VERIFIED)

    threads = [threading.Thread(target=work, args=(rows[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert j.counts()[J.VERIFIED] == 200


@pytest.mark.parametrize("size,expected", [(1, 8 * MiB), (100 * MiB, 8 * MiB), (80 * 10**9, 8 * MiB),
                                           (5 * 10**12, None)])
def test_part_size_keeps_under_10000_parts(size, expected):
    ps = part_size_for(size)
    assert ps % MiB == 0 and -(-size // ps) <= MAX_PARTS
    if expected:
        assert ps == expected


# --- awscrt data path: its errors mean the same as botocore's -----------------------------------------------
def _crt_error(status: int, code: str):
    from awscrt.s3 import S3ResponseError

    body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>m</Message></Error>".encode()
    return S3ResponseError(code=14343, name="AWS_ERROR_S3_INVALID_RESPONSE_STATUS", message="bad status",
                           status_code=status, headers=[], body=body, operation_name="PutObject")


@pytest.mark.parametrize("status,code,kind", [(403, "InvalidAccessKeyId", "AuthError"),
                                              (400, "BadDigest", "ChecksumMismatch"),
                                              (503, "SlowDown", "TransientS3Error"),
                                              (404, "NoSuchBucket", "BadInputError")])
def test_awscrt_s3_error_answers_translate_like_botocore_ones(status, code, kind):
    pytest.importorskip("awscrt")
    from okdp_migrate.connectors import s3

    assert type(s3.translate(_crt_error(status, code), "s3://b/k")).__name__ == kind


def test_awscrt_connection_error_is_transient_so_it_is_retried():
    pytest.importorskip("awscrt")
    from awscrt.exceptions import AwsCrtError

    from okdp_migrate.connectors import s3

    err = s3.translate(AwsCrtError(1049, "AWS_IO_SOCKET_CONNECTION_REFUSED", "refused"), "s3://b/k")
    assert isinstance(err, s3.TransientS3Error) and "CONNECTION_REFUSED" in err.message


def test_view_reader_streams_a_bytearray_without_copying_and_rewinds():
    from okdp_migrate.connectors.s3 import _ViewReader

    data = bytearray(b"abcdefghij")
    r = _ViewReader(data)
    m = bytearray(4)
    assert r.readinto(memoryview(m)) == 4 and bytes(m) == b"abcd"
    assert r.read() == b"efghij" and r.readinto(memoryview(m)) == 0
    r.seek(0)
    assert r.read(3) == b"abc"


def test_a_refused_iceberg_table_makes_the_run_partial():
    from okdp_migrate.copy.run import CopySummary
    from okdp_migrate.errors import ExitCode

    s = CopySummary(plan="p.yaml", shard=None, dry_run=False, files_planned=2, files_copied=2, files_verified=2)
    assert s.exit_code == ExitCode.OK
    s.tables_failed = 1
    assert s.exit_code == ExitCode.PARTIAL


# --- a bucket that answers reads but refuses writes (over quota / read-only) vs an outage vs bad credentials ---
def _client_error(code: str, status: int, op: str = "PutObject"):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, op)


class FakeS3:
    """A fake S3 client: every write answers `write_error`, HeadBucket answers `read_error` (None: works)."""

    def __init__(self, write_error, read_error=None):
        self.write_error, self.read_error = write_error, read_error
        self.writes = self.reads = 0
        self._lock = threading.Lock()

    def _write(self, **_):
        with self._lock:
            self.writes += 1
        raise self.write_error

    put_object = create_multipart_upload = upload_part = complete_multipart_upload = _write

    def head_bucket(self, Bucket):
        with self._lock:
            self.reads += 1
        if self.read_error is not None:
            raise self.read_error
        return {}


def _target(client):
    from okdp_migrate.copy.target import Target

    return Target(client, Limit(4), retry_seconds=0)  # one attempt: what the retries end with


@pytest.mark.parametrize("write_error", [_client_error("InternalError", 500), _client_error("AccessDenied", 403)],
                         ids=["seaweedfs-4.48-500", "403-access-denied"])
def test_write_refused_while_reads_work_is_a_per_file_quota_error_remembered_per_bucket(write_error):
    from okdp_migrate.connectors import s3

    client = FakeS3(write_error)
    target = _target(client)
    with pytest.raises(s3.QuotaExceeded) as first:
        target.call("put_object", "s3://full/t/a.bin", Bucket="full", Key="t/a.bin", Body=b"x")
    assert first.value.obj == "s3://full/t/a.bin"  # the file's own object, not a probe key
    assert "refuses writes while reads work" in first.value.message and "s3.bucket.quota" in first.value.fix
    assert first.value.exit_code == 8
    writes = client.writes
    # later files of that bucket fail at once, each named, without another write or read
    with pytest.raises(s3.QuotaExceeded) as second:
        target.call("create_multipart_upload", "s3://full/t/big.bin", Bucket="full", Key="t/big.bin")
    assert second.value.obj == "s3://full/t/big.bin"
    assert (client.writes, client.reads) == (writes, 1)
    assert set(target.refusing) == {"full"}


@pytest.mark.parametrize("write_error,read_error,expected", [
    # S3 down: the read fails too -> still an outage (retried, then exit 5, rerun resumes)
    ("InternalError/500", "EndpointConnectionError", "TransientS3Error"),
    # wrong secret: writes and reads refused -> credentials (exit 6); a signature error is never probed
    ("AccessDenied/403", "403/403", "AuthError"),
    ("SignatureDoesNotMatch/403", None, "AuthError"),
    # throttling is load, not a read-only bucket, even if reads work
    ("SlowDown/503", None, "TransientS3Error"),
])
def test_write_errors_that_are_not_a_refusing_bucket_keep_their_class(write_error, read_error, expected):
    from botocore.exceptions import EndpointConnectionError

    from okdp_migrate.connectors import s3

    code, status = write_error.split("/")
    if read_error == "EndpointConnectionError":
        read = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    elif read_error:
        read = _client_error(read_error.split("/")[0], 403, "HeadBucket")
    else:
        read = None
    client = FakeS3(_client_error(code, int(status)), read)
    target = _target(client)
    with pytest.raises(s3.OkdpError) as err:
        target.call("put_object", "s3://b/t/a.bin", Bucket="b", Key="t/a.bin", Body=b"x")
    assert type(err.value).__name__ == expected and not isinstance(err.value, s3.QuotaExceeded)
    assert target.refusing == {}


def test_read_errors_are_never_taken_for_a_refusing_bucket():
    from okdp_migrate.connectors import s3

    class Reads(FakeS3):
        def list_parts(self, **_):
            raise _client_error("InternalError", 500, "ListParts")

    target = _target(Reads(_client_error("InternalError", 500)))
    with pytest.raises(s3.TransientS3Error):
        target.call("list_parts", "s3://b/k", Bucket="b", Key="k", UploadId="u")
    assert target.refusing == {}


def test_capability_probe_on_a_refusing_bucket_runs_once_and_fails_each_file_by_name():
    from okdp_migrate.connectors import s3

    client = FakeS3(_client_error("InternalError", 500))
    target = _target(client)
    errors: dict[str, BaseException] = {}

    def one(name: str) -> None:
        try:
            target.probe("full", f"s3://full/t/{name}")
        except s3.OkdpError as exc:
            errors[name] = exc

    threads = [threading.Thread(target=one, args=(f"f{i}.bin",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.writes == 1 and client.reads == 1  # one probe PUT, one HeadBucket, for 8 workers
    assert sorted(errors) == [f"f{i}.bin" for i in range(8)]
    for name, exc in errors.items():
        assert isinstance(exc, s3.QuotaExceeded) and exc.obj == f"s3://full/t/{name}"
        assert "_okdp_migrate/probe" not in exc.one_line()


def test_failed_capability_probe_with_bad_credentials_stays_auth_and_is_not_rerun():
    from okdp_migrate.connectors import s3

    client = FakeS3(_client_error("SignatureDoesNotMatch", 403))
    target = _target(client)
    for name in ("a.bin", "b.bin"):
        with pytest.raises(s3.AuthError) as err:
            target.probe("b", f"s3://b/t/{name}")
        assert err.value.obj == f"s3://b/t/{name}" and "SignatureDoesNotMatch" in err.value.message
    assert client.writes == 1 and client.reads == 0


def test_awscrt_internal_error_counts_as_a_server_answer():
    from awscrt.exceptions import AwsCrtError

    from okdp_migrate.connectors import s3

    answered = s3.translate(AwsCrtError(14341, "AWS_ERROR_S3_INTERNAL_ERROR", "internal server error"), "o")
    no_answer = s3.translate(AwsCrtError(1049, "AWS_IO_SOCKET_CONNECTION_REFUSED", "refused"), "o")
    assert isinstance(answered, s3.TransientS3Error) and s3.may_be_refused_write(answered)
    assert isinstance(no_answer, s3.TransientS3Error) and not s3.may_be_refused_write(no_answer)


def test_a_bug_inside_an_s3_call_is_raised_at_once_not_retried_as_an_outage():
    calls = []

    class BrokenClient:
        def put_object(self, **kwargs):
            calls.append(kwargs)
            raise TypeError("unexpected keyword")

    from okdp_migrate.copy.target import Target

    target = Target(BrokenClient(), Limit(4), retry_seconds=60)  # an outage would be retried for a minute
    with pytest.raises(TypeError):
        target.call("put_object", "s3://b/k", Bucket="b", Key="k", Body=b"x")
    assert len(calls) == 1


def test_pool_starts_large_files_early_but_at_most_workers_of_them_at_once():
    from okdp_migrate.copy.run import _Pool

    mover = SimpleNamespace(opt=SimpleNamespace(multipart_threshold=100),
                            controls=SimpleNamespace(workers=Limit(2)))
    pool = _Pool(mover, journal=None, options=None, summary=None, progress=None)
    items = [_item(n, size=10) for n in range(3)] + [_item(10 + n, size=500) for n in range(3)]
    for item in items:  # what run() does before starting the threads
        (pool.large if item.size >= 100 else pool.small).append(item)
    picked = [pool._next() for _ in range(4)]
    assert [(i.src, large) for i, large in picked] == [("/data/f10", True), ("/data/f11", True),
                                                       ("/data/f0", False), ("/data/f1", False)]
    pool.large_active -= 1  # one large file done: the next large one may start
    item, large = pool._next()
    assert (item.src, large) == ("/data/f12", True)
    assert pool._next()[0].src == "/data/f2"
    assert pool._next() is None
