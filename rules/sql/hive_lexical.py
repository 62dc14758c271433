"""HiveQL forms Hive accepts but sqlglot's Hive reader does not, rewritten into equivalent text the reader takes.

Used only after a statement failed to parse, so a statement that parses is never touched:
- charset literals: `_UTF-8 0xE993AE` / `_utf8 'abc'` (Hive: the bytes decoded in that charset) -> a string literal;
- `MAP a, b USING 'x'` / `REDUCE a, b USING 'x'` (Hive's aliases of TRANSFORM) -> `SELECT TRANSFORM(a, b) USING 'x'`;
- interval literals after + or -: `d + 1 day + '2' days` -> `d + INTERVAL '1' DAY + INTERVAL '2' DAY`;
- TRANSFORM output columns typed without parentheses: `USING 'cat' AS k binary, v int FROM` -> `AS (k binary, v int)`.
"""
from __future__ import annotations

import codecs
import re

from .util import sql_string

# strings and comments are matched first so that nothing inside them is rewritten
_SKIP = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|--[^\n]*|/\*.*?\*/"
_CHARSET = re.compile(rf"(?P<skip>{_SKIP})|_(?P<cs>[A-Za-z][\w-]*)\s*(?:0x(?P<hex>[0-9A-Fa-f]+)|(?P<str>'(?:[^'\\]|\\.)*'))",
                      re.S)
_MAP_REDUCE = re.compile(rf"(?P<skip>{_SKIP})|(?<![\w.])(?:MAP|REDUCE)\s+(?![(<])(?P<cols>[^;]+?)\s+USING(?=\s+['\"])",
                         re.S | re.I)
_UNITS = {"year": "YEAR", "years": "YEAR", "month": "MONTH", "months": "MONTH", "day": "DAY", "days": "DAY",
          "hour": "HOUR", "hours": "HOUR", "minute": "MINUTE", "minutes": "MINUTE", "second": "SECOND", "seconds": "SECOND"}
_INTERVAL = re.compile(rf"(?P<skip>{_SKIP})|(?P<op>[+-])\s*(?P<n>\d+|'[^']*')\s+(?P<unit>{'|'.join(_UNITS)})\b",
                       re.S | re.I)
_TYPED_AS = re.compile(rf"(?P<skip>{_SKIP})|(?P<head>USING\s+'[^']*'\s+AS\s+)(?!\()(?P<cols>\w+\s+\w+(?:\s*,\s*\w+\s+\w+)*)"
                       r"(?=\s+FROM\b|\s*$)", re.S | re.I)


def _charset(m: re.Match) -> str:
    if m.group("skip"):
        return m.group(0)
    try:
        codec = codecs.lookup(m.group("cs"))
    except LookupError:
        return m.group(0)
    if m.group("hex"):
        try:
            return sql_string(bytes.fromhex(m.group("hex")).decode(codec.name))
        except (ValueError, UnicodeDecodeError):
            return m.group(0)
    return m.group("str")


def _map_reduce(m: re.Match) -> str:
    return m.group(0) if m.group("skip") else f"SELECT TRANSFORM({m.group('cols')}) USING"


def _interval(m: re.Match) -> str:
    if m.group("skip"):
        return m.group(0)
    n = m.group("n").strip("'")
    return f"{m.group('op')} INTERVAL '{n}' {_UNITS[m.group('unit').lower()]}"


def _typed_as(m: re.Match) -> str:
    return m.group(0) if m.group("skip") else f"{m.group('head')}({m.group('cols')})"


def repair(text: str) -> str | None:
    """The statement with the forms above rewritten, or None when none of them occurs."""
    out = text
    for pattern, fn in ((_CHARSET, _charset), (_MAP_REDUCE, _map_reduce), (_INTERVAL, _interval), (_TYPED_AS, _typed_as)):
        out = pattern.sub(fn, out)
    return out if out != text else None


_TEMPLATE = re.compile(r"<([A-Za-z_][\w]*)>")
_FRAGMENT = re.compile(r"^\s*[\w.`]+(\s+AS\s+\w+)?\s*,", re.I)
_VERBS = re.compile(r"^\s*(SELECT|WITH|FROM|INSERT|CREATE|ALTER|DROP|SET|USE|LOAD|MSCK|ANALYZE|EXPLAIN|SHOW|DESCRIBE|"
                    r"DESC|GRANT|REVOKE|TRUNCATE|MERGE|UPDATE|DELETE|ADD|RELOAD|REPL|EXPORT|IMPORT|LOCK|UNLOCK|\()", re.I)


def diagnose(text: str, variables: list[str]) -> tuple[str, str] | None:
    """A clearer reason than the parser's for statements Hive itself could not run as written: (message, fix)."""
    stripped = _strip_strings(text)
    m = _TEMPLATE.search(stripped)
    if m:
        return (f"template placeholder <{m.group(1)}> in the text: Hive rejects it too",
                "fill the template first, then translate the result")
    clause = re.search(r"\bFROM\s+[\w.]+(?:\s+\w+)?\s+okdpvar_(\d+)_\s*(?:AND|OR|WHERE|GROUP|ORDER|LIMIT|;|$)",
                       stripped, re.I)
    if clause and int(clause.group(1)) < len(variables):
        message = (f"a Hive variable stands for SQL text, not a value ({variables[int(clause.group(1))]} after the "
                   "FROM clause): the statement has no fixed shape until it is substituted")
        return message, "substitute the variable's value, then translate"
    if not _VERBS.match(stripped) and _FRAGMENT.match(stripped):
        return ("not a statement: a list of expressions (a fragment other scripts include?)",
                "translate the script that includes it, or wrap it as SELECT <list> FROM <table>")
    return None


def _strip_strings(text: str) -> str:
    return re.sub(_SKIP, " ", text, flags=re.S)
