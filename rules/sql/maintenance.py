"""MSCK REPAIR and ANALYZE: Iceberg tracks partitions itself (nothing to repair); statistics are
collected with the target's own ANALYZE."""
from __future__ import annotations

import re

from sqlglot import exp

_MSCK = re.compile(r"msck\s+(repair\s+)?table\s+([\w.`${}]+)", re.I)
_ANALYZE = re.compile(r"analyze\s+table\s+([\w.`${}]+)(\s+partition\s*\(.*?\))?\s+compute\s+statistics(.*)", re.I | re.S)


def maintenance(tree: exp.Expression, ctx):
    text = ctx.source.strip()
    if _MSCK.match(text):
        ctx.skipped = "Iceberg tracks partitions in its metadata; there is nothing to repair"
        return tree
    m = _ANALYZE.match(text)
    if not m:
        return tree
    table, partition, rest = m.groups()
    if ctx.target == "trino":
        cols = re.search(r"for\s+columns\s+(.+)", rest or "", re.I | re.S)
        if cols and cols.group(1).strip():
            names = ", ".join(f"'{c.strip()}'" for c in cols.group(1).split(",") if c.strip())
            return f"ANALYZE {table} WITH (columns = ARRAY[{names}])"
        if partition:
            ctx.flag("maintenance", "info", "ANALYZE of one partition became ANALYZE of the table (Iceberg)")
        return f"ANALYZE {table}"
    out = f"ANALYZE TABLE {table} COMPUTE STATISTICS"
    cols = re.search(r"for\s+columns(\s+.+)?", rest or "", re.I | re.S)
    if cols:
        out += " FOR COLUMNS " + cols.group(1).strip() if cols.group(1) and cols.group(1).strip() else " FOR ALL COLUMNS"
    elif "noscan" in (rest or "").lower():
        out += " NOSCAN"
    if partition:
        ctx.flag("maintenance", "info", "ANALYZE of one partition became ANALYZE of the table (Iceberg)")
    return out
