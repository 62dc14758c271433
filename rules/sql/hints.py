"""Join hints (/*+ MAPJOIN(b) */, STREAMTABLE): Trino has none, so they go; Spark reads MAPJOIN as BROADCAST."""
from __future__ import annotations

from sqlglot import exp


def hints(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for hint in list(tree.find_all(exp.Hint)):
        ctx.flag("hints", "info", f"join hint dropped (Trino chooses joins itself): {hint.sql('hive')}", node=hint)
        hint.pop()
    return tree
