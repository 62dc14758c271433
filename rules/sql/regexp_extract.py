"""regexp_extract when nothing matches: Hive returns '' (its UDF's last line), Trino returns NULL. Spark
returns '' as Hive does. For Trino the extract is kept where the pattern matches, '' where it does not, and
NULL only for a NULL input or pattern, as in Hive."""
from __future__ import annotations

from sqlglot import exp


def _maybe_null(node: exp.Expression) -> bool:
    return not (isinstance(node, exp.Literal) and node.is_string)


def regexp_extract(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    for node in list(tree.find_all(exp.RegexpExtract)):
        if isinstance(node.parent, exp.If) and node.parent.args.get("true") is node:
            continue  # already written by this rule
        subject, pattern = node.this, node.expression
        nullable = [e for e in (subject, pattern) if _maybe_null(e)]
        none = exp.Literal.string("")
        if nullable:
            test = exp.or_(*[exp.Is(this=e.copy(), expression=exp.Null()) for e in nullable])
            none = exp.If(this=test, true=exp.Null(), false=exp.Literal.string(""))
        like = exp.RegexpLike(this=subject.copy(), expression=pattern.copy())
        new = exp.If(this=like, true=node.copy(), false=none)
        node.replace(new)
        ctx.flag("regexp_extract", "info", "regexp_extract: '' where the pattern does not match, as Hive returns "
                 "(Trino's gives NULL)", node=new)
    return tree
