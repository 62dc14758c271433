"""The migration plan: a YAML file people read, edit and version, plus a Parquet sidecar of files.

The YAML holds the decisions (path mapping rules, per-table strategy and Iceberg target, waves,
shard summary); the sidecar `<plan>.files.parquet` holds the facts about every source file
(path, size, mtime, owner, table, partition, shard). Destinations are computed from the YAML's
mapping rules when the plan is loaded, so editing a rule in the YAML is all it takes to move data.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import BadInputError
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


@dataclass
class Plan:
    target: str  # s3://bucket[/prefix]
    mappings: list[MappingRule]
    tables: dict[str, TablePlan]
    shard_count: int
    files: list[FileEntry]
    source: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    path: Path | None = None
    notes: list[str] = field(default_factory=list)

    # -- the API the copy engine uses -------------------------------------------------------------
    def items(self, shard: tuple[int, int] | None = None) -> Iterator[CopyItem]:
        """Copy items of the whole plan, or of shard (I, N). N other than the plan's shard count
        re-packs the files deterministically, so every worker of a given N agrees on the split."""
        files = self.files
        if shard is not None:
            index, count = shard
            if count < 1 or not 0 <= index < count:
                raise BadInputError(f"shard {index}/{count} is out of range", obj=str(self.path or "plan"),
                                    fix="use --shard I/N with 0 <= I < N")
            assignment = ([f.shard for f in files] if count == self.shard_count
                          else pack([(f.size, f.table) for f in files], count))
            files = [f for f, s in zip(files, assignment) if s == index]
        for f in files:
            bucket, key = map_path(f.src, self.mappings)
            yield CopyItem(src=f.src, dst_bucket=bucket, dst_key=key, size=f.size, mtime=f.mtime, table=f.table,
                           partition=f.partition, shard=f.shard, owner=f.owner, group=f.group,
                           permission=f.permission)

    def table_items(self, fqn: str) -> list[CopyItem]:
        return [i for i in self.items() if i.table == fqn]

    def waves(self) -> list[list[TablePlan]]:
        out: dict[int, list[TablePlan]] = {}
        for t in self.tables.values():
            out.setdefault(t.wave, []).append(t)
        return [sorted(out[w], key=lambda t: t.fqn) for w in sorted(out)]

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)

    def shard_summary(self) -> list[dict[str, int]]:
        rows = [{"shard": i, "files": 0, "bytes": 0} for i in range(self.shard_count)]
        for f in self.files:
            rows[f.shard]["files"] += 1
            rows[f.shard]["bytes"] += f.size
        return rows


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
