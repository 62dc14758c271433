"""A plan kept in its target bucket, for plans too big for a Kubernetes ConfigMap (~1 MiB: ~50,000 files).

publish() uploads the plan's file list (Parquet sidecar) then its YAML under
`s3://BUCKET/_okdp_migrate/<plan-id>/plan/`, each PUT carrying our CRC32C and checked against what the
server stored: a pod that finds the YAML finds a complete sidecar. fetch() brings both back into a local
directory, checks every byte against the CRC32C recorded at upload, and refuses a plan whose id (computed
from what was downloaded) is not the one in the URL: the object was replaced after the Job was emitted.
Nothing is left locally on failure (download into a staging directory, moved into place at the end).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..connectors import s3
from ..copy import crc
from ..copy.manifest import RECORDS_ROOT
from ..errors import BadInputError, OkdpError
from .mapping import parse_s3_url
from .model import sidecar_path

CRC_META = "okdp-crc32c"  # our CRC32C as metadata too: servers that keep no checksum still let us check
CHUNK = 8 << 20
URL_KEY = re.compile(rf"^{RECORDS_ROOT}/(?P<plan_id>[^/]+)/plan/(?P<name>[^/]+)$")
REPUBLISH = "re-emit the Job: 'okdp-migrate copy PLAN --emit k8s' (or --apply) publishes the plan again"


def is_url(text: str | os.PathLike) -> bool:
    return str(text).startswith("s3://")


def plan_prefix(pid: str) -> str:
    return f"{RECORDS_ROOT}/{pid}/plan/"


def url_for(plan, pid: str) -> str:
    """Where publish() puts this plan: its target bucket, under the plan's own records prefix."""
    bucket, _ = parse_s3_url(plan.target, str(plan.path))
    return f"s3://{bucket}/{plan_prefix(pid)}{Path(plan.path).name}"


def parse_url(url: str) -> tuple[str, str, str, str]:
    """(bucket, key, plan id, file name) of a plan URL, or one BadInputError naming the layout."""
    bucket, key = parse_s3_url(url, "plan URL")
    m = URL_KEY.match(key or "")
    if not m:
        raise BadInputError("not the URL of a plan published by okdp-migrate", obj=url,
                            fix=f"use s3://BUCKET/{RECORDS_ROOT}/<plan-id>/plan/<name>.yaml as '--emit k8s' prints it")
    return bucket, key, m["plan_id"], m["name"]


def _file_crc(path: Path) -> int:
    value = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            value = crc.extend(value, chunk)
    return value


def _stored_crc(head: Mapping[str, Any]) -> int | None:
    """The CRC32C the server keeps for a single-PUT object, else the one we put in its metadata."""
    value = head.get("ChecksumCRC32C") or ""
    if value and "-" not in value:
        return crc.from_b64(value)
    meta = (head.get("Metadata") or {}).get(CRC_META)
    return int(meta, 16) if meta else None


@dataclass
class Published:
    url: str
    objects: list[dict[str, Any]]  # {"url", "bytes", "crc32c", "uploaded"} sidecar first


def _put_verified(client, bucket: str, key: str, path: Path) -> dict[str, Any]:
    """PUT one file with its CRC32C unless the same bytes are already there; check what the server stored."""
    url, size, value = f"s3://{bucket}/{key}", path.stat().st_size, _file_crc(path)
    found = s3.head(client, bucket, key)
    uploaded = not (found and found.get("ContentLength") == size and _stored_crc(found) == value)
    if uploaded:
        with open(path, "rb") as body:
            s3.call(client.put_object, url, Bucket=bucket, Key=key, Body=body, ContentLength=size,
                    ChecksumCRC32C=crc.to_b64(value), Metadata={CRC_META: crc.to_hex(value)})
        found = s3.head(client, bucket, key) or {}
        stored = found.get("ChecksumCRC32C")
        if found.get("ContentLength") != size or (stored and "-" not in stored and crc.from_b64(stored) != value):
            raise s3.ChecksumMismatch(f"the server stored {found.get('ContentLength')} bytes CRC32C {stored}, "
                                      f"we sent {size} bytes CRC32C {crc.to_b64(value)}", obj=url,
                                      fix="rerun; if it persists, check the S3 server")
        if not stored:  # the server keeps no checksum: read it back
            got, n = _get_crc(client, bucket, key)
            if (got, n) != (value, size):
                raise s3.ChecksumMismatch("the object reads back with another CRC32C", obj=url, fix="rerun")
    return {"url": url, "bytes": size, "crc32c": crc.to_hex(value), "uploaded": uploaded}


def _get_crc(client, bucket: str, key: str, sink=None) -> tuple[int, int]:
    """GET one object: (CRC32C, bytes) of what came, written to sink (a file) as it streams when given."""
    body = s3.call(client.get_object, f"s3://{bucket}/{key}", Bucket=bucket, Key=key)["Body"]
    value = n = 0
    for chunk in body.iter_chunks(CHUNK):
        value, n = crc.extend(value, chunk), n + len(chunk)
        if sink is not None:
            sink.write(chunk)
    return value, n


def publish(plan_path: str | Path, pid: str, url: str, settings: Mapping[str, Any], client=None) -> Published:
    """Upload the sidecar, then the YAML (a reader that sees the YAML sees a complete sidecar)."""
    plan_path = Path(plan_path)
    bucket, key, _, _ = parse_url(url)
    client = client or s3.make_client(settings, max_pool=4)
    prefix = key.rsplit("/", 1)[0] + "/"
    side = sidecar_path(plan_path)
    objects = [_put_verified(client, bucket, prefix + side.name, side),
               _put_verified(client, bucket, key, plan_path)]
    return Published(url=url, objects=objects)


def _download(client, url: str, bucket: str, key: str, dest: Path) -> None:
    """GET one object into dest, checking its bytes against the CRC32C recorded at upload."""
    found = s3.head(client, bucket, f"{key}")
    if found is None:
        raise BadInputError("the plan is not in the bucket", obj=f"s3://{bucket}/{key}",
                            fix=f"check the URL, or {REPUBLISH}")
    want = _stored_crc(found)
    try:
        with open(dest, "wb") as out:
            value, n = _get_crc(client, bucket, key, out)
    except OkdpError:  # the GET's answer, already translated (no such key, refused credentials)
        raise
    except OSError as exc:
        if isinstance(exc, ConnectionError):
            raise s3.translate(exc, f"s3://{bucket}/{key}") from exc
        raise BadInputError(f"cannot write the plan locally ({exc.strerror})", obj=str(dest),
                            fix="pass a writable directory with --journal") from None
    except Exception as exc:  # a dropped stream: translated at the boundary
        raise s3.translate(exc, f"s3://{bucket}/{key}") from exc
    if n != found.get("ContentLength") or (want is not None and value != want):
        raise BadInputError(f"downloaded {n} bytes CRC32C {crc.to_hex(value)}, the bucket recorded "
                            f"{found.get('ContentLength')} bytes CRC32C {crc.to_hex(want or 0)}",
                            obj=f"s3://{bucket}/{key}", fix=f"rerun; if it persists, {REPUBLISH}")


def _sidecar_name(yaml_path: Path, url: str) -> str:
    import yaml

    try:
        doc = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise BadInputError("the plan in the bucket is not valid YAML", obj=url, fix=REPUBLISH) from None
    name = ((doc or {}).get("shards") or {}).get("files_sidecar") if isinstance(doc, dict) else None
    name = str(name or sidecar_path(yaml_path).name)
    if "/" in name or name in (".", ".."):
        raise BadInputError(f"the plan names its file list '{name}'", obj=url, fix=REPUBLISH)
    return name


def _reuse(local: Path, found: Mapping[str, Any] | None) -> bool:
    """The sidecar fetched by an earlier run is still the one in the bucket (a resumed pod skips the GET)."""
    return bool(found and local.exists() and local.stat().st_size == found.get("ContentLength")
                and _stored_crc(found) == _file_crc(local))


def fetch(url: str, dest_dir: str | Path, settings: Mapping[str, Any], client=None) -> Path:
    """Download the plan at url into dest_dir (YAML + sidecar); returns the local YAML's path."""
    from ..copy.shards import plan_id
    from .store import load

    bucket, key, want_id, name = parse_url(url)
    client = client or s3.make_client(settings, max_pool=4)
    dest_dir = Path(dest_dir)
    created = [p for p in dest_dir.parents if not p.exists()]  # removed again if the fetch fails
    try:
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"cannot create a directory for the plan ({exc.strerror})", obj=str(dest_dir.parent),
                            fix="pass a writable directory with --journal") from None
    staging = Path(tempfile.mkdtemp(prefix=f".{dest_dir.name}.partial-", dir=dest_dir.parent))
    ok = False
    try:
        _download(client, url, bucket, key, staging / name)
        side = _sidecar_name(staging / name, url)
        side_key = key.rsplit("/", 1)[0] + "/" + side
        if _reuse(dest_dir / side, s3.head(client, bucket, side_key)):
            shutil.copyfile(dest_dir / side, staging / side)
        else:
            _download(client, url, bucket, side_key, staging / side)
        try:
            got_id = plan_id(load(staging / name))
        except BadInputError as exc:
            raise BadInputError(f"the plan in the bucket does not load: {exc.message}", obj=url,
                                fix=REPUBLISH) from None
        if got_id != want_id:
            raise BadInputError(f"the plan in the bucket has id {got_id}, not the {want_id} its URL names "
                                "(it was replaced after the Job was made)", obj=url, fix=REPUBLISH)
        dest_dir.mkdir(exist_ok=True)
        os.replace(staging / side, dest_dir / side)  # sidecar first, YAML last, as in the bucket
        os.replace(staging / name, dest_dir / name)
        ok = True
        return dest_dir / name
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for parent in [] if ok else created:  # innermost first
            try:
                parent.rmdir()
            except OSError:
                pass


def local_dir(url: str, journal_dir: str | None) -> Path:
    """A stable place for a fetched plan, so a rerun resumes: inside --journal, else under the home dir
    by plan id (the plan's default journal, PLAN.journal, then sits next to it)."""
    if journal_dir:
        return Path(journal_dir) / "plan"
    _, _, pid, _ = parse_url(url)
    return Path.home() / ".okdp-migrate" / "plans" / pid
