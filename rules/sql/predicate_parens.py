"""`a = b IN (...)` and `x IN (...) = y`: Hive's grammar binds IN before =; neither target's grammar takes
the bare form back, so the IN is written inside parentheses (the meaning Hive gave it)."""
from __future__ import annotations

from sqlglot import exp

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ)


def predicate_parens(tree: exp.Expression, ctx):
    for node in list(tree.find_all(exp.In, exp.Between, exp.Like)):
        if isinstance(node.parent, _COMPARISONS):
            node.replace(exp.Paren(this=node.copy()))
    return tree
