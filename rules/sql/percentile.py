"""Hive percentile(x, p) is exact (linear interpolation between the two nearest ranks); Trino only has
approx_percentile, which sqlglot writes silently. The exact value is computed from the sorted values:
pos = p * (n - 1); result = v[floor(pos)] + (pos - floor(pos)) * (v[ceil(pos)] - v[floor(pos)]), NULL for no rows.
An array of percentiles gives an array, as in Hive. Spark has the same exact percentile()."""
from __future__ import annotations

from sqlglot import exp, parse_one

_AT = "CAST(ELEMENT_AT(a, CAST({f}(P * (CARDINALITY(a) - 1)) AS BIGINT) + 1) AS DOUBLE)"
_ONE = (f"IF(CARDINALITY(a) = 0, NULL, {_AT.format(f='FLOOR')} + (P * (CARDINALITY(a) - 1) - FLOOR(P * (CARDINALITY(a) - 1)))"
        f" * ({_AT.format(f='CEILING')} - {_AT.format(f='FLOOR')}))")
_SORTED = "ARRAY_SORT(FILTER(ARRAY_AGG(okdp_x), e -> e IS NOT NULL))"


def _exact(value: exp.Expression, p: exp.Expression) -> exp.Expression:
    if isinstance(p, exp.Array):
        body = f"TRANSFORM(okdp_ps, P -> {_ONE})"
    else:
        body = _ONE.replace("P", "okdp_p")
    tree = parse_one(f"ELEMENT_AT(TRANSFORM(ARRAY[{_SORTED}], a -> {body}), 1)", read="trino")
    for col in list(tree.find_all(exp.Column)):
        if col.name == "okdp_x":
            col.replace(value.copy())
        elif col.name in ("okdp_p", "okdp_ps"):
            col.replace(p.copy())
    return tree


def percentile(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for node in list(tree.find_all(exp.Quantile)):
        p = node.args.get("quantile")
        if isinstance(node.parent, exp.Window) or p is None:
            continue
        literal = isinstance(p, exp.Literal) and not p.is_string
        if not literal and not (isinstance(p, exp.Array) and all(isinstance(e, exp.Literal) for e in p.expressions)):
            continue
        new = _exact(node.this, p)
        node.replace(new)
        ctx.flag("percentile", "info", "percentile() kept exact (sorted values, linear interpolation), not approx_percentile",
                 node=new)
    return tree
