"""Exact percentiles (percentile, percentile_cont, percentile_disc, also WITHIN GROUP): sqlglot writes them
as approx_percentile / percentile_approx, silently approximate. Hive computes, over the sorted non-NULL
values v[0..n-1] and pos = p * (n - 1):
  percentile / percentile_cont: v[floor(pos)] + (pos - floor(pos)) * (v[ceil(pos)] - v[floor(pos)]);
  percentile_disc: v[ceil(pos)] (Hive's own rule, not the SQL standard's that Spark follows);
as DOUBLE, NULL for no rows; an array of p gives an array. Trino gets that formula over the sorted array;
Spark gets its own exact percentile() for the continuous case and the formula for the discrete one.
WITHIN GROUP (ORDER BY x DESC): Hive sorts in reverse and applies the same formula, so do the translations."""
from __future__ import annotations

from functools import lru_cache

from sqlglot import exp, parse_one

# a: the sorted non-NULL values; P: the fraction
_TRINO_AT = "CAST(ELEMENT_AT(a, CAST({f}(P * (CARDINALITY(a) - 1)) AS BIGINT) + 1) AS DOUBLE)"
_TRINO = {
    "cont": (f"IF(CARDINALITY(a) = 0, NULL, {_TRINO_AT.format(f='FLOOR')} + (P * (CARDINALITY(a) - 1) - "
             f"FLOOR(P * (CARDINALITY(a) - 1))) * ({_TRINO_AT.format(f='CEILING')} - {_TRINO_AT.format(f='FLOOR')}))"),
    "disc": f"IF(CARDINALITY(a) = 0, NULL, {_TRINO_AT.format(f='CEILING')})",
}
_SPARK_AT = "CAST(ELEMENT_AT(a, CAST({f}(P * (SIZE(a) - 1)) AS INT) + 1) AS DOUBLE)"
_SPARK = {
    "cont": (f"IF(SIZE(a) = 0, NULL, {_SPARK_AT.format(f='FLOOR')} + (P * (SIZE(a) - 1) - FLOOR(P * (SIZE(a) - 1))) * "
             f"({_SPARK_AT.format(f='CEIL')} - {_SPARK_AT.format(f='FLOOR')}))"),
    "disc": f"IF(SIZE(a) = 0, NULL, {_SPARK_AT.format(f='CEIL')})",
}
# ORDER BY ... DESC: Hive sorts the values in reverse and applies the same position formula
_SORTED = {"trino": "ARRAY_SORT(FILTER(ARRAY_AGG(okdp_x), e -> e IS NOT NULL))", "spark": "SORT_ARRAY(COLLECT_LIST(okdp_x))"}
_SORTED_DESC = {"trino": "REVERSE(ARRAY_SORT(FILTER(ARRAY_AGG(okdp_x), e -> e IS NOT NULL)))",
                "spark": "SORT_ARRAY(COLLECT_LIST(okdp_x), FALSE)"}
_ARRAY = {"trino": "ARRAY[{}]", "spark": "ARRAY({})"}


def _formula(target: str, kind: str, value: exp.Expression, p: exp.Expression, desc: bool = False) -> exp.Expression:
    one = _TRINO[kind] if target == "trino" else _SPARK[kind]
    body = f"TRANSFORM(okdp_ps, P -> {one})" if isinstance(p, exp.Array) else one.replace("P", "okdp_p")
    sql = f"ELEMENT_AT(TRANSFORM({_ARRAY[target].format((_SORTED_DESC if desc else _SORTED)[target])}, a -> {body}), 1)"
    tree = _parsed(sql, target)
    for col in list(tree.find_all(exp.Column)):
        if col.name == "okdp_x":
            col.replace(value.copy())
        elif col.name in ("okdp_p", "okdp_ps"):
            col.replace(p.copy())
    return tree


@lru_cache(maxsize=64)
def _template(sql: str, target: str) -> exp.Expression:
    return parse_one(sql, read=target)


def _parsed(sql: str, target: str) -> exp.Expression:
    """A fresh copy of a parsed template (parsing the same few templates again is most of this rule's time)."""
    return _template(sql, target).copy()


def _literal_fraction(p: exp.Expression | None) -> bool:
    if isinstance(p, exp.Literal):
        return not p.is_string
    return isinstance(p, exp.Array) and all(isinstance(e, exp.Literal) and not e.is_string for e in p.expressions)


def _calls(tree: exp.Expression):
    """(node to replace, 'cont'|'disc', value, fraction, descending) for each exact percentile call."""
    for node in list(tree.find_all(exp.Quantile, exp.PercentileCont, exp.PercentileDisc, exp.WithinGroup)):
        if type(node) is exp.Quantile:
            yield node, "cont", node.this, node.args.get("quantile"), False
        elif isinstance(node, (exp.PercentileCont, exp.PercentileDisc)) and node.args.get("expression") is not None:
            yield node, "cont" if isinstance(node, exp.PercentileCont) else "disc", node.this, node.expression, False
        elif isinstance(node, exp.WithinGroup) and isinstance(node.this, (exp.PercentileCont, exp.PercentileDisc)):
            order = node.expression.expressions if isinstance(node.expression, exp.Order) else []
            if len(order) == 1:
                key = order[0]
                value = key.this if isinstance(key, exp.Ordered) else key
                desc = bool(isinstance(key, exp.Ordered) and key.args.get("desc"))
                yield node, "cont" if isinstance(node.this, exp.PercentileCont) else "disc", value, node.this.this, desc


def percentile(tree: exp.Expression, ctx):
    for node, kind, value, p, desc in list(_calls(tree)):
        name = "percentile" if type(node) is exp.Quantile else f"percentile_{kind}"
        if not _literal_fraction(p) or isinstance(node.parent, exp.Window):
            ctx.flag("percentile", "error", f"{name}: only literal fractions and no OVER clause are translated "
                     "exactly; the target would approximate it", fix="rewrite by hand", node=node)
            continue
        if ctx.target == "spark" and kind == "cont" and not desc:
            new = exp.Anonymous(this="percentile", expressions=[value.copy(), p.copy()])
        else:
            new = _formula(ctx.target, kind, value, p, desc)
        node.replace(new)
        ctx.flag("percentile", "info", f"{name} kept exact, as in Hive (not approx_percentile)", node=new)
    return tree
