"""Hive functions Trino names or shapes differently (P18); each rewrite keeps Hive's result.

Functions with no faithful equivalent are left for the Trino function check to flag.
"""
from __future__ import annotations

from sqlglot import exp, parse_one


def _t(sql: str, **args) -> exp.Expression:
    """A Trino expression template with {name} slots filled by argument trees."""
    tree = parse_one(sql, read="trino")
    for col in list(tree.find_all(exp.Column)):
        if col.name in args and not col.table:
            col.replace(args[col.name].copy())
    return tree


def _rewrite(name: str, a: list[exp.Expression]) -> exp.Expression | None:
    n = len(a)
    if name == "isnull" and n == 1:
        return exp.Is(this=a[0].copy(), expression=exp.Null())
    if name == "isnotnull" and n == 1:
        return exp.Not(this=exp.Is(this=a[0].copy(), expression=exp.Null()))
    if name == "pmod" and n == 2:
        return _t("MOD(MOD(x1, x2) + x2, x2)", x1=a[0], x2=a[1])
    if name == "nvl2" and n == 3:
        return _t("IF(x1 IS NOT NULL, x2, x3)", x1=a[0], x2=a[1], x3=a[2])
    if name == "current_database" and n == 0:
        return exp.Anonymous(this="current_schema")  # printed as a call; fixed up below
    if name == "conv" and n == 3:
        return _t("UPPER(TO_BASE(FROM_BASE(CAST(x1 AS VARCHAR), x2), x3))", x1=a[0], x2=a[1], x3=a[2])
    if name == "bin" and n == 1:
        return _t("TO_BASE(x1, 2)", x1=a[0])
    if name == "octet_length" and n == 1:
        return _t("LENGTH(TO_UTF8(x1))", x1=a[0])
    if name == "ascii" and n == 1:  # Hive: 0 for ''; Trino's codepoint() needs exactly one character
        return _t("IF(LENGTH(x1) = 0, 0, CODEPOINT(CAST(SUBSTR(x1, 1, 1) AS VARCHAR(1))))", x1=a[0])
    if name == "elt" and n >= 2:  # Hive: NULL outside 1..n; Trino's element_at reads negative indexes from the end
        at = exp.Anonymous(this="element_at", expressions=[exp.Array(expressions=[x.copy() for x in a[1:]]), a[0].copy()])
        return exp.If(this=exp.GTE(this=a[0].copy(), expression=exp.Literal.number(1)), true=at)
    if name == "printf" and n >= 1:
        return exp.Anonymous(this="format", expressions=[x.copy() for x in a])
    if name == "add_months" and n == 2:  # Hive: the last day of a month maps to the last day of the result month
        d = _date(a[0])
        return _t("CAST(IF(x1 = LAST_DAY_OF_MONTH(x1), LAST_DAY_OF_MONTH(DATE_ADD('month', x2, x1)), "
                  "DATE_ADD('month', x2, x1)) AS VARCHAR)", x1=d, x2=a[1])
    if name == "next_day" and n == 2 and isinstance(a[1], exp.Literal) and a[1].is_string:
        day = _DAYS.get(a[1].name.strip().lower()[:2]) if a[1].name.strip().lower() in _DAY_NAMES else None
        if day is None:
            return exp.Null()  # Hive returns NULL for an unknown day name
        return _t("CAST(DATE_ADD('day', MOD(x2 - DAY_OF_WEEK(x1) + 6, 7) + 1, x1) AS VARCHAR)", x1=_date(a[0]),
                  x2=exp.Literal.number(day))
    if name == "field" and n >= 2:  # position of the first argument among the others, 0 when absent or NULL
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=a[0].copy(), expression=v.copy()), true=exp.Literal.number(i))
                             for i, v in enumerate(a[1:], 1)], default=exp.Literal.number(0))
    if name == "substring_index" and n == 3 and _int_literal(a[2]) is not None and isinstance(a[1], exp.Literal) \
            and a[1].is_string and a[1].name:
        k = _int_literal(a[2])
        if k == 0:
            return exp.Literal.string("")
        if k > 0:
            return _t(f"ARRAY_JOIN(SLICE(SPLIT(x1, x2), 1, {k}), x2)", x1=a[0], x2=a[1])
        return _t(f"IF(CARDINALITY(SPLIT(x1, x2)) <= {-k}, x1, ARRAY_JOIN(SLICE(SPLIT(x1, x2), {k}, {-k}), x2))", x1=a[0], x2=a[1])
    if name == "from_utc_timestamp" and n == 2:
        return _t("CAST(WITH_TIMEZONE(CAST(x1 AS TIMESTAMP), 'UTC') AT TIME ZONE x2 AS TIMESTAMP)", x1=a[0], x2=a[1])
    if name == "to_utc_timestamp" and n == 2:
        return _t("CAST(WITH_TIMEZONE(CAST(x1 AS TIMESTAMP), x2) AT TIME ZONE 'UTC' AS TIMESTAMP)", x1=a[0], x2=a[1])
    if name == "factorial" and n == 1:  # Hive: a BIGINT for 0..20, NULL outside (IF keeps 21! from overflowing)
        return _t("IF(x1 BETWEEN 0 AND 20, REDUCE(SEQUENCE(1, GREATEST(CAST(x1 AS BIGINT), 1)), CAST(1 AS BIGINT), "
                  "(acc, k) -> acc * k, acc -> acc))", x1=a[0])
    return None


_DAYS = {"mo": 1, "tu": 2, "we": 3, "th": 4, "fr": 5, "sa": 6, "su": 7}
_DAY_NAMES = {n for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
              for n in (d[:2], d[:3], d)}
# sqlglot reads these Hive functions into typed nodes; they are turned back into calls so _rewrite sees them
_TYPED = {"AddMonths": ("add_months", ("this", "expression")), "Ascii": ("ascii", ("this",)),
          "Factorial": ("factorial", ("this",)),
          "Elt": ("elt", ("this", "expressions")), "NextDay": ("next_day", ("this", "expression")),
          "SubstringIndex": ("substring_index", ("this", "delimiter", "count"))}


def _date(value: exp.Expression) -> exp.Expression:
    """A Hive date argument (DATE, TIMESTAMP or 'yyyy-MM-dd[ ...]' text) as a Trino DATE; NULL when invalid, as in Hive."""
    return _t("TRY_CAST(SUBSTR(CAST(x1 AS VARCHAR), 1, 10) AS DATE)", x1=value)


def _int_literal(node: exp.Expression) -> int | None:
    if isinstance(node, exp.Neg):
        inner = _int_literal(node.this)
        return -inner if inner is not None else None
    if isinstance(node, exp.Literal) and not node.is_string and node.name.lstrip("-").isdigit():
        return int(node.name)
    return None


def _as_call(node: exp.Expression) -> exp.Anonymous | None:
    spec = _TYPED.get(type(node).__name__)
    if spec is None:
        return None
    args: list[exp.Expression] = []
    for key in spec[1]:
        value = node.args.get(key)
        args.extend(value if isinstance(value, list) else [value] if value is not None else [])
    return exp.Anonymous(this=spec[0], expressions=[x.copy() for x in args])


def hive_functions(tree: exp.Expression, ctx):
    if ctx.target != "trino":
        return tree
    typed = tuple(getattr(exp, name) for name in (*_TYPED, "CurrentDatabase") if hasattr(exp, name))
    for node in reversed(list(tree.find_all(exp.Anonymous, *typed))):  # innermost calls first
        if type(node).__name__ == "CurrentDatabase" or (isinstance(node, exp.Anonymous) and node.name == "current_schema"
                                                         and not node.expressions):
            node.replace(exp.column("current_schema"))
            continue
        fn = _as_call(node) or node
        name = fn.name.lower()
        new = _rewrite(name, list(fn.expressions))
        if new is not None:
            if node is tree:
                return new
            node.replace(new)
            ctx.flag("hive_functions", "info", f"{name}() rewritten with Trino functions", node=new)
        elif name == "hash":
            ctx.flag("hive_functions", "error", "hash() values differ between Hive and Trino",
                     fix="use xxhash64/murmur3 and accept new values, or keep this job on Spark", node=node)
        elif fn is not node:
            node.replace(fn)
    return tree
