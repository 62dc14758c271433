"""sort_array NULL order, TRANSFORM scripts, UDFs loaded from JARs, decimal literals beyond 38 digits."""
from __future__ import annotations

import re

from sqlglot import exp, parse_one


def sort_array(tree: exp.Expression, ctx):
    """Hive sort_array puts NULLs first (ascending); Trino's array_sort puts them last."""
    if ctx.target != "trino":
        return tree
    for node in list(tree.find_all(exp.ArraySort)):
        asc = node.expression
        desc = isinstance(asc, exp.Boolean) and not asc.this
        tmpl = ("CONCAT(REVERSE(ARRAY_SORT(FILTER(x, e -> e IS NOT NULL))), FILTER(x, e -> e IS NULL))" if desc
                else "CONCAT(FILTER(x, e -> e IS NULL), ARRAY_SORT(FILTER(x, e -> e IS NOT NULL)))")
        new = parse_one(tmpl, read="trino")
        for col in list(new.find_all(exp.Column)):
            if col.name == "x":
                col.replace(node.this.copy())
        node.replace(new)
        ctx.flag("sort_array", "info", "sort_array: NULLs kept first, as in Hive", node=new)
    return tree


def transform_script(tree: exp.Expression, ctx):
    for node in tree.find_all(exp.QueryTransform):
        if ctx.target == "trino":
            ctx.flag("transform_script", "error", "TRANSFORM ... USING runs an external script; Trino cannot",
                     fix="rewrite the script as SQL, or run this step on Spark", node=node)
        else:
            ctx.flag("transform_script", "warning", "TRANSFORM ... USING runs an external script on Spark executors",
                     fix="ship the script with the job (spark-submit --files) and check its input format", node=node)
    return tree


def udf_calls(tree: exp.Expression, ctx):
    temp = ctx.session.temp_functions
    if not temp:
        return tree
    for fn in tree.find_all(exp.Anonymous):
        cls = temp.get(fn.name.lower())
        if cls is None:
            continue
        if ctx.target == "trino":
            ctx.flag("udf_from_jar", "error", f"calls Hive UDF '{fn.name}' ({cls}) loaded from a JAR",
                     fix="port the UDF to a Trino plugin or SQL routine", node=fn)
        else:
            ctx.flag("udf_from_jar", "warning", f"calls Hive UDF '{fn.name}' ({cls}) loaded from a JAR",
                     fix="ship the JAR with the Spark job", node=fn)
    return tree


def decimal_literal(tree: exp.Expression, ctx):
    """A BD literal beyond DECIMAL(38) (`1E99BD`): Hive reads it as NULL of type decimal(1,0), both targets reject
    the precision. An explicit CAST to such a type is rejected by Hive itself."""
    for cast in list(tree.find_all(exp.Cast)):  # TryCast is a Cast
        to = cast.to
        params = to.expressions if to.is_type(exp.DataType.Type.DECIMAL) else []
        precision = params[0].this if params and isinstance(params[0].this, exp.Literal) else None
        if precision is None or not precision.name.isdigit() or int(precision.name) <= 38:
            continue
        literal = cast.this
        if isinstance(literal, exp.Literal) and literal.is_string and \
                re.search(re.escape(literal.name) + r"BD\b", ctx.source, re.I):
            new = exp.cast(exp.Null(), exp.DataType.build("DECIMAL(1, 0)"))
            cast.replace(new)
            ctx.flag("decimal_literal", "info", f"{literal.name}BD is beyond DECIMAL(38): NULL, as in Hive", node=new)
        else:
            ctx.flag("decimal_literal", "error", f"DECIMAL({precision.name}) is above the maximum precision 38 of Hive, "
                     "Trino and Spark", fix="use DECIMAL(38, s) or DOUBLE", node=cast)
    return tree
