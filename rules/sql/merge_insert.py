"""MERGE ... WHEN NOT MATCHED THEN INSERT VALUES (...): Hive fills the target's columns in table order; Spark's
grammar needs the column list. With column types (`--from-scan`) the list is written out; without, the
statement is unsupported on Spark with that reason (Trino takes the Hive form as it is)."""
from __future__ import annotations

from sqlglot import exp


def merge_insert(tree: exp.Expression, ctx):
    if ctx.target != "spark" or not isinstance(tree, exp.Merge):
        return tree
    whens = tree.args.get("whens")
    inserts = [w.args["then"] for w in (whens.expressions if whens else []) if isinstance(w.args.get("then"), exp.Insert)]
    bare = [i for i in inserts if i.this is None and isinstance(i.expression, exp.Tuple)]
    if not bare:
        return tree
    target = tree.this
    name = f"{target.db}.{target.name}" if target.db else target.name
    columns = ctx.session.schema.columns(name, ctx.session.current_db) if ctx.session.schema else None
    for ins in bare:
        if not columns or len(columns) != len(ins.expression.expressions):
            ctx.flag("merge_insert", "error", f"MERGE ... INSERT VALUES without a column list: Spark needs the columns of "
                     f"{name}", fix="pass --from-scan so the table's columns are known, or list them", node=ins)
            continue
        ins.set("this", exp.Tuple(expressions=[exp.column(c) for c in columns]))
        ctx.flag("merge_insert", "info", f"MERGE INSERT column list written out from the metastore ({len(columns)} columns)",
                 node=ins)
    return tree
