"""`okdp-migrate copy PLAN`: run the plan's files through a pool of copy workers.

Workers take files from one queue; the journal says which are already verified (skipped), which
uploads to finish, which to start. Permanent errors fail one file; an S3 or HDFS outage that outlasts
the retries stops the run (exit 5) with everything done so far recorded: the rerun resumes.
"""
from __future__ import annotations

import collections
import gc
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import logs
from ..connectors import s3
from ..errors import BadInputError, ExitCode, OkdpError, ServiceUnreachable
from . import journal as J
from . import shards, testhooks
from .items import default_journal_dir, items_from_plan
from .manifest import write_manifests
from .mover import Mover, MoverOptions, SourceChanged
from .source import Source
from .target import RETRY_SECONDS, Target
from .throttle import Controls

log = logs.get("copy")
RETRYABLE = (SourceChanged, s3.ChecksumMismatch)  # retried in the same run, then reported
ATTEMPTS = 3


@dataclass
class CopyOptions:
    shard: tuple[int, int] | None = None
    dry_run: bool = False
    verify: bool = False
    journal_dir: str | None = None
    bandwidth_mbps: float = 0
    workers: int = 4
    max_s3_requests: int = 16
    max_namenode_requests: int = 8
    retry_seconds: float = RETRY_SECONDS
    commit_tables: bool = True
    mover: MoverOptions = field(default_factory=MoverOptions)


@dataclass
class CopySummary:
    plan: str
    shard: str | None
    dry_run: bool
    files_planned: int = 0
    files_copied: int = 0
    files_verified: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    files_not_attempted: int = 0
    bytes_planned: int = 0
    bytes_copied: int = 0
    tables_committed: int = 0
    tables_failed: int = 0
    tables_waiting: list[dict[str, Any]] = field(default_factory=list)  # spanning shards not all done
    seconds: float = 0.0
    journal: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)  # dry run: what would be copied where
    stopped_early: str | None = None  # an outage (S3, the catalog) that outlasted the retries: rerun to resume

    def stop_early(self, exc: OkdpError) -> None:
        self.stopped_early = exc.one_line()
        self.notes.append(f"stopped early: {self.stopped_early}")

    @property
    def exit_code(self) -> ExitCode:
        if self.stopped_early:
            return ExitCode.UNREACHABLE
        if self.failures and not self.files_copied and all(f.get("kind") == "AuthError" for f in self.failures):
            return ExitCode.AUTH  # nothing could be copied and every file was refused: credentials
        partial = self.files_failed or self.files_not_attempted or self.tables_failed
        return ExitCode.PARTIAL if partial else ExitCode.OK


class Progress:
    """What the CLI shows; the default shows nothing."""

    def start(self, files: int, nbytes: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def file_done(self, ok: bool, skipped_bytes: int = 0) -> None: ...


def _large_buffers_from_mmap(threshold: int = 1 << 20) -> None:
    """glibc raises its mmap threshold after each large free, so 16 MiB part buffers end up in the
    per-thread heaps and stay resident after use (measured: 340 MB instead of 200 MB with 4 parts in
    flight). Pinning the threshold gives every buffer >= 1 MiB back to the OS when freed."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, threshold)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def _quiet_runtime() -> None:
    """CPU the copy does not need, measured with perf on 2,000 small files: numpy (pulled in by pyarrow for
    the plan) starts OpenBLAS threads that spin; Python's cyclic GC re-walked the ~1 M objects of the
    loaded libraries (boto3's models, pyarrow) on each full collection (5% of the process's CPU)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # read when numpy is first imported (the plan load)


def _freeze_startup_objects() -> None:
    """Everything allocated so far lives until the end: keep it out of every GC pass (gc.freeze)."""
    gc.collect()
    gc.freeze()


def run_copy(plan_path: str, config, options: CopyOptions, progress: Progress | None = None,
             source_factory: Callable[[Any], Source] | None = None, client_factory=None) -> CopySummary:
    progress = progress or Progress()
    _quiet_runtime()
    plan, items = items_from_plan(plan_path, options.shard)
    summary = CopySummary(plan=str(plan_path), dry_run=options.dry_run,
                          shard=f"{options.shard[0]}/{options.shard[1]}" if options.shard else None)
    summary.files_planned, summary.bytes_planned = len(items), sum(i.size or 0 for i in items)
    if options.dry_run:  # the one place --dry-run is enforced: nothing below this line runs
        summary.items = [{"src": i.src, "dst": f"s3://{i.dst_bucket}/{i.dst_key}", "size": i.size,
                          "table": i.table} for i in items]
        return summary
    started = time.monotonic()
    _large_buffers_from_mmap()
    from .source import source_from_config

    source = (source_factory or source_from_config)(config)  # config errors before anything is written
    client = (client_factory or s3.make_client)(config.section("s3"), max_pool=max(32, options.max_s3_requests * 2))
    if client_factory is None:
        client = s3.with_native_uploads(client, config.section("s3"), max_connections=max(32, options.max_s3_requests * 2))
    journal = J.Journal(options.journal_dir or default_journal_dir(plan_path))
    summary.journal = str(journal.dir)
    journal.add_items(items)  # each file's row is read when a worker starts it: none held for the run
    controls = Controls({"bandwidth_mbps": options.bandwidth_mbps, "workers": options.workers,
                         "max_s3_requests": options.max_s3_requests,
                         "max_namenode_requests": options.max_namenode_requests},
                        control_file=journal.dir / "control.json")
    controls.start()
    target = Target(client, controls.s3, retry_seconds=options.retry_seconds)
    mover = Mover(source, target, journal, controls, options.mover, on_bytes=progress.advance)
    pool = _Pool(mover, journal, options, summary, progress)
    progress.start(len(items), summary.bytes_planned)
    _freeze_startup_objects()
    try:
        pool.run(items, max(2 * options.workers, 16))
    finally:
        controls.stop()
        gc.unfreeze()
    summary.capabilities = {b: c.as_dict() for b, c in target.caps.items()}
    for bucket, caps in summary.capabilities.items():
        if not caps["multipart_full_object_crc32c"]:
            summary.notes.append(f"{bucket}: the S3 server does not keep a full-object CRC32C for multipart "
                                 "objects: those are verified by reading them back")
    for bucket, cause in sorted(target.refusing.items()):
        summary.notes.append(f"{bucket}: the bucket refuses writes while reads work (over quota or read-only; "
                             f"writes answer {cause}): its files failed, raise the quota then rerun")
    if getattr(source, "checksum_note", None):
        summary.notes.append(source.checksum_note)
    summary.files_verified = journal.count_in_state(((i.dst_bucket, i.dst_key) for i in items), J.VERIFIED)
    shared = shards.SharedJournal(journal, target, plan, options.shard, items)  # + the other shards' records
    summary.notes += write_manifests(journal, items, target, options.shard, plan_id=shared.plan_id)
    if options.commit_tables and plan is not None and not pool.outage:
        summary.tables_committed = _commit_tables(plan, shared, config, summary)
    summary.seconds = round(time.monotonic() - started, 3)
    journal.close()
    if pool.outage is not None:
        summary.stop_early(pool.outage)
    return summary


def _commit_tables(plan, journal, config, summary: CopySummary) -> int:
    """The Iceberg step (plan engineer's module) once files are verified; absent module -> 0."""
    try:
        from .shards import commit_tables  # iceberg_commit's, over all shards' records
    except ImportError:
        return 0
    if not getattr(plan, "tables", None):
        return 0
    results: list = []
    try:
        committed = int(commit_tables(plan, journal, config, results=results) or 0)
    except OkdpError as exc:
        summary.failures.append({"src": "(iceberg)", "dst": "", "error": exc.one_line()})
        summary.notes.append("Iceberg commit failed; the copied files stay verified, rerun to commit")
        summary.tables_failed += 1
        if isinstance(exc, ServiceUnreachable):  # catalog down: exit 5 like an S3 outage; a rerun commits
            summary.stop_early(exc)
        return 0
    for r in results:  # a refused table is a failure of this run, not a footnote
        summary.notes += [f"{r.table}: {w}" for w in getattr(r, "warnings", [])]
        if r.status == "failed":
            summary.tables_failed += 1
            summary.failures.append({"src": f"(iceberg) {r.table}", "dst": r.identifier, "error": r.error or ""})
    summary.tables_waiting = [r.waiting for r in results if getattr(r, "waiting", None)]
    return committed


class _Pool:
    """A fixed set of threads; the live `files` limit (2 x workers: half uploading, half reading ahead)
    decides how many are in progress at once. Large files (multipart) are started early, at most `workers`
    of them at once, so they stream in parallel with the small files instead of forming the tail."""

    def __init__(self, mover: Mover, journal: J.Journal, options: CopyOptions, summary: CopySummary,
                 progress: Progress):
        self.mover, self.journal, self.options = mover, journal, options
        self.summary, self.progress = summary, progress
        self.large: collections.deque = collections.deque()
        self.small: collections.deque = collections.deque()
        self.large_active = 0
        self.lock = threading.Lock()
        self.outage: OkdpError | None = None

    def run(self, items, threads: int) -> None:
        threshold = self.mover.opt.multipart_threshold
        for item in items:
            (self.large if (item.size or 0) >= threshold else self.small).append(item)
        workers = [threading.Thread(target=self._work, name=f"copy-{n}", daemon=True) for n in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            while t.is_alive():
                t.join(0.5)  # short joins keep Ctrl-C responsive
        with self.lock:
            self.summary.files_not_attempted = len(self.large) + len(self.small)

    def _next(self):
        """(item, is_large) or None when there is nothing (more) to do. Call with the lock held."""
        if self.outage is not None:
            return None
        if self.large and (self.large_active < self.mover.controls.workers.capacity or not self.small):
            self.large_active += 1
            return self.large.popleft(), True
        if self.small:
            return self.small.popleft(), False
        return None

    def _work(self) -> None:
        limit = self.mover.controls.files
        while True:
            limit.acquire()
            try:
                with self.lock:
                    nxt = self._next()
                if nxt is None:
                    return
                item, large = nxt
                try:
                    self._one(item)
                finally:
                    if large:
                        with self.lock:
                            self.large_active -= 1
            finally:
                limit.release()

    def _one(self, item) -> None:
        row = self.journal.row(item.dst_bucket, item.dst_key)  # one indexed read, nothing next to a copy
        if row["state"] == J.VERIFIED and not self.options.verify:
            self._count(skipped=True, size=item.size)
            return
        if row["state"] == J.VERIFIED:
            return self._reverify(item, row)
        last: OkdpError | None = None
        for attempt in range(ATTEMPTS):
            try:
                # the row read as this file started is current for the first attempt (only this worker
                # writes it); a retry re-reads it: the failed attempt has aborted its upload, cleared upload_id
                fresh = row if attempt == 0 else self.journal.row(item.dst_bucket, item.dst_key)
                fields = self.mover.copy(item, fresh, trust_plan=attempt == 0)
                # one durable write per verified file: state, checksums and attempts together
                self.journal.update(row["id"], attempts=(row["attempts"] or 0) + attempt + 1, **fields)
                self._count(copied=True, size=item.size)
                testhooks.point("after_file")
                return
            except RETRYABLE as exc:
                last = exc
                log.info("%s: %s (attempt %d of %d)", item.src, exc.message, attempt + 1, ATTEMPTS)
            except ServiceUnreachable as exc:  # outlasted the retries: stop, keep the upload for the rerun
                self._fail(item, row, exc, abort=False)
                with self.lock:
                    self.outage = self.outage or exc
                return
            except OkdpError as exc:
                return self._fail(item, row, exc, abort=True)
            except Exception as exc:  # noqa: BLE001 - a bug must not stop the other files
                err = OkdpError(f"internal error {type(exc).__name__}: {exc}", obj=item.src,
                                fix="rerun with --traceback and report it")
                log.debug("internal error on %s", item.src, exc_info=True)
                return self._fail(item, row, err, abort=False)
        self._fail(item, row, last, abort=True)

    def _reverify(self, item, row) -> None:
        try:
            got, n = self.mover.reread(item)
            if (n, f"{got:08x}") == (row["size"] if row["src_size"] is None else row["src_size"], row["crc32c"]):
                self.journal.update(row["id"], verified_by="reread-crc32c")
                self._count(skipped=True, size=item.size)
                return
            err = s3.ChecksumMismatch(f"object now reads as {n} bytes CRC32C {got:08x}, journal has "
                                      f"{row['crc32c']}", obj=f"s3://{item.dst_bucket}/{item.dst_key}",
                                      fix="rerun without --verify to recopy it")
            self._fail(item, row, err, abort=False)
        except OkdpError as exc:
            self._fail(item, row, exc, abort=False)

    def _fail(self, item, row, exc: OkdpError, abort: bool) -> None:
        fresh = self.journal.row(item.dst_bucket, item.dst_key) or row
        if abort and fresh.get("upload_id"):
            try:
                self.mover.target.abort(item.dst_bucket, item.dst_key, fresh["upload_id"])
            except OkdpError:
                pass
            self.journal.clear_parts(row["id"])
            self.journal.update(row["id"], upload_id=None)
        self.journal.bump_attempts(row["id"])  # rare path: an extra write is fine
        self.journal.update(row["id"], state=J.FAILED, error=exc.one_line())
        log.warning("%s", exc.one_line())
        with self.lock:
            self.summary.files_failed += 1
            self.summary.failures.append({"src": item.src, "dst": f"s3://{item.dst_bucket}/{item.dst_key}",
                                          "error": exc.one_line(), "kind": type(exc).__name__})
        self.progress.file_done(False)

    def _count(self, copied: bool = False, skipped: bool = False, size: int = 0) -> None:
        with self.lock:
            if copied:
                self.summary.files_copied += 1
                self.summary.bytes_copied += size or 0
            if skipped:
                self.summary.files_skipped += 1
        self.progress.file_done(True, skipped_bytes=size if skipped else 0)


def validate_shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise BadInputError(f"--shard '{text}' is not I/N", obj="--shard", fix="e.g. --shard 0/4") from None
    if n < 1 or not 0 <= i < n:
        raise BadInputError(f"--shard {text} is out of range", obj="--shard", fix="use 0 <= I < N")
    return i, n

