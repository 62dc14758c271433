"""FROM src INSERT ... INSERT ...: Spark keeps the multi-insert; Trino gets one INSERT per branch,
each reading the source again (same result unless the source changes in between)."""
from __future__ import annotations

from sqlglot import exp


def multi_insert(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.MultitableInserts) or ctx.target != "trino":
        return tree
    source = tree.args.get("source")
    with_ = tree.args.get("with_") or tree.args.get("with")
    out = []
    for ins in tree.expressions:
        ins = ins.copy()
        query = ins.expression
        if isinstance(query, exp.Select) and not query.args.get("from_") and source is not None:
            src = source.copy()
            query.set("from_", exp.From(this=src.this if isinstance(src, exp.From) else src))
        if with_ is not None:
            ins.set("with_", with_.copy())
        out.append(ins)
    ctx.flag("multi_insert", "info", f"multi-insert split into {len(out)} INSERT statements; each reads the source",
             fix="wrap them in one transaction if readers must not see a partial result", node=tree)
    return out
