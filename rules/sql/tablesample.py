"""TABLESAMPLE: Hive's (n ROWS) becomes a LIMIT subquery on Trino, (n PERCENT) a SYSTEM sample;
bucket sampling has no equivalent (Trino), or none with ON col (Spark)."""
from __future__ import annotations

from sqlglot import exp


def tablesample(tree: exp.Expression, ctx):
    for sample in list(tree.find_all(exp.TableSample)):
        table = sample.parent
        bucket = sample.args.get("bucket_numerator") is not None
        if bucket:
            if ctx.target == "trino" or sample.args.get("bucket_field") is not None:
                ctx.flag("tablesample", "error", "bucket sampling (TABLESAMPLE BUCKET x OUT OF y) has no equivalent here",
                         fix="sample with TABLESAMPLE BERNOULLI (percent), or filter on a hash of the column", node=sample)
            continue
        if ctx.target != "trino":
            continue
        if sample.args.get("size") is not None and isinstance(table, exp.Table):
            rows = sample.args["size"].copy()
            sample.pop()
            alias = table.alias or table.name
            sub = exp.select("*").from_(table.copy()).limit(rows).subquery(alias)
            table.replace(sub)
            ctx.flag("tablesample", "info", f"TABLESAMPLE ({rows.sql()} ROWS) became a LIMIT {rows.sql()} subquery", node=sub)
        elif sample.args.get("percent") is not None:
            sample.set("method", exp.var("SYSTEM"))
            ctx.flag("tablesample", "info", "TABLESAMPLE (n PERCENT) became TABLESAMPLE SYSTEM (n)", node=sample)
    return tree
