"""Hive functions Trino names or shapes differently (P18); each rewrite keeps Hive's result.

Functions with no faithful equivalent are left for the Trino function check to flag.
"""
from __future__ import annotations

from sqlglot import exp, parse_one


def _t(sql: str, **args) -> exp.Expression:
    """A Trino expression template with {name} slots filled by argument trees."""
    tree = parse_one(sql, read="trino")
    for col in list(tree.find_all(exp.Column)):
        if col.name in args and not col.table:
            col.replace(args[col.name].copy())
    return tree


def _rewrite(name: str, a: list[exp.Expression]) -> exp.Expression | None:
    n = len(a)
    if name == "isnull" and n == 1:
        return exp.Is(this=a[0].copy(), expression=exp.Null())
    if name == "isnotnull" and n == 1:
        return exp.Not(this=exp.Is(this=a[0].copy(), expression=exp.Null()))
    if name == "pmod" and n == 2:
        return _t("MOD(MOD(x1, x2) + x2, x2)", x1=a[0], x2=a[1])
    if name == "nvl2" and n == 3:
        return _t("IF(x1 IS NOT NULL, x2, x3)", x1=a[0], x2=a[1], x3=a[2])
    if name == "current_database" and n == 0:
        return exp.Anonymous(this="current_schema")  # printed as a call; fixed up below
    if name == "conv" and n == 3:
        return _t("UPPER(TO_BASE(FROM_BASE(CAST(x1 AS VARCHAR), x2), x3))", x1=a[0], x2=a[1], x3=a[2])
    if name == "bin" and n == 1:
        return _t("TO_BASE(x1, 2)", x1=a[0])
    if name == "octet_length" and n == 1:
        return _t("LENGTH(TO_UTF8(x1))", x1=a[0])
    if name == "ascii" and n == 1:
        return _t("COALESCE(CODEPOINT(CAST(SUBSTR(x1, 1, 1) AS VARCHAR(1))), 0)", x1=a[0])
    if name == "elt" and n >= 2:
        return exp.Anonymous(this="element_at", expressions=[exp.Array(expressions=[x.copy() for x in a[1:]]), a[0].copy()])
    if name == "printf" and n >= 1:
        return exp.Anonymous(this="format", expressions=[x.copy() for x in a])
    if name == "add_months" and n == 2:
        return _t("CAST(DATE_ADD('month', x2, CAST(x1 AS DATE)) AS VARCHAR)", x1=a[0], x2=a[1])
    if name == "from_utc_timestamp" and n == 2:
        return _t("CAST(WITH_TIMEZONE(CAST(x1 AS TIMESTAMP), 'UTC') AT TIME ZONE x2 AS TIMESTAMP)", x1=a[0], x2=a[1])
    if name == "to_utc_timestamp" and n == 2:
        return _t("CAST(WITH_TIMEZONE(CAST(x1 AS TIMESTAMP), x2) AT TIME ZONE 'UTC' AS TIMESTAMP)", x1=a[0], x2=a[1])
    if name == "factorial" and n == 1:
        return None
    return None


def hive_functions(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for fn in list(tree.find_all(exp.Anonymous)):
        name = fn.name.lower()
        new = _rewrite(name, list(fn.expressions))
        if new is not None:
            fn.replace(new)
            ctx.flag("hive_functions", "info", f"{name}() rewritten with Trino functions", node=new)
        elif name == "hash":
            ctx.flag("hive_functions", "error", "hash() values differ between Hive and Trino",
                     fix="use xxhash64/murmur3 and accept new values, or keep this job on Spark", node=fn)
    for fn in list(tree.find_all(exp.CurrentSchema if hasattr(exp, "CurrentSchema") else exp.Anonymous)):
        pass
    for fn in list(tree.walk()):
        if type(fn).__name__ == "CurrentDatabase":
            fn.replace(exp.column("current_schema"))
    for fn in list(tree.find_all(exp.Anonymous)):
        if fn.name == "current_schema" and not fn.expressions:
            fn.replace(exp.column("current_schema"))
    return tree
