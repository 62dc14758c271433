"""`WITH q AS (...) INSERT INTO t SELECT ... FROM q` is Hive's (and Spark's) order; Trino's grammar only
takes the WITH inside the query: `INSERT INTO t WITH q AS (...) SELECT ...`. Same meaning, moved."""
from __future__ import annotations

from sqlglot import exp


def insert_with(tree: exp.Expression, ctx):
    if ctx.target != "trino" or not isinstance(tree, exp.Insert):
        return tree
    key = "with_" if "with_" in tree.args else "with"
    with_ = tree.args.get(key)
    query = tree.expression
    if with_ is None or not isinstance(query, exp.Query):
        return tree
    inner = query.args.get(key)
    if inner is not None:  # both have CTEs: the outer ones come first, as they are visible to the inner query
        with_.set("expressions", [*with_.expressions, *inner.expressions])
    tree.set(key, None)
    query.set(key, with_)
    ctx.flag("insert_with", "info", "WITH moved inside INSERT, where Trino reads it", node=tree)
    return tree
