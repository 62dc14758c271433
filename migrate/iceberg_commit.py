"""After a table's files are copied and verified: create or update its Iceberg table, atomically.

`register` tables: the copied Parquet files become the table's data files as they are (a name
mapping resolves their columns; partition values come from the Hive partition paths).
`rewrite` tables: each copied file (text, CSV, JSON, ORC, Avro) is read through pyarrow and written
as Parquet under the table's location; a transactional (ACID) table's base/delta files are merged
first, deletes and updates applied, so only its live rows are written (see iceberg_acid and acid).
Either way one transaction replaces the table's files, so a reader sees the old table or the new one,
never half of it. A table whose file set (paths, sizes, mtimes) was already committed is left alone on
rerun; results go to `iceberg_commits.json` in the journal directory.
"""
from __future__ import annotations

import hashlib
import logging
import posixpath
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import iceberg_acid, iceberg_readers
from .config import Config
from .connectors import iceberg as ice
from .errors import BadInputError, OkdpError, ServiceUnreachable
from .inventory import read_json, write_json
from .plan.model import CopyItem, Plan, TablePlan
from .rules import iceberg_schema as rules

log = logging.getLogger("okdp_migrate.iceberg")
FILES_HASH = "okdp-migrate.files-hash"
LEDGER = "iceberg_commits.json"
VERIFIED = "verified"


@dataclass
class CommitResult:
    table: str
    identifier: str
    strategy: str
    status: str  # committed | unchanged | pending | failed
    files: int = 0
    rows: int | None = None
    snapshot_id: int | None = None
    files_hash: str = ""
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # findings the user must act on (shown in the copy summary)


def commit_tables(plan: Plan, journal: Any, config: Config | dict, tables: Iterable[str] | None = None,
                  results: list[CommitResult] | None = None) -> int:
    """Commit every register/rewrite table whose files are all verified; returns how many were committed now.

    A table failing is recorded and does not stop the others (see `results` and the ledger)."""
    settings = _settings(config)
    wanted = set(tables) if tables is not None else None
    committable = plan.iceberg_tables(wanted)
    by_table: dict[str, list[CopyItem]] = {}
    for item in plan.items(tables=committable):  # only these tables' rows are read from the plan
        by_table.setdefault(item.table, []).append(item)
    states = _journal_states(journal)
    out = results if results is not None else []
    catalog = None
    for wave in plan.waves():
        for tp in wave:
            if tp.fqn not in committable:
                continue
            items = sorted(by_table.get(tp.fqn, []), key=lambda i: i.src)
            ident = f"{tp.iceberg['namespace']}.{tp.iceberg['table']}"
            result = CommitResult(tp.fqn, ident, tp.strategy, "pending", files=len(items),
                                  files_hash=_files_hash(items))
            out.append(result)
            if states is not None and any(states.get((i.dst_bucket, i.dst_key)) != VERIFIED for i in items):
                continue  # not all files verified yet: a later run (or the last shard) commits it
            try:
                catalog = catalog or ice.open_catalog(settings)
                _commit_one(catalog, tp, items, result, iceberg_acid.TxnSources.from_settings(settings))
            except ServiceUnreachable as exc:  # catalog or storage down: every other table would fail alike
                result.status, result.error = "failed", exc.one_line()
                _write_ledger(journal, out)
                raise
            except OkdpError as exc:
                result.status, result.error = "failed", exc.one_line()
                log.error("iceberg commit failed: %s", exc.one_line())
            except Exception as exc:  # one table's unexpected failure must not stop the others
                result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
                log.error("iceberg commit of %s failed: %s: %s", tp.fqn, type(exc).__name__, exc)
    _write_ledger(journal, out)
    return sum(1 for r in out if r.status == "committed")


def _settings(config: Config | dict) -> dict[str, Any]:
    if isinstance(config, dict):
        return config
    return {k: v.value for k, v in config.values.items()}


def _journal_states(journal: Any) -> dict[tuple[str, str], str] | None:
    """(bucket, key) -> state from the copy journal; None means no journal (caller vouches for the files)."""
    if journal is None:
        return None
    return {(r["bucket"], r["key"]): r["state"] for r in journal.entries()}


def _files_hash(items: list[CopyItem]) -> str:
    h = hashlib.sha256()
    for i in items:
        h.update(f"{i.dst_url}\t{i.size}\t{i.mtime}\n".encode())
    return h.hexdigest()[:32]


def _is_data_file(item: CopyItem, tp: TablePlan) -> bool:
    """Hive leaves _SUCCESS, .hive-staging*, _orc_acid_version and empty files next to the data."""
    rel = item.src[len(tp.location):] if tp.location and item.src.startswith(tp.location) else item.src
    return item.size > 0 and not any(seg.startswith(("_", ".")) for seg in rel.strip("/").split("/"))


def _commit_one(catalog, tp: TablePlan, items: list[CopyItem], result: CommitResult,
                txn_sources: iceberg_acid.TxnSources | None = None) -> None:
    txn_sources = txn_sources or iceberg_acid.TxnSources()
    schema, notes = _schema(tp)
    result.notes = notes
    ice.ensure_namespace(catalog, tp.iceberg["namespace"])
    table = ice.load_table(catalog, result.identifier)
    if table is not None and table.properties.get(FILES_HASH) == result.files_hash:
        result.status, result.snapshot_id = "unchanged", _snapshot_id(table)
        result.rows = _total_rows(table)
        if tp.strategy == "rewrite" and iceberg_acid.is_acid_layout(tp, items):  # what was unknown still is
            result.warnings += iceberg_acid.invalid_ids(tp, items, txn_sources).warnings
        return
    data_items = [i for i in items if _is_data_file(i, tp)]
    spec = rules.partition_spec(schema, tp.partition_keys)
    if table is None:
        table = ice.create_table(catalog, result.identifier, schema, spec,
                                 {"okdp-migrate.source": tp.fqn, "okdp-migrate.source-format": tp.format})
    with ice.translated(result.identifier):
        data_files = _data_files(table, tp, data_items, items, result, txn_sources)
        with table.transaction() as tx:
            if tp.strategy == "register" and tx.table_metadata.name_mapping() is None:
                from pyiceberg.table import TableProperties

                tx.set_properties(**{TableProperties.DEFAULT_NAME_MAPPING:
                                     tx.table_metadata.schema().name_mapping.model_dump_json()})
            tx.set_properties(**{FILES_HASH: result.files_hash})
            snapshot_props = {"okdp-migrate.files": str(len(data_files)), FILES_HASH: result.files_hash}
            existing = list(table.scan().plan_files()) if table.current_snapshot() else []
            with tx.update_snapshot(snapshot_properties=snapshot_props).overwrite() as producer:
                for task in existing:
                    producer.delete_data_file(task.file)
                for df in data_files:
                    producer.append_data_file(df)
    table = table.refresh()
    result.status, result.snapshot_id, result.rows = "committed", _snapshot_id(table), _total_rows(table)
    result.files = len(data_files)


def _schema(tp: TablePlan):
    try:
        return rules.schema_from_hive(tp.columns, tp.partition_keys)
    except rules.UnsupportedType as exc:
        raise BadInputError(str(exc), obj=tp.fqn, fix="set the table's strategy to copy_only in the plan") from None


def _partition_record(tp: TablePlan, item: CopyItem):
    from pyiceberg.typedef import Record

    if not tp.partition_keys:
        return Record()
    if not item.partition:
        raise BadInputError("file of a partitioned table is outside any partition directory", obj=item.src,
                            fix="move it into a key=value directory, or exclude it from the plan")
    values = rules.parse_partition_name(item.partition)
    return Record(*[rules.partition_value(k["type"], values.get(k["name"].lower())) for k in tp.partition_keys])


def _data_files(table, tp: TablePlan, items: list[CopyItem], all_items: list[CopyItem], result: CommitResult,
                txn_sources: iceberg_acid.TxnSources) -> list:
    if tp.strategy == "register":
        return [_parquet_data_file(table, item.dst_url, _partition_record(tp, item)) for item in items]
    if iceberg_acid.is_acid_layout(tp, items):
        return _rewrite_acid(table, tp, items, all_items, result, txn_sources)
    return [df for df in (_rewrite_file(table, tp, item) for item in items) if df is not None]


def _rewrite_acid(table, tp: TablePlan, items: list[CopyItem], all_items: list[CopyItem], result: CommitResult,
                  txn_sources: iceberg_acid.TxnSources) -> list:
    """A transactional table: only live rows (deltas merged, deletes applied) become Parquet files."""
    invalid = iceberg_acid.invalid_ids(tp, all_items, txn_sources)
    result.notes += invalid.notes
    result.warnings += invalid.warnings
    if tp.format != "orc":  # full ACID is ORC only: this is an insert-only table, plain files in deltas
        files = iceberg_acid.selected_files(tp, items, invalid.writes, invalid.txns)
        result.notes.append(f"insert-only transactional table: {len(files)} of {len(items)} files are current")
        return [df for df in (_rewrite_file(table, tp, item) for item in files) if df is not None]
    split_update = iceberg_acid.uses_write_ids(all_items, tp)
    schema = _data_schema(table, tp)
    stats: dict[str, int] = {}
    out = []
    for item, batches in iceberg_acid.live_files(tp, items, lambda i: table.io.new_input(i.dst_url).open(),
                                                 invalid.writes, stats, split_update, invalid.txns):
        conformed = (iceberg_readers.conform(b, schema, item.src, positional=True) for b in batches)
        df = _write_rewritten(table, tp, item, conformed)
        if df is not None:
            out.append(df)
    result.notes.append(f"transactional table: {stats.get('files', 0)} base/delta/original files merged with "
                        f"{stats.get('changes', 0)} deleted or updated row keys, {stats.get('obsolete', 0)} obsolete "
                        f"directories skipped, {len(out)} Parquet files written")
    return out


def _parquet_data_file(table, url: str, partition, size: int | None = None, metadata=None):
    """An Iceberg DataFile for a Parquet file, statistics from its footer, partition given (not inferred:
    Hive does not store partition columns in the files)."""
    import pyarrow.parquet as pq
    from pyiceberg.io.pyarrow import (compute_statistics_plan, data_file_statistics_from_parquet_metadata,
                                      parquet_path_to_id_mapping)
    from pyiceberg.manifest import DataFile, DataFileContent, FileFormat

    meta = table.metadata
    input_file = table.io.new_input(url)
    if metadata is None:
        with input_file.open() as stream:
            metadata = pq.read_metadata(stream)
    stats = data_file_statistics_from_parquet_metadata(
        parquet_metadata=metadata, stats_columns=compute_statistics_plan(meta.schema(), meta.properties),
        parquet_column_mapping=parquet_path_to_id_mapping(meta.schema()))
    return DataFile.from_args(content=DataFileContent.DATA, file_path=url, file_format=FileFormat.PARQUET,
                              partition=partition, file_size_in_bytes=size if size is not None else len(input_file),
                              sort_order_id=None, spec_id=meta.default_spec_id, equality_ids=None, key_metadata=None,
                              **stats.to_serialized_dict())


def _data_schema(table, tp: TablePlan):
    import pyarrow as pa
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    part_names = {k["name"].lower() for k in tp.partition_keys}
    return pa.schema([f for f in schema_to_pyarrow(table.schema()) if f.name not in part_names])


def _rewrite_file(table, tp: TablePlan, item: CopyItem):
    """Read one copied file and write it as Parquet."""
    with table.io.new_input(item.dst_url).open() as stream:
        data = iceberg_readers.read(tp.format, stream, tp, _data_schema(table, tp), item.src)
    return _write_rewritten(table, tp, item, [data])


def _write_rewritten(table, tp: TablePlan, item: CopyItem, batches: Iterable):
    """Write `item`'s rows (tables of the data columns) as one Parquet file (Iceberg field ids, partition
    columns filled) under the table location, batch by batch; deterministic name, so a rerun overwrites
    instead of duplicating. None when there is no row to write."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    full = schema_to_pyarrow(table.schema())
    values = rules.parse_partition_name(item.partition) if tp.partition_keys and item.partition else {}
    part_values = {k["name"].lower(): rules.partition_literal(k["type"], values.get(k["name"].lower()))
                   for k in tp.partition_keys}

    def shaped(data):
        for name, value in part_values.items():
            f = full.field(name)
            data = data.append_column(f, pa.array([value] * data.num_rows, type=f.type))
        return data.select(full.names)

    batches = (b for b in batches if b.num_rows)
    first = next(batches, None)
    if first is None:
        return None
    stem = posixpath.basename(item.src).rsplit(".", 1)[0] or "part"
    digest = hashlib.sha256(item.src.encode()).hexdigest()[:10]
    sub = f"/{item.partition}" if item.partition else ""
    url = f"{table.location().rstrip('/')}/data{sub}/{stem}-{digest}.parquet"
    with table.io.new_output(url).create(overwrite=True) as sink:
        with pq.ParquetWriter(sink, schema=full, compression="zstd") as writer:
            writer.write_table(shaped(first))
            for b in batches:
                writer.write_table(shaped(b))
        metadata = writer.writer.metadata
    return _parquet_data_file(table, url, _partition_record(tp, item), metadata=metadata)


def _snapshot_id(table) -> int | None:
    snap = table.current_snapshot()
    return snap.snapshot_id if snap else None


def _total_rows(table) -> int | None:
    snap = table.current_snapshot()
    if not snap or not snap.summary:
        return 0 if not snap else None
    value = snap.summary.get("total-records")
    return int(value) if value is not None else None


def _write_ledger(journal: Any, results: list[CommitResult]) -> None:
    directory = getattr(journal, "dir", None)
    if directory is None:
        return
    path = Path(directory) / LEDGER
    ledger = read_json(path) if path.exists() else {}
    for r in results:
        if r.status != "pending" or r.table not in ledger:
            ledger[r.table] = dict(asdict(r), at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    write_json(path, ledger)


def ledger(journal_dir: str | Path) -> dict[str, Any]:
    path = Path(journal_dir) / LEDGER
    return read_json(path) if path.exists() else {}
