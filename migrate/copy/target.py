"""The S3 side as the copy engine uses it: every call capped (live S3 request limit), retried with
backoff on transient errors (tenacity), and translated into okdp_migrate.errors by connectors.s3.

A bucket that answers reads but refuses writes (over quota, read-only) is not an outage: when a write
outlasts its retries with a server error (or is AccessDenied) and a HeadBucket then works, the file fails
with QuotaExceeded and the bucket is remembered, so its later files fail at once (per file, exit 8).
"""
from __future__ import annotations

import os
import threading
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ..connectors import s3
from ..errors import OkdpError, ServiceUnreachable
from .throttle import Limit

# How long a call keeps retrying while S3 is down (a server restart, a network blip) before the
# file is given up for this run; a rerun resumes it.
RETRY_SECONDS = float(os.environ.get("OKDP_MIGRATE_COPY_RETRY_SECONDS", "120"))
WRITE_OPS = frozenset({"put_object", "create_multipart_upload", "upload_part", "complete_multipart_upload"})


def retrying(seconds: float = RETRY_SECONDS) -> Retrying:
    return Retrying(retry=retry_if_exception_type(ServiceUnreachable), stop=stop_after_delay(seconds),
                    wait=wait_exponential(multiplier=0.5, max=10), reraise=True)


class Target:
    def __init__(self, client, limit: Limit, retry_seconds: float = RETRY_SECONDS):
        self.client, self.limit, self.retry_seconds = client, limit, retry_seconds
        self.caps: dict[str, s3.Capabilities] = {}
        self.refusing: dict[str, str] = {}  # bucket -> how its writes are refused (reads work)
        self._probe_failed: dict[str, OkdpError] = {}  # bucket -> why its capability probe failed (once)
        self._probe_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def call(self, op: str, obj: str, rewind=None, **kwargs: Any) -> Any:
        """One S3 operation; `rewind` (a file object) is seeked to 0 before each attempt."""
        fn = getattr(self.client, op)
        bucket = kwargs.get("Bucket") if op in WRITE_OPS else None
        try:
            for attempt in retrying(self.retry_seconds):
                with attempt:
                    if bucket in self.refusing:  # known read-only: no retries (also stops those in progress)
                        raise s3.writes_refused(bucket, obj, self.refusing[bucket])
                    if rewind is not None:
                        rewind.seek(0)
                    with self.limit.hold():
                        return s3.call(fn, obj, **kwargs)
        except OkdpError as exc:
            refused = self._refused(bucket, obj, exc) if bucket else None
            if refused is None:
                raise
            raise refused from exc

    def _refused(self, bucket: str, obj: str, exc: OkdpError) -> s3.QuotaExceeded | None:
        """The per-file error when a failed write means the bucket refuses writes (a read of it works);
        None when it does not (the server is down, the credentials are refused, ...): keep exc."""
        if not s3.may_be_refused_write(exc):
            return None
        with self.limit.hold():
            if not s3.reads_work(self.client, bucket):
                return None
        cause = getattr(exc, "s3_code", None) or "an error"
        with self._lock:
            cause = self.refusing.setdefault(bucket, cause)
        return s3.writes_refused(bucket, obj, cause)

    def head(self, bucket: str, key: str) -> dict | None:
        for attempt in retrying(self.retry_seconds):
            with attempt:
                with self.limit.hold():
                    return s3.head(self.client, bucket, key)

    def probe(self, bucket: str, obj: str | None = None) -> s3.Capabilities:
        """What the server honours in bucket, probed once: the other workers wait for that answer, and a
        failed probe is not re-run; it fails each file (obj) with its error."""
        if bucket in self.caps:
            return self.caps[bucket]
        obj = obj or f"s3://{bucket}"
        with self._lock:
            lock = self._probe_locks.setdefault(bucket, threading.Lock())
        with lock:
            if bucket not in self.caps and bucket not in self._probe_failed:
                try:
                    for attempt in retrying(min(self.retry_seconds, 30)):
                        with attempt:
                            self.caps[bucket] = s3.probe(self.client, bucket)
                except OkdpError as exc:
                    self._probe_failed[bucket] = self._refused(bucket, obj, exc) or exc
        if bucket in self.caps:
            return self.caps[bucket]
        if bucket in self.refusing:
            raise s3.writes_refused(bucket, obj, self.refusing[bucket])
        err = self._probe_failed[bucket]  # the same cause for every file, named by the file
        raise type(err)(f"{err.message} (checksum probe {err.obj})" if err.obj != obj else err.message, obj=obj,
                        fix=err.fix) from err

    def list_parts(self, bucket: str, key: str, upload_id: str) -> dict[int, tuple[str, int]]:
        """{part number: (etag, size)} as the server has them (all pages)."""
        out: dict[int, tuple[str, int]] = {}
        marker = 0
        while True:
            r = self.call("list_parts", f"s3://{bucket}/{key}", Bucket=bucket, Key=key, UploadId=upload_id,
                          PartNumberMarker=marker, MaxParts=1000)
            for p in r.get("Parts", []):
                out[p["PartNumber"]] = (p["ETag"].strip('"'), p["Size"])
            if not r.get("IsTruncated"):
                return out
            marker = int(r["NextPartNumberMarker"])

    def abort_stale_uploads(self, bucket: str, key: str, keep: str | None = None) -> int:
        """Abort unfinished multipart uploads of exactly this key (left by a kill before the journal
        recorded their id), so no partial upload outlives the copy."""
        r = self.call("list_multipart_uploads", f"s3://{bucket}/{key}", Bucket=bucket, Prefix=key)
        n = 0
        for u in r.get("Uploads", []):
            if u["Key"] == key and u["UploadId"] != keep:
                self.abort(bucket, key, u["UploadId"])
                n += 1
        return n

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self.call("abort_multipart_upload", f"s3://{bucket}/{key}", Bucket=bucket, Key=key, UploadId=upload_id)
        except s3.NoSuchUpload:
            pass
