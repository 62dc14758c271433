"""EXPLAIN <statement>: translate the statement, then explain it the target's way."""
from __future__ import annotations

import re

_EXPLAIN = re.compile(r"explain\s+((?:(?:extended|formatted|analyze|vectorization|only|summary|operator|expression|"
                      r"detail|dependency|authorization|locks|ast|cbo|cost|joincost|reoptimization|debug|ddl|logical)\s+)*)(.*)",
                      re.I | re.S)


def split_explain(text: str) -> tuple[str, str] | None:
    """(modifiers, inner statement) when `text` is an EXPLAIN, else None."""
    m = _EXPLAIN.match(text.strip())
    if not m or not m.group(2).strip():
        return None
    modifiers, inner = m.group(1).lower().split(), m.group(2)
    if modifiers and modifiers[-1] == "analyze" and re.match(r"table\b", inner, re.I):
        modifiers.pop()  # `EXPLAIN ANALYZE ANALYZE TABLE t ...`: the last ANALYZE is the statement
        inner = "analyze " + inner
    return modifiers, inner


def explain_prefix(target: str, modifiers: list[str]) -> str:
    if target == "trino":
        return "EXPLAIN ANALYZE " if "analyze" in modifiers else "EXPLAIN "
    for word in ("extended", "formatted", "cost"):
        if word in modifiers:
            return f"EXPLAIN {word.upper()} "
    return "EXPLAIN "


# Trino refuses EXPLAIN ANALYZE of data-definition statements ("EXPLAIN ANALYZE doesn't support statement type")
_TRINO_DDL = re.compile(r"(create|drop|alter|grant|revoke|deny|use|comment|set|reset|truncate|call)\b", re.I)
_CTAS = re.compile(r"create\s+(or\s+replace\s+)?table\b[^(]*?(\([^)]*\)\s*)?(comment\s+'[^']*'\s*)?(with\s*\(.*?\)\s*)?as\b", re.I | re.S)


def trino_explain_analyze_refuses(sql: str) -> bool:
    """True when Trino's EXPLAIN ANALYZE would refuse `sql` (a DDL statement; CREATE TABLE AS SELECT runs)."""
    return bool(_TRINO_DDL.match(sql)) and not _CTAS.match(sql)
