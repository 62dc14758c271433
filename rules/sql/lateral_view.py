"""LATERAL VIEW for Trino: OUTER explode keeps rows with empty arrays (P4: LEFT JOIN UNNEST ... ON TRUE),
json_tuple becomes a lateral subquery of JSON extractions (P16), parse_url_tuple one of URL extractions.
Spark keeps LATERAL VIEW as is."""
from __future__ import annotations

from sqlglot import exp

from .json_path import hive_json_value
from .url_parts import url_part


def lateral_view(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for sel in list(tree.find_all(exp.Select)):
        laterals = sel.args.get("laterals") or []
        if not laterals:
            continue
        special = any(l.args.get("outer") or is_json_tuple(l.this) or is_named(l.this, "parse_url_tuple")
                      or isinstance(l.this, exp.Stack) for l in laterals)
        if not special:
            continue
        if not all(isinstance(l.this, (exp.Explode, exp.Stack)) or is_json_tuple(l.this) or is_named(l.this, "parse_url_tuple")
                   for l in laterals):
            ctx.flag("lateral_view", "warning", "LATERAL VIEW OUTER mixed with posexplode/inline: rows with empty arrays "
                     "may be dropped", fix="rewrite with LEFT JOIN UNNEST ... ON TRUE", node=sel)
            continue
        joins = list(sel.args.get("joins") or [])
        for lat in laterals:
            alias = lat.args.get("alias")
            cols = list(alias.columns) if alias is not None else []
            name = alias.this.copy() if alias is not None and alias.this else exp.to_identifier("_lv")
            if is_json_tuple(lat.this):
                args = list(lat.this.expressions) if isinstance(lat.this, exp.Anonymous) else [lat.this.this, *lat.this.expressions]
                doc, keys = args[0], args[1:]
                exprs = [exp.alias_(hive_json_value(doc, "$." + k.name), (cols[i].name if i < len(cols) else f"c{i}"))
                         for i, k in enumerate(keys)]
                sub = exp.Subquery(this=exp.select(*exprs), alias=exp.TableAlias(this=name))
                joins.append(exp.Join(this=exp.Lateral(this=exp.Subquery(this=sub.this), alias=sub.args["alias"]), kind="CROSS"))
                ctx.flag("lateral_view", "info", "json_tuple became JSON extractions in a lateral subquery", node=lat)
                continue
            if is_named(lat.this, "parse_url_tuple"):
                joins.append(_parse_url_tuple(lat.this, cols, name, ctx))
                continue
            if isinstance(lat.this, exp.Stack):
                rows = _stack_rows(lat.this)
                if rows is None:
                    ctx.flag("lateral_view", "error", "stack() with a non-literal row count", fix="rewrite by hand", node=lat)
                    return tree
                unnest = exp.Unnest(expressions=[rows], alias=exp.TableAlias(this=name, columns=[c.copy() for c in cols]))
                joins.append(exp.Join(this=unnest, side="LEFT", on=exp.true()) if lat.args.get("outer") else exp.Join(this=unnest, kind="CROSS"))
                ctx.flag("lateral_view", "info", "stack() became UNNEST of an array of rows", node=lat)
                continue
            unnest = exp.Unnest(expressions=[lat.this.this.copy()], alias=exp.TableAlias(this=name, columns=[c.copy() for c in cols]))
            if lat.args.get("outer"):
                joins.append(exp.Join(this=unnest, side="LEFT", on=exp.true()))
                ctx.flag("lateral_view", "info", "LATERAL VIEW OUTER became LEFT JOIN UNNEST ... ON TRUE (rows with empty "
                         "arrays kept)", node=lat)
            else:
                joins.append(exp.Join(this=unnest, kind="CROSS"))
        sel.set("joins", joins)
        sel.set("laterals", None)
    return tree


def is_json_tuple(node) -> bool:
    return (isinstance(node, exp.Anonymous) and node.name.lower() == "json_tuple") or type(node).__name__ == "JSONTuple"


def _stack_rows(stack: exp.Stack) -> exp.Expression | None:
    """stack(n, v1, ..., vk): n rows of ceil(k/n) columns, the last row padded with NULL, as in Hive."""
    n = stack.this
    if not (isinstance(n, exp.Literal) and not n.is_string and n.name.isdigit() and int(n.name) > 0):
        return None
    values = list(stack.expressions)
    rows_n = int(n.name)
    width = -(-len(values) // rows_n)
    rows = []
    for r in range(rows_n):
        cells = [v.copy() for v in values[r * width:(r + 1) * width]]
        cells += [exp.Null() for _ in range(width - len(cells))]
        rows.append(exp.Anonymous(this="ROW", expressions=cells))
    return exp.Array(expressions=rows)


def is_named(node, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == name


def _parse_url_tuple(call: exp.Anonymous, cols: list, name: exp.Identifier, ctx) -> exp.Join:
    """parse_url_tuple(url, 'HOST', 'QUERY:k', ...) -> CROSS JOIN LATERAL (SELECT <part> AS col, ...): one row per row."""
    url, parts = call.expressions[0], call.expressions[1:]
    exprs = [exp.alias_(url_part(url, p.name) if isinstance(p, exp.Literal) and p.is_string else exp.Null(),
                        cols[i].name if i < len(cols) else f"c{i}") for i, p in enumerate(parts)]
    if any(not (isinstance(p, exp.Literal) and p.is_string) for p in parts):
        ctx.flag("lateral_view", "error", "parse_url_tuple with a part name that is not a literal", fix="rewrite by hand", node=call)
    ctx.flag("lateral_view", "warning", "parse_url_tuple became Trino URL functions in a lateral subquery: Trino parses "
             "URLs as java.net.URI, Hive as java.net.URL (malformed or encoded URLs can differ); AUTHORITY and USERINFO "
             "are read with a regular expression", fix="check the results on real URLs", node=call)
    sub = exp.Lateral(this=exp.Subquery(this=exp.select(*exprs)), alias=exp.TableAlias(this=name))
    return exp.Join(this=sub, kind="CROSS")
