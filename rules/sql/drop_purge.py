"""DROP TABLE ... PURGE (skip the HDFS trash): Trino has no PURGE; dropping an Iceberg table through the
catalog already deletes its files, with no trash to skip."""
from __future__ import annotations

from sqlglot import exp


def drop_purge(tree: exp.Expression, ctx):
    if ctx.target != "trino" or not isinstance(tree, exp.Drop) or not tree.args.get("purge"):
        return tree
    tree.set("purge", False)
    ctx.flag("drop_purge", "info", "PURGE dropped: Trino's DROP TABLE of an Iceberg table deletes the files (no trash)", node=tree)
    return tree
