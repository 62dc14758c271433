"""CREATE VIEW for Trino: no column list (moved onto the query), no TBLPROPERTIES, no IF NOT EXISTS."""
from __future__ import annotations

from sqlglot import exp


def create_view(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.Create) or (tree.args.get("kind") or "").upper() != "VIEW" or ctx.target != "trino":
        return tree
    props = tree.args.get("properties")
    if props is not None:
        kept = [p for p in props.expressions if not isinstance(p, exp.Property)]
        if len(kept) != len(props.expressions):
            ctx.flag("create_view", "info", "view TBLPROPERTIES dropped (Trino views have none)", node=tree)
        props.set("expressions", kept)
    if tree.args.get("exists"):
        tree.set("exists", False)
        ctx.flag("create_view", "warning", "CREATE VIEW IF NOT EXISTS: Trino has no IF NOT EXISTS for views; this "
                 "fails when the view exists", fix="use CREATE OR REPLACE VIEW if replacing is acceptable", node=tree)
    if isinstance(tree.this, exp.Schema) and tree.expression is not None:
        names = [c.name for c in tree.this.expressions]
        query = tree.expression
        wrapped = exp.select(*[exp.column(n) for n in names]).from_(
            exp.Subquery(this=query.copy(), alias=exp.TableAlias(this=exp.to_identifier("_v"),
                                                                   columns=[exp.to_identifier(n) for n in names])))
        tree.set("this", tree.this.this)
        tree.set("expression", wrapped)
    return tree
