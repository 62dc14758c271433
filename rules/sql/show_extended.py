"""SHOW TABLE EXTENDED [IN db] LIKE pattern [PARTITION (...)]: Trino has no such statement. For one table
it becomes DESCRIBE (the columns), for a pattern SHOW TABLES LIKE; what Hive also printed (location,
format, file counts and sizes) is in SHOW CREATE TABLE and the table's metadata tables: for review.
Spark reads the Hive form (the describe_show rule quotes its pattern)."""
from __future__ import annotations

import re

from sqlglot import exp

_SHOW_EXTENDED = re.compile(r"show\s+table\s+extended(?:\s+(?:in|from)\s+([\w`]+))?\s+like\s+['\"]?([\w*|`]+)['\"]?"
                            r"(\s+partition\s*\(.*\))?\s*$", re.I | re.S)


def show_extended(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    m = _SHOW_EXTENDED.match(ctx.source.strip())
    if not m:
        return tree
    db, pattern, partition = m[1], m[2].strip("`"), m[3]
    if "|" in pattern:
        ctx.flag("show_extended", "error", f"SHOW TABLE EXTENDED with the alternatives pattern '{pattern}': Trino's LIKE "
                 "takes one pattern", fix="run one SHOW TABLES LIKE per alternative")
        return exp.Command(this="SHOW")
    where = f"the table's \"$partitions\" metadata table for partition {partition.strip()}" if partition else \
        "its metadata tables"
    ctx.flag("show_extended", "warning", "Trino has no SHOW TABLE EXTENDED: " + (
        "SHOW TABLES LIKE lists the matching names only" if "*" in pattern else "DESCRIBE lists the columns only") +
        f"; location and format are in SHOW CREATE TABLE, file counts and sizes in {where}",
        fix="query SHOW CREATE TABLE or the metadata tables for what the script read from this output")
    if "*" in pattern:
        return f"SHOW TABLES{f' FROM {db}' if db else ''} LIKE '{pattern.replace('*', '%')}'"
    return f"DESCRIBE {f'{db}.' if db else ''}{pattern}"
