"""GROUP BY a, b WITH CUBE / WITH ROLLUP -> GROUP BY CUBE (a, b) / ROLLUP (a, b) for Trino."""
from __future__ import annotations

from sqlglot import exp


def group_by_modifiers(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for group in tree.find_all(exp.Group):
        if group.args.get("grouping_sets") and group.expressions:
            group.set("expressions", [])  # Hive: GROUP BY a, b GROUPING SETS (...) groups by the sets only
        for key, cls in (("cube", exp.Cube), ("rollup", exp.Rollup)):
            mods = group.args.get(key) or []
            if any(isinstance(m, cls) and not m.expressions for m in mods) and group.expressions:
                group.set(key, [cls(expressions=[e.copy() for e in group.expressions])])
                group.set("expressions", [])
    return tree
