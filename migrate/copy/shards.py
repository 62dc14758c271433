"""Tables that span shards: commit each one once every file is verified by some shard.

Every shard of a distributed copy (one pod of the Kubernetes Indexed Job each, each with its own journal)
publishes, at its end, a manifest per table it touched listing the files it verified (manifest.py). The
table commit then considers this shard's journal united with the other shards' manifests: a table whose
files are all verified somewhere is committed by whichever shard finishes last. Each shard publishes
before it reads, and S3 reads see completed writes, so at least one shard sees every file: no table is
left behind. Two shards finishing together may both commit: the Iceberg step leaves a table whose file
set was already committed alone, and a commit that loses the race is retried, finds that file set, and
changes nothing (no duplicate data files). `copy PLAN --commit-only` does the same from the bucket alone.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import BadInputError
from ..plan.mapping import parse_s3_url
from . import journal as J
from .manifest import file_stem, manifest_prefix

COMMIT_ATTEMPTS = 3  # a lost race is retried: the retry sees the winner's file set and changes nothing


def plan_id(plan) -> str:
    """Stable per plan and identical in every pod: the plan's name and a hash of its file list (the
    checksum its YAML records) with its target and mapping rules (two plans over one scan differ)."""
    from ..plan.model import sha256_file, sidecar_path

    path = Path(getattr(plan, "path", None) or "plan")
    side = sidecar_path(path)
    h = hashlib.sha256(sha256_file(side).encode() if side.exists() else b"")
    h.update(str(getattr(plan, "target", "")).encode())
    for rule in getattr(plan, "mappings", []) or []:
        h.update(json.dumps(rule.to_dict(), sort_keys=True).encode())
    stem = file_stem(path.name.split(".")[0] or "plan")[:40]
    return f"{stem}-{h.hexdigest()[:12]}"


def _object_of(url: str) -> tuple[str, str] | None:
    """(bucket, key) of a manifest's dst URL; None for anything that names no object."""
    try:
        bucket, key = parse_s3_url(url, where="manifest")
    except BadInputError:
        return None
    return (bucket, key) if key else None


class SharedJournal:
    """This shard's journal plus what the other shards published, as the Iceberg step reads a journal:
    `.dir` (where the commit ledger goes) and `.entries()` (rows with bucket, key, state).

    Nothing per file is held: the journal is read in chunks; only the keys other shards published for a
    table this shard has not verified whole are kept (a set, as large as those tables)."""

    def __init__(self, journal: J.Journal, target, plan, shard: tuple[int, int] | None, items=None):
        self.journal, self.target, self.plan, self.shard = journal, target, plan, shard
        self.dir = journal.dir
        self.plan_id = plan_id(plan)
        self.touched = {i.table for i in items or [] if i.table}  # tables of this shard
        if shard and shard[0] == 0:  # a table without files belongs to no shard: the first one creates it
            with_files = plan.file_tables()  # read from the table column: no file list loaded
            self.touched |= set(getattr(plan, "tables", None) or {}) - with_files
        self.remote_reads = 0
        self._remote: set[tuple[str, str]] | None = None

    def tables_to_commit(self) -> set[str] | None:
        """A shard commits the tables it touched (the others' own shards do theirs); otherwise all."""
        return self.touched if self.shard else None

    def _iceberg_tables(self) -> set[str]:
        """The tables the Iceberg step may commit from this journal."""
        return self.plan.iceberg_tables(self.tables_to_commit())

    def entries(self) -> Iterator[dict[str, Any]]:
        """The rows of the Iceberg tables' files (the only ones the Iceberg step looks up), this journal's
        read page by page, with what other shards published marked verified."""
        remote = self._published_keys()
        tables = self._iceberg_tables()
        seen: set[tuple[str, str]] = set()
        for r in self.journal.entries("bucket, key, state, table_name"):
            key = (r["bucket"], r["key"])
            if key in remote:
                seen.add(key)
                yield {"bucket": key[0], "key": key[1], "state": J.VERIFIED}
            elif r["table_name"] in tables:
                yield {"bucket": key[0], "key": key[1], "state": r["state"]}
        for bucket, key in remote - seen:
            yield {"bucket": bucket, "key": key, "state": J.VERIFIED}

    def verified(self, keys) -> set[tuple[str, str]]:
        """Which of (a chunk of) keys are verified here or by another shard."""
        keys = list(keys)
        remote = self._published_keys()
        return ({(r["bucket"], r["key"]) for r in self.journal.lookup(keys, "bucket, key", state=J.VERIFIED)}
                | {k for k in keys if k in remote})

    def _published_keys(self) -> set[tuple[str, str]]:
        """The files other shards published as verified, for each Iceberg table not verified whole here."""
        if self._remote is not None:
            return self._remote
        tables = self._iceberg_tables()
        files: dict[str, int] = {}
        local: dict[str, int] = {}
        buckets: dict[str, set[str]] = {}
        table_items = self.plan.items(tables=tables)  # only these tables' rows are read
        for chunk in J.chunks(table_items):
            here = {(r["bucket"], r["key"]) for r in self.journal.lookup(
                ((i.dst_bucket, i.dst_key) for i in chunk), "bucket, key", state=J.VERIFIED)}
            for i in chunk:
                files[i.table] = files.get(i.table, 0) + 1
                local[i.table] = local.get(i.table, 0) + ((i.dst_bucket, i.dst_key) in here)
                buckets.setdefault(i.table, set()).add(i.dst_bucket)
        remote: set[tuple[str, str]] = set()
        for fqn in sorted(files):
            if local[fqn] < files[fqn]:  # complete here: nothing to learn from the others
                remote |= self._published(fqn, buckets[fqn])
        self._remote = remote
        return remote

    def _published(self, fqn: str, buckets: set[str]) -> set[tuple[str, str]]:
        """(bucket, key) of every file of `fqn` that some shard published as verified."""
        out: set[tuple[str, str]] = set()
        prefix = manifest_prefix(self.plan_id) + file_stem(fqn) + "."
        for bucket in sorted(buckets):
            for key in self._list(bucket, prefix):
                body = self.target.call("get_object", f"s3://{bucket}/{key}", Bucket=bucket, Key=key)["Body"].read()
                self.remote_reads += 1
                try:
                    doc = json.loads(body)
                except ValueError:
                    continue  # not ours (or truncated by hand): its files count as not verified
                if doc.get("table") != fqn:
                    continue
                out.update(k for k in (_object_of(f.get("dst", "")) for f in doc.get("files", [])) if k)
        return out

    def _list(self, bucket: str, prefix: str) -> list[str]:
        keys, token = [], None
        while True:
            kw = {"Bucket": bucket, "Prefix": prefix, **({"ContinuationToken": token} if token else {})}
            page = self.target.call("list_objects_v2", f"s3://{bucket}/{prefix}", **kw)
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".json")]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return keys


def commit_tables(plan, journal, config, tables=None, results: list | None = None) -> int:
    """iceberg_commit.commit_tables over the united journal, a lost commit race retried, and each table
    still missing files marked with what it waits for (`result.waiting`, plus a warning for the summary)."""
    from .. import iceberg_commit

    results = results if results is not None else []
    if tables is None and isinstance(journal, SharedJournal):
        tables = journal.tables_to_commit()
    iceberg_commit.commit_tables(plan, journal, config, tables=tables, results=results)
    for attempt in range(1, COMMIT_ATTEMPTS):
        raced = [r for r in results if r.status == "failed" and _lost_race(r.error or "")]
        if not raced:
            break
        time.sleep(0.5 * attempt)
        again: list = []
        iceberg_commit.commit_tables(plan, journal, config, tables=[r.table for r in raced], results=again)
        by_table = {r.table: r for r in again}
        results[:] = [by_table.get(r.table, r) if r in raced else r for r in results]
    if isinstance(journal, SharedJournal):
        _mark_waiting(plan, journal, results)
    return sum(1 for r in results if r.status == "committed")


# how a commit that lost a race to another shard's fails: a concurrent commit refused by the catalog, a
# create that another shard made first (or replaced), pyiceberg's validation of concurrently added files, or
# the catalog's own 500 (SeaweedFS: "failed to check namespace" when two shards create the namespace at once)
LOST_RACE = ("concurrent commit", "AlreadyExists", "already exists", "UUID does not match", "ValidationException",
             "concurrently", "InternalServerError")


def _lost_race(error: str) -> bool:
    return any(sign in error for sign in LOST_RACE)


def _mark_waiting(plan, journal: SharedJournal, results: list) -> None:
    pending = {r.table: r for r in results if r.status == "pending"}
    if not pending:
        return
    count = journal.shard[1] if journal.shard else plan.shard_count
    assignment = plan.shard_assignment(count)
    missing: dict[str, int] = {}
    missing_shards: dict[str, set[int]] = {}
    # only the pending tables' rows become items; their shards picked from the assignment by row position
    pending_items = zip(plan.items(tables=set(pending)), (assignment[i] for i in plan.rows_of(set(pending))))
    for chunk in J.chunks(pending_items):
        verified = journal.verified((item.dst_bucket, item.dst_key) for item, _ in chunk)
        for item, shard in chunk:
            if (item.dst_bucket, item.dst_key) not in verified:
                missing[item.table] = missing.get(item.table, 0) + 1
                missing_shards.setdefault(item.table, set()).add(shard)
    for fqn, r in pending.items():
        shards = sorted(missing_shards.get(fqn, ()))
        mine = journal.shard[0] if journal.shard else None
        others = [s for s in shards if s != mine]
        r.waiting = {"table": fqn, "files_missing": missing.get(fqn, 0), "shards": shards,
                     "of": count}
        missing_text = f"{r.waiting['files_missing']} of {r.files} files not verified yet"
        if journal.shard is None:  # a whole-plan run or --commit-only: say which shards to (re)run
            r.warnings.append(f"not committed: {missing_text}, in plan shard{'s' if len(shards) > 1 else ''} "
                              f"{', '.join(map(str, shards))} of {count}; copy them (or rerun the copy), then "
                              "'okdp-migrate copy PLAN --commit-only'")
            continue
        if others:
            what = f"waiting for shard{'s' if len(others) > 1 else ''} {', '.join(map(str, others))} of {count}"
        else:
            what = "waiting for files of this shard that are not verified (see the failures)"
        r.warnings.append(f"{what} ({missing_text}); the last shard to finish commits it, or run "
                          "'okdp-migrate copy PLAN --commit-only'")


def commit_only(plan_path: str, config, journal_dir: str | None = None, client=None):
    """`copy PLAN --commit-only`: commit every table whose files are all verified, from the journal (if any)
    and the manifests in the bucket; copies nothing. Returns the copy summary."""
    from ..connectors import s3
    from .items import default_journal_dir, items_from_plan
    from .run import CopySummary, _commit_tables
    from .target import Target
    from .throttle import Limit

    started = time.monotonic()
    plan, items = items_from_plan(plan_path, None)
    summary = CopySummary(plan=str(plan_path), shard=None, dry_run=False)
    summary.files_planned, summary.bytes_planned = len(items), sum(i.size or 0 for i in items)
    client = client or s3.make_client(config.section("s3"))
    journal = J.Journal(journal_dir or default_journal_dir(plan_path))
    summary.journal = str(journal.dir)
    try:
        shared = SharedJournal(journal, Target(client, Limit(8)), plan, None, items)
        summary.files_verified = sum(len(shared.verified((i.dst_bucket, i.dst_key) for i in chunk))
                                     for chunk in J.chunks(items))
        summary.tables_committed = _commit_tables(plan, shared, config, summary)
    finally:
        journal.close()
    summary.seconds = round(time.monotonic() - started, 3)
    return summary
