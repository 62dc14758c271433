"""The typed inventory model: scanners produce it, planners and translators consume it, reports render it.

Large collections (files, directories, partitions) are stored as Parquet in the inventory
directory; the rest as JSON. See okdp_migrate.inventory for the on-disk layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class HdfsEntry:
    """One file or directory of the HDFS namespace (same shape from WebHDFS, RPC, fsimage or oiv)."""

    path: str
    kind: str  # "file" | "dir" | "symlink"
    size: int = 0  # logical bytes (files)
    replication: int = 0
    mtime: int = 0  # epoch milliseconds
    atime: int = 0
    block_size: int = 0
    owner: str = ""
    group: str = ""
    permission: str = ""  # octal, e.g. "755"
    storage_policy: str | None = None
    ec_policy: str | None = None


@dataclass
class Column:
    name: str
    type: str  # Hive type string, e.g. "decimal(10,2)", "array<string>"
    comment: str | None = None


@dataclass
class HiveTable:
    database: str
    name: str
    table_type: str  # MANAGED_TABLE | EXTERNAL_TABLE | VIRTUAL_VIEW | MATERIALIZED_VIEW
    owner: str = ""
    location: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    serde: str | None = None
    serde_params: dict[str, str] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)
    partition_keys: list[Column] = field(default_factory=list)
    bucket_columns: list[str] = field(default_factory=list)
    num_buckets: int = 0
    sort_columns: list[str] = field(default_factory=list)
    skewed: bool = False
    parameters: dict[str, str] = field(default_factory=dict)
    view_original_text: str | None = None
    view_expanded_text: str | None = None
    ddl: str | None = None  # SHOW CREATE TABLE from HiveServer2, when fetched
    create_time: int = 0

    @property
    def fqn(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def is_view(self) -> bool:
        return self.table_type in ("VIRTUAL_VIEW", "MATERIALIZED_VIEW")

    @property
    def is_transactional(self) -> bool:
        return str(self.parameters.get("transactional", "")).lower() == "true"

    @property
    def file_format(self) -> str:
        """parquet | orc | avro | text | sequence | rcfile | json | csv | other:<class> | view"""
        return detect_format(self)


@dataclass
class HivePartition:
    database: str
    table: str
    values: list[str]
    name: str  # "dt=2024-01-01/country=fr"
    location: str | None = None
    input_format: str | None = None
    serde: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    create_time: int = 0


@dataclass
class Finding:
    """Something a person must know about one object: used by scan, rewrite, convert and copy."""

    rule: str
    severity: str  # "info" | "warning" | "error"
    message: str
    obj: str = ""
    fix: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class Verdict:
    obj: str  # "db.table" or a path
    kind: str  # "table" | "view" | "hbase" | "workload"
    verdict: str  # register_in_place | rewrite | keep_hive | blocked | translate_view | ...
    reasons: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


# Binary formats are named by their input format; text files by the SerDe that reads them.
_INPUT_FORMATS = (("parquet", "parquet"), ("orc", "orc"), ("avro", "avro"),
                  ("sequencefile", "sequence"), ("rcfile", "rcfile"))
_TEXT_SERDES = (("opencsvserde", "csv"), ("jsonserde", "json"), ("regexserde", "regex"),
                ("lazysimpleserde", "text"), ("multidelimitserde", "text"))


def detect_format(t: HiveTable) -> str:
    """parquet | orc | avro | sequence | rcfile | text | csv | json | regex | hbase | view | other:<class>"""
    if t.is_view:
        return "view"
    if "hbase" in str(t.parameters.get("storage_handler", "")).lower():
        return "hbase"
    fmt, serde = (t.input_format or "").lower(), (t.serde or "").lower()
    for needle, name in _INPUT_FORMATS:
        if needle in fmt or needle in serde:
            return name
    for needle, name in _TEXT_SERDES:
        if needle in serde:
            return name
    if "textinputformat" in fmt:
        return "text"
    return f"other:{t.serde or t.input_format or 'unknown'}"
