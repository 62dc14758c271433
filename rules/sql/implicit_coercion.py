"""P9: Hive compares a string with a number by converting both to DOUBLE (a non-numeric string gives NULL,
so no match). Trino rejects `varchar = integer` at analysis; Spark 4 (ANSI) casts the string to the number's
type and fails on bad input. With column types (`--from-scan`) the string side becomes TRY_CAST(... AS DOUBLE),
which is what Hive did. Without a type for the column, a comparison of a plain column with a number, or with a
string that reads as a number ('100'), is flagged for review: it is a string/number mix if the column has the
other kind, and nothing is changed."""
from __future__ import annotations

import re

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


_NUMERIC_TEXT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


# Hive's virtual columns have fixed types: no string/number mix to fear when compared with numbers
_NUMERIC_VIRTUAL = {"grouping__id", "block__offset__inside__file", "row__offset__inside__block"}


def _untyped_mix(cmp: exp.Expression, ctx) -> None:
    """A column of unknown type against a literal whose kind would clash with the column's other possible kind."""
    if cmp.find_ancestor(exp.Partition) is not None or (ctx.kind != "delete" and cmp.find_ancestor(exp.Delete)):
        return  # a PARTITION (k=v) spec, or the DELETE a rule made of it: values assigned, not compared
    for col, lit in ((cmp.this, cmp.expression), (cmp.expression, cmp.this)):
        if not isinstance(col, exp.Column) or not isinstance(lit, exp.Literal) or ctx.column_type(col) is not None:
            continue
        if col.name.lower() in _NUMERIC_VIRTUAL and not lit.is_string:
            continue
        name = f"{col.table}.{col.name}" if col.table else col.name  # (the SQL writer is slow for a message)
        if not lit.is_string:
            ctx.flag("implicit_coercion", "warning", f"{name} (type unknown) compared with the number {lit.name}: if "
                     f"{name} is a string, Hive compared as DOUBLE while {ctx.target} "
                     f"{'rejects varchar vs number' if ctx.target == 'trino' else 'casts the string and fails on bad values'}",
                     fix="run with --from-scan so column types are known, or CAST one side explicitly", node=cmp)
        elif _NUMERIC_TEXT.fullmatch(lit.name) and (ctx.target == "trino" or not lit.name.strip().lstrip("-+").isdigit()):
            # Spark casts an integer-looking string to the column's number type: the same comparison as Hive's
            ctx.flag("implicit_coercion", "warning", f"{name} (type unknown) compared with the string '{lit.name}': if "
                     f"{name} is a number, Hive compared as DOUBLE while {ctx.target} "
                     f"{'rejects number vs varchar' if ctx.target == 'trino' else 'casts the string'}",
                     fix="run with --from-scan so column types are known, or CAST one side explicitly", node=cmp)


def implicit_coercion(tree: exp.Expression, ctx):
    for cmp in list(tree.find_all(*_COMPARISONS)):
        left, right = cmp.this, cmp.expression
        _untyped_mix(cmp, ctx)
        kinds = (_kind(left, ctx), _kind(right, ctx))
        if set(kinds) != {"string", "number"} or all(isinstance(x, exp.Literal) for x in (left, right)):
            continue
        side = left if kinds[0] == "string" else right
        side.replace(_as_double(side))
        ctx.flag("implicit_coercion", "info", f"string compared with a number: {side.sql('hive')} read as DOUBLE "
                 "(TRY_CAST), as Hive does", node=cmp)
    return tree
