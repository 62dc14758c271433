"""Unit tests: Hive ACID directory selection and the key merge (deletes, updates, re-inserts, buckets)."""
from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.orc as po
import pytest

from okdp_migrate import acid
from okdp_migrate.iceberg_acid import is_acid_layout, live_files
from okdp_migrate.plan.model import CopyItem, TablePlan

pytestmark = pytest.mark.unit

ROW = pa.struct([("id", pa.int64()), ("v", pa.string())])


def events(ops, v1=True):
    """ops: (operation, originalTransaction, bucket_id, rowId, currentTransaction, row|None)."""
    enc = (lambda b: acid.encode_bucket(b)) if v1 else (lambda b: b)
    return pa.table({"operation": pa.array([o[0] for o in ops], pa.int32()),
                     "originalTransaction": pa.array([o[1] for o in ops], pa.int64()),
                     "bucket": pa.array([enc(o[2]) for o in ops], pa.int32()),
                     "rowId": pa.array([o[3] for o in ops], pa.int64()),
                     "currentTransaction": pa.array([o[4] for o in ops], pa.int64()),
                     "row": pa.array([o[5] for o in ops], ROW)})


def ins(txn, bucket, row_id, id_, v):
    return (0, txn, bucket, row_id, txn, {"id": id_, "v": v})


def dele(orig_txn, bucket, row_id, txn):
    return (2, orig_txn, bucket, row_id, txn, None)


def merged(insert_tables, change_tables, invalid=frozenset()):
    ch = acid.Changes(invalid)
    for t in change_tables:
        ch.add(t)
    out = [acid.live_rows(t, ch) for t in insert_tables]
    return sorted((r["id"], r["v"]) for t in out for r in t.to_pylist())


def test_directory_names_parse_as_hive_writes_them():
    assert acid.parse_dir("base_0000005") == acid.AcidDir("base", 0, 5, -1, "base_0000005")
    assert acid.parse_dir("base_9_v0000012").max_id == 9
    d = acid.parse_dir("delta_0000003_0000004_0002")
    assert (d.kind, d.min_id, d.max_id, d.stmt) == ("delta", 3, 4, 2)
    assert acid.parse_dir("delete_delta_7_7").kind == "delete_delta"
    assert acid.parse_dir("delta_7") is None and acid.parse_dir("dt=2024-01-01") is None
    assert acid.classify("delta_1_1_0000/bucket_00000").kind == "delta"
    assert acid.classify("000000_0").kind == "original"
    assert acid.bucket_of_file("bucket_00003") == 3 and acid.bucket_of_file("000002_0_copy_1") == 2


def test_newest_base_hides_older_deltas_and_a_compacted_delta_hides_what_it_covers():
    names = ["base_5", "base_2", "delta_3_3", "delta_6_6", "delta_7_7", "delta_6_7", "delta_9_9_0000",
             "delta_9_9_0001", "delete_delta_4_4", "delete_delta_8_8"]
    sel = acid.select(acid.parse_dir(n) for n in names)
    assert sel.base.max_id == 5
    assert [(d.min_id, d.max_id, d.stmt) for d in sel.deltas] == [(6, 7, -1), (9, 9, 0), (9, 9, 1)]
    assert [d.max_id for d in sel.delete_deltas] == [8]
    assert {d.path for d in sel.obsolete} == {"base_2", "delta_3_3", "delta_6_6", "delta_7_7", "delete_delta_4_4"}
    assert not sel.use_originals


def test_a_delta_of_an_aborted_transaction_is_skipped():
    sel = acid.select([acid.parse_dir("delta_1_1"), acid.parse_dir("delta_2_2"), acid.ORIGINAL], frozenset({2}))
    assert [d.max_id for d in sel.deltas] == [1] and sel.use_originals


def test_deletes_apply_across_buckets_and_a_reinserted_row_stays():
    t1 = events([ins(1, 0, 0, 10, "a"), ins(1, 0, 1, 12, "b"), ins(1, 1, 0, 11, "c"), ins(1, 1, 1, 13, "d")])
    # txn 2 deletes id 10 (bucket 0) and id 11 (bucket 1); txn 3 inserts id 10 again, under a new key
    deletes = events([dele(1, 0, 0, 2), dele(1, 1, 0, 2)])
    t3 = events([ins(3, 0, 0, 10, "a again")])
    assert merged([t1, t3], [deletes]) == [(10, "a again"), (12, "b"), (13, "d")]


def test_an_update_is_a_delete_plus_an_insert_in_hive3():
    t1 = events([ins(1, 0, 0, 1, "old"), ins(1, 0, 1, 2, "keep")])
    t2_delete, t2_insert = events([dele(1, 0, 0, 2)]), events([ins(2, 0, 0, 1, "new")])
    assert merged([t1, t2_insert], [t2_delete]) == [(1, "new"), (2, "keep")]


def test_hive2_update_events_keep_only_the_latest_version_of_a_key():
    # Hive 1/2: updates (operation 1) keep the row's key; bare bucket ids, not the V1 encoding
    t1 = events([ins(1, 0, 0, 1, "v1"), ins(1, 0, 1, 2, "v1"), ins(1, 0, 2, 3, "v1")], v1=False)
    t2 = events([(1, 1, 0, 0, 2, {"id": 1, "v": "v2"}), (1, 1, 0, 1, 2, {"id": 2, "v": "v2"})], v1=False)
    t3 = events([(1, 1, 0, 0, 3, {"id": 1, "v": "v3"}), (2, 1, 0, 1, 3, None)], v1=False)
    assert merged([t1, t2, t3], [t2, t3]) == [(1, "v3"), (3, "v1")]


def test_bare_and_encoded_bucket_ids_name_the_same_row():
    t1 = events([ins(1, 4, 0, 1, "x"), ins(1, 4, 1, 2, "y")], v1=False)
    assert merged([t1], [events([dele(1, 4, 1, 2)], v1=True)]) == [(1, "x")]


def test_rows_and_deletes_of_invalid_transactions_are_ignored():
    t1 = events([ins(1, 0, 0, 1, "a"), ins(1, 0, 1, 2, "b")])
    t2 = events([ins(2, 0, 0, 3, "aborted insert")])
    aborted_delete = events([dele(1, 0, 0, 2)])
    assert merged([t1, t2], [aborted_delete], invalid=frozenset({2})) == [(1, "a"), (2, "b")]


def test_original_files_get_hive_row_ids_that_deletes_can_name():
    plain = pa.table({"id": [1, 2, 3], "v": ["p", "q", "r"]})
    ev = acid.original_events(plain, bucket_id=1, first_row_id=5)
    assert ev.column("rowId").to_pylist() == [5, 6, 7]
    assert set(ev.column("bucket").to_pylist()) == {acid.encode_bucket(1)}
    assert merged([ev], [events([dele(0, 1, 6, 4)])]) == [(1, "p"), (3, "r")]


# --- the reading side, on ORC bytes in memory (same code path the copy uses on S3 objects) --------
class Files:
    def __init__(self):
        self.tp = TablePlan(fqn="db.t", kind="table", strategy="rewrite", format="orc", location="/wh/db.db/t")
        self.blobs: dict[str, bytes] = {}

    def put(self, rel, table, partition=None):
        buf = io.BytesIO()
        po.write_table(table, buf)
        prefix = f"{partition}/" if partition else ""
        self.blobs[f"{self.tp.location}/{prefix}{rel}"] = buf.getvalue()

    def items(self):
        return [CopyItem(src=s, dst_bucket="b", dst_key=s, size=len(d), mtime=0, table="db.t",
                         partition=s.split("/")[4] if "=" in s.split("/")[4] else None)
                for s, d in sorted(self.blobs.items())]

    def live(self, invalid=frozenset()):
        rows = []
        for _, batches in live_files(self.tp, self.items(), lambda i: io.BytesIO(self.blobs[i.src]), invalid):
            rows += [(r["id"], r["v"]) for b in batches for r in b.to_pylist()]
        return sorted(rows)


def test_base_with_deltas_below_and_above_it_in_two_partitions():
    f = Files()
    for part in ("dt=1", "dt=2"):  # same keys in both partitions: deletes must not cross partitions
        f.put("delta_1_1_0000/bucket_00000", events([ins(1, 0, 0, 1, "stale"), ins(1, 0, 1, 2, "stale")]), part)
        f.put("base_2/bucket_00000", events([ins(1, 0, 0, 1, part), ins(1, 0, 1, 2, part)]), part)
        f.put("delete_delta_2_2_0000/bucket_00000", events([dele(1, 0, 1, 2)]), part)  # already in base_2
        f.put("delta_3_3_0000/bucket_00001", events([ins(3, 1, 0, 3, part)]), part)
    f.put("delete_delta_4_4_0000/bucket_00000", events([dele(1, 0, 0, 4)]), "dt=1")
    assert is_acid_layout(f.tp, f.items())
    assert f.live() == [(1, "dt=2"), (2, "dt=1"), (2, "dt=2"), (3, "dt=1"), (3, "dt=2")]


def test_converted_table_originals_numbered_across_files_then_deleted_by_key():
    f = Files()
    f.put("000000_0", pa.table({"id": [1, 2], "v": ["a", "b"]}))
    f.put("000000_0_copy_1", pa.table({"id": [3, 4], "v": ["c", "d"]}))
    f.put("000001_0", pa.table({"id": [5], "v": ["e"]}))
    # rowId 2 of bucket 0 is the first row of the second original file (id 3); rowId 0 of bucket 1 is id 5
    f.put("delete_delta_1_1_0000/bucket_00000", events([dele(0, 0, 2, 1), dele(0, 1, 0, 1)]))
    f.put("delta_1_1_0000/bucket_00000", events([ins(1, 0, 0, 6, "f")]))
    assert f.live() == [(1, "a"), (2, "b"), (4, "d"), (6, "f")]


def test_the_seed_acid_table_has_its_documented_live_rows():
    import random

    from okdp_migrate.sandbox.seed import raw_data

    batch = raw_data.acid_table(random.Random(raw_data.SEED + 1))
    tp = TablePlan(fqn="sales.orders_acid", kind="table", strategy="rewrite", format="orc",
                   location=raw_data.ACID_LOCATION)
    blobs = dict(batch.files)
    items = [CopyItem(src=s, dst_bucket="b", dst_key=s, size=len(d), mtime=0) for s, d in blobs.items()
             if not s.endswith("_orc_acid_version")]
    live = [r for _, bs in live_files(tp, items, lambda i: io.BytesIO(blobs[i.src])) for b in bs for r in b.to_pylist()]
    assert len(live) == batch.rows == 1490
    assert len({r["order_id"] for r in live}) == 1490


def test_hive2_layout_reads_updates_and_deletes_from_the_deltas_themselves():
    f = Files()
    f.put("delta_1_1/bucket_00000", events([ins(1, 0, 0, 1, "v1"), ins(1, 0, 1, 2, "v1")], v1=False))
    f.put("delta_2_2/bucket_00000", events([(1, 1, 0, 0, 2, {"id": 1, "v": "v2"}), (2, 1, 0, 1, 2, None)], v1=False))
    f.put("delta_3_3/bucket_00000", events([ins(3, 0, 0, 3, "aborted")], v1=False))
    assert f.live(invalid=frozenset({3})) == [(1, "v2")]
    assert f.live() == [(1, "v2"), (3, "aborted")]


def test_insert_only_table_keeps_the_newest_base_and_the_deltas_above_it():
    from okdp_migrate.iceberg_acid import selected_files

    f = Files()
    f.tp.format = "text"
    for rel in ("000000_0", "base_3/000000_0", "delta_2_2/000000_0", "delta_4_4/000000_0", "delta_5_5/000000_0"):
        f.blobs[f"{f.tp.location}/{rel}"] = b"x"
    got = [i.src.rsplit("/", 2)[-2] for i in selected_files(f.tp, f.items(), invalid=frozenset({5}))]
    assert got == ["base_3", "delta_4_4"]


def test_insert_only_orc_deltas_hold_plain_rows():
    f = Files()
    f.put("delta_1_1_0000/000000_0", pa.table({"id": [1, 2], "v": ["a", "b"]}))
    f.put("delta_2_2_0000/000000_0", pa.table({"id": [3], "v": ["c"]}))
    assert f.live() == [(1, "a"), (2, "b"), (3, "c")]


def test_a_plain_file_in_a_delete_delta_is_refused_with_the_file_named():
    from okdp_migrate.errors import BadInputError

    f = Files()
    f.put("delta_1_1_0000/bucket_00000", events([ins(1, 0, 0, 1, "a")]))
    f.put("delete_delta_2_2_0000/bucket_00000", pa.table({"id": [1]}))
    with pytest.raises(BadInputError) as err:
        f.live()
    assert "delete_delta_2_2_0000/bucket_00000" in err.value.one_line() and "compaction" in err.value.one_line()


# --- Hive 3 compactor output (`_vM`): visible only once the compactor's transaction M committed ----------
def test_the_compactor_transaction_of_a_directory_is_kept():
    assert acid.parse_dir("base_0000005_v0000020") == acid.AcidDir("base", 0, 5, -1, "base_0000005_v0000020", 20)
    d = acid.parse_dir("delete_delta_0000003_0000004_v0000021")
    assert (d.kind, d.min_id, d.max_id, d.stmt, d.visibility) == ("delete_delta", 3, 4, -1, 21)
    assert acid.parse_dir("delta_0000003_0000003_0001").visibility == -1
    assert acid.classify("base_5_v20/bucket_00000").visibility == 20


def test_a_base_of_an_unfinished_compaction_hides_nothing():
    names = ["delta_1_1_0000", "delta_2_2_0000", "delete_delta_3_3_0000", "delta_6_6_0000", "base_5_v20"]
    running = acid.select((acid.parse_dir(n) for n in names), invalid_txns=frozenset({20}))
    assert running.base is None and [d.path for d in running.obsolete] == ["base_5_v20"]
    assert [d.max_id for d in running.deltas] == [1, 2, 6] and [d.max_id for d in running.delete_deltas] == [3]
    done = acid.select(acid.parse_dir(n) for n in names)  # transaction 20 committed
    assert done.base.path == "base_5_v20" and [d.max_id for d in done.deltas] == [6]
    assert {d.path for d in done.obsolete} == {"delta_1_1_0000", "delta_2_2_0000", "delete_delta_3_3_0000"}


def test_a_minor_compaction_in_progress_leaves_the_deltas_it_covers_in_place():
    names = ["base_2_v9", "delta_3_3_0000", "delta_4_4_0000", "delta_3_4_v30", "delete_delta_3_4_v30"]
    sel = acid.select((acid.parse_dir(n) for n in names), invalid_txns=frozenset({30}))
    assert sel.base.path == "base_2_v9" and [d.path for d in sel.deltas] == ["delta_3_3_0000", "delta_4_4_0000"]
    assert sel.delete_deltas == [] and {d.path for d in sel.obsolete} == {"delta_3_4_v30", "delete_delta_3_4_v30"}


def test_half_written_base_of_a_running_compaction_does_not_lose_the_deltas_rows():
    f = Files()
    f.put("delta_1_1_0000/bucket_00000", events([ins(1, 0, 0, 1, "a"), ins(1, 0, 1, 2, "b")]))
    f.put("delta_2_2_0000/bucket_00000", events([ins(2, 0, 0, 3, "c")]))
    f.put("delete_delta_3_3_0000/bucket_00000", events([dele(1, 0, 0, 3)]))
    f.put("base_3_v20/bucket_00000", events([ins(1, 0, 1, 2, "b")]))  # bucket 0 written, bucket 1 not yet
    f.put("delta_4_4_0000/bucket_00000", events([ins(4, 0, 0, 4, "d")]))
    rows = []
    for _, batches in live_files(f.tp, f.items(), lambda i: io.BytesIO(f.blobs[i.src]), invalid_txns=frozenset({20})):
        rows += [(r["id"], r["v"]) for b in batches for r in b.to_pylist()]
    assert sorted(rows) == [(2, "b"), (3, "c"), (4, "d")]
    assert f.live() == [(2, "b"), (4, "d")]  # read as committed, the half-written base hides delta_2_2


def test_insert_only_table_skips_an_unfinished_compactions_base():
    from okdp_migrate.iceberg_acid import selected_files

    f = Files()
    f.tp.format = "text"
    for rel in ("delta_1_1_0000/000000_0", "delta_2_2_0000/000000_0", "base_2_v7/000000_0"):
        f.blobs[f"{f.tp.location}/{rel}"] = b"x"
    got = [i.src.rsplit("/", 2)[-2] for i in selected_files(f.tp, f.items(), invalid_txns=frozenset({7}))]
    assert got == ["delta_1_1_0000", "delta_2_2_0000"]
    assert [i.src.rsplit("/", 2)[-2] for i in selected_files(f.tp, f.items())] == ["base_2_v7"]


def test_unknown_transaction_state_with_compactor_output_warns_and_names_the_fix():
    from okdp_migrate.iceberg_acid import TxnSources, invalid_ids, uses_write_ids

    f = Files()
    f.put("delta_1_1_0000/bucket_00000", events([ins(1, 0, 0, 1, "a")]))
    f.put("base_1_v20/bucket_00000", events([ins(1, 0, 0, 1, "a")]))
    assert uses_write_ids(f.items(), f.tp)  # only Hive 3+ writes `_vM`, even without _orc_acid_version
    got = invalid_ids(f.tp, f.items(), TxnSources())  # no metastore.db_url: nothing is looked up
    assert (got.writes, got.txns, got.notes) == (frozenset(), frozenset(), [])
    assert len(got.warnings) == 1 and "output of a compaction that may still be running" in got.warnings[0]
    assert "set metastore.db_url" in got.warnings[0] and "wait for the compaction to finish" in got.warnings[0]
