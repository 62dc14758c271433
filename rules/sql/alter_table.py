"""ALTER TABLE for Iceberg: partitions are data, not metadata.

ADD PARTITION without LOCATION needs nothing (skipped); with LOCATION its files are registered with
add_files (Trino) / the add_files procedure (Spark) for review. DROP PARTITION becomes DELETE.
SET FILEFORMAT becomes the Iceberg format property; SerDe, bucketing, skew, touch/archive and
informational constraints have no Iceberg meaning and are skipped with the reason.
"""
from __future__ import annotations

import re

from sqlglot import exp

from .util import parse_spec, spec_predicate, split_top, unquote

_HEAD = re.compile(r"alter\s+(table|view)\s+([\w.`${}]+)\s+(.*)", re.I | re.S)
_ADD = re.compile(r"add\s+(?:if\s+not\s+exists\s+)?(partition\s*\(.*)", re.I | re.S)
_PART = re.compile(r"partition\s*\((.*?)\)\s*(?:location\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"))?", re.I | re.S)
_DROP = re.compile(r"drop\s+(?:if\s+exists\s+)?(partition\s*\(.*?)(?:\s+(?:purge|ignore\s+protection))?\s*$", re.I | re.S)
_SKIP = (
    (r"(partition\s*\(.*?\)\s*)?set\s+(serde|serdeproperties)\b", "SerDe settings have no meaning for Iceberg tables"),
    (r"(partition\s*\(.*?\)\s*)?set\s+location\b", "Iceberg tables cannot be relocated by ALTER; copy the data instead (okdp-migrate copy)"),
    (r"(not\s+)?(clustered|skewed|sorted)\b|.*\bbuckets\b|not\s+stored\s+as\s+directories|(partition\s*\(.*?\)\s*)?set\s+skewed",
     "Hive bucketing/skew layout; Iceberg uses partition transforms"),
    (r"touch\b|(un)?archive\b|(partition\s*\(.*?\)\s*)?concatenate\b|compact\b|enable\b|disable\b", "Hive storage maintenance with no Iceberg equivalent"),
    (r"add\s+constraint\b|drop\s+constraint\b", "informational constraint; the targets do not enforce it"),
    (r"(partition\s*\(.*?\)\s*)?set\s+tblproperties\b|unset\s+tblproperties\b", "Hive table properties have no Iceberg meaning"),
    (r"set\s+owner\b", "ownership is managed by the catalog's access control (Ranger policies)"),
    (r"(partition\s*\(.*?\)\s*)?set\s+fileformat\b", "file format"),
    (r"update\s+statistics\b|update\s+columns\b", "statistics are recomputed with ANALYZE"),
)
_PARTITION_COLUMN = re.compile(r"partition\s+column\s*\(\s*([\w`]+)\s+(.+?)\s*\)\s*$", re.I | re.S)
_FORMAT = re.compile(r"set\s+fileformat\s+(\w+)", re.I)


def alter_table(tree: exp.Expression, ctx):
    if not isinstance(tree, (exp.Alter, exp.Command)):
        return tree
    m = _HEAD.match(ctx.source.strip())
    if not m:
        return tree
    what, table, rest = m.group(1).lower(), m.group(2), m.group(3).strip()
    if what == "view" and re.match(r"(add|drop)\b", rest, re.I):
        ctx.skipped = "partitioned views are a Hive-only feature"
        return tree

    add = _ADD.match(rest)
    if add:
        return _add_partitions(table, add.group(1), ctx)
    drop = _DROP.match(rest)
    if drop:
        preds = []
        for part in re.findall(r"partition\s*\((.*?)\)", drop.group(1), re.I | re.S):
            preds.append(spec_predicate(parse_spec(part)))
        where = " OR ".join(f"({p})" for p in preds) if len(preds) > 1 else preds[0]
        ctx.flag("alter_table", "warning", "DROP PARTITION became DELETE of its rows; on an EXTERNAL Hive table the files "
                 "were kept, here the rows are deleted", fix="check the table was managed, or that deleting is intended")
        return f"DELETE FROM {table} WHERE {where}"
    fmt = _FORMAT.match(rest)
    if fmt and not rest.lower().startswith("partition"):
        name = fmt.group(1).upper()
        if name not in ("ORC", "PARQUET", "AVRO"):
            ctx.flag("alter_table", "error", f"Iceberg cannot store {name} files", fix="keep ORC/PARQUET/AVRO")
            return exp.Command(this="ALTER", expression=exp.Literal.string(ctx.source.strip()[6:]))  # no output
        if ctx.target == "trino":
            return f"ALTER TABLE {table} SET PROPERTIES format = '{name}'"
        return f"ALTER TABLE {table} SET TBLPROPERTIES ('write.format.default' = '{name.lower()}')"
    col = _PARTITION_COLUMN.match(rest)
    if col:  # on Iceberg a partition column is a column of the table: its type changes like any other's
        name, hive_type = col.group(1).strip("`"), col.group(2).strip()
        sql_type = exp.DataType.build(hive_type, dialect="hive").sql(ctx.target)
        ctx.flag("alter_table", "warning", f"partition column {name} becomes {hive_type}: Iceberg only allows widening "
                 "changes (int to bigint, float to double, larger decimal precision)",
                 fix="for other changes, add a new column and rewrite the data")
        if ctx.target == "trino":
            return f"ALTER TABLE {table} ALTER COLUMN {name} SET DATA TYPE {sql_type}"
        return f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {sql_type}"
    for pattern, reason in _SKIP:
        if re.match(pattern, rest, re.I | re.S):
            if reason == "file format":
                reason = "a partition's file format: Iceberg has one format per table"
            ctx.skipped = reason
            return tree
    return tree


def _add_partitions(table: str, text: str, ctx):
    out = []
    for spec, location in _PART.findall(text):
        if not location:
            continue
        loc = unquote(location)
        if ctx.target == "trino":
            out.append(f"ALTER TABLE {table} EXECUTE add_files(location => '{loc}', format => 'PARQUET')")
        else:
            filt = ", ".join(f"'{c}', {v}" for c, _, v in parse_spec(spec) if v)
            out.append(f"CALL system.add_files(table => '{table}', source_table => '`parquet`.`{loc}`'"
                       + (f", partition_filter => map({filt})" if filt else "") + ")")
    if not out:
        ctx.skipped = "Iceberg creates partitions when rows are written; an empty ADD PARTITION needs nothing"
        return []
    ctx.flag("alter_table", "warning", "ADD PARTITION ... LOCATION: the files are registered into the Iceberg table "
             "(format assumed PARQUET)", fix="check the format and that the path was copied to the object store; "
             "text files must be rewritten instead")
    return out
