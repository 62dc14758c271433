"""arr[i] and map[k] (P3): Hive indexes arrays from 0 and returns NULL out of range or for a missing key;
Trino indexes from 1 and raises, Spark 4 (ANSI) raises. element_at / get keep Hive's result."""
from __future__ import annotations

from sqlglot import exp


def _kind(node: exp.Bracket, ctx) -> str | None:
    idx = node.expressions[0]
    if isinstance(idx, exp.Literal):
        return "map" if idx.is_string else "array"
    col_type = ctx.column_type(node.this)
    if col_type:
        return "map" if col_type.startswith("map") else "array" if col_type.startswith("array") else None
    if isinstance(node.this, (exp.Split, exp.RegexpSplit, exp.Array)) or type(node.this).__name__ in ("Split", "StringToArray"):
        return "array"
    return None


def array_index(tree: exp.Expression, ctx):
    for node in list(tree.find_all(exp.Bracket)):
        if len(node.expressions) != 1:
            continue
        idx = node.expressions[0]
        kind = _kind(node, ctx)
        if kind is None:
            ctx.flag("array_index", "warning", f"{node.sql('hive')}: array or map unknown (no column types); Hive arrays "
                     "start at 0 and give NULL out of range", fix="pass --from-scan so the type is known, or use element_at", node=node)
            continue
        base = node.this.copy()
        if kind == "map":
            fn = "element_at" if ctx.target == "trino" else "try_element_at"
            node.replace(exp.Anonymous(this=fn, expressions=[base, idx.copy()]))
            continue
        if ctx.target == "spark":
            node.replace(exp.Anonymous(this="get", expressions=[base, idx.copy()]))
            continue
        if isinstance(idx, exp.Literal):
            node.replace(exp.Anonymous(this="element_at", expressions=[base, exp.Literal.number(int(float(idx.name)) + 1)]))
        else:
            shifted = exp.Anonymous(this="element_at", expressions=[base, exp.Add(this=idx.copy(), expression=exp.Literal.number(1))])
            node.replace(exp.If(this=exp.GTE(this=idx.copy(), expression=exp.Literal.number(0)), true=shifted))
            ctx.flag("array_index", "info", "variable array index shifted to 1-based element_at (NULL out of range, as in Hive)", node=shifted)
    return tree
