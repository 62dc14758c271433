"""ALTER TABLE ... ADD COLUMNS (a t, b u) [CASCADE]: Trino adds one column per statement. CASCADE (also
update the partitions' metadata) has no meaning for Iceberg, where partitions share the table schema."""
from __future__ import annotations

from sqlglot import exp


def add_columns(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.Alter) or ctx.target != "trino":
        return tree
    actions = tree.args.get("actions") or []
    if len(actions) != 1 or not isinstance(actions[0], exp.Schema):
        return tree
    columns = [c for c in actions[0].expressions if isinstance(c, exp.ColumnDef)]
    if not columns or len(columns) != len(actions[0].expressions):
        return tree
    table = tree.this.sql("trino")
    if tree.args.get("cascade"):
        ctx.flag("add_columns", "info", "CASCADE dropped: Iceberg partitions share the table's schema", node=tree)
    if len(columns) > 1:
        ctx.flag("add_columns", "info", f"ADD COLUMNS split into {len(columns)} ADD COLUMN statements", node=tree)
    return [f"ALTER TABLE {table} ADD COLUMN {c.sql('trino')}" for c in columns]
