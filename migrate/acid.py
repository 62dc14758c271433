"""Hive ACID tables, pure logic: which directories hold live data, and which events survive.

A transactional table (or partition) directory holds `base_N` (a major compaction up to id N),
`delta_MIN_MAX[_STMT]` (inserts; in Hive 1/2 also updates and deletes), `delete_delta_MIN_MAX[_STMT]`
(Hive 3 deletes) and, in a table converted to ACID, "original" files with no ACID columns.
Ids are transaction ids (Hive 1/2) or per-table write ids (Hive 3, which writes `_orc_acid_version`).
Hive 3's compactor suffixes its output `_vM`, M the compactor's own TRANSACTION id (the "visibility" id):
until M commits the directory is a compaction in progress or failed, possibly half written, and is not there.
Every event row is (operation, originalTransaction, bucket, rowId, currentTransaction, row); the first
three and rowId identify a row for its life: an update is a delete of the old key plus an insert under
a new key (Hive 3), or an operation-1 event on the same key (Hive 1/2). A row is live when no later
update or delete names its key. No I/O here: the caller reads files and hands Arrow tables in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

INSERT, UPDATE, DELETE = 0, 1, 2
KEY = ("originalTransaction", "bucket", "rowId")
EVENT_COLUMNS = ("operation",) + KEY + ("currentTransaction",)
_DIR = re.compile(r"^(base|delta|delete_delta)_(\d+)(?:_(\d+))?(?:_(\d+))?(?:_v(\d+))?$")
_BUCKET_FILE = re.compile(r"^(?:bucket_)?(\d+)")
_V1 = 1 << 29  # BucketCodec V1: version in bits 29-31, bucket id in bits 16-27, statement id in bits 0-11


@dataclass(frozen=True)
class AcidDir:
    kind: str  # base | delta | delete_delta | original
    min_id: int = 0
    max_id: int = 0
    stmt: int = -1
    path: str = ""  # the directory relative to the table/partition root ("" for original files)
    visibility: int = -1  # `_vM`: the compactor's transaction id, a directory usable only once it committed


ORIGINAL = AcidDir("original")


def parse_dir(name: str, path: str = "") -> AcidDir | None:
    """`base_5`, `delta_3_4`, `delta_0000003_0000003_0000`, `delete_delta_7_7`, `base_9_v12` -> AcidDir."""
    m = _DIR.match(name)
    if not m:
        return None
    kind, first, second, stmt = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    visibility = int(m.group(5)) if m.group(5) is not None else -1
    if kind == "base":
        if second is not None:  # base_N_N is not a Hive name: treat as unknown rather than guess
            return None
        return AcidDir("base", 0, first, -1, path or name, visibility)
    if second is None:
        return None
    return AcidDir(kind, first, int(second), int(stmt) if stmt is not None else -1, path or name, visibility)


def classify(rel_path: str) -> AcidDir:
    """The ACID directory a file (path relative to its table or partition root) lives in."""
    parts = [p for p in rel_path.strip("/").split("/") if p]
    for i, seg in enumerate(parts[:-1]):
        d = parse_dir(seg, "/".join(parts[: i + 1]))
        if d is not None:
            return d
    return ORIGINAL


@dataclass
class Selection:
    base: AcidDir | None
    deltas: list[AcidDir]  # insert (and Hive 1/2 update/delete) deltas to read, oldest first
    delete_deltas: list[AcidDir]
    obsolete: list[AcidDir]  # covered by the base or by a wider (compacted) delta
    use_originals: bool


def select(dirs: Iterable[AcidDir], invalid: frozenset[int] = frozenset(),
           invalid_txns: frozenset[int] = frozenset()) -> Selection:
    """What a reader must read, after Hive's rule (AcidUtils.getAcidState): the newest base, then the
    deltas above it, a wider delta (minor compaction) hiding the narrower ones it covers. A delta all of
    whose ids are open/aborted (`invalid`) is skipped whole; rows of partly invalid ones are filtered later.
    A compactor's output whose transaction (`_vM`) is open/aborted (`invalid_txns`) is not there: it is
    listed obsolete and hides nothing."""
    dirs = set(dirs)
    unfinished = {d for d in dirs if d.visibility in invalid_txns}
    obsolete = list(unfinished)
    dirs -= unfinished
    bases = sorted((d for d in dirs if d.kind == "base" and d.max_id not in invalid), key=lambda d: d.max_id)
    base = bases[-1] if bases else None
    floor = base.max_id if base else 0
    obsolete += [d for d in dirs if d.kind == "base" and d is not base]

    def walk(kind: str) -> list[AcidDir]:
        chosen, current, last = [], floor, None
        for d in sorted((d for d in dirs if d.kind == kind), key=lambda d: (d.min_id, -d.max_id, d.stmt)):
            if d.max_id - d.min_id < len(invalid) and all(i in invalid for i in range(d.min_id, d.max_id + 1)):
                obsolete.append(d)
            elif d.max_id > current:
                chosen.append(d)
                current, last = d.max_id, d
            elif last is not None and (d.min_id, d.max_id) == (last.min_id, last.max_id):
                chosen.append(d)  # another statement of the same transaction
            else:
                obsolete.append(d)
        return chosen

    deltas, deletes = walk("delta"), walk("delete_delta")
    return Selection(base, deltas, deletes, obsolete, use_originals=base is None and ORIGINAL in dirs)


def bucket_of_file(name: str) -> int:
    """Bucket id from a file name: `bucket_00001`, `000001_0`, `000001_0_copy_2` -> 1 (0 when unnamed)."""
    m = _BUCKET_FILE.match(name)
    return int(m.group(1)) if m else 0


def encode_bucket(bucket_id: int, stmt: int = 0) -> int:
    return _V1 | (bucket_id << 16) | stmt


def _normalised_bucket(col) -> pa.Array:
    """Hive 1/2 store the bare bucket id, Hive 3 the V1-encoded property: compare them in one form."""
    col = pc.cast(col, pa.int64())
    return pc.if_else(pc.less(col, _V1), pc.bit_wise_or(pc.shift_left(col, 16), _V1), col)


def is_event_table(t: pa.Table) -> bool:
    return {n.lower() for n in t.column_names} >= {c.lower() for c in EVENT_COLUMNS + ("row",)}


def original_events(rows: pa.Table, bucket_id: int, first_row_id: int) -> pa.Table:
    """Rows of a pre-ACID file as insert events with the ids Hive gives them: transaction 0, the file's
    bucket, row ids counted across the bucket's original files in name order."""
    n = rows.num_rows
    return pa.table({"operation": pa.array([INSERT] * n, pa.int32()),
                     "originalTransaction": pa.array([0] * n, pa.int64()),
                     "bucket": pa.array([encode_bucket(bucket_id)] * n, pa.int64()),
                     "rowId": pa.arange(first_row_id, first_row_id + n) if n else pa.array([], pa.int64()),
                     "currentTransaction": pa.array([0] * n, pa.int64()),
                     "row": rows.to_struct_array().combine_chunks()})


def _valid(events: pa.Table, invalid: frozenset[int]) -> pa.Table:
    if not invalid or events.num_rows == 0:
        return events
    return events.filter(pc.invert(pc.is_in(events.column("currentTransaction"),
                                            value_set=pa.array(sorted(invalid), pa.int64()))))


def _keys(events: pa.Table) -> list:
    return [pc.cast(events.column("originalTransaction"), pa.int64()), _normalised_bucket(events.column("bucket")),
            pc.cast(events.column("rowId"), pa.int64())]


class Changes:
    """Latest update/delete per row key, from event files read in any order.

    Held as one small Arrow table of keys (about 30 bytes a change), not the rows: delete sets are
    small next to the data, so this stays in memory while the insert files stream past it one at a time."""

    def __init__(self, invalid: frozenset[int] = frozenset()):
        self.invalid = invalid
        self._parts: list[pa.Table] = []
        self._table: pa.Table | None = None

    def add(self, events: pa.Table) -> None:
        events = _valid(events.select(list(EVENT_COLUMNS)), self.invalid)
        events = events.filter(pc.not_equal(events.column("operation"), INSERT))
        if events.num_rows:
            ot, b, rid = _keys(events)
            # one number orders (transaction, kind): a delete outranks an update of the same transaction
            score = pc.add(pc.multiply(pc.cast(events.column("currentTransaction"), pa.int64()), 2),
                           pc.cast(pc.equal(events.column("operation"), DELETE), pa.int64()))
            self._parts.append(pa.table({"k_ot": ot, "k_b": b, "k_rid": rid, "score": score}))
            self._table = None

    def table(self) -> pa.Table:
        if self._table is None:
            if not self._parts:
                self._table = pa.table({"k_ot": pa.array([], pa.int64()), "k_b": pa.array([], pa.int64()),
                                        "k_rid": pa.array([], pa.int64()), "score": pa.array([], pa.int64())})
            else:
                merged = pa.concat_tables(self._parts).group_by(["k_ot", "k_b", "k_rid"]).aggregate([("score", "max")])
                self._table = merged.rename_columns(["score" if n == "score_max" else n for n in merged.column_names])
                self._parts = [self._table]
        return self._table

    def __len__(self) -> int:
        return self.table().num_rows


def live_rows(events: pa.Table, changes: Changes) -> pa.Table:
    """The `row` values of the events that are still live: inserts no later change names, and updates
    that are their key's latest change. Returns a table of the row struct's fields."""
    events = _valid(events, changes.invalid)
    events = events.filter(pc.not_equal(events.column("operation"), DELETE))
    ch = changes.table()
    if ch.num_rows and events.num_rows:
        ot, b, rid = _keys(events)
        probe = pa.table({"k_ot": ot, "k_b": b, "k_rid": rid, "i": pa.arange(0, events.num_rows),
                          "own": pc.multiply(pc.cast(events.column("currentTransaction"), pa.int64()), 2),
                          "op": pc.cast(events.column("operation"), pa.int32())})
        # struct columns cannot ride through an Arrow join: join the keys, then take() the survivors
        joined = probe.join(ch, keys=["k_ot", "k_b", "k_rid"], join_type="left outer")
        latest_update = pc.and_kleene(pc.equal(joined.column("op"), UPDATE),
                                      pc.equal(joined.column("score"), joined.column("own")))
        survivors = joined.filter(pc.or_kleene(pc.is_null(joined.column("score")), latest_update)).column("i")
        events = events.take(pc.take(survivors, pc.sort_indices(survivors)))  # file order: joins shuffle rows
    return pa.Table.from_struct_array(events.column("row").combine_chunks())
