"""The S3 side as the copy engine uses it: every call capped (live S3 request limit), retried with
backoff on transient errors (tenacity), and translated into okdp_migrate.errors by connectors.s3.
"""
from __future__ import annotations

import os
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ..connectors import s3
from ..errors import ServiceUnreachable
from .throttle import Limit

# How long a call keeps retrying while S3 is down (a server restart, a network blip) before the
# file is given up for this run; a rerun resumes it.
RETRY_SECONDS = float(os.environ.get("OKDP_MIGRATE_COPY_RETRY_SECONDS", "120"))


def retrying(seconds: float = RETRY_SECONDS) -> Retrying:
    return Retrying(retry=retry_if_exception_type(ServiceUnreachable), stop=stop_after_delay(seconds),
                    wait=wait_exponential(multiplier=0.5, max=10), reraise=True)


class Target:
    def __init__(self, client, limit: Limit, retry_seconds: float = RETRY_SECONDS):
        self.client, self.limit, self.retry_seconds = client, limit, retry_seconds
        self.caps: dict[str, s3.Capabilities] = {}

    def call(self, op: str, obj: str, rewind=None, **kwargs: Any) -> Any:
        """One S3 operation; `rewind` (a file object) is seeked to 0 before each attempt."""
        fn = getattr(self.client, op)
        for attempt in retrying(self.retry_seconds):
            with attempt:
                if rewind is not None:
                    rewind.seek(0)
                with self.limit.hold():
                    return s3.call(fn, obj, **kwargs)

    def head(self, bucket: str, key: str) -> dict | None:
        for attempt in retrying(self.retry_seconds):
            with attempt:
                with self.limit.hold():
                    return s3.head(self.client, bucket, key)

    def probe(self, bucket: str) -> s3.Capabilities:
        if bucket not in self.caps:
            for attempt in retrying(min(self.retry_seconds, 30)):
                with attempt:
                    self.caps[bucket] = s3.probe(self.client, bucket)
        return self.caps[bucket]

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
