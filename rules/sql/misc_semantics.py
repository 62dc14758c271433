"""sort_array NULL order, TRANSFORM scripts, UDFs loaded from JARs."""
from __future__ import annotations

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
