"""Java date patterns (P7): Trino's format_datetime/parse_datetime read the same Joda letters Hive's
SimpleDateFormat does (bar 'u'), so the pattern is kept verbatim; Spark 3+ rejects or changes a few letters."""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.hive import Hive

_GEN = Hive().generator()
_SPARK_DIFF = re.compile(r"(?<!')[uwWYF]")


def _java(node: exp.Expression) -> str | None:
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal):
        return None
    return _GEN.format_time(node).strip("'")


def _aliases(tree: exp.Expression) -> exp.Expression:
    """Hive's to_unix_timestamp(x[, pattern]) is unix_timestamp(x[, pattern]) under another name."""
    for fn in list(tree.find_all(exp.Anonymous)):
        if fn.name.lower() == "to_unix_timestamp" and 1 <= len(fn.expressions) <= 2:
            same = sqlglot.parse_one("SELECT unix_timestamp(" + ", ".join(["okdp_a", "okdp_b"][:len(fn.expressions)]) + ")",
                                     read="hive").selects[0]
            for col in list(same.find_all(exp.Column)):
                col.replace(fn.expressions[0 if col.name == "okdp_a" else 1].copy())
            fn.replace(same)
    return tree


def date_patterns(tree: exp.Expression, ctx):
    tree = _aliases(tree)
    for node in list(tree.find_all(exp.TimeToStr, exp.StrToUnix, exp.UnixToStr)):
        pattern = _java(node)
        if pattern is None:
            if ctx.target == "trino" and node.args.get("format") is not None:
                ctx.flag("date_patterns", "warning", "date pattern is not a literal: it is read as a Java pattern by Hive",
                         fix="check the pattern letters on the target", node=node)
            continue
        if ctx.target == "spark":
            if _SPARK_DIFF.search(pattern):
                ctx.flag("date_patterns", "warning", f"pattern '{pattern}' uses letters Spark 3+ reads differently (u, w, W, Y, F)",
                         fix="use dayofweek()/weekofyear(), or spark.sql.legacy.timeParserPolicy=LEGACY", node=node)
            continue
        joda = pattern.replace("u", "e")
        lit = exp.Literal.string(joda)
        if isinstance(node, exp.TimeToStr):
            value = node.this.copy()
            if type(value).__name__ in ("TimeStrToTime", "TsOrDsToTimestamp"):  # sqlglot's own "as timestamp" wrapper
                value = value.this
            if not (isinstance(value, exp.Cast) and value.to.is_type(exp.DataType.Type.TIMESTAMP)):
                value = exp.cast(value, "TIMESTAMP")
            new = exp.Anonymous(this="format_datetime", expressions=[value, lit])
        elif isinstance(node, exp.UnixToStr):
            new = exp.Anonymous(this="format_datetime", expressions=[exp.Anonymous(this="from_unixtime", expressions=[node.this.copy()]), lit])
        else:
            new = exp.Anonymous(this="to_unixtime", expressions=[exp.Anonymous(this="parse_datetime", expressions=[exp.cast(node.this.copy(), "VARCHAR"), lit])])
        node.replace(new)
        ctx.flag("date_patterns", "info", f"Java date pattern '{pattern}' kept with format_datetime/parse_datetime", node=new)
        if isinstance(node, (exp.UnixToStr, exp.StrToUnix)):
            ctx.flag("date_patterns", "warning", "unix time conversion uses the session time zone (Hive: the server's)",
                     fix="set the Trino session time_zone to the Hive server's zone", node=new)
    return tree
