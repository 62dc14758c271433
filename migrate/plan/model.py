"""The migration plan: a YAML file people read, edit and version, plus a Parquet sidecar of files.

The YAML holds the decisions (path mapping rules, per-table strategy and Iceberg target, waves,
shard summary); the sidecar `<plan>.files.parquet` holds the facts about every source file
(path, size, mtime, owner, table, partition, shard). Destinations are computed from the YAML's
mapping rules when the plan is loaded, so editing a rule in the YAML is all it takes to move data.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInputError
from ..inventory import _column_values, read_parquet
from .mapping import MappingRule, map_path
from .shards import pack

PLAN_SCHEMA_VERSION = 1
PLAN_KIND = "okdp-migrate/plan"
STRATEGIES = ("register", "rewrite", "copy_only", "skip", "view")


@dataclass(slots=True)  # millions per plan: no per-object __dict__
class FileEntry:
    """One source file, as the plan records it."""

    src: str
    size: int
    mtime: int  # epoch milliseconds
    shard: int = 0
    table: str | None = None  # "db.table" when the file belongs to a table's data
    partition: str | None = None  # Hive partition name "dt=2024-01-01/country=fr", when partitioned
    owner: str = ""
    group: str = ""
    permission: str = ""


@dataclass(slots=True)  # the copy holds one per file of its shard for the whole run
class CopyItem:
    """What the copy engine moves: one HDFS file to one S3 object."""

    src: str
    dst_bucket: str
    dst_key: str
    size: int
    mtime: int
    table: str | None = None
    partition: str | None = None
    shard: int = 0
    owner: str = ""
    group: str = ""
    permission: str = ""

    @property
    def dst_url(self) -> str:
        return f"s3://{self.dst_bucket}/{self.dst_key}"


@dataclass
class TablePlan:
    fqn: str  # source "db.table"
    kind: str  # "table" | "view"
    strategy: str  # register | rewrite | copy_only | skip | view
    reasons: list[str] = field(default_factory=list)
    format: str = ""
    location: str | None = None  # source HDFS path (no scheme/authority)
    target: str | None = None  # s3://bucket/key prefix of the table's data
    iceberg: dict[str, str] | None = None  # {"namespace": ..., "table": ...}
    columns: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "type", "comment"}]
    partition_keys: list[dict[str, Any]] = field(default_factory=list)
    serde: str | None = None
    serde_params: dict[str, str] = field(default_factory=dict)
    wave: int = 0
    depends_on: list[str] = field(default_factory=list)
    view_text: str | None = None
    files: int = 0
    bytes: int = 0
    shards: list[int] = field(default_factory=list)


class Plan:
    """The plan's decisions, and its file list: given (`files=`, a plan being built) or read from the
    Parquet sidecar on demand (a loaded plan). A shard, or the Iceberg step, reads only the rows it needs:
    the filter runs on Arrow columns before any FileEntry is made."""

    def __init__(self, target: str, mappings: list[MappingRule], tables: dict[str, TablePlan], shard_count: int,
                 files: list[FileEntry] | None = None, source: dict[str, Any] | None = None, created: str = "",
                 path: Path | None = None, notes: list[str] | None = None, sidecar: Path | None = None):
        self.target, self.mappings, self.tables, self.shard_count = target, mappings, tables, shard_count
        self.source, self.created, self.path, self.notes = source or {}, created, path, notes or []
        self._files = files
        self._sidecar = SidecarRows(sidecar) if files is None and sidecar is not None else None

    def __repr__(self) -> str:
        return f"Plan(target={self.target!r}, tables={len(self.tables)}, shard_count={self.shard_count})"

    @property
    def files(self) -> list[FileEntry]:
        """Every file of the plan (read from the sidecar on first use: plan show, save, tests)."""
        if self._files is None:
            self._files = list(self._sidecar.entries()) if self._sidecar else []
        return self._files

    @files.setter
    def files(self, value: list[FileEntry]) -> None:
        self._files = value

    # -- the API the copy engine uses -------------------------------------------------------------
    def items(self, shard: tuple[int, int] | None = None, tables: set[str] | None = None) -> Iterator[CopyItem]:
        """Copy items of the whole plan, of shard (I, N), and/or of some tables, in the plan's order.
        N other than the plan's shard count re-packs the files deterministically, so every worker of a
        given N agrees on the split."""
        if shard is not None:
            index, count = shard
            if count < 1 or not 0 <= index < count:
                raise BadInputError(f"shard {index}/{count} is out of range", obj=str(self.path or "plan"),
                                    fix="use --shard I/N with 0 <= I < N")
        for f in self._entries(shard, tables):
            bucket, key = map_path(f.src, self.mappings)
            yield CopyItem(src=f.src, dst_bucket=bucket, dst_key=key, size=f.size, mtime=f.mtime, table=f.table,
                           partition=f.partition, shard=f.shard, owner=f.owner, group=f.group,
                           permission=f.permission)

    def _entries(self, shard: tuple[int, int] | None, tables: set[str] | None) -> Iterator[FileEntry]:
        if self._files is None and self._sidecar is not None:  # read only the wanted rows
            assignment = None
            if shard is not None and shard[1] != self.shard_count:
                assignment = self.shard_assignment(shard[1])
            return self._sidecar.entries(shard, assignment, tables)
        files: Iterator[FileEntry] = iter(self.files)
        if shard is not None:
            index, count = shard
            files = (f for f, s in zip(self.files, self.shard_assignment(count)) if s == index)
        if tables is not None:
            files = (f for f in files if f.table in tables)
        return files

    def table_items(self, fqn: str) -> list[CopyItem]:
        return list(self.items(tables={fqn}))

    def shard_assignment(self, count: int) -> list[int]:
        """The shard of each file (plan order) when the plan is split in `count` shards."""
        if self._files is None and self._sidecar is not None:
            if count == self.shard_count:
                return self._sidecar.column("shard").to_pylist()
            return pack(self._sidecar.sizes_and_tables(), count)
        if count == self.shard_count:
            return [f.shard for f in self.files]
        return pack([(f.size, f.table) for f in self.files], count)

    def rows_of(self, tables: set[str]) -> list[int]:
        """Positions (plan order) of the files of `tables`: what items(tables=...) yields, as row numbers."""
        if self._files is None and self._sidecar is not None:
            import pyarrow as pa
            import pyarrow.compute as pc

            mask = pc.is_in(self._sidecar.column("table"), value_set=pa.array(sorted(tables), pa.string()))
            return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()
        return [i for i, f in enumerate(self.files) if f.table in tables]

    def iceberg_tables(self, wanted: set[str] | None = None) -> set[str]:
        """The tables that become Iceberg tables (register or rewrite, with a target), of `wanted` if given."""
        return {fqn for fqn, t in self.tables.items() if t.strategy in ("register", "rewrite") and t.iceberg
                and (wanted is None or fqn in wanted)}

    def file_tables(self) -> set[str]:
        """The tables that have at least one file in the plan."""
        if self._files is None and self._sidecar is not None:
            import pyarrow.compute as pc

            return {t for t in pc.unique(self._sidecar.column("table")).to_pylist() if t is not None}
        return {f.table for f in self.files if f.table}

    def waves(self) -> list[list[TablePlan]]:
        out: dict[int, list[TablePlan]] = {}
        for t in self.tables.values():
            out.setdefault(t.wave, []).append(t)
        return [sorted(out[w], key=lambda t: t.fqn) for w in sorted(out)]

    @property
    def bytes(self) -> int:
        if self._files is None and self._sidecar is not None:
            import pyarrow.compute as pc

            return int(pc.sum(self._sidecar.column("size")).as_py() or 0)
        return sum(f.size for f in self.files)

    def shard_summary(self) -> list[dict[str, int]]:
        rows = [{"shard": i, "files": 0, "bytes": 0} for i in range(self.shard_count)]
        for f in self.files:
            rows[f.shard]["files"] += 1
            rows[f.shard]["bytes"] += f.size
        return rows


class SidecarRows:
    """Reads of the plan's .files.parquet: whole columns as Arrow arrays, or the FileEntry rows a filter
    keeps. The file must not change after the plan was loaded (its checksum was checked then)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp = self._stat()

    def _stat(self) -> tuple[int, int]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return (-1, -1)
        return st.st_size, st.st_mtime_ns

    def _check(self) -> None:
        if self._stat() != self._stamp:
            raise BadInputError("the plan's file list changed (or went away) after the plan was loaded",
                                obj=str(self.path), fix="keep the plan and its sidecar unchanged while it runs")

    def column(self, name: str):
        """One column of every row, as an Arrow array."""
        import pyarrow.parquet as pq

        self._check()
        return pq.read_table(self.path, columns=[name]).column(name).combine_chunks()

    def sizes_and_tables(self) -> SizeTablePairs:
        # the inventory's column reader: one str per distinct table name, not one per file
        return SizeTablePairs(self.column("size").to_pylist(), _column_values(self.column("table"), False))

    def entries(self, shard: tuple[int, int] | None = None, assignment: list[int] | None = None,
                tables: set[str] | None = None) -> Iterator[FileEntry]:
        """FileEntry rows (plan order) of shard I (by the `shard` column, or by `assignment` when given) and
        of `tables`; the masks are computed on Arrow columns, before any object is made."""
        import pyarrow as pa
        import pyarrow.compute as pc

        self._check()
        assigned = pa.array(assignment, pa.int32()) if assignment is not None else None
        wanted = pa.array(sorted(tables), pa.string()) if tables is not None else None

        def keep(batch, first: int):
            masks = []
            if shard is not None:
                shards = assigned.slice(first, batch.num_rows) if assigned is not None else batch.column("shard")
                masks.append(pc.equal(shards, shard[0]))
            if wanted is not None:  # a file of no table (null) is never one of `tables`
                masks.append(pc.fill_null(pc.is_in(batch.column("table"), value_set=wanted), False))
            return masks[0] if len(masks) == 1 else pc.and_(*masks)

        where = keep if shard is not None or tables is not None else None
        return read_parquet(self.path, FileEntry, where=where)


class SizeTablePairs(Sequence):
    """(size, table) of each file for pack(), from two columns: no tuple per file is held."""

    def __init__(self, sizes: list[int], tables: list[str | None]):
        self.sizes, self.tables = sizes, tables

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, i):
        return self.sizes[i], self.tables[i]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sidecar_path(plan_path: Path) -> Path:
    plan_path = Path(plan_path)
    return plan_path.with_name(plan_path.name + ".files.parquet")


def env_shard() -> tuple[int, int] | None:
    """(I, N) from JOB_COMPLETION_INDEX + OKDP_MIGRATE_SHARDS, as a Kubernetes Indexed Job pod sees it."""
    index, count = os.environ.get("JOB_COMPLETION_INDEX"), os.environ.get("OKDP_MIGRATE_SHARDS")
    if index is None or count is None:
        return None
    return int(index), int(count)
