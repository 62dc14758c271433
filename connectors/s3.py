"""S3 (SeaweedFS, MinIO, AWS): a boto3 client built from the settings, a probe of the checksum
features the server really honours, and botocore errors translated into okdp_migrate.errors.

Only this module imports boto3/botocore; callers see plain dicts and OkdpError subclasses.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping, TypeVar

from ..errors import AuthError, BadInputError, ConfigError, ExitCode, OkdpError, ServiceUnreachable

T = TypeVar("T")

AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken",
              "AllAccessDisabled", "AccountProblem"}
QUOTA_CODES = {"QuotaExceeded", "EntityTooLarge", "XMinioStorageFull", "StorageFull", "InsufficientStorage"}
TRANSIENT_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed",
                   "503", "500", "502", "504", "ThrottlingException"}
THROTTLE_CODES = {"SlowDown", "ServiceUnavailable", "503", "ThrottlingException", "RequestTimeout"}


class QuotaExceeded(OkdpError):
    """The bucket or server is full (a per-file error: the rest of the run continues)."""

    exit_code = ExitCode.PARTIAL


class TransientS3Error(ServiceUnreachable):
    """Worth retrying: throttling, 5xx, timeouts, a dropped connection."""


class ChecksumMismatch(OkdpError):
    """The server refused the bytes against the CRC32C sent with them (BadDigest), or stored another."""

    exit_code = ExitCode.PARTIAL


class NoSuchUpload(OkdpError):
    exit_code = ExitCode.PARTIAL


def make_client(settings: Mapping[str, Any], max_pool: int = 32):
    """A thread-safe boto3 S3 client from the 's3' config section (endpoint, keys, region; path-style)."""
    import boto3
    from botocore.config import Config as BotoConfig

    endpoint = settings.get("endpoint")
    if not endpoint:
        raise ConfigError("no S3 endpoint configured", obj="s3.endpoint",
                          fix="set s3.endpoint (or OKDP_MIGRATE_S3_ENDPOINT), e.g. http://127.0.0.1:8333")
    cfg = BotoConfig(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 2, "mode": "standard"},  # tenacity retries above, with our own backoff
        max_pool_connections=max_pool,
        connect_timeout=10, read_timeout=120,
        request_checksum_calculation="when_required",  # we send our own CRC32C; no second pass
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint, region_name=settings.get("region") or "us-east-1",
                          aws_access_key_id=settings.get("access_key"),
                          aws_secret_access_key=settings.get("secret_key"), config=cfg)


def translate(exc: BaseException, obj: str) -> OkdpError:
    """botocore/urllib3 exception -> OkdpError naming the object and the fix."""
    from botocore import exceptions as be

    if isinstance(exc, OkdpError):
        return exc
    if isinstance(exc, (be.EndpointConnectionError, be.ConnectionClosedError, be.ReadTimeoutError,
                        be.ConnectTimeoutError, be.ConnectionError, ConnectionError, TimeoutError)):
        return TransientS3Error(f"S3 endpoint unreachable ({type(exc).__name__})", obj=obj,
                                fix="check s3.endpoint and that the S3 server runs; rerun to resume")
    if isinstance(exc, be.NoCredentialsError):
        return AuthError("no S3 credentials", obj=obj, fix="set s3.access_key and s3.secret_key")
    if isinstance(exc, be.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return _from_code(code, status, err.get("Message") or code, obj)
    return _crt_translate(exc, obj) or TransientS3Error(f"S3 call failed ({type(exc).__name__}: {exc})", obj=obj,
                                                        fix="rerun to resume")


def _from_code(code: str, status: int | None, msg: str, obj: str) -> OkdpError:
    """An S3 error answer (code, HTTP status) -> OkdpError, remembering both (see may_be_refused_write)."""
    err = _classify(code, status, msg, obj)
    err.s3_code, err.http_status = code, status
    return err


def _classify(code: str, status: int | None, msg: str, obj: str) -> OkdpError:
    if code in AUTH_CODES or status == 403:
        return AuthError(f"S3 refused the request: {code}", obj=obj,
                         fix="check s3.access_key / s3.secret_key and the bucket policy")
    if code == "BadDigest" or code == "InvalidDigest" or "checksum" in code.lower():
        return ChecksumMismatch(f"S3 rejected the bytes against their CRC32C ({code})", obj=obj,
                                fix="the data changed in flight; rerun to retry this file")
    if code in QUOTA_CODES or status == 507:
        return QuotaExceeded(f"S3 storage is full: {code}", obj=obj,
                             fix="raise the bucket quota or free space, then rerun")
    if code == "NoSuchUpload":
        return NoSuchUpload("the multipart upload is gone", obj=obj, fix="rerun: the file is restarted")
    if code == "NoSuchBucket":
        return BadInputError("bucket does not exist", obj=obj, fix="create the bucket or fix dst_bucket in the plan")
    if code in TRANSIENT_CODES or (status and status >= 500):
        return TransientS3Error(f"S3 server error {code}: {msg}", obj=obj, fix="rerun to resume")
    return BadInputError(f"S3 error {code}: {msg}", obj=obj, fix="see the S3 server's logs")


def may_be_refused_write(err: OkdpError) -> bool:
    """Could this failed write mean "the bucket refuses writes" (over quota, read-only)? Only if a read of the
    same bucket then works: SeaweedFS 4.48 answers such writes with 500 InternalError, newer versions with
    403 AccessDenied. Never throttling, a dropped connection (no answer) or refused credentials."""
    code, status = getattr(err, "s3_code", None), getattr(err, "http_status", None)
    if isinstance(err, AuthError):
        return code == "AccessDenied"
    if isinstance(err, TransientS3Error):
        return status is not None and status >= 500 and status != 503 and code not in THROTTLE_CODES
    return False


def reads_work(client, bucket: str) -> bool:
    """One cheap read (HeadBucket): True when the server answers it for this bucket."""
    try:
        client.head_bucket(Bucket=bucket)
        return True
    except Exception:  # noqa: BLE001 - any failure means "no": the caller keeps its own error
        return False


def writes_refused(bucket: str, obj: str, cause: str) -> QuotaExceeded:
    """The per-file error for a bucket that answers reads but refuses every write."""
    return QuotaExceeded(f"S3 bucket {bucket} refuses writes while reads work (over quota or read-only; "
                         f"writes answer {cause})", obj=obj,
                         fix="raise the bucket quota or free space (SeaweedFS: s3.bucket.quota), then rerun")


# a bug in the calling code, never an answer of the server: raised as it is, not retried as an outage
PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, AssertionError)


def call(fn: Callable[..., T], obj: str, **kwargs) -> T:
    """Run one boto3 call, translating its errors."""
    try:
        return fn(**kwargs)
    except PROGRAMMING_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - translated right here
        raise translate(exc, obj) from exc


def is_not_found(exc: BaseException) -> bool:
    from botocore import exceptions as be

    if isinstance(exc, be.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")
    return False


def head(client, bucket: str, key: str) -> dict | None:
    """HeadObject with checksums, or None when the object does not exist."""
    try:
        return client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return None
        raise translate(exc, f"s3://{bucket}/{key}") from exc


@dataclass
class Capabilities:
    """What the server did, not what it claims: each flag comes from a real round trip."""

    put_crc32c: bool = False  # single PUT stores and returns ChecksumCRC32C
    put_rejects_bad_crc32c: bool = False  # a wrong CRC32C is refused (BadDigest)
    multipart_full_object_crc32c: bool = False  # ChecksumType=FULL_OBJECT honoured and checked on complete
    multipart_composite_crc32c: bool = False  # COMPOSITE (CRC of part CRCs, "-N")
    notes: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def probe(client, bucket: str, prefix: str = "_okdp_migrate/probe/") -> Capabilities:
    """Write small test objects under prefix in bucket to learn which CRC32C features work."""
    import base64

    import google_crc32c

    def b64(v: int) -> str:
        return base64.b64encode(v.to_bytes(4, "big")).decode()

    caps = Capabilities()
    notes = []
    key = f"{prefix}{uuid.uuid4().hex}"
    data = b"okdp-migrate checksum probe\n"
    crc = google_crc32c.value(data)
    obj = f"s3://{bucket}/{key}"
    r = call(client.put_object, obj, Bucket=bucket, Key=key, Body=data, ChecksumCRC32C=b64(crc))
    h = head(client, bucket, key) or {}
    caps.put_crc32c = r.get("ChecksumCRC32C") == b64(crc) and h.get("ChecksumCRC32C") == b64(crc)
    try:
        client.put_object(Bucket=bucket, Key=key + ".bad", Body=data, ChecksumCRC32C=b64(crc ^ 1))
        notes.append("server accepted a wrong CRC32C on PUT")
        client.delete_object(Bucket=bucket, Key=key + ".bad")
    except Exception as exc:  # noqa: BLE001
        caps.put_rejects_bad_crc32c = isinstance(translate(exc, obj), ChecksumMismatch)
    for ctype in ("FULL_OBJECT", "COMPOSITE"):
        mkey = f"{key}.{ctype.lower()}"
        try:
            up = client.create_multipart_upload(Bucket=bucket, Key=mkey, ChecksumAlgorithm="CRC32C",
                                                ChecksumType=ctype)
            part = client.upload_part(Bucket=bucket, Key=mkey, UploadId=up["UploadId"], PartNumber=1, Body=data,
                                      ChecksumCRC32C=b64(crc))
            extra = {"ChecksumCRC32C": b64(crc), "ChecksumType": "FULL_OBJECT"} if ctype == "FULL_OBJECT" else {}
            done = client.complete_multipart_upload(
                Bucket=bucket, Key=mkey, UploadId=up["UploadId"],
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32C": b64(crc)}]},
                **extra)
            got = (head(client, bucket, mkey) or {}).get("ChecksumCRC32C") or done.get("ChecksumCRC32C") or ""
            if ctype == "FULL_OBJECT":
                caps.multipart_full_object_crc32c = got == b64(crc)
            else:
                caps.multipart_composite_crc32c = got.endswith("-1")
        except Exception as exc:  # noqa: BLE001 - a refusal is the answer we probe for
            err = translate(exc, obj)
            if isinstance(err, (AuthError, TransientS3Error)):
                raise err from exc
            notes.append(f"multipart {ctype}: {err.message}")
        finally:
            try:
                client.delete_object(Bucket=bucket, Key=mkey)
            except Exception:  # noqa: BLE001
                pass
    try:
        client.delete_object(Bucket=bucket, Key=key)
    except Exception:  # noqa: BLE001
        pass
    caps.notes = "; ".join(notes)
    return caps


# -- the data plane through awscrt ------------------------------------------------------------------------------
class _ViewReader:
    """A seekable reader over a bytes-like buffer without copying it (io.BytesIO copies a bytearray)."""

    def __init__(self, data):
        self.view, self.pos = memoryview(data).cast("B"), 0

    def readinto(self, m) -> int:
        n = min(len(m), len(self.view) - self.pos)
        m[:n] = self.view[self.pos:self.pos + n]
        self.pos += n
        return n

    def read(self, n: int = -1) -> bytes:
        end = len(self.view) if n < 0 else min(len(self.view), self.pos + n)
        out = bytes(self.view[self.pos:end])
        self.pos = end
        return out

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else (self.pos + offset if whence == 1 else len(self.view) + offset)
        return self.pos


class NativeUploads:
    """boto3's client for everything, except the bytes: PutObject and UploadPart go through awscrt's
    native S3 client: signing (UNSIGNED-PAYLOAD + our CRC32C header, which the server checks), HTTP and
    the byte transfer run in C without the GIL. Measured on 1,000 x 256 KiB files: botocore spent ~5 ms
    of GIL time per PUT, this path a fraction of it; on parts, botocore over http:// signs the payload
    (a SHA-256 of every byte, read through a Python stream) where awscrt sends UNSIGNED-PAYLOAD. awscrt
    copies a request body into its own buffer before sending it: the caller keeps parts small enough
    for that (mover: 8 MiB parts). Same keyword arguments and answers as boto3."""

    def __init__(self, client, settings: Mapping[str, Any], max_connections: int = 32):
        from awscrt import auth, io
        from awscrt import s3 as crt

        self._boto, self._crt = client, crt
        endpoint = settings["endpoint"].rstrip("/")
        scheme, _, self._host = endpoint.partition("://")
        region = settings.get("region") or "us-east-1"
        elg = io.EventLoopGroup(2)
        bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
        creds = auth.AwsCredentialsProvider.new_static(settings.get("access_key") or "", settings.get("secret_key")
                                                       or "")
        tls = {"tls_mode": crt.S3RequestTlsMode.DISABLED}
        if scheme == "https":
            opts = io.TlsContextOptions()
            import os

            ca = settings.get("ca_bundle") or os.environ.get("AWS_CA_BUNDLE")  # what boto3 trusts, too
            if ca:
                opts.override_default_trust_store_from_path(ca_filepath=ca)
            conn = io.ClientTlsContext(opts).new_connection_options()
            conn.set_server_name(self._host.split(":")[0])
            tls = {"tls_mode": crt.S3RequestTlsMode.ENABLED, "tls_connection_options": conn}
        self._client = crt.S3Client(bootstrap=bootstrap, region=region, **tls,
                                    signing_config=crt.create_default_s3_signing_config(region=region,
                                                                                        credential_provider=creds),
                                    max_active_connections_override=max_connections)

    def __getattr__(self, name: str):
        return getattr(self._boto, name)

    def put_object(self, *, Bucket: str, Key: str, Body, ContentLength: int | None = None,
                   Metadata: Mapping[str, str] | None = None, ChecksumCRC32C: str | None = None, **other) -> dict:
        if other:  # anything beyond the data path (ContentType, ...): boto3 knows every parameter
            return self._boto.put_object(Bucket=Bucket, Key=Key, Body=Body, Metadata=Metadata or {},
                                         **({"ContentLength": ContentLength} if ContentLength is not None else {}),
                                         **({"ChecksumCRC32C": ChecksumCRC32C} if ChecksumCRC32C else {}), **other)
        headers = [(f"x-amz-meta-{k}", v) for k, v in (Metadata or {}).items()]
        return self._send("PutObject", Bucket, Key, "", Body, ContentLength, ChecksumCRC32C, headers)

    def upload_part(self, *, Bucket: str, Key: str, UploadId: str, PartNumber: int, Body,
                    ContentLength: int | None = None, ChecksumCRC32C: str | None = None, **other) -> dict:
        if other:
            return self._boto.upload_part(Bucket=Bucket, Key=Key, UploadId=UploadId, PartNumber=PartNumber,
                                          Body=Body, **({"ContentLength": ContentLength} if ContentLength else {}),
                                          **({"ChecksumCRC32C": ChecksumCRC32C} if ChecksumCRC32C else {}), **other)
        from urllib.parse import quote

        query = f"?partNumber={int(PartNumber)}&uploadId={quote(UploadId, safe='')}"
        return self._send("UploadPart", Bucket, Key, query, Body, ContentLength, ChecksumCRC32C, [])

    def _send(self, op: str, bucket: str, key: str, query: str, body, length: int | None, crc: str | None,
              extra: list) -> dict:
        from urllib.parse import quote

        from awscrt.http import HttpHeaders, HttpRequest

        if length is None:
            length = len(body)
        headers = [("Host", self._host), ("Content-Length", str(length)),
                   ("Content-Type", "application/octet-stream"), *extra]
        if crc:
            headers.append(("x-amz-checksum-crc32c", crc))
        if hasattr(body, "seek") and not hasattr(body, "readinto"):
            body.seek(0)
        stream = body if hasattr(body, "read") else _ViewReader(body)
        req = HttpRequest("PUT", f"/{bucket}/{quote(key, safe='/-_.~')}{query}", HttpHeaders(headers), stream)
        got: dict[str, str] = {}

        def on_headers(status_code, headers, **_):
            got.update({k.lower(): v for k, v in headers})

        r = self._client.make_request(type=self._crt.S3RequestType.DEFAULT, operation_name=op, request=req,
                                      on_headers=on_headers)
        r.finished_future.result()
        out = {"ETag": got.get("etag", "")}
        if "x-amz-checksum-crc32c" in got:
            out["ChecksumCRC32C"] = got["x-amz-checksum-crc32c"]
        if "x-amz-checksum-type" in got:
            out["ChecksumType"] = got["x-amz-checksum-type"]
        return out


def with_native_uploads(client, settings: Mapping[str, Any], max_connections: int = 32):
    """The client with PutObject through awscrt when it is installed; else the client itself.
    OKDP_MIGRATE_S3_NATIVE=0 keeps everything on boto3."""
    import os

    if os.environ.get("OKDP_MIGRATE_S3_NATIVE", "1") == "0":
        return client
    try:
        return NativeUploads(client, settings, max_connections)
    except ImportError:
        return client


def _crt_translate(exc: BaseException, obj: str) -> OkdpError | None:
    """awscrt errors -> OkdpError (None: not an awscrt error)."""
    try:
        from awscrt.exceptions import AwsCrtError
        from awscrt.s3 import S3ResponseError
    except ImportError:
        return None
    if isinstance(exc, S3ResponseError):
        import re

        body = (exc.body or b"").decode("utf-8", "replace")
        code = (re.search(r"<Code>([^<]+)</Code>", body) or [None, str(exc.status_code)])[1]
        msg = (re.search(r"<Message>([^<]*)</Message>", body) or [None, code])[1]
        return _from_code(code, exc.status_code, msg, obj)
    if isinstance(exc, AwsCrtError):  # no answer from S3 (connection, timeout) or a 5xx the client gave up on
        err = TransientS3Error(f"S3 request failed ({exc.name})", obj=obj,
                               fix="check s3.endpoint, that the S3 server runs and has space; rerun to resume")
        if exc.name == "AWS_ERROR_S3_INTERNAL_ERROR":  # the server answered 500 (awscrt retried it already)
            err.s3_code, err.http_status = "InternalError", 500
        return err
    return None
