"""What to do with each Hive table or view on OKDP, and why: pure rules over the model, no I/O.

Verdicts: register_in_place (Iceberg metadata over the existing files), rewrite (files must be read and
written again), keep_hive (copy as is, read through Trino's Hive connector: OKDP's bronze layer),
blocked (cannot move as is; the reason says why), translate_view (the view's SQL must be translated).
"""
from __future__ import annotations

import re
from typing import Any

from ..model import HiveTable, Verdict

REGISTRABLE = {"parquet", "orc", "avro"}
TEXT_FAMILY = {"text", "csv", "json", "regex", "sequence", "rcfile"}
_CHAR = re.compile(r"(?<![a-z_])char\s*\(", re.I)
_VARCHAR = re.compile(r"varchar\s*\(", re.I)
# SerDes that ship with Hive (and that Trino/Spark read without extra jars); anything else is custom.
BUILTIN_SERDES = ("lazysimpleserde", "opencsvserde", "jsonserde", "regexserde", "multidelimitserde", "parquet",
                  "orcserde", "avroserde", "columnarserde", "lazybinarycolumnarserde", "lazybinaryserde",
                  "hbaseserde", "delimitedjsonserde")
_TIMESTAMP = re.compile(r"(?<![a-z_])timestamp(?![a-z_])", re.I)


def _types(t: HiveTable) -> list[str]:
    return [c.type for c in t.columns + t.partition_keys]


def blocked_reasons(t: HiveTable, exists: bool | None) -> list[str]:
    handler = t.parameters.get("storage_handler", "")
    if "hbase" in handler.lower():
        return [f"HBase-backed table ({handler}): OKDP has no HBase; export the HBase table first"]
    if handler:
        return [f"non-native table (storage handler {handler}): its data does not live in files"]
    if not t.location:
        return ["table has no location"]
    if exists is False:
        return [f"location {t.location} does not exist in HDFS (dangling table)"]
    return []


def rewrite_reasons(t: HiveTable, partition_formats: set[str]) -> list[str]:
    fmt, out = t.file_format, []
    if t.is_transactional:
        props = t.parameters.get("transactional_properties", "default")
        out.append(f"ACID/transactional table ({props}): base and delta directories must be merged")
    serde = (t.serde or "").lower()
    if fmt.startswith("other:") or (serde and not any(n in serde for n in BUILTIN_SERDES)):
        out.append(f"custom SerDe {t.serde or fmt[6:]}: read it with its SerDe jar in Spark and rewrite")
    elif fmt in TEXT_FAMILY:
        out.append(f"{fmt} files: Iceberg registers only Parquet, ORC and Avro")
    if t.num_buckets > 0:
        out.append(f"bucketed ({t.num_buckets} buckets on {', '.join(t.bucket_columns) or '?'}): "
                   "Hive bucketing is not Iceberg's bucket transform")
    if t.skewed:
        out.append("skewed table (list bucketing): directory layout Iceberg cannot register")
    types = " ".join(_types(t))
    if _CHAR.search(types):
        out.append("CHAR(n) columns: Hive pads and trims them, Iceberg has no CHAR type")
    if _VARCHAR.search(types):
        out.append("VARCHAR(n) columns become string: the length is no longer enforced")
    if fmt == "parquet" and _TIMESTAMP.search(types):
        out.append("timestamp columns in Hive-written Parquet are INT96, which the Iceberg spec does not allow")
    others = sorted(partition_formats - {fmt})
    if others:
        out.append(f"partitions stored as {', '.join(others)} while the table says {fmt}")
    return out


def table_verdict(t: HiveTable, usage: dict[str, Any], exists: bool | None,
                  partition_formats: set[str] | None = None) -> Verdict:
    """usage: files, bytes, physical_bytes, small_files, partitions (what the HDFS join measured)."""
    details = {"format": t.file_format, "table_type": t.table_type, "owner": t.owner, "location": t.location,
               **usage}
    if t.is_view:
        details.update(view_text=t.view_original_text, view_expanded_text=t.view_expanded_text)
        return Verdict(t.fqn, "view", "translate_view",
                       ["view: its HiveQL must be translated for Trino/Spark (okdp-migrate rewrite) and "
                        "recreated after the tables it reads"], details)
    blocked = blocked_reasons(t, exists)
    if blocked:
        return Verdict(t.fqn, "table", "blocked", blocked, details)
    rewrite = rewrite_reasons(t, partition_formats or set())
    notes = []
    if usage.get("small_files"):
        notes.append(f"{usage['small_files']} small files: compact them when rewriting or after registering")
    fmt = t.file_format
    format_only = rewrite and all(r.startswith(f"{fmt} files") for r in rewrite)
    if format_only and t.table_type == "EXTERNAL_TABLE" and fmt in TEXT_FAMILY:
        return Verdict(t.fqn, "table", "keep_hive",
                       [f"external {fmt} data: keep it as is in the bronze layer, read through Trino's Hive "
                        "connector (rewrite to Iceberg optional)"] + notes, details)
    if rewrite:
        return Verdict(t.fqn, "table", "rewrite", rewrite + notes, details)
    if fmt in REGISTRABLE:
        return Verdict(t.fqn, "table", "register_in_place",
                       [f"{fmt} files without Iceberg field IDs: register them in place with a name mapping"] + notes,
                       details)
    return Verdict(t.fqn, "table", "keep_hive", [f"format {fmt}: keep readable through Trino's Hive connector"]
                   + notes, details)
