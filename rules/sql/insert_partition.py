"""INSERT [OVERWRITE] TABLE t PARTITION (...) (P14).

Trino has no PARTITION clause and no INSERT OVERWRITE: static partition values become trailing select
columns, and an overwrite becomes DELETE of exactly the partitions Hive would replace, then INSERT
(not atomic: flagged); when the query reads the table it overwrites, the rows are staged in a table first.
Spark keeps the syntax, but a dynamic-partition overwrite under Spark's default
partitionOverwriteMode=static deletes every other partition, so the output sets the mode to dynamic.
"""
from __future__ import annotations

from sqlglot import exp

from .util import name_columns, query_with_ctes

DYNAMIC_MODE = "SET spark.sql.sources.partitionOverwriteMode=dynamic"


def insert_partition(tree: exp.Expression, ctx):
    if isinstance(tree, exp.MultitableInserts):
        if ctx.target == "spark" and any(_dynamic_overwrite(i) for i in tree.expressions):
            ctx.flag("insert_partition", "info", "dynamic-partition overwrite: partitionOverwriteMode set to dynamic", node=tree)
            return [DYNAMIC_MODE, tree]
        return tree
    if not isinstance(tree, exp.Insert):
        return tree
    target = tree.this
    if not isinstance(target, (exp.Table, exp.Schema)):
        return tree  # INSERT OVERWRITE DIRECTORY: the insert_directory rule's
    table = target.this if isinstance(target, exp.Schema) else target
    partition = table.args.get("partition") if isinstance(table, exp.Table) else None
    overwrite = bool(tree.args.get("overwrite"))
    if ctx.target == "spark":
        if overwrite and _dynamic_overwrite(tree):
            ctx.flag("insert_partition", "info", "dynamic-partition overwrite: partitionOverwriteMode set to dynamic so "
                     "other partitions are kept (Spark's default static mode deletes them)", node=tree)
            return [DYNAMIC_MODE, tree]
        return tree

    spec = list(partition.expressions) if partition is not None else []
    static = [(e.this, e.expression) for e in spec if isinstance(e, exp.EQ)]
    dynamic = [e for e in spec if isinstance(e, exp.Column)]
    if partition is not None:
        partition.pop()
    query = tree.expression
    if static:
        if not isinstance(query, exp.Select) or query.find(exp.Star) is not None and len(query.expressions) == 1 and dynamic:
            query = exp.select("*").from_(_subquery(query))
        # static values sit before any dynamic columns, in the order of the table's partition keys
        n_dyn = len(dynamic)
        values = [exp.alias_(v.copy(), c.name) for c, v in static]
        exprs = list(query.expressions)
        cut = len(exprs) - n_dyn
        query.set("expressions", exprs[:cut] + values + exprs[cut:])
        tree.set("expression", query)
    if not overwrite:
        if spec:
            ctx.flag("insert_partition", "info", "PARTITION clause folded into the select list (Trino)", node=tree)
        return tree

    tree.set("overwrite", False)
    name = table.copy()
    name.set("partition", None)
    names = [d.name for d in dynamic]
    if _reads_itself(tree, name):
        return _staged_overwrite(tree, name, static, names, ctx)
    rows = None
    if dynamic:
        if not _name_dynamic(tree.expression, names):
            ctx.flag("insert_partition", "error", "dynamic partition values come from SELECT *: their column names are "
                     "unknown here, so the partitions to replace cannot be named", fix="list the columns explicitly", node=tree)
            return tree
        rows = tree.expression.copy().subquery("_src")
    delete = _delete_replaced(name, static, names, rows, tree.args.get("with_"))
    what = "the partitions the query writes" if dynamic else ("the named partition" if static else "all rows")
    ctx.flag("insert_partition", "warning", f"INSERT OVERWRITE became DELETE ({what}) then INSERT: not atomic, readers "
             "can see the table in between", fix="run both in one transaction where the catalog allows it, or schedule "
             "readers after the job; on a Hive-connector table, insert_existing_partitions_behavior=OVERWRITE does it in one step",
             node=tree)
    return [delete, tree]


def _name_dynamic(query: exp.Expression, names: list[str]) -> bool:
    """Alias the trailing select expressions with the dynamic partition names, so a DELETE can read them back.
    False when they come from SELECT * (names unknown); a query that is not a plain SELECT is left as it is."""
    if not names or not isinstance(query, exp.Select):
        return True
    exprs = list(query.expressions)
    tail = len(exprs) - len(names)
    if tail < 0 or any(isinstance(e, exp.Star) for e in exprs[tail:]):
        return False
    for i, n in enumerate(names):
        e = exprs[tail + i]
        if e.alias_or_name != n:
            exprs[tail + i] = exp.alias_(e.unalias().copy() if isinstance(e, exp.Alias) else e.copy(), n)
    query.set("expressions", exprs)
    return True


def _delete_replaced(name: exp.Table, static, dynamic: list[str], rows: exp.Expression | None,
                     ctes: exp.Expression | None = None) -> exp.Delete:
    """DELETE of what Hive's overwrite replaces: the static partition values, and the dynamic partitions found
    in `rows` (the new rows: the INSERT's query, or its staged copy); no partition at all: every row."""
    conds = [exp.EQ(this=exp.column(c.name), expression=v.copy()) for c, v in static]
    if dynamic:
        sub = exp.select(*[exp.column(n) for n in dynamic]).distinct().from_(rows)
        if ctes is not None:  # the query reads the statement's CTEs; so does the DELETE's copy of it
            sub.set("with_", ctes.copy())
        lhs = exp.column(dynamic[0]) if len(dynamic) == 1 else exp.Tuple(expressions=[exp.column(n) for n in dynamic])
        conds.append(exp.In(this=lhs, query=exp.Subquery(this=sub)))
    delete = exp.Delete(this=name.copy())
    if conds:
        delete.set("where", exp.Where(this=exp.and_(*conds)))
    return delete


def _reads_itself(tree: exp.Insert, name: exp.Table) -> bool:
    """Does the query (or its CTEs) read the table it overwrites? Names without a database match by table name
    alone: a false match only costs a staging table, a missed one would lose the rows the DELETE removed."""
    ctes = tree.args.get("with_")
    scopes = [tree.expression] + ([ctes] if ctes is not None else [])
    for scope in scopes:
        for t in scope.find_all(exp.Table):
            if t.name.lower() == name.name.lower() and (not t.db or not name.db or t.db.lower() == name.db.lower()):
                return True
    return False


def _staged_overwrite(tree: exp.Insert, name: exp.Table, static, dynamic: list[str], ctx) -> list:
    """CTAS the new rows into a staging table, DELETE what Hive would replace, INSERT from the stage, DROP it:
    a DELETE before an INSERT that reads the same table would empty what the INSERT reads (an in-place dedupe
    or compaction would leave the partition empty)."""
    stage = exp.table_(f"{name.name}_okdp_stage", db=name.db or None, catalog=name.catalog or None)
    query = query_with_ctes(tree)
    _name_dynamic(query, dynamic)  # SELECT * reading the table itself: the stage keeps the table's own names
    name_columns(query)  # CTAS needs a name for every column
    create = exp.Create(this=stage.copy(), kind="TABLE", expression=query)
    delete = _delete_replaced(name, static, dynamic, stage.copy())
    insert = exp.Insert(this=tree.this.copy() if isinstance(tree.this, exp.Schema) else name.copy(),
                        expression=exp.select("*").from_(stage.copy()))
    if isinstance(insert.this, exp.Schema):
        insert.this.set("this", name.copy())
    drop = exp.Drop(tables=[stage.copy()], kind="TABLE")
    ctx.flag("insert_partition", "warning", f"INSERT OVERWRITE reads the table it overwrites: the new rows are staged in "
             f"{stage.sql()} first, then DELETE, INSERT from the stage, DROP the stage (a DELETE before an INSERT that reads "
             "the same table would lose the rows); not atomic, readers can see the table in between",
             fix="run where no reader or writer uses the table meanwhile; the stage must not exist beforehand", node=tree)
    return [create, delete, insert, drop]


def _subquery(query: exp.Expression) -> exp.Expression:
    if isinstance(query, exp.Values):
        return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("_src")))
    return query.subquery("_src")


def _dynamic_overwrite(ins: exp.Expression) -> bool:
    if not isinstance(ins, exp.Insert) or not ins.args.get("overwrite"):
        return False
    table = ins.this.this if isinstance(ins.this, exp.Schema) else ins.this
    partition = table.args.get("partition") if isinstance(table, exp.Table) else None
    return partition is not None and any(isinstance(e, exp.Column) for e in partition.expressions)

