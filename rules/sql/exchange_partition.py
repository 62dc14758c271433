"""ALTER TABLE dest EXCHANGE PARTITION (spec) WITH TABLE src: Hive moves the partition's files from src
to dest (same schema; dest must not have it). Neither Trino nor Spark has the statement; on Iceberg it is
INSERT INTO dest SELECT * FROM src WHERE spec, then DELETE FROM src WHERE spec: a copy, not a move, and
not atomic, so it is for review."""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from .util import parse_spec, spec_predicate

_EXCHANGE = re.compile(r"alter\s+table\s+([\w.`${}]+)\s+exchange\s+partition\s*\((.*)\)\s*with\s+table\s+([\w.`${}]+)\s*$",
                       re.I | re.S)


def exchange_partition(tree: exp.Expression, ctx):
    m = _EXCHANGE.match(ctx.source.strip())
    if not m:
        return tree
    dest, spec_text, src = m[1], m[2], m[3]
    try:
        spec = parse_spec(spec_text)
    except ValueError as exc:
        ctx.flag("exchange_partition", "error", str(exc), fix="translate this statement by hand")
        return exp.Command(this="ALTER")
    if not spec or any(op != "=" for _, op, _ in spec):
        ctx.flag("exchange_partition", "error", "EXCHANGE PARTITION needs column = value pairs", fix="translate this statement by hand")
        return exp.Command(this="ALTER")
    where = spec_predicate(spec)
    ctx.flag("exchange_partition", "warning", "EXCHANGE PARTITION became INSERT INTO ... SELECT then DELETE: the rows are "
             "copied, not moved, and readers can see them in both tables in between; Hive refused when the destination "
             "already had the partition", fix=f"check {dest} has no rows WHERE {where} before running it, and that both "
             "tables have the same columns in the same order", node=tree)
    return [sqlglot.parse_one(f"INSERT INTO {dest} SELECT * FROM {src} WHERE {where}", read="hive"),
            sqlglot.parse_one(f"DELETE FROM {src} WHERE {where}", read="hive")]
