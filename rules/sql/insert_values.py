"""INSERT ... VALUES with literals of another kind than the column (`INSERT INTO t VALUES (''), (10)` into a STRING
column): Hive converts each value to the column's type; Trino and Spark first type the VALUES rows and reject rows
of incompatible types. With the column types known (`--from-scan`, or a CREATE TABLE earlier in the script) each
such literal is converted as Hive does: a number to text with CAST, text to a number with TRY_CAST (Hive: NULL
for text that is not a number). Without types the statement is left to the validators."""
from __future__ import annotations

from sqlglot import exp

_TEXT = ("string", "varchar", "char")
_NUMBER = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


def _columns(tree: exp.Insert, ctx) -> list[tuple[str, str]] | None:
    target = tree.this
    names = None
    if isinstance(target, exp.Schema):
        names = [c.name.lower() for c in target.expressions]
        target = target.this
    if not isinstance(target, exp.Table) or ctx.session.schema is None:
        return None
    name = f"{target.db}.{target.name}" if target.db else target.name
    types = ctx.session.schema.columns(name, ctx.session.current_db)
    if not types:
        return None
    names = names or list(types)
    return [(n, types[n]) for n in names] if all(n in types for n in names) else None


def insert_values(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.Insert) or not isinstance(tree.expression, exp.Values) or tree.find(exp.Partition):
        return tree
    columns = _columns(tree, ctx)
    if columns is None:
        return tree
    changed = False
    for row in tree.expression.expressions:
        if not isinstance(row, exp.Tuple) or len(row.expressions) != len(columns):
            return tree
        for value, (_, hive_type) in zip(list(row.expressions), columns):
            if not isinstance(value, exp.Literal):
                continue
            if hive_type.startswith(_TEXT) and not value.is_string:
                value.replace(exp.cast(value.copy(), "VARCHAR" if ctx.target == "trino" else "STRING"))
                changed = True
            elif hive_type.startswith(_NUMBER) and value.is_string:
                value.replace(exp.TryCast(this=value.copy(), to=exp.DataType.build(hive_type, dialect="hive"), safe=True))
                changed = True
    if changed:
        ctx.flag("insert_values", "info", "VALUES literals converted to the column types, as Hive does", node=tree)
    return tree
