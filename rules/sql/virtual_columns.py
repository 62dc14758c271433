"""Hive's virtual columns pass both targets' grammars as plain names, and then fail at analysis (no such column):
- INPUT__FILE__NAME: the row's file -> Trino's hidden column "$path" / Spark's input_file_name(); the paths are
  the migrated files' (s3a://...), a person checks what the query does with them;
- GROUPING__ID -> Trino's GROUPING(c1, ..., cn) over the GROUP BY columns (Spark reads GROUPING__ID itself); Hive
  before 2.3 numbered the bits the other way round (HIVE-16102), so the values are checked;
- BLOCK__OFFSET__INSIDE__FILE, ROW__OFFSET__INSIDE__BLOCK, RAW__DATA__SIZE, ROW__ID: nothing equivalent."""
from __future__ import annotations

from sqlglot import exp

_NONE = {"block__offset__inside__file", "row__offset__inside__block", "raw__data__size", "row__id"}


def _group_columns(select: exp.Select) -> list[exp.Expression] | None:
    group = select.args.get("group")
    if group is None:
        return None
    out: list[exp.Expression] = []
    sets = (exp.Cube, exp.Rollup, exp.GroupingSets)
    for e in group.expressions:  # GROUP BY CUBE(a, b) holds the columns inside the CUBE node
        out += list(e.find_all(exp.Column)) if isinstance(e, sets) else [e]
    if not out:
        for key in ("rollup", "cube", "grouping_sets"):
            for node in group.args.get(key) or []:
                out += list(node.find_all(exp.Column))
    unique: list[exp.Expression] = []
    for e in out:
        if not any(e == seen for seen in unique):
            unique.append(e)
    return unique or None


def virtual_columns(tree: exp.Expression, ctx):
    for col in list(tree.find_all(exp.Column)):
        name = col.name.lower()
        if name == "input__file__name":
            if ctx.target == "trino":
                new = exp.column("$path", table=col.table or None, quoted=True)
            else:
                new = exp.Anonymous(this="input_file_name", expressions=[])
            col.replace(new)
            ctx.flag("virtual_columns", "warning", "INPUT__FILE__NAME read from the target's file path: the paths are "
                     "those of the migrated files", fix="check what the query does with the path (parsing, filters)",
                     node=new)
        elif name == "grouping__id":
            ctx.flag("virtual_columns", "warning", "GROUPING__ID: values as Hive 2.3+ numbers them (HIVE-16102); "
                     "older Hive set the bits the other way round", fix="compare a few rows with the Hive job's output",
                     node=col)
            if ctx.target != "trino":
                continue
            select = col.find_ancestor(exp.Select)
            columns = _group_columns(select) if select is not None else None
            if columns is None:
                ctx.flag("virtual_columns", "error", "GROUPING__ID without a GROUP BY list", node=col)
                continue
            col.replace(exp.Anonymous(this="GROUPING", expressions=[c.copy() for c in columns]))
        elif name in _NONE:
            ctx.flag("virtual_columns", "error", f"Hive virtual column {col.name}: {ctx.target} has no equivalent",
                     fix="drop it or rewrite the query", node=col)
    return tree
