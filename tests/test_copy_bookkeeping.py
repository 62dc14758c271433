"""The copy's per-file bookkeeping: no object per file beyond the plan's entries and items (slots, no
__dict__), and no dict of every file's journal row: the pool reads a file's row when it starts it, and
files_verified, the manifests and the shards' union read the journal a chunk at a time (real SQLite)."""
from __future__ import annotations

import dataclasses
import json
import pickle
import tracemalloc

import pytest
from okdp_migrate.copy import journal as J
from okdp_migrate.errors import ServiceUnreachable
from okdp_migrate.plan import CopyItem, FileEntry

pytestmark = pytest.mark.unit


def _item(n: int, table: str | None = "db.t", bucket: str = "lake", size: int = 10) -> CopyItem:
    prefix = table.replace(".", "/") if table else "loose"
    return CopyItem(src=f"/data/{prefix}/f{n}", dst_bucket=bucket, dst_key=f"{prefix}/f{n}", size=size, mtime=1,
                    table=table, owner="hive", group="hadoop", permission="rw-r--r--")


class WholeReadsRefused(J.Journal):
    """A real journal that refuses the reads which hold every file's row at once."""

    def rows_for(self, keys):
        raise AssertionError("rows_for over the run's files")

    def entries(self, columns: str = "*"):
        raise AssertionError("entries() where a chunked lookup does")


def _verify(journal: J.Journal, items) -> None:
    for i in items:
        journal.update(journal.row(i.dst_bucket, i.dst_key)["id"], state=J.VERIFIED, src_size=i.size, src_mtime=1,
                       crc32c="0000abcd", verified_by="s3-crc32c")


def test_plan_entries_and_copy_items_carry_no_per_object_dict():
    item, entry = _item(1), FileEntry(src="/data/f", size=1, mtime=2)
    for obj in (item, entry):
        assert not hasattr(obj, "__dict__")
        with pytest.raises(AttributeError):
            obj.extra = 1  # a typo'd field fails loudly instead of costing a dict per file
        assert pickle.loads(pickle.dumps(obj)) == obj
    assert dataclasses.asdict(item)["dst_key"] == "db/t/f1" and item.dst_url == "s3://lake/db/t/f1"
    entry.shard = 3  # plan.build assigns shards after creating the entries
    assert entry.shard == 3


def test_the_pool_reads_each_files_row_when_it_starts_it(tmp_path):
    from okdp_migrate.copy.run import CopyOptions, CopySummary, Progress, _Pool

    class CountingJournal(WholeReadsRefused):
        reads = 0

        def row(self, bucket, key):
            self.reads += 1
            return super().row(bucket, key)

    journal = CountingJournal(tmp_path)
    items = [_item(n) for n in range(3)]
    journal.add_items(items)
    _verify(journal, items[:1])  # verified by an earlier run: skipped
    seen_rows = []

    def copy(item, row, trust_plan):
        seen_rows.append((item.src, row["state"], trust_plan))
        return {"state": J.VERIFIED, "src_size": item.size, "crc32c": "00000001", "verified_by": "s3-crc32c"}

    mover = type("Mover", (), {"copy": staticmethod(copy)})()
    summary = CopySummary(plan="p", shard=None, dry_run=False)
    pool = _Pool(mover, journal, CopyOptions(), summary, Progress())
    journal.reads = 0
    for n, item in enumerate(items, 1):
        pool._one(item)
        assert journal.reads == n  # one indexed read as each file starts, none up front
    assert seen_rows == [("/data/db/t/f1", J.PLANNED, True), ("/data/db/t/f2", J.PLANNED, True)]
    assert (summary.files_skipped, summary.files_copied) == (1, 2)
    assert journal.row("lake", "db/t/f2")["attempts"] == 1


def test_journal_lookups_cross_chunks_and_buckets_and_entries_page_by_id(tmp_path, monkeypatch):
    journal = J.Journal(tmp_path)
    items = [_item(n, bucket=("a", "b", "c")[n % 3]) for n in range(2 * J.CHUNK + 7)]
    journal.add_items(items)
    _verify(journal, items[::5])
    keys = [(i.dst_bucket, i.dst_key) for i in items] + [("a", "not/planned")]
    assert journal.count_in_state(iter(keys), J.VERIFIED) == len(items[::5])
    found = {(r["bucket"], r["key"]) for r in journal.lookup(iter(keys), "bucket, key", state=J.VERIFIED)}
    assert found == {(i.dst_bucket, i.dst_key) for i in items[::5]}
    assert len(list(journal.lookup(keys, "bucket, key"))) == len(items)
    monkeypatch.setattr(J, "PAGE", 7)
    rows = list(journal.entries())
    assert [r["id"] for r in rows] == sorted({r["id"] for r in rows}) and len(rows) == len(items)
    assert "_page_id" not in rows[0] and rows[0]["src"] == items[0].src
    assert list(journal.entries("key, state"))[5] == {"key": items[5].dst_key, "state": J.VERIFIED}


def test_manifests_list_verified_files_from_chunked_reads(tmp_path):
    from okdp_migrate.copy.manifest import write_manifests

    journal = WholeReadsRefused(tmp_path)
    table = [_item(n) for n in range(J.CHUNK + 30)]
    loose_done = [_item(n, table=None, bucket="other") for n in range(3)]
    loose_partial = [_item(n, table=None, bucket="third") for n in range(3)]
    items = table + loose_done + loose_partial
    journal.add_items(items)
    _verify(journal, table[1::2] + loose_done + loose_partial[:1])

    class Unreachable:
        def call(self, op, obj, **kwargs):
            raise ServiceUnreachable("S3 is down", obj=obj, fix="rerun")

    notes = write_manifests(journal, items, Unreachable(), (0, 2), plan_id="p1")
    written = sorted(p.name for p in (tmp_path / "manifests").iterdir())
    assert written == ["db.t.shard-0-of-2.json", "other_loose.shard-0-of-2.json"]  # no half group of loose files
    assert len(notes) == 2 and "kept locally only" in notes[0] and "rerun this shard" in notes[0]
    doc = json.loads((tmp_path / "manifests" / "db.t.shard-0-of-2.json").read_text())
    assert (doc["complete"], doc["table"], doc["files_in_shard"], doc["shard"]) == (False, "db.t", len(table), [0, 2])
    assert [f["src"] for f in doc["files"]] == [i.src for i in table[1::2]]  # plan order, verified only
    assert doc["files"][0] == {"src": table[1].src, "dst": "s3://lake/db/t/f1", "size": 10, "mtime": 1,
                               "crc32c": "0000abcd", "verified_by": "s3-crc32c", "owner": "hive",
                               "group": "hadoop", "permission": "rw-r--r--"}
    loose = json.loads((tmp_path / "manifests" / "other_loose.shard-0-of-2.json").read_text())
    assert loose["complete"] and len(loose["files"]) == 3 and loose["table"] is None
    assert not list((tmp_path / "manifests").glob(".*.tmp"))


def test_manifests_and_files_verified_hold_no_row_per_file(tmp_path):
    """20,000 files of one table: the old dict of rows alone took ~1.3 KB per file (26 MB here)."""
    from okdp_migrate.copy.manifest import write_manifests

    journal = J.Journal(tmp_path)
    items = [_item(n) for n in range(20_000)]
    journal.add_items(items)
    journal._db.execute("UPDATE files SET state='verified', src_size=size, crc32c='0000abcd'")

    class Sink:
        def call(self, op, obj, **kwargs):
            while kwargs["Body"].read(1 << 16):  # the manifest, streamed from its file
                pass

    tracemalloc.start()
    try:
        verified = journal.count_in_state(((i.dst_bucket, i.dst_key) for i in items), J.VERIFIED)
        write_manifests(journal, items, Sink(), None, plan_id="p")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert verified == 20_000
    assert len(json.loads((tmp_path / "manifests" / "db.t.json").read_text())["files"]) == 20_000
    assert peak < 3 * 2**20, f"{peak / 2**20:.1f} MB"


def test_shared_journal_yields_the_iceberg_tables_rows_and_counts_verified_files(tmp_path, monkeypatch):
    from okdp_migrate import plan as planmod
    from okdp_migrate.copy.shards import SharedJournal
    from okdp_migrate.plan import MappingRule, Plan, TablePlan

    files = [FileEntry(src=f"/d/t/f{n}", size=10, mtime=1, table="db.t") for n in range(12)]
    files += [FileEntry(src=f"/d/u/f{n}", size=10, mtime=1, table="db.u") for n in range(5)]
    tables = {"db.t": TablePlan(fqn="db.t", kind="table", strategy="register", iceberg={"namespace": "db", "table": "t"}),
              "db.u": TablePlan(fqn="db.u", kind="table", strategy="copy_only")}
    plan = planmod.load(planmod.save(Plan(target="s3://lake/p", mappings=[MappingRule("/d", "s3://lake/p")],
                                          tables=tables, shard_count=1, files=files), tmp_path / "p.yaml"))
    items = list(plan.items())
    journal = J.Journal(tmp_path / "j")
    journal.add_items(items)
    _verify(journal, items[:14])  # db.t whole (nothing to read from other shards), 2 of db.u
    monkeypatch.setattr(J, "CHUNK", 5)  # several chunks
    shared = SharedJournal(journal, None, plan, None, items)  # no target: a complete table reads no manifest
    rows = list(shared.entries())
    assert sorted(r["key"] for r in rows) == sorted(i.dst_key for i in items[:12])  # db.t only: Iceberg
    assert all(r["state"] == J.VERIFIED for r in rows) and shared.remote_reads == 0
    assert shared.verified((i.dst_bucket, i.dst_key) for i in items) == {(i.dst_bucket, i.dst_key)
                                                                         for i in items[:14]}


def test_add_items_reads_a_generator_in_its_one_transaction_and_writes_nothing_if_it_fails(tmp_path):
    journal = J.Journal(tmp_path)

    def items():
        yield from (_item(n) for n in range(5))
        raise ServiceUnreachable("the plan's source went away", obj="plan", fix="rerun")

    with pytest.raises(ServiceUnreachable):
        journal.add_items(items())
    assert journal.counts()[J.PLANNED] == 0  # rolled back: no half-registered plan
    journal.add_items(_item(n) for n in range(5))
    assert journal.counts()[J.PLANNED] == 5


def test_a_loaded_plan_shares_the_texts_its_files_repeat(tmp_path):
    from okdp_migrate import plan as planmod
    from okdp_migrate.plan import MappingRule, Plan

    files = [FileEntry(src=f"/d/t/p={n % 3}/f{n}", size=n, mtime=1, table="db.t" if n % 5 else None,
                       partition=f"p={n % 3}", owner="hive", group="hadoop", permission="rw-r--r--") for n in range(60)]
    plan = planmod.load(planmod.save(Plan(target="s3://lake/p", mappings=[MappingRule("/d", "s3://lake/p")],
                                          tables={}, shard_count=1, files=files), tmp_path / "p.yaml"))
    assert plan.files == files  # the same values...
    a, b = plan.files[1], plan.files[4]
    assert a.owner is b.owner and a.permission is b.permission and a.partition is b.partition  # ...one str each
    assert a.table is b.table and plan.files[0].table is None and a.src is not b.src
