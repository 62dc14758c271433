"""Division and casts (P1, P11, P12).

Division: Hive gives NULL for x/0 and keeps DECIMAL; Trino (via sqlglot) divides as DOUBLE with NULLIF,
Spark 4 raises on /0 (try_divide keeps NULL). CAST to an integer type truncates in Hive and rounds in
Trino; a failing CAST is NULL in Hive and an error in Spark 4 (TRY_CAST).
"""
from __future__ import annotations

import re

from sqlglot import exp

_INTEGRAL = {exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT}
_DOUBLE_FUNCS = (exp.Avg, exp.Sqrt, exp.Exp, exp.Ln, exp.Log, exp.Pow, exp.Rand, exp.Stddev, exp.Variance, exp.Div)


def _numeric_kind(node: exp.Expression, ctx) -> str | None:
    """'decimal' | 'double' | 'integer' | 'string' | None when unknown."""
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "string"
        return "double" if "." in node.name or "e" in node.name.lower() else "integer"
    if isinstance(node, (exp.Cast, exp.TryCast)):
        t = node.to
        if t.is_type(*exp.DataType.FLOAT_TYPES):
            return "double"
        if t.is_type(exp.DataType.Type.DECIMAL):
            return "decimal"
        if t.is_type(*exp.DataType.INTEGER_TYPES):
            return "integer"
        return "string" if t.is_type(*exp.DataType.TEXT_TYPES) else None
    if isinstance(node, _DOUBLE_FUNCS):
        return "double"
    if isinstance(node, exp.Paren):
        return _numeric_kind(node.this, ctx)
    col_type = ctx.column_type(node)
    if col_type:
        if col_type.startswith("decimal"):
            return "decimal"
        if col_type in ("double", "float"):
            return "double"
        if col_type in ("int", "bigint", "smallint", "tinyint"):
            return "integer"
        return "string" if col_type.startswith(("string", "varchar", "char")) else None
    return None


_FRACTION = re.compile(r"\s*[-+]?\d*\.\d*\s*")


def _same_as_hive(node: exp.Expression) -> bool:
    """A string literal the targets cast to an integer as Hive does: only a fraction such as '1.5' differs
    (Hive truncates it, TRY_CAST gives NULL); an integer or a non-number reads alike."""
    return isinstance(node, exp.Literal) and not _FRACTION.fullmatch(node.name)


def _fraction_differs(cast: exp.Expression, ctx, fix: str) -> None:
    engine = "Spark" if ctx.target == "spark" else "Trino"
    ctx.flag("arithmetic", "warning", f"{cast.sql('hive')[:60]}: a string with a fractional part ('1.5') becomes 1 "
             f"in Hive and NULL in {engine}'s TRY_CAST", fix=fix, node=cast)


def arithmetic(tree: exp.Expression, ctx):
    for div in list(tree.find_all(exp.Div)):
        kinds = {_numeric_kind(div.this, ctx), _numeric_kind(div.expression, ctx)}
        if ctx.target == "spark":
            div.replace(exp.Anonymous(this="try_divide", expressions=[div.this.copy(), div.expression.copy()]))
            continue
        if "decimal" in kinds and None not in kinds:
            div.set("typed", True)  # keep DECIMAL division, as Hive does
            ctx.flag("arithmetic", "warning", f"DECIMAL division {div.sql('hive')[:60]}: Trino rounds the quotient to "
                     "scale max(s1, s2); Hive keeps scale max(6, s1 + p2 + 1)", fix="CAST the dividend to a DECIMAL "
                     "with the scale the result needs", node=div)
        elif None in kinds and not isinstance(div.expression, exp.Literal):
            ctx.flag("arithmetic", "warning", f"division {div.sql('hive')[:60]}: computed as DOUBLE; if the columns are "
                     "DECIMAL, Hive kept DECIMAL precision", fix="pass --from-scan so column types are known", node=div)
    for cast in list(tree.find_all(exp.Cast, exp.TryCast)):
        to = cast.to
        kind = _numeric_kind(cast.this, ctx) if to.is_type(*_INTEGRAL) else "n/a"
        if ctx.target == "spark":
            if not isinstance(cast.this, exp.Literal) and not to.is_type(*exp.DataType.TEXT_TYPES):
                cast = cast.replace(exp.TryCast(this=cast.this.copy(), to=to.copy(), safe=True))
            if kind is None or (kind == "string" and not _same_as_hive(cast.this)):
                _fraction_differs(cast, ctx, "pass --from-scan so the type is known, or CAST through DECIMAL first "
                                  "if the strings can hold fractions")
            continue
        if kind == "n/a":
            continue
        if kind in ("double", "decimal"):
            cast.set("this", exp.Anonymous(this="truncate", expressions=[cast.this.copy()]))
            ctx.flag("arithmetic", "info", "CAST to an integer truncates in Hive, rounds in Trino: truncate() added", node=cast)
        elif kind == "string" and not _same_as_hive(cast.this):
            _fraction_differs(cast, ctx, "CAST through DECIMAL and truncate() if the strings can hold fractions")
        elif kind is None:
            ctx.flag("arithmetic", "warning", f"{cast.sql('hive')[:60]}: if the value is fractional, Hive truncates and "
                     "Trino rounds", fix="pass --from-scan so the type is known, or wrap the value in truncate()", node=cast)
    return tree
