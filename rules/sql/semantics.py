"""Hive semantics the plain translation loses (P2, P4, P6, P8, P10, P13, P17): fixed where the
equivalent is exact, flagged for review where it is not."""
from __future__ import annotations

import sqlglot
from sqlglot import exp

_UNITS = {"day": "DAY", "days": "DAY", "month": "MONTH", "months": "MONTH", "year": "YEAR", "years": "YEAR",
          "hour": "HOUR", "hours": "HOUR", "minute": "MINUTE", "minutes": "MINUTE", "second": "SECOND", "seconds": "SECOND"}
_TRUNC_UNITS = {"mm": "month", "mon": "month", "month": "month", "yy": "year", "yyyy": "year", "year": "year",
                "q": "quarter", "quarter": "quarter", "dd": "day", "day": "day", "week": "week", "wk": "week"}


def interval_days(tree: exp.Expression, ctx):
    """P10: `d + 30 days` is an interval, which sqlglot reads as `(d + 30) AS days`."""
    for alias in list(tree.find_all(exp.Alias)):
        unit = _UNITS.get(alias.alias.lower())
        inner = alias.this
        if unit and isinstance(inner, (exp.Add, exp.Sub)) and isinstance(inner.expression, exp.Literal) and not inner.expression.is_string:
            inner.set("expression", exp.Interval(this=exp.Literal.string(inner.expression.name), unit=exp.var(unit)))
            alias.replace(inner)
            ctx.flag("interval_days", "info", f"'{inner.expression.this.name} {alias.alias}' read as an interval", node=inner)
    for iv in list(tree.find_all(exp.Interval)):  # INTERVAL (5) DAY / INTERVAL (x + 1) DAY: Hive's computed intervals
        value = iv.this
        if not isinstance(value, exp.Paren) or iv.args.get("unit") is None:
            continue
        if isinstance(value.this, exp.Literal) and not value.this.is_string:
            iv.set("this", exp.Literal.string(value.this.name))
        elif _year_to_month(iv.args["unit"]):
            continue  # interval_text, after the cast rules (its casts must stay casts)
        elif isinstance(iv.args["unit"], exp.IntervalSpan) or value.find(exp.DPipe, exp.Concat) is not None or \
                any(isinstance(x, exp.Literal) and x.is_string for x in value.walk()):
            # Hive parses the text ('1-2' for YEAR TO MONTH); a multiplication would not mean that
            ctx.flag("interval_days", "error", f"interval computed from text ({value.sql('hive')} "
                     f"{iv.args['unit'].sql('hive')}): Hive parses the string, {ctx.target} has no equivalent",
                     fix="compute the interval from numbers, e.g. INTERVAL '1' MONTH * (12 * years + months)", node=iv)
        else:
            one = exp.Interval(this=exp.Literal.string("1"), unit=iv.args["unit"].copy())
            iv.replace(exp.Paren(this=exp.Mul(this=one, expression=value.copy())))
            ctx.flag("interval_days", "info", "computed interval written as INTERVAL '1' <unit> * (value)", node=value)
    return tree


def _year_to_month(unit: exp.Expression) -> bool:
    return isinstance(unit, exp.IntervalSpan) and unit.this.name.upper() == "YEAR" and unit.expression.name.upper() == "MONTH"


# HiveIntervalYearMonth.valueOf: the whole text matches ([+|-])?(\d+)-(\d+), months 0..11, else the query fails
_YM_TRINO = ("CASE WHEN okdp_v IS NULL THEN NULL WHEN REGEXP_LIKE(okdp_v, '^[+|-]?[0-9]+-[0-9]+$') AND "
             "CAST(REGEXP_EXTRACT(okdp_v, '-([0-9]+)$', 1) AS BIGINT) <= 11 THEN INTERVAL '1' MONTH * "
             "(IF(STARTS_WITH(okdp_v, '-'), -1, 1) * (CAST(REGEXP_EXTRACT(okdp_v, '^[+|-]?([0-9]+)-', 1) AS BIGINT) * 12 "
             "+ CAST(REGEXP_EXTRACT(okdp_v, '-([0-9]+)$', 1) AS BIGINT))) "
             "ELSE FAIL('Interval string does not match year-month format of y-m') END")


def _year_month_from_text(value: exp.Expression, target: str) -> exp.Expression:
    if target != "trino":  # Spark's cast reads 'y-m' with the same range checks and fails on bad text (ANSI)
        return exp.Cast(this=value.copy(), to=exp.DataType.build("INTERVAL YEAR TO MONTH", dialect="spark"))
    tree = sqlglot.parse_one(_YM_TRINO, read="trino")
    for col in list(tree.find_all(exp.Column)):
        if col.name == "okdp_v":
            col.replace(value.copy())
    return exp.Paren(this=tree)


def interval_text(tree: exp.Expression, ctx):
    """INTERVAL (text) YEAR TO MONTH: Hive parses 'y-m' (HiveIntervalYearMonth.valueOf); runs after the cast rules."""
    for iv in list(tree.find_all(exp.Interval)):
        value = iv.this
        if isinstance(value, exp.Paren) and _year_to_month(iv.args.get("unit")) and not isinstance(value.this, exp.Literal):
            iv.replace(_year_month_from_text(value, ctx.target))
            ctx.flag("interval_text", "info", "YEAR TO MONTH interval parsed from text as Hive does ('[+-]y-m', "
                     "months 0-11, anything else fails the query)", node=value)
    return tree


def substr_zero(tree: exp.Expression, ctx):
    """P2: Hive substr(s, 0, n) starts at 1; Trino returns ''."""
    if ctx.target != "trino":
        return tree
    for sub in tree.find_all(exp.Substring):
        start = sub.args.get("start")
        if isinstance(start, exp.Literal) and not start.is_string and start.name in ("0", "0.0"):
            sub.set("start", exp.Literal.number(1))
            ctx.flag("substr_zero", "info", "substr start 0 became 1 (Hive reads 0 as 1)", node=sub)
        elif start is not None and not isinstance(start, (exp.Literal, exp.Neg)):
            sub.set("start", exp.If(this=exp.EQ(this=start.copy(), expression=exp.Literal.number(0)),
                                    true=exp.Literal.number(1), false=start.copy()))
            ctx.flag("substr_zero", "info", "substr start guarded: Hive reads 0 as 1", node=sub)
    return tree


def lateral_outer(tree: exp.Expression, ctx):
    """P4: LATERAL VIEW OUTER keeps rows whose array is empty; Trino needs LEFT JOIN UNNEST ... ON TRUE."""
    if ctx.target != "trino":
        return tree
    for lat in list(tree.find_all(exp.Lateral)):
        if lat.args.get("outer") and lat.args.get("view"):
            lat.set("outer", False)
            lat.meta["okdp_outer"] = True
    return tree


def _hive_array_agg(arg: exp.Expression, distinct: bool) -> exp.Expression:
    """COALESCE(ARRAY_AGG([DISTINCT] x) FILTER (WHERE NOT x IS NULL), ARRAY[]): Hive's collect_set / collect_list."""
    agg = exp.ArrayAgg(this=exp.Distinct(expressions=[arg.copy()]) if distinct else arg.copy())
    not_null = exp.Where(this=exp.Not(this=exp.Is(this=arg.copy(), expression=exp.Null())))
    return exp.Coalesce(this=exp.Filter(this=agg, expression=not_null), expressions=[exp.Array(expressions=[])])


def collect_set(tree: exp.Expression, ctx):
    """P6: collect_set and collect_list skip NULLs and give [] for no rows; Trino's ARRAY_AGG keeps NULL and gives NULL."""
    if ctx.target != "trino":
        return tree
    for agg in list(tree.find_all(exp.ArrayUniqueAgg)):
        arg = agg.this
        if isinstance(arg, exp.Distinct) and len(arg.expressions) == 1:  # collect_set(DISTINCT x) is collect_set(x)
            arg = arg.expressions[0]
        if agg.parent and isinstance(agg.parent, exp.Window):
            ctx.flag("collect_set", "warning", "collect_set over a window: Trino's ARRAY_AGG(DISTINCT) keeps NULLs here",
                     fix="filter NULLs with FILTER (WHERE x IS NOT NULL)", node=agg)
            continue
        new = _hive_array_agg(arg, distinct=True)
        agg.replace(new)
        ctx.flag("collect_set", "info", "collect_set: NULLs filtered and [] for no rows, as in Hive", node=new)
    for agg in list(tree.find_all(exp.ArrayAgg)):  # collect_list: same [] for a group of NULLs or no rows
        if isinstance(agg.parent, (exp.Filter, exp.Coalesce)) or isinstance(agg.this, exp.Distinct):
            continue
        if isinstance(agg.parent, exp.Window):
            ctx.flag("collect_set", "warning", "collect_list over a window: where every value is NULL Hive gives [] and "
                     "Trino's ARRAY_AGG NULL", fix="wrap it in COALESCE(..., ARRAY[]) if readers expect []", node=agg)
            continue
        new = _hive_array_agg(agg.this, distinct=False)
        agg.replace(new)
        ctx.flag("collect_set", "info", "collect_list: NULLs filtered and [] for no rows or only NULLs, as in Hive", node=new)
    return tree


def size_null(tree: exp.Expression, ctx):
    """P13: size(NULL) is -1 in Hive, NULL in Trino and in Spark 4."""
    for size in list(tree.find_all(exp.ArraySize)):
        if isinstance(size.parent, exp.Coalesce):
            continue
        size.replace(exp.Coalesce(this=size.copy(), expressions=[exp.Literal.number(-1)]))
        ctx.flag("size_null", "info", "size(NULL) kept at -1 with COALESCE", node=size)
    return tree


def trunc_date(tree: exp.Expression, ctx):
    """P8: Hive trunc(d, 'MM') -> first day as a DATE; units spelled Trino's way."""
    for node in list(tree.find_all(exp.TimestampTrunc, exp.DateTrunc)):
        unit = node.args.get("unit")
        name = _TRUNC_UNITS.get((unit.name if unit is not None else "").lower().strip("'"))
        if not name:
            if ctx.target == "trino":
                ctx.flag("trunc_date", "error", f"trunc unit {unit.sql() if unit else '?'} not understood", node=node)
            continue
        if ctx.target == "trino":
            new = exp.Anonymous(this="date_trunc", expressions=[exp.Literal.string(name), exp.cast(node.this.copy(), "DATE")])
        else:
            new = exp.Anonymous(this="trunc", expressions=[exp.cast(node.this.copy(), "DATE"), exp.Literal.string(name.upper())])
        node.replace(new)
        ctx.flag("trunc_date", "info", f"trunc(d, {unit.sql()}) -> first day of the {name}, as a DATE", node=new)
    return tree


def distribute_sort(tree: exp.Expression, ctx):
    """P17: DISTRIBUTE BY / SORT BY / CLUSTER BY shape files and per-reducer order; Trino has neither."""
    if ctx.target != "trino":
        return tree
    for key in ("distribute", "sort", "cluster"):
        for sel in list(tree.find_all(exp.Select)):
            node = sel.args.get(key)
            if node is None:
                continue
            sel.set(key, None)
            top_query = sel.find_ancestor(exp.Insert, exp.Create) is None
            if key in ("sort", "cluster") and top_query and sel.parent is None:
                ctx.flag("distribute_sort", "warning", f"{key.upper()} BY dropped: Hive sorted within each reducer; "
                         "Trino returns rows in no order", fix="add ORDER BY if the order matters", node=sel)
            else:
                ctx.flag("distribute_sort", "info", f"{key.upper()} BY dropped (file layout only)", node=sel)
    return tree


def struct_names(tree: exp.Expression, ctx):
    """P19: Hive struct(a, b) names its fields col1, col2."""
    for st in list(tree.find_all(exp.Struct)):
        items = list(st.expressions)
        if not items or any(isinstance(i, exp.PropertyEQ) and i.this.name.lower().startswith("col") for i in items):
            continue
        values = [i.expression if isinstance(i, exp.PropertyEQ) else i for i in items]
        if ctx.target == "spark":
            args = []
            for k, v in enumerate(values, 1):
                args += [exp.Literal.string(f"col{k}"), v.copy()]
            st.replace(exp.Anonymous(this="named_struct", expressions=args))
            ctx.flag("struct_names", "info", "struct() fields named col1..colN, as in Hive", node=st)
        else:
            st.replace(exp.Anonymous(this="ROW", expressions=[v.copy() for v in values]))
            ctx.flag("struct_names", "warning", "struct() became an unnamed ROW: Hive names its fields col1..colN",
                     fix="CAST(ROW(...) AS ROW(col1 <type>, ...)) if consumers read fields by name", node=st)
    return tree
