"""concat_ws(sep, ...) takes strings and arrays of strings in Hive; Trino's concat_ws takes strings only
(sqlglot casts every argument to VARCHAR, which fails on arrays). Arrays are joined with array_join,
which skips NULL elements as Hive does; arguments of unknown type are flagged for review."""
from __future__ import annotations

from sqlglot import exp

_ARRAYS = (exp.ArrayAgg, exp.ArrayUniqueAgg, exp.Split, exp.RegexpSplit, exp.Array, exp.ArrayConcat, exp.ArraySort)
_STRINGS = (exp.Concat, exp.ConcatWs, exp.Upper, exp.Lower, exp.Substring, exp.Trim, exp.Initcap, exp.TimeToStr,
            exp.RegexpReplace, exp.RegexpExtract, exp.Replace)


def _kind(node: exp.Expression, ctx) -> str | None:
    if isinstance(node, exp.Literal) and node.is_string or isinstance(node, _STRINGS):
        return "string"
    if isinstance(node, exp.Null):
        return "string"
    if isinstance(node, _ARRAYS) or (isinstance(node, exp.Anonymous) and node.name.lower() in ("collect_set", "collect_list")):
        return "array"
    if isinstance(node, exp.Cast):
        return "array" if node.to.is_type(exp.DataType.Type.ARRAY) else "string"
    col_type = ctx.column_type(node)
    if col_type:
        return "array" if col_type.startswith("array") else "string"
    return None


def concat_ws(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for node in list(tree.find_all(exp.ConcatWs)):
        if len(node.expressions) < 2:
            continue
        sep, *args = node.expressions
        kinds = [_kind(a, ctx) for a in args]
        if "array" in kinds:
            parts = [a.copy() if k == "array" else exp.Array(expressions=[a.copy()]) for a, k in zip(args, kinds)]
            joined = parts[0] if len(parts) == 1 else exp.Anonymous(this="concat", expressions=parts)
            new = exp.Anonymous(this="array_join", expressions=[joined, sep.copy()])
            ctx.flag("concat_ws", "info", "concat_ws over an array became array_join (NULLs skipped, as in Hive)", node=node)
        else:
            new = exp.Anonymous(this="concat_ws", expressions=[sep.copy()] + [
                a.copy() if k == "string" else exp.cast(a.copy(), "VARCHAR") for a, k in zip(args, kinds)])
            if None in kinds:
                unknown = ", ".join(a.sql("hive")[:40] for a, k in zip(args, kinds) if k is None)
                ctx.flag("concat_ws", "warning", f"concat_ws argument(s) {unknown}: strings assumed; if one is an array, "
                         "Trino needs array_join", fix="pass --from-scan so column types are known", node=node)
        node.replace(new)
    return tree
