"""A table function alone in a SELECT list (`SELECT inline(arr) AS (a, b) FROM t`, `SELECT stack(2, ...)`):
Hive runs it once per row of t and returns only its columns, exactly what `FROM t LATERAL VIEW udtf(...) u AS a, b`
returns. Trino has no table functions in the SELECT list, so the statement is rewritten into that LATERAL VIEW
form (which the lateral_view rule and the Trino writer turn into UNNEST / lateral subqueries, flagging where Trino
differs, e.g. parse_url_tuple's URL parsing); inline() becomes
CROSS JOIN UNNEST directly, since Trino's UNNEST of an array of rows yields the row fields as columns.
Spark runs table functions in the SELECT list itself and is left alone."""
from __future__ import annotations

from sqlglot import exp

from .lateral_view import is_json_tuple, is_named

# Hive's column names when the statement gives none (GenericUDTF output inspectors)
_DEFAULT_NAMES = {"explode": ["col"], "posexplode": ["pos", "val"]}


def _udtf(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Inline):
        return "inline"
    if isinstance(node, exp.Stack):
        return "stack"
    if isinstance(node, exp.Posexplode):
        return "posexplode"
    if isinstance(node, exp.Explode) and not isinstance(node, exp.ExplodeOuter):
        return "explode"
    if is_json_tuple(node):
        return "json_tuple"
    if is_named(node, "parse_url_tuple"):
        return "parse_url_tuple"
    return None


def _names(kind: str, call: exp.Expression, given: list[exp.Identifier]) -> list[exp.Identifier] | None:
    if given:
        return [g.copy() for g in given]
    if kind in _DEFAULT_NAMES:
        return [exp.to_identifier(n) for n in _DEFAULT_NAMES[kind]]
    if kind in ("json_tuple", "parse_url_tuple"):  # Hive: c0, c1, ... one per key or URL part
        keys = list(call.expressions) if isinstance(call, exp.Anonymous) else [*call.expressions]
        return [exp.to_identifier(f"c{i}") for i in range(len(keys) - (1 if isinstance(call, exp.Anonymous) else 0))]
    if kind == "stack":
        n = call.this
        if isinstance(n, exp.Literal) and not n.is_string and n.name.isdigit() and int(n.name) > 0:
            width = -(-len(call.expressions) // int(n.name))
            return [exp.to_identifier(f"col{i}") for i in range(width)]
    if kind == "inline" and isinstance(call.this, exp.Array) and call.this.expressions:
        first = call.this.expressions[0]  # struct(1, 'a') is read with Hive's names col1, col2
        if isinstance(first, exp.Struct) and all(isinstance(e, exp.PropertyEQ) for e in first.expressions):
            return [exp.to_identifier(e.this.name) for e in first.expressions]
    return None  # inline of a column: the struct's field names, unknown without types


def udtf_select(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for sel in list(tree.find_all(exp.Select)):
        if len(sel.expressions) != 1:
            continue
        item = sel.expressions[0]
        given: list[exp.Identifier] = []
        call = item
        if isinstance(item, exp.Aliases):
            call, given = item.this, list(item.expressions)
        elif isinstance(item, exp.Alias):
            call, given = item.this, [item.args["alias"]]
        kind = _udtf(call)
        if kind is None or (kind in ("explode", "posexplode") and not isinstance(item, exp.Aliases)):
            continue  # a plain explode(x) [AS c] is written as UNNEST by the Trino writer itself
        names = _names(kind, call, given)
        if names is None:
            ctx.flag("udtf_select", "error", f"{kind}() without column names: Hive names them after the struct fields, "
                     "unknown here", fix="name the columns: SELECT inline(...) AS (a, b)", node=call)
            continue
        alias = exp.TableAlias(this=exp.to_identifier("okdp_udtf"), columns=names)
        if sel.args.get("from_") is None:  # Hive runs a FROM-less UDTF once, as over a one-row table
            sel.set("from_", exp.From(this=exp.Values(expressions=[exp.Tuple(expressions=[exp.Literal.number(1)])],
                                                       alias=exp.TableAlias(this=exp.to_identifier("okdp_one"),
                                                                            columns=[exp.to_identifier("x")]))))
        if kind == "inline":
            unnest = exp.Unnest(expressions=[call.this.copy()], alias=alias)
            sel.set("joins", [*(sel.args.get("joins") or []), exp.Join(this=unnest, kind="CROSS")])
        else:
            lateral = exp.Lateral(this=call.copy(), view=True, outer=False, alias=alias)
            sel.set("laterals", [*(sel.args.get("laterals") or []), lateral])
        sel.set("expressions", [exp.column(n.copy(), table="okdp_udtf") for n in names])
        ctx.flag("udtf_select", "info", f"{kind}() in the SELECT list became a lateral join (same rows as Hive)", node=sel)
    return tree
