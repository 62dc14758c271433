"""DESCRIBE and SHOW: interactive commands, rewritten to the target's own forms (Trino's metadata
tables for partitions and properties); Spark reads Hive's forms as they are."""
from __future__ import annotations

import re

from sqlglot import exp

_T = r"([\w.`${}]+)"
_TRINO = (
    (re.compile(rf"(?:describe|desc)\s+(?:database|schema)\s+(?:extended\s+)?{_T}\s*$", re.I), lambda m: f"SHOW SCHEMAS LIKE '{m[1]}'"),
    (re.compile(r"(?:describe|desc)\s+function\s+(?:extended\s+)?(\S+)\s*$", re.I), lambda m: f"SHOW FUNCTIONS LIKE '{m[1].lower()}'"),
    (re.compile(rf"(?:describe|desc)\s+(?:formatted\s+|extended\s+)?{_T}(?:\s+partition\s*\(.*?\))?(?:\s+[\w.]+)?\s*$", re.I | re.S),
     lambda m: f"DESCRIBE {m[1]}"),
    (re.compile(rf"show\s+partitions\s+{_T}.*$", re.I | re.S), lambda m: f'SELECT * FROM {_meta(m[1], "partitions")}'),
    (re.compile(rf"show\s+tblproperties\s+{_T}.*$", re.I | re.S), lambda m: f'SELECT * FROM {_meta(m[1], "properties")}'),
    (re.compile(rf"show\s+create\s+table\s+{_T}\s*$", re.I), lambda m: f"SHOW CREATE TABLE {m[1]}"),
    (re.compile(rf"show\s+(?:columns|fields)\s+(?:from|in)\s+{_T}(?:\s+(?:from|in)\s+{_T})?.*$", re.I | re.S),
     lambda m: f"SHOW COLUMNS FROM {m[2] + '.' if m[2] else ''}{m[1]}"),
    (re.compile(rf"show\s+(?:tables|views)(?:\s+(?:in|from)\s+{_T})?(?:\s+(?:like\s+)?['\"]?([^'\"\s]*)['\"]?)?\s*$", re.I),
     lambda m: "SHOW TABLES" + (f" FROM {m[1]}" if m[1] else "") + (f" LIKE '{_like(m[2])}'" if m[2] else "")),
    (re.compile(r"show\s+(?:databases|schemas)(?:\s+like\s+['\"]([^'\"]*)['\"])?\s*$", re.I),
     lambda m: "SHOW SCHEMAS" + (f" LIKE '{_like(m[1])}'" if m[1] else "")),
    (re.compile(r"show\s+functions.*$", re.I | re.S), lambda m: "SHOW FUNCTIONS"),
)


_SPARK_DESC_PARTITION_COLUMN = re.compile(rf"(?:describe|desc)\s+(formatted\s+|extended\s+)?{_T}\s+partition\s*\(.*?\)\s+([\w.]+)\s*$",
                                          re.I | re.S)
_SPARK_SHOW_TABLES_PATTERN = re.compile(r"show\s+tables((?:\s+(?:in|from)\s+[\w`]+)?)\s+(?:like\s+)?([\w*|]+)\s*$", re.I)
_SPARK_SHOW_EXTENDED = re.compile(r"show\s+table\s+extended((?:\s+(?:in|from)\s+[\w`]+)?)\s+like\s+([\w*|]+)(\s+partition\s*\(.*\))?\s*$",
                                  re.I | re.S)


def describe_show(tree: exp.Expression, ctx):
    text = ctx.source.strip()
    if not re.match(r"(describe|desc|show)\b", text, re.I) or any(f.severity == "error" for f in ctx.findings):
        return tree
    if ctx.target == "spark":
        m = _SPARK_DESC_PARTITION_COLUMN.match(text)
        if m:  # Spark describes a column of the table, not of one partition
            ctx.flag("describe_show", "warning", "Spark cannot describe a column of one partition: the table's column is "
                     "described instead (statistics are table-wide)", fix="read partition statistics from the Iceberg "
                     "metadata tables if needed")
            return f"DESCRIBE {(m[1] or '').strip().upper()} {m[2]} {m[3]}".replace("  ", " ")
        m = _SPARK_SHOW_TABLES_PATTERN.match(text)
        if m:  # Hive's unquoted pattern; Spark takes it as a string
            return f"SHOW TABLES{m[1] or ''} LIKE '{m[2]}'"
        m = _SPARK_SHOW_EXTENDED.match(text)
        if m:  # Spark takes the pattern as a string
            return f"SHOW TABLE EXTENDED{m[1] or ''} LIKE '{m[2]}'{m[3] or ''}"
        if isinstance(tree, exp.Command):
            ctx.flag("describe_show", "info", "Hive command passed to Spark as written")
            return text
        return tree
    for pattern, build in _TRINO:
        m = pattern.match(text)
        if m:
            return build(m)
    return tree


def _meta(table: str, which: str) -> str:
    db, _, name = table.rpartition(".")
    return f'{db + "." if db else ""}"{name}${which}"'


def _like(pattern: str) -> str:
    return pattern.replace("*", "%").split("|")[0]
