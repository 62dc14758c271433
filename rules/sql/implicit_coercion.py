"""P9: Hive compares a string with a number by converting both to DOUBLE (a non-numeric string gives NULL,
so no match). Trino rejects `varchar = integer` at analysis; Spark 4 (ANSI) casts the string to the number's
type and fails on bad input. With column types (`--from-scan`) the string side becomes TRY_CAST(... AS DOUBLE),
which is what Hive did; without types nothing is known, and nothing is changed here."""
from __future__ import annotations

from sqlglot import exp

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_NUMBER_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


def _kind(node: exp.Expression, ctx) -> str | None:
    if isinstance(node, exp.Literal):
        return "string" if node.is_string else "number"
    col_type = ctx.column_type(node)
    if not col_type:
        return None
    if col_type.startswith(("string", "varchar", "char")):
        return "string"
    return "number" if col_type.startswith(_NUMBER_TYPES) else None


def _as_double(node: exp.Expression) -> exp.Expression:
    return exp.TryCast(this=node.copy(), to=exp.DataType.build("DOUBLE"), safe=True)


def implicit_coercion(tree: exp.Expression, ctx):
    if not ctx.typed:
        return tree
    for cmp in list(tree.find_all(*_COMPARISONS)):
        left, right = cmp.this, cmp.expression
        kinds = (_kind(left, ctx), _kind(right, ctx))
        if set(kinds) != {"string", "number"} or all(isinstance(x, exp.Literal) for x in (left, right)):
            continue
        side = left if kinds[0] == "string" else right
        side.replace(_as_double(side))
        ctx.flag("implicit_coercion", "info", f"string compared with a number: {side.sql('hive')} read as DOUBLE "
                 "(TRY_CAST), as Hive does", node=cmp)
    return tree
