"""Copy one file: source stream -> CRC32C -> S3 (single PUT or resumable multipart) -> verified.

The CRC32C of the bytes read is sent with each PUT / part (S3 refuses bytes that do not match it),
the full-object CRC32C (combined from the part CRCs) is sent on completion and compared with what
S3 stores; with the source's COMPOSITE-CRC32C where the cluster has it. A file is 'verified' only
after that; a source that changed while read is never committed.
"""
from __future__ import annotations

import math
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from .. import logs
from ..connectors import s3
from ..errors import ExitCode, OkdpError
from . import crc as crcmod
from . import journal as J
from . import testhooks
from .source import Source, SourceStat
from .target import Target
from .throttle import Controls

log = logs.get("copy.mover")
MiB = 1 << 20
MAX_PARTS = 10_000


class SourceChanged(OkdpError):
    exit_code = ExitCode.PARTIAL


@dataclass
class MoverOptions:
    # 8 MiB parts, and files from 8 MiB on go multipart: awscrt copies each request body into its own
    # buffer, so a body in flight costs twice its size; 4 parts x 8 MiB x 2 = 64 MiB, and single PUTs stay
    # within the read-ahead budget (64 MiB); with 16 MiB, 24 files of 15 MiB + 3 large peaked at 301 MB
    multipart_threshold: int = 8 * MiB
    min_part_size: int = 8 * MiB
    memory_per_stream: int = 32 * MiB  # a larger part is spooled to a temp file, never held in memory
    parts_in_flight: int = 4  # process-wide: part buffers held at once (memory ~ this x part size)
    parts_per_file: int = 4  # parts of one file uploaded at once (like rclone's --s3-upload-concurrency)
    reread_verify: bool = False  # --verify: read every object back from S3 and recompute its CRC32C


def part_size_for(size: int, min_part: int = 8 * MiB) -> int:
    """At least min_part, and large enough for <= 10,000 parts, rounded up to a MiB."""
    need = math.ceil(size / MAX_PARTS)
    return max(min_part, math.ceil(need / MiB) * MiB)


class Mover:
    def __init__(self, source: Source, target: Target, journal: J.Journal, controls: Controls,
                 options: MoverOptions, on_bytes: Callable[[int], None] = lambda n: None):
        self.source, self.target, self.journal, self.controls = source, target, journal, controls
        self.opt, self.on_bytes = options, on_bytes
        # parts of large files go out in parallel; the slots bound the memory they hold
        self._part_slots = threading.BoundedSemaphore(max(1, options.parts_in_flight))
        self._part_pool = ThreadPoolExecutor(max(1, options.parts_in_flight), thread_name_prefix="copy-part")
        # full-size part buffers are reused: a fresh 8 MiB buffer is a fresh mmap, i.e. 2,048 page faults
        self._spare_buffers: list[bytearray] = []
        self._spare_lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------------
    def _read_into(self, path: str, offset: int, length: int, sink) -> int:
        """Stream [offset, offset+length) into sink (write()), paying the bandwidth bucket; returns CRC32C."""
        crc, got = 0, 0
        for chunk in self.source.read(path, offset, length):
            self.controls.wait_if_paused()
            self.controls.bucket.consume(len(chunk))
            crc = crcmod.extend(crc, chunk)
            sink.write(chunk)
            got += len(chunk)
            self.on_bytes(len(chunk))
        if got != length:
            raise SourceChanged(f"read {got} bytes where {length} were expected", obj=path,
                                fix="the file changed while being copied; rerun to copy its new version")
        return crc

    def _stat(self, path: str) -> SourceStat:
        with self.controls.namenode.hold():
            return self.source.stat(path)

    def _unchanged(self, item, before: SourceStat) -> SourceStat:
        after = self._stat(item.src)
        if (after.size, after.mtime) != (before.size, before.mtime):
            raise SourceChanged(f"changed while copied (size {before.size}->{after.size}, "
                                f"mtime {before.mtime}->{after.mtime})", obj=item.src,
                                fix="retried automatically; rerun when the writer has finished")
        return after

    # -- one file ---------------------------------------------------------------------------
    def copy(self, item, row: dict[str, Any], trust_plan: bool = False) -> dict[str, Any]:
        """Copy and verify one file; returns journal fields of the verified result. Raises OkdpError.

        trust_plan: take the plan's size+mtime as the 'before' state instead of asking the NameNode (one
        RPC less per file). Safe: the 'after' stat must still equal them, and HDFS changes mtime on
        every write, so bytes read in between are the planned file's; a mismatch is retried with a stat.
        """
        if trust_plan and item.size is not None and item.mtime and item.size < self.opt.multipart_threshold:
            st = SourceStat(item.size, item.mtime)
        else:
            st = self._stat(item.src)
            if item.size is not None and item.mtime and (st.size, st.mtime) != (item.size, item.mtime):
                log.debug("%s differs from the plan (size %s->%s); copying what is there now", item.src,
                          item.size, st.size)
        caps = self.target.probe(item.dst_bucket, _url(item))
        if st.size < self.opt.multipart_threshold:
            crc, r, st = self._single_put(item, row, st, caps)
            verify_crc = caps.put_crc32c
            copied = {"crc32c": crcmod.to_hex(crc), "etag": r.get("ETag", "").strip('"'), "upload_id": None,
                      "src_size": st.size, "src_mtime": st.mtime}
        else:
            # a large file's requests are its parts, bounded by the part slots (not the `workers` limit of
            # single PUTs): small files keep their uploads going while large ones stream, instead of
            # waiting behind them (4,003 files: small files first 15 s, large ones after 9 s more)
            crc, r = self._multipart(item, row, st, caps, _metadata(item, st))
            verify_crc = caps.multipart_full_object_crc32c
            copied = {"crc32c": crcmod.to_hex(crc), "etag": r.get("ETag", "").strip('"'), "upload_id": None,
                      "src_size": st.size, "src_mtime": st.mtime}
            self.journal.update(row["id"], state=J.COPIED, **copied)
        if verify_crc and not self.opt.reread_verify and r.get("ChecksumCRC32C") == crcmod.to_b64(crc):
            # the server checked the bytes against this CRC32C (it refuses a mismatch: probed) and answers
            # with the checksum it stored: no second round trip needed
            how = "s3-crc32c"
        else:
            how = self.verify(item, st.size, crc, use_stored_crc=verify_crc and not self.opt.reread_verify)
        src_sum = self._source_checksum(item, crc)
        if src_sum:
            how += "+" + src_sum
        if row.get("upload_id") or row.get("part_size") or st.size >= self.opt.multipart_threshold:
            self.journal.clear_parts(row["id"])
        # the caller records this in ONE journal write (a small file needs no intermediate state: an
        # interrupted single PUT is simply redone, and overwrites the same key with the same bytes)
        return {**copied, "state": J.VERIFIED, "verified_by": how, "src_checksum": src_sum, "error": None}

    def _single_put(self, item, row, st: SourceStat, caps: s3.Capabilities) -> tuple[int, dict, SourceStat]:
        """Read (and stat) the file while other files' PUTs are in flight, then wait for an upload slot:
        the read-ahead budget bounds the buffers held meanwhile, `workers` bounds the PUTs."""
        with self.controls.read_ahead.hold(2 * st.size):  # our buffer, then the S3 client's copy of it
            buf = bytearray(st.size)  # read straight into its final place: no growth copies
            crc = self._read_into(item.src, 0, st.size, _Filler(buf))
            testhooks.point("before_put")
            st = self._unchanged(item, st)  # the fresh stat carries owner/group/permission for the metadata
            extra = {"ChecksumCRC32C": crcmod.to_b64(crc)} if caps.put_crc32c else {}
            with self.controls.workers.hold():
                r = self.target.call("put_object", _url(item), Bucket=item.dst_bucket, Key=item.dst_key,
                                     Body=buf, ContentLength=st.size, Metadata=_metadata(item, st), **extra)
        return crc, r, st

    def _multipart(self, item, row, st: SourceStat, caps: s3.Capabilities, meta) -> tuple[int, dict]:
        bucket, key, fid = item.dst_bucket, item.dst_key, row["id"]
        psize = part_size_for(st.size, self.opt.min_part_size)
        nparts = math.ceil(st.size / psize)
        upload_id, done = self._resume_parts(item, row, st, psize)
        if upload_id is None:
            self.target.abort_stale_uploads(bucket, key)
            kwargs = {}
            if caps.multipart_full_object_crc32c:
                kwargs = {"ChecksumAlgorithm": "CRC32C", "ChecksumType": "FULL_OBJECT"}
            elif caps.multipart_composite_crc32c:
                kwargs = {"ChecksumAlgorithm": "CRC32C", "ChecksumType": "COMPOSITE"}
            r = self.target.call("create_multipart_upload", _url(item), Bucket=bucket, Key=key, Metadata=meta,
                                 **kwargs)
            upload_id = r["UploadId"]
            self.journal.clear_parts(fid)
            self.journal.update(fid, state=J.COPYING, upload_id=upload_id, part_size=psize, src_size=st.size,
                                src_mtime=st.mtime)
        send_crc = caps.multipart_full_object_crc32c or caps.multipart_composite_crc32c
        self._send_parts(item, fid, upload_id, psize, st.size, [n for n in range(1, nparts + 1) if n not in done],
                         done, send_crc)
        full = crcmod.combine_parts((done[n].crc32c, done[n].size) for n in range(1, nparts + 1))
        testhooks.point("before_complete")
        self._unchanged(item, st)
        parts = [{"PartNumber": n, "ETag": f'"{done[n].etag}"',
                  **({"ChecksumCRC32C": crcmod.to_b64(done[n].crc32c)} if send_crc else {})}
                 for n in range(1, nparts + 1)]
        extra = {"ChecksumCRC32C": crcmod.to_b64(full), "ChecksumType": "FULL_OBJECT"} \
            if caps.multipart_full_object_crc32c else {}
        try:
            r = self.target.call("complete_multipart_upload", _url(item), Bucket=bucket, Key=key, UploadId=upload_id,
                                 MultipartUpload={"Parts": parts}, **extra)
        except s3.NoSuchUpload:
            # completed by an earlier attempt whose answer was lost: accept it only if it is our object
            if not self._is_our_object(item, st.size, full):
                raise
            r = {"ETag": (self.target.head(bucket, key) or {}).get("ETag", "")}
        if r.get("ChecksumType") not in (None, "FULL_OBJECT"):
            r.pop("ChecksumCRC32C", None)  # a COMPOSITE value is not the CRC of the bytes: verify by HEAD/read
        return full, r

    def _send_parts(self, item, fid: int, upload_id: str, psize: int, size: int, todo: list[int],
                    done: dict[int, J.Part], send_crc: bool) -> None:
        """Read parts in order (this thread) and upload up to parts_per_file at once (the part pool).

        Each part is recorded in the journal as soon as S3 has it, so a kill -9 leaves exactly the
        parts the rerun may reuse (it confirms them with ListParts). Memory: a part buffer is held from
        its read until its upload ends, and the process-wide slots bound how many exist at once.
        """
        window: set[Future] = set()
        lock = threading.Lock()

        def upload(n: int, length: int, body, pcrc: int) -> None:
            try:
                extra = {"ChecksumCRC32C": crcmod.to_b64(pcrc)} if send_crc else {}
                rewind = body if hasattr(body, "seek") else None
                r = self.target.call("upload_part", _url(item), rewind=rewind, Bucket=item.dst_bucket,
                                     Key=item.dst_key, UploadId=upload_id, PartNumber=n, Body=body,
                                     ContentLength=length, **extra)
            finally:
                if hasattr(body, "close"):
                    body.close()
                else:
                    self._recycle(body)
                self._part_slots.release()
            part = J.Part(n, r["ETag"].strip('"'), pcrc, length)
            self.journal.add_part(fid, part)
            with lock:
                done[n] = part
            testhooks.point("after_part")

        def settle(block_until: int) -> None:
            """Wait until at most block_until uploads are in flight; raise the first failure."""
            nonlocal window
            while len(window) > block_until:
                finished, window = wait(window, return_when=FIRST_COMPLETED)
                for f in finished:
                    f.result()

        try:
            for n in todo:
                settle(max(0, self.opt.parts_per_file - 1))
                offset = (n - 1) * psize
                length = min(psize, size - offset)
                self._part_slots.acquire()
                try:
                    body, pcrc = self._read_part(item.src, offset, length)
                except BaseException:
                    self._part_slots.release()
                    raise
                future = self._part_pool.submit(upload, n, length, body, pcrc)
                future.body = body
                window.add(future)
            settle(0)
        except BaseException:
            for f in window:  # parts not started are dropped; those being sent finish (journal rows stay valid)
                if f.cancel():
                    if hasattr(f.body, "close"):
                        f.body.close()
                    self._part_slots.release()
            wait(window)
            raise

    def _read_part(self, path: str, offset: int, length: int):
        """One part into memory (a preallocated buffer), or into a temp file above memory_per_stream."""
        if length > self.opt.memory_per_stream:
            spool = tempfile.TemporaryFile()
            try:
                return spool, self._read_into(path, offset, length, spool)
            except BaseException:
                spool.close()
                raise
        buf = self._buffer(length)
        try:
            return buf, self._read_into(path, offset, length, _Filler(buf))
        except BaseException:
            self._recycle(buf)
            raise

    def _buffer(self, length: int) -> bytearray:
        if length == self.opt.min_part_size:
            with self._spare_lock:
                if self._spare_buffers:
                    return self._spare_buffers.pop()
        return bytearray(length)

    def _recycle(self, buf) -> None:
        """Keep a full-size part buffer for the next part (at most one per part slot)."""
        if isinstance(buf, bytearray) and len(buf) == self.opt.min_part_size:
            with self._spare_lock:
                if len(self._spare_buffers) < self.opt.parts_in_flight:
                    self._spare_buffers.append(buf)

    def _resume_parts(self, item, row, st: SourceStat, psize: int) -> tuple[str | None, dict[int, J.Part]]:
        """Parts of an interrupted upload that the server confirms (ListParts: same ETag and size)."""
        upload_id = row.get("upload_id")
        if not upload_id:
            return None, {}
        same_source = (row.get("src_size"), row.get("src_mtime")) == (st.size, st.mtime)
        if not same_source or row.get("part_size") != psize:
            log.info("%s changed since its upload began: restarting it", item.src)
            self.target.abort(item.dst_bucket, item.dst_key, upload_id)
            self.journal.clear_parts(row["id"])
            self.journal.update(row["id"], upload_id=None)
            return None, {}
        try:
            server = self.target.list_parts(item.dst_bucket, item.dst_key, upload_id)
        except s3.NoSuchUpload:
            self.journal.clear_parts(row["id"])
            self.journal.update(row["id"], upload_id=None)
            return None, {}
        done = {p.number: p for p in self.journal.parts(row["id"]) if server.get(p.number) == (p.etag, p.size)}
        log.debug("%s: resuming upload with %d of its parts already stored", item.src, len(done))
        return upload_id, done

    # -- verification -----------------------------------------------------------------------
    def verify(self, item, size: int, crc: int, use_stored_crc: bool) -> str:
        """Prove the object holds these bytes: S3's stored CRC32C, or reading it back."""
        if use_stored_crc:
            h = self.target.head(item.dst_bucket, item.dst_key)
            if h is None:
                raise s3.ChecksumMismatch("object missing right after upload", obj=_url(item), fix="rerun")
            stored = h.get("ChecksumCRC32C")
            if h.get("ContentLength") != size or stored != crcmod.to_b64(crc):
                raise s3.ChecksumMismatch(f"S3 stores size {h.get('ContentLength')} CRC32C {stored}, expected "
                                          f"{size} {crcmod.to_b64(crc)}", obj=_url(item), fix="rerun to recopy it")
            return "s3-crc32c"
        got, n = self.reread(item)
        if (n, got) != (size, crc):
            raise s3.ChecksumMismatch(f"read back {n} bytes with CRC32C {crcmod.to_hex(got)}, expected {size} "
                                      f"bytes with {crcmod.to_hex(crc)}", obj=_url(item), fix="rerun to recopy it")
        return "reread-crc32c"

    def reread(self, item) -> tuple[int, int]:
        r = self.target.call("get_object", _url(item), Bucket=item.dst_bucket, Key=item.dst_key)
        body, crc, n = r["Body"], 0, 0
        try:
            for chunk in body.iter_chunks(1 << 20):
                self.controls.bucket.consume(len(chunk))
                crc = crcmod.extend(crc, chunk)
                n += len(chunk)
        except Exception as exc:  # noqa: BLE001 - a dropped stream mid-read
            raise s3.translate(exc, _url(item)) from exc
        finally:
            body.close()
        return crc, n

    def _is_our_object(self, item, size: int, crc: int) -> bool:
        h = self.target.head(item.dst_bucket, item.dst_key) or {}
        return h.get("ContentLength") == size and h.get("ChecksumCRC32C") == crcmod.to_b64(crc)

    def _source_checksum(self, item, crc: int) -> str | None:
        with self.controls.namenode.hold():
            src = self.source.checksum(item.src)
        if src is None or src.crc32c is None:
            return None
        if src.crc32c != crc:
            raise SourceChanged(f"HDFS {src.algorithm} {crcmod.to_hex(src.crc32c)} differs from the CRC32C of the "
                                f"bytes read {crcmod.to_hex(crc)}", obj=item.src, fix="rerun to recopy it")
        return "hdfs-composite-crc32c"


class _Filler:
    """write() into a preallocated bytearray (no growth copies); refuses bytes beyond its size."""

    def __init__(self, buf: bytearray):
        self.view, self.pos = memoryview(buf), 0

    def write(self, chunk) -> None:
        end = self.pos + len(chunk)
        if end > len(self.view):
            raise SourceChanged("the source returned more bytes than its size", obj="(part)",
                                fix="the file changed while being copied; rerun")
        self.view[self.pos:end] = chunk
        self.pos = end


def _url(item) -> str:
    return f"s3://{item.dst_bucket}/{item.dst_key}"


def _metadata(item, st: SourceStat) -> dict[str, str]:
    """What HDFS knows that S3 can keep as user metadata (ASCII only: paths are URL-quoted)."""
    meta = {"okdp-src": quote(item.src, safe="/=:@,"), "okdp-mtime": str(st.mtime)}
    for k, v in (("owner", st.owner or getattr(item, "owner", "")), ("group", st.group or getattr(item, "group", "")),
                 ("permission", st.permission or getattr(item, "permission", ""))):
        if v:
            meta[f"okdp-{k}"] = quote(str(v), safe="")
    return meta
