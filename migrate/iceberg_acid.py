"""Read a copied Hive ACID table's files and yield its live rows, one data file at a time.

Two passes per table or partition: the update/delete events (key columns only) are gathered first into
a small key table (`acid.Changes`), then each base, delta or original file is read stripe by stripe and
only its live rows come out. Memory is one stripe plus the change keys, whatever the table's size.
`open_file(item)` gives a seekable binary stream of the copied object (the Iceberg FileIO in practice).
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable, Iterator

import pyarrow as pa

from . import acid
from .errors import BadInputError
from .plan.model import CopyItem, TablePlan

ACID_VERSION_FILE = "_orc_acid_version"  # Hive 3 writes it: directory ids are then per-table write ids


@dataclass
class AcidFile:
    item: CopyItem
    directory: acid.AcidDir
    rel: str  # path below the table/partition root


def relative(tp: TablePlan, item: CopyItem) -> str:
    rel = item.src[len(tp.location):] if tp.location and item.src.startswith(tp.location) else item.src
    rel = rel.strip("/")
    if item.partition and rel.startswith(item.partition.strip("/") + "/"):
        rel = rel[len(item.partition.strip("/")) + 1:]
    return rel


def is_acid_layout(tp: TablePlan, items: Iterable[CopyItem]) -> bool:
    """True when any file sits in a base_N / delta_* / delete_delta_* directory."""
    return any(acid.classify(relative(tp, i)).kind != "original" for i in items)


def uses_write_ids(items: Iterable[CopyItem], tp: TablePlan | None = None) -> bool:
    """Hive 3: its ORC marker file, or (given the table) a compactor's `_vM` directory, which only Hive 3+ writes."""
    items = list(items)
    return any(posixpath.basename(i.src) == ACID_VERSION_FILE for i in items) or bool(
        tp and compactor_txns(tp, items))


def compactor_txns(tp: TablePlan, items: Iterable[CopyItem]) -> set[int]:
    """The transaction ids (`_vM`) of the compactions whose output directories the files sit in."""
    return {d.visibility for d in (acid.classify(relative(tp, i)) for i in items)} - {-1}


@dataclass(frozen=True)
class TxnSources:
    """Where open/aborted ids come from: thrift for Hive 1/2 transaction ids, the metastore database for
    Hive 3 write ids (our thrift bindings have no get_valid_write_ids)."""
    metastore_uri: str | None = None
    db_url: str | None = None

    @classmethod
    def from_settings(cls, settings: dict) -> TxnSources:
        return cls(settings.get("metastore.uri"), settings.get("metastore.db_url"))


@dataclass
class InvalidIds:
    """What a reader must leave out, as far as the metastore tells: `writes` are ids of open/aborted
    transactions (Hive 1/2) or writes (Hive 3) that name directories and rows; `txns` are the compactor
    transactions (`_vM`) that have not committed: their output directories are not there."""
    writes: frozenset[int] = frozenset()
    txns: frozenset[int] = frozenset()
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def invalid_ids(tp: TablePlan, all_items: list[CopyItem], sources: TxnSources) -> InvalidIds:
    """Open/aborted ids, with notes and warnings. Unknown means none are left out, and a warning says so:
    aborted deltas, and a compaction still running, cannot be told apart without the metastore."""
    compact = f"check SHOW TRANSACTIONS, or run ALTER TABLE {tp.fqn} COMPACT 'major', before the final copy"
    if uses_write_ids(all_items, tp):
        from .connectors.hive_write_ids import write_id_state

        compactions = compactor_txns(tp, all_items)
        included = "rows of open or aborted writes are included"
        if compactions:  # a running compaction's base would hide the deltas below it, half written
            included = ("rows of open or aborted writes, and the output of a compaction that may still be running "
                        f"or have failed ({', '.join(f'`_v{t}`' for t in sorted(compactions)[:3])} directories), are included")
            compact = f"wait for the compaction to finish (SHOW COMPACTIONS), {compact}"
        state, why = write_id_state(sources.db_url, tp.fqn, compactions)
        if state is None:
            why = f"Hive 3 transactional layout: the table's valid write-id list is unknown ({why}), so {included}"
            fix = (f"point metastore.db_url at the Hive 3 metastore's database, or {compact}" if sources.db_url else
                   f"set metastore.db_url (read access to the metastore database), or {compact}")
            return InvalidIds(warnings=[f"{why}; {fix}"])
        newest = max((acid.classify(relative(tp, i)).max_id for i in all_items), default=0)
        if newest > state.high_water_mark:  # renamed/recreated table, or another metastore: not these files' list
            why = (f"Hive 3 transactional layout: the valid write-id list is unknown (the metastore database has write "
                   f"ids up to {state.high_water_mark} for {state.table}, the files go up to {newest}), so {included}")
            return InvalidIds(warnings=[f"{why}; check metastore.db_url and the table name, or {compact}"])
        note = (f"transactional table (Hive 3 write ids, from the metastore database): rows of {len(state.open)} "
                f"open and {len(state.aborted)} aborted writes left out")
        if state.invalid_txns:
            note += (f"; output of {len(state.invalid_txns)} compaction(s) in progress or failed ignored "
                     f"(transaction {', '.join(map(str, sorted(state.invalid_txns)))})")
        return InvalidIds(state.invalid, frozenset(state.invalid_txns), [note])
    from .connectors.hive_txns import transaction_state

    state, why = transaction_state(sources.metastore_uri)
    if state is None:
        why = f"transactional table: open/aborted transactions unknown ({why}), so their rows are included"
        return InvalidIds(warnings=[f"{why}; {compact}"])
    note = (f"transactional table: rows of {len(state.open)} open and {len(state.aborted)} aborted transactions "
            "left out")
    return InvalidIds(state.invalid, notes=[note] if state.invalid else [])


def live_files(tp: TablePlan, items: list[CopyItem], open_file: Callable[[CopyItem], BinaryIO],
               invalid: frozenset[int] = frozenset(), stats: dict[str, int] | None = None,
               split_update: bool = False,
               invalid_txns: frozenset[int] = frozenset()) -> Iterator[tuple[CopyItem, Iterator[pa.Table]]]:
    """(item, its live rows in batches) for every file that holds rows to keep; `items` are the table's
    data files (no _-prefixed markers). Rows come as tables of the `row` struct's fields. `stats` gets
    counts: files (read for rows), changes (update/delete keys), obsolete (directories skipped).
    `split_update` (Hive 3): insert deltas hold inserts only, so only delete deltas are read for changes.
    `invalid_txns`: compactor transactions (`_vM`) not committed, whose output is skipped."""
    stats = stats if stats is not None else {}
    groups: dict[str, list[AcidFile]] = {}
    for item in items:
        rel = relative(tp, item)
        groups.setdefault(item.partition or "", []).append(AcidFile(item, acid.classify(rel), rel))
    for _, files in sorted(groups.items()):
        yield from _partition_files(files, open_file, invalid, stats, split_update, invalid_txns)


def _partition_files(files: list[AcidFile], open_file, invalid, stats, split_update: bool,
                     invalid_txns: frozenset[int]) -> Iterator[tuple[CopyItem, Iterator[pa.Table]]]:
    sel = acid.select({f.directory for f in files}, invalid, invalid_txns)
    by_dir: dict[acid.AcidDir, list[AcidFile]] = {}
    for f in files:
        by_dir.setdefault(f.directory, []).append(f)
    changes = acid.Changes(invalid)
    for d in sel.delete_deltas + ([] if split_update else sel.deltas):  # Hive 1/2 deltas carry updates/deletes
        for f in sorted(by_dir.get(d, []), key=lambda f: f.rel):
            # a plain file in a delta (insert-only table) holds no change; in a delete delta it is an error
            for batch in _stripes(open_file, f.item, list(acid.EVENT_COLUMNS), required=d.kind == "delete_delta"):
                changes.add(batch)
    stats["changes"] = stats.get("changes", 0) + len(changes)
    stats["obsolete"] = stats.get("obsolete", 0) + len(sel.obsolete) + (
        1 if acid.ORIGINAL in by_dir and not sel.use_originals else 0)
    readers = [sel.base] if sel.base else []
    for d in readers + sel.deltas:
        for f in sorted(by_dir.get(d, []), key=lambda f: f.rel):
            stats["files"] = stats.get("files", 0) + 1
            yield f.item, (_live(b, changes, f.item) for b in _stripes(open_file, f.item, None))
    if sel.use_originals:
        for item, batches in _originals(by_dir.get(acid.ORIGINAL, []), open_file, changes):
            stats["files"] = stats.get("files", 0) + 1
            yield item, batches


def _live(batch: pa.Table, changes: acid.Changes, item: CopyItem) -> pa.Table:
    """Event rows merged; plain rows (an insert-only table's delta) pass as they are: it has no deletes."""
    if acid.is_event_table(batch):
        return acid.live_rows(batch, changes)
    if len(changes):
        raise BadInputError("a delta file without ACID columns in a table that has deletes", obj=item.src,
                            fix="run a major compaction in Hive, or exclude the file from the plan")
    return batch


def selected_files(tp: TablePlan, items: list[CopyItem], invalid: frozenset[int] = frozenset(),
                   invalid_txns: frozenset[int] = frozenset()) -> list[CopyItem]:
    """Insert-only ("micro-managed") tables, any format: the files of the newest base and the deltas above
    it (originals when there is no base). They hold plain rows and never deletes."""
    groups: dict[str, list[AcidFile]] = {}
    for item in items:
        rel = relative(tp, item)
        groups.setdefault(item.partition or "", []).append(AcidFile(item, acid.classify(rel), rel))
    out = []
    for _, files in sorted(groups.items()):
        sel = acid.select({f.directory for f in files}, invalid, invalid_txns)
        if sel.delete_deltas:
            raise BadInputError("delete deltas in a non-ORC transactional table", obj=tp.fqn,
                                fix=f"run ALTER TABLE {tp.fqn} COMPACT 'major' in Hive, then copy again")
        keep = set(([sel.base] if sel.base else []) + sel.deltas + ([acid.ORIGINAL] if sel.use_originals else []))
        out += [f.item for f in sorted(files, key=lambda f: f.rel) if f.directory in keep]
    return out


def _originals(files: list[AcidFile], open_file, changes) -> Iterator[tuple[CopyItem, Iterator[pa.Table]]]:
    """Pre-ACID files: Hive numbers their rows per bucket across the bucket's files in path order."""
    next_row: dict[int, int] = {}
    for f in sorted(files, key=lambda f: (acid.bucket_of_file(posixpath.basename(f.rel)), f.rel)):
        bucket = acid.bucket_of_file(posixpath.basename(f.rel))
        first = next_row.get(bucket, 0)
        rows = _row_count(open_file, f.item)
        next_row[bucket] = first + rows

        def batches(f=f, bucket=bucket, first=first):
            offset = first
            for b in _stripes(open_file, f.item, None):
                if acid.is_event_table(b):
                    raise BadInputError("an ACID event file sits outside any base/delta directory", obj=f.item.src,
                                        fix="move it into its delta directory, or exclude it from the plan")
                yield acid.live_rows(acid.original_events(b, bucket, offset), changes)
                offset += b.num_rows
        yield f.item, batches()


def _row_count(open_file, item: CopyItem) -> int:
    with open_file(item) as stream:
        return _orc(stream, item).nrows


def _stripes(open_file, item: CopyItem, columns: list[str] | None, required: bool = True) -> Iterator[pa.Table]:
    with open_file(item) as stream:
        f = _orc(stream, item)
        if columns is not None and not {c.lower() for c in columns} <= {n.lower() for n in f.schema.names}:
            if not required:
                return
            raise BadInputError("file in an ACID delete delta is not an ACID ORC file", obj=item.src,
                                fix="run a major compaction in Hive, or exclude the file from the plan")
        for i in range(f.nstripes):
            yield pa.Table.from_batches([f.read_stripe(i, columns=columns)])


def _orc(stream: BinaryIO, item: CopyItem):
    import pyarrow.orc as po

    try:
        return po.ORCFile(stream)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadInputError(f"cannot read this file as ORC ({exc})", obj=item.src,
                            fix="transactional tables are ORC: check the file, or exclude it from the plan") from None
