"""Hive functions Trino names or shapes differently (P18); each rewrite keeps Hive's result.

Functions with no faithful equivalent are flagged with the reason (or left for the Trino function check).
Spark has Hive's functions; only substring_index's negative-count cut differs there.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sqlglot import exp, parse_one

from .util import sql_string


@lru_cache(maxsize=256)
def _template(sql: str) -> exp.Expression:
    return parse_one(sql, read="trino")


def _t(sql: str, **args) -> exp.Expression:
    """A Trino expression template with {name} slots filled by argument trees (templates parsed once)."""
    tree = _template(sql).copy()
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
    if name == "next_day" and n == 2 and _is_null(a[1]):  # Hive: NULL for a NULL day name
        return exp.cast(exp.Null(), "VARCHAR")
    if name == "next_day" and n == 2 and isinstance(a[1], exp.Literal) and a[1].is_string:
        day = _DAYS.get(a[1].name.strip().lower()[:2]) if a[1].name.strip().lower() in _DAY_NAMES else None
        if day is None:
            return exp.Null()  # Hive returns NULL for an unknown day name
        return _t("CAST(DATE_ADD('day', MOD(x2 - DAY_OF_WEEK(x1) + 6, 7) + 1, x1) AS VARCHAR)", x1=_date(a[0]),
                  x2=exp.Literal.number(day))
    if name == "field" and n >= 2:  # position of the first argument among the others, 0 when absent or NULL
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=a[0].copy(), expression=v.copy()), true=exp.Literal.number(i))
                             for i, v in enumerate(a[1:], 1)], default=exp.Literal.number(0))
    if name == "substring_index" and n == 3:
        return _substring_index(a)
    if name == "assert_true" and n == 1:  # Hive fails the query when the condition is false or NULL, else NULL
        return _t("IF(x1, NULL, FAIL('ASSERT_TRUE(): assertion failed.'))", x1=a[0])
    if name == "find_in_set" and n == 2:  # Hive: NULL if either is NULL, 0 when the needle holds a comma
        return _t("CAST(CASE WHEN x1 IS NULL OR x2 IS NULL THEN NULL WHEN STRPOS(x1, ',') > 0 THEN 0 "
                  "ELSE ARRAY_POSITION(SPLIT(x2, ','), x1) END AS INTEGER)", x1=a[0], x2=a[1])
    if name == "binary" and n == 1:  # Hive: the UTF-8 bytes of a string, a binary unchanged; Trino's cast does both
        return exp.cast(a[0].copy(), "VARBINARY")
    if name == "interval_year_month" and n == 1 and isinstance(a[0], exp.Literal) and a[0].is_string \
            and _YEAR_MONTH.fullmatch(a[0].name.strip()):
        return parse_one(f"INTERVAL '{a[0].name.strip()}' YEAR TO MONTH", read="trino")
    if name == "reflect" and n >= 2:
        return _reflect(a)
    if name == "hash" and n >= 1:
        value = hive_hash(a)
        return exp.Literal.number(value) if value is not None else None
    if name == "from_utc_timestamp" and n == 2:
        return _t("CAST(WITH_TIMEZONE(CAST(x1 AS TIMESTAMP), 'UTC') AT TIME ZONE x2 AS TIMESTAMP)", x1=a[0], x2=a[1])
    if name == "to_utc_timestamp" and n == 2:
        return _t("CAST(WITH_TIMEZONE(CAST(x1 AS TIMESTAMP), x2) AT TIME ZONE 'UTC' AS TIMESTAMP)", x1=a[0], x2=a[1])
    if name == "factorial" and n == 1:  # Hive: a BIGINT for 0..20, NULL outside (IF keeps 21! from overflowing)
        return _t("IF(x1 BETWEEN 0 AND 20, REDUCE(SEQUENCE(1, GREATEST(CAST(x1 AS BIGINT), 1)), CAST(1 AS BIGINT), "
                  "(acc, k) -> acc * k, acc -> acc))", x1=a[0])
    return None


_YEAR_MONTH = re.compile(r"-?\d+-\d+")
# reflect(class, method, arg) calls with an exact Trino expression; Hive turns an exception (NULL or malformed
# input) into NULL, which TRY does too
_REFLECT = {
    ("java.net.urldecoder", "decode", 1): "TRY(URL_DECODE(x1))",
    ("java.net.urlencoder", "encode", 1): "TRY(URL_ENCODE(x1))",
    ("org.apache.commons.codec.digest.digestutils", "sha256hex", 1): "LOWER(TO_HEX(SHA256(TO_UTF8(x1))))",
    ("org.apache.commons.codec.digest.digestutils", "sha1hex", 1): "LOWER(TO_HEX(SHA1(TO_UTF8(x1))))",
    ("org.apache.commons.codec.digest.digestutils", "md5hex", 1): "LOWER(TO_HEX(MD5(TO_UTF8(x1))))",
    ("java.util.uuid", "randomuuid", 0): "CAST(UUID() AS VARCHAR)",
}


def _reflect(a: list[exp.Expression]) -> exp.Expression | None:
    if not all(isinstance(x, exp.Literal) and x.is_string for x in a[:2]):
        return None
    tmpl = _REFLECT.get((a[0].name.strip().lower(), a[1].name.strip().lower(), len(a) - 2))
    return _t(tmpl, x1=a[2]) if tmpl and len(a) == 3 else (_t(tmpl) if tmpl else None)


def _substring_index(a: list[exp.Expression]) -> exp.Expression | None:
    """Hive's order of checks: NULL or '' string first, then the delimiter (NULL -> NULL, '' -> ''), then the count."""
    s, d, k = a[0], a[1], _int_literal(a[2])
    if _is_null(d) or _is_null(a[2]):
        return _t("IF(x1 = '', '', NULL)", x1=s)
    if not (isinstance(d, exp.Literal) and d.is_string) or k is None:
        return None
    if not d.name or k == 0:
        return _t("IF(x1 IS NULL, NULL, '')", x1=s)
    if k > 0:
        return _t(f"ARRAY_JOIN(SLICE(SPLIT(x1, x2), 1, {k}), x2)", x1=s, x2=d)
    # Hive cuts at the found delimiter's first character + 1 (substring(idx + 1)), so a longer delimiter leaves
    # all but its first character in front of the result
    tail = _t(f"ARRAY_JOIN(SLICE(SPLIT(x1, x2), {k}, {-k}), x2)", x1=s, x2=d)
    if len(d.name) > 1:
        tail = exp.DPipe(this=exp.Literal.string(d.name[1:]), expression=tail, safe=True)
    return exp.If(this=_t(f"CARDINALITY(SPLIT(x1, x2)) <= {-k}", x1=s, x2=d), true=s.copy(), false=tail)


def _self_overlapping(d: str) -> bool:
    """A delimiter whose end is also its start ('||', 'aba'): Hive counts overlapping matches, split() does not."""
    return any(d[:i] == d[-i:] for i in range(1, len(d)))


def _is_null(node: exp.Expression) -> bool:
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        node = node.this
    return isinstance(node, exp.Null)


def hive_hash(args: list[exp.Expression]) -> int | None:
    """Hive's hash() of literal arguments (ObjectInspectorUtils.hashCode, combined as r = 31 * r + h), else None."""
    r = 0
    for arg in args:
        h = _literal_hash(arg)
        if h is None:
            return None
        r = _int32(31 * r + h)
    return r


_INT_TYPES = ("tinyint", "smallint", "int")
# Hive hashes a BIGINT as (int) (v ^ (v >>> 32)); a BOOLEAN as 1/0; NULL as 0
_HASH_OF = {
    "bigint": "COALESCE(CAST(IF(BITWISE_AND(BITWISE_XOR(x1, BITWISE_RIGHT_SHIFT(x1, 32)), 4294967295) >= 2147483648, "
              "BITWISE_AND(BITWISE_XOR(x1, BITWISE_RIGHT_SHIFT(x1, 32)), 4294967295) - 4294967296, "
              "BITWISE_AND(BITWISE_XOR(x1, BITWISE_RIGHT_SHIFT(x1, 32)), 4294967295)) AS INTEGER), 0)",
    "boolean": "IF(x1, 1, 0)",
    # a STRING: r = 31 * r + b over its UTF-8 bytes, b signed (Java byte), in 32-bit arithmetic; '' and NULL are 0
    "string": "IF(COALESCE(LENGTH(TO_UTF8(x1)), 0) = 0, 0, CAST(REDUCE(SEQUENCE(1, LENGTH(TO_UTF8(x1))), CAST(0 AS BIGINT), "
              "(r, i) -> ((r * 31 + FROM_BIG_ENDIAN_32(CONCAT(X'000000', SUBSTR(TO_UTF8(x1), i, 1))) - "
              "IF(FROM_BIG_ENDIAN_32(CONCAT(X'000000', SUBSTR(TO_UTF8(x1), i, 1))) > 127, 256, 0) + 2147483648) "
              "% 4294967296 + 4294967296) % 4294967296 - 2147483648, r -> r) AS INTEGER))",
    **{t: "COALESCE(CAST(x1 AS INTEGER), 0)" for t in _INT_TYPES},
}


def _typed_hash(args: list[exp.Expression], ctx) -> exp.Expression | None:
    """Hive's hash() of integer, BIGINT, BOOLEAN and STRING columns whose types the schema knows."""
    parts = []
    for arg in args:
        literal = _literal_hash(arg)
        hive_type = ctx.column_type(arg) if literal is None else None
        if literal is not None:
            parts.append(exp.Literal.number(literal))
        elif hive_type in _HASH_OF:
            parts.append(_t(_HASH_OF[hive_type], x1=arg))
        else:
            return None
    out = parts[0]
    for h in parts[1:]:  # r = 31 * r + h in 32-bit arithmetic, as Java int overflow does
        out = _t("CAST(((CAST(x1 AS BIGINT) * 31 + x2 + 2147483648) % 4294967296 + 4294967296) % 4294967296 "
                 "- 2147483648 AS INTEGER)", x1=out, x2=h)
    return out


def _int32(v: int) -> int:
    return (v + 2**31) % 2**32 - 2**31


def _fold64(v: int) -> int:
    v &= 2**64 - 1
    return _int32((v ^ (v >> 32)) & 0xFFFFFFFF)


def _literal_hash(node: exp.Expression) -> int | None:
    import struct

    if _is_null(node):
        return 0
    if isinstance(node, exp.Boolean):
        return 1 if node.this else 0
    to = None
    if isinstance(node, (exp.Cast, exp.TryCast)):
        to, node = node.to.this.name.lower(), node.this
    if isinstance(node, exp.Literal) and node.is_string and to is None:
        r = 0
        for b in node.name.encode("utf-8"):
            r = _int32(r * 31 + (b - 256 if b > 127 else b))
        return r
    text = node.name if isinstance(node, exp.Literal) else None
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        text = "-" + node.this.name
    if text is None:
        return None
    try:
        if to in ("float",):
            return struct.unpack(">i", struct.pack(">f", float(text)))[0]
        if to in ("double",):
            return _fold64(struct.unpack(">q", struct.pack(">d", float(text)))[0])
        value = int(text)
    except (ValueError, OverflowError, struct.error):
        return None
    bits = {"tinyint": 8, "smallint": 16, "int": 32}.get(to or ("int" if -2**31 <= value < 2**31 else ""))
    if bits:
        return value if -2**(bits - 1) <= value < 2**(bits - 1) else None
    if to == "bigint" or to is None:
        return _fold64(value)
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


_NO_EQUIVALENT = {
    "reflect": "calls a Java method; only URLDecoder.decode, URLEncoder.encode, DigestUtils sha256Hex/sha1Hex/md5Hex "
               "and UUID.randomUUID with literal class and method names are translated",
    "ds_kll_sketch": "Apache DataSketches KLL sketches have no Trino equivalent (Trino has qdigest/tdigest, other values)",
    "ds_kll_n": "Apache DataSketches KLL sketches have no Trino equivalent", "ds_kll_rank":
    "Apache DataSketches KLL sketches have no Trino equivalent", "aes_encrypt": "Trino has no AES functions",
    "aes_decrypt": "Trino has no AES functions",
}


def _check(name: str, args: list[exp.Expression], new: exp.Expression, ctx) -> None:
    """Conditions under which a rewrite is exact only if a person confirms them."""
    if name == "substring_index" and len(args) == 3 and isinstance(args[1], exp.Literal) and _self_overlapping(args[1].name):
        ctx.flag("hive_functions", "warning", f"substring_index: delimiter '{args[1].name}' can overlap itself; Hive "
                 "counts overlapping matches, Trino's split() does not", fix="check values never hold the delimiter "
                 "twice in a row", node=new)
    if name == "assert_true":
        ctx.flag("hive_functions", "info", "assert_true uses Trino's fail() (not in the documented list, but built in)",
                 node=new)


def _spark_substring_index(tree: exp.Expression, ctx) -> exp.Expression:
    """Spark's substring_index counts as Hive's does, but cuts a negative count at the delimiter's end while Hive
    cuts one character after its start: with a longer delimiter Hive keeps all but its first character."""
    for node in list(tree.find_all(exp.SubstringIndex)):
        d, k = node.args.get("delimiter"), _int_literal(node.args.get("count"))
        if not (isinstance(d, exp.Literal) and d.is_string and len(d.name) > 1 and k is not None and k < 0):
            continue
        new = parse_one(f"IF(okdp_cut = okdp_s, okdp_s, CONCAT({sql_string(d.name[1:])}, okdp_cut))", read="spark")
        for col in list(new.find_all(exp.Column)):
            col.replace((node if col.name == "okdp_cut" else node.this).copy())
        if node is tree:
            return new
        node.replace(new)
        ctx.flag("hive_functions", "info", "substring_index with a negative count: Hive's cut one character into the "
                 "delimiter kept", node=new)
    return tree


def hive_functions(tree: exp.Expression, ctx):
    if ctx.target == "spark":
        return _spark_substring_index(tree, ctx)
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
        if new is None and name == "hash" and fn.expressions:
            new = _typed_hash(list(fn.expressions), ctx)
        if new is not None:
            if node is tree:
                return new
            node.replace(new)
            ctx.flag("hive_functions", "info", f"{name}() rewritten with Trino functions", node=new)
            _check(name, fn.expressions, new, ctx)
        elif name == "hash":
            ctx.flag("hive_functions", "error", "hash(): Trino has no function with Hive's values; they are written "
                     "out here for literals and for integer, BIGINT, BOOLEAN and STRING columns of known type only",
                     fix="pass --from-scan so column types are known, use xxhash64/murmur3 and accept new values, "
                         "or keep this job on Spark", node=node)
        elif name in _NO_EQUIVALENT:
            ctx.flag("hive_functions", "error", f"{name}(): {_NO_EQUIVALENT[name]}", fix="rewrite by hand", node=node)
        elif fn is not node:
            node.replace(fn)
    return tree
