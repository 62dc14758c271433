"""Hive column types -> Iceberg schema and partition spec (pure: no I/O).

Hive columns are nullable, so every Iceberg field is optional. Partition columns become identity
partitions and come after the data columns, as Hive shows them. Lossy mappings come back as notes
(CHAR/VARCHAR lose their length, TINYINT/SMALLINT widen to int); types Iceberg has no equivalent for
raise UnsupportedType naming the column.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import unquote

from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import (BinaryType, BooleanType, DateType, DecimalType, DoubleType, FloatType, IcebergType,
                             IntegerType, ListType, LongType, MapType, NestedField, StringType, StructType,
                             TimestampType, TimestamptzType)

HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
EPOCH = dt.date(1970, 1, 1)

PRIMITIVES: dict[str, IcebergType] = {
    "boolean": BooleanType(), "tinyint": IntegerType(), "smallint": IntegerType(), "int": IntegerType(),
    "integer": IntegerType(), "bigint": LongType(), "float": FloatType(), "double": DoubleType(),
    "double precision": DoubleType(), "real": FloatType(), "string": StringType(), "binary": BinaryType(),
    "date": DateType(), "timestamp": TimestampType(), "timestamp with local time zone": TimestamptzType(),
}
WIDENED = {"tinyint": "int", "smallint": "int"}


class UnsupportedType(ValueError):
    """A Hive type with no Iceberg equivalent (uniontype, interval, void)."""


class _Ids:
    def __init__(self, start: int = 1):
        self.next = start

    def __call__(self) -> int:
        self.next += 1
        return self.next - 1


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """'a:int,b:map<string,int>' -> ['a:int', 'b:map<string,int>'] (separators inside <> or () kept)."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def hive_to_iceberg(hive_type: str, ids: _Ids, column: str, notes: list[str]) -> IcebergType:
    t = " ".join(hive_type.strip().lower().split())
    if t in PRIMITIVES:
        if t in WIDENED:
            notes.append(f"{column}: {t} widened to {WIDENED[t]} (Iceberg has no 8/16-bit integers)")
        return PRIMITIVES[t]
    m = re.fullmatch(r"(var)?char\s*\(\s*(\d+)\s*\)", t)
    if m:
        notes.append(f"{column}: {t} mapped to string (length {m.group(2)} not enforced by Iceberg"
                     f"{'; CHAR padding is kept as stored' if not m.group(1) else ''})")
        return StringType()
    m = re.fullmatch(r"decimal(?:\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?", t)
    if m:
        precision, scale = int(m.group(1) or 10), int(m.group(2) or 0)
        if precision > 38:
            raise UnsupportedType(f"{column}: decimal precision {precision} > 38")
        return DecimalType(precision, scale)
    if t.startswith("array<") and t.endswith(">"):
        element = hive_to_iceberg(t[6:-1], ids, f"{column}.element", notes)
        return ListType(element_id=ids(), element_type=element, element_required=False)
    if t.startswith("map<") and t.endswith(">"):
        parts = split_top_level(t[4:-1])
        if len(parts) != 2:
            raise UnsupportedType(f"{column}: malformed map type {hive_type}")
        key_id, value_id = ids(), ids()
        return MapType(key_id=key_id, key_type=hive_to_iceberg(parts[0], ids, f"{column}.key", notes),
                       value_id=value_id, value_type=hive_to_iceberg(parts[1], ids, f"{column}.value", notes),
                       value_required=False)
    if t.startswith("struct<") and t.endswith(">"):
        members = []
        for part in split_top_level(hive_type.strip()[7:-1]):
            name, sep, member_type = part.partition(":")
            if not sep:
                raise UnsupportedType(f"{column}: malformed struct member '{part}'")
            members.append((name.strip().strip("`"), member_type))
        field_ids = [ids() for _ in members]
        return StructType(*[NestedField(fid, name, hive_to_iceberg(mt, ids, f"{column}.{name}", notes), required=False)
                            for fid, (name, mt) in zip(field_ids, members)])
    raise UnsupportedType(f"{column}: Hive type '{hive_type}' has no Iceberg equivalent")


def schema_from_hive(columns: Iterable[dict[str, Any]], partition_keys: Iterable[dict[str, Any]] = ()
                     ) -> tuple[Schema, list[str]]:
    """(Iceberg schema, notes) for Hive data columns followed by partition columns."""
    notes: list[str] = []
    cols = list(columns) + list(partition_keys)
    ids = _Ids(len(cols) + 1)  # top-level fields take 1..n, nested ids follow
    fields = []
    for i, c in enumerate(cols, start=1):
        fields.append(NestedField(i, c["name"].lower(), hive_to_iceberg(c["type"], ids, c["name"], notes),
                                  required=False, doc=c.get("comment") or None))
    return Schema(*fields), notes


def partition_spec(schema: Schema, partition_keys: Iterable[dict[str, Any]]) -> PartitionSpec:
    fields = [PartitionField(source_id=schema.find_field(k["name"].lower()).field_id, field_id=1000 + i,
                             transform=IdentityTransform(), name=k["name"].lower())
              for i, k in enumerate(partition_keys)]
    return PartitionSpec(*fields)


def parse_partition_name(name: str) -> dict[str, str | None]:
    """'dt=2024-01-01/c=a%2Fb' -> {'dt': '2024-01-01', 'c': 'a/b'}; Hive's default partition -> None."""
    out: dict[str, str | None] = {}
    for seg in name.strip("/").split("/"):
        k, _, v = seg.partition("=")
        value = unquote(v)
        out[unquote(k).lower()] = None if value == HIVE_DEFAULT_PARTITION else value
    return out


def partition_literal(hive_type: str, text: str | None) -> Any:
    """A Hive partition value (path text) as a Python value of the column's type."""
    if text is None:
        return None
    t = " ".join(hive_type.strip().lower().split())
    if t in ("tinyint", "smallint", "int", "integer", "bigint"):
        return int(text)
    if t in ("float", "double", "double precision", "real"):
        return float(text)
    if t == "boolean":
        return text.lower() == "true"
    if t == "date":
        return dt.date.fromisoformat(text)
    if t.startswith("timestamp"):
        return dt.datetime.fromisoformat(text.replace(" ", "T"))
    if t.startswith("decimal"):
        return Decimal(text)
    return text


def partition_value(hive_type: str, text: str | None) -> Any:
    """A Hive partition value (path text) in Iceberg's internal form for an identity partition
    (dates as days and timestamps as microseconds since the epoch)."""
    v = partition_literal(hive_type, text)
    if isinstance(v, dt.datetime):
        return (v - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    if isinstance(v, dt.date):
        return (v - EPOCH).days
    return v
