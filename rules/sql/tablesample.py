"""TABLESAMPLE: Hive's (n ROWS) becomes a LIMIT subquery on Trino, (n PERCENT) a SYSTEM sample. Hive took
n ROWS from each input split, both targets take n in total: flagged for review.

BUCKET x OUT OF y keeps the rows whose bucket hash is x-1 modulo y: 1/y of them. Without ON (the table's
bucketing columns) or ON rand(), a random sample of the same fraction is the closest both targets have:
Trino TABLESAMPLE BERNOULLI (100/y); Spark's BUCKET x OUT OF y means the fraction x/y (not 1/y), so it
becomes BUCKET 1 OUT OF y, without ON, which Spark refuses. Both are for review: other rows come back.
Sampling ON a column needs Hive's bucket hash: no equivalent.
"""
from __future__ import annotations

from sqlglot import exp


def tablesample(tree: exp.Expression, ctx):
    for sample in list(tree.find_all(exp.TableSample)):
        table = sample.parent
        if sample.args.get("bucket_numerator") is not None:
            _bucket(sample, ctx)
            continue
        if sample.args.get("size") is not None:  # Hive applies (n ROWS) to each input split, not to the table
            ctx.flag("tablesample", "warning", "Hive's TABLESAMPLE (n ROWS) took n rows from each input split; here n "
                     "rows are taken in total (the same only when the table is read as one split)",
                     fix="keep it if any n rows will do", node=sample)
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


def _bucket(sample: exp.TableSample, ctx) -> None:
    on = sample.args.get("bucket_field")
    denominator = sample.args.get("bucket_denominator")
    if (on is not None and not isinstance(on, exp.Rand)) or not (isinstance(denominator, exp.Literal) and denominator.name.isdigit()):
        ctx.flag("tablesample", "error", "bucket sampling on a column (TABLESAMPLE BUCKET x OUT OF y ON col) has no "
                 "equivalent here: it selects rows by Hive's bucket hash", fix="sample with TABLESAMPLE BERNOULLI "
                 "(percent) if any rows will do, or filter on a hash of the column", node=sample)
        return
    y = int(denominator.name)
    if ctx.target == "trino":
        for arg in ("bucket_numerator", "bucket_denominator", "bucket_field"):
            sample.set(arg, None)
        sample.set("method", exp.var("BERNOULLI"))
        sample.set("percent", exp.Literal.number(f"{100 / y:.6g}"))
        done = f"TABLESAMPLE BERNOULLI ({100 / y:.6g})"
    else:
        sample.set("bucket_numerator", exp.Literal.number(1))
        sample.set("bucket_field", None)
        done = f"TABLESAMPLE (BUCKET 1 OUT OF {y}) (Spark reads BUCKET x OUT OF y as the fraction x/y)"
    what = "a random sample" if on is not None else "the table's bucket by its bucketing columns"
    ctx.flag("tablesample", "warning", f"Hive's TABLESAMPLE (BUCKET x OUT OF {y}) took {what}; it became {done}: "
             f"the same expected fraction (1/{y}), other rows", fix="keep it if any sample of that size will do; "
             "otherwise filter on the bucketing columns' hash by hand", node=sample)
