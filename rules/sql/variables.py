"""Hive variables (`${x}`, `${hivevar:x}`, `${hiveconf:x}`) survive translation as parameters.

Before parsing each variable becomes a placeholder identifier the parsers accept wherever a
name or value can stand; after generation the placeholder goes back to the exact original text.
"""
from __future__ import annotations

import re

VARIABLE = re.compile(r"\$\{(?:(hivevar|hiveconf|system|env|define):)?([^}\s]+)\}")
_PLACEHOLDER = re.compile(r"okdpvar_(\d+)_", re.I)


def protect(sql: str) -> tuple[str, list[str]]:
    """sql with each variable replaced by a placeholder, and the original texts by placeholder number."""
    found: list[str] = []

    def repl(m: re.Match) -> str:
        found.append(m.group(0))
        return f"okdpvar_{len(found) - 1}_"

    return VARIABLE.sub(repl, sql), found


def restore(sql: str, found: list[str]) -> str:
    if not found:
        return sql
    return _PLACEHOLDER.sub(lambda m: found[int(m.group(1))] if int(m.group(1)) < len(found) else m.group(0), sql)


def names(found: list[str]) -> list[str]:
    return sorted({VARIABLE.match(v).group(2) for v in found})


def used(sqls: list[str], found: list[str]) -> list[str]:
    """The original variable texts whose placeholders appear in the generated SQL."""
    seen = {int(m.group(1)) for sql in sqls for m in _PLACEHOLDER.finditer(sql)}
    return [v for i, v in enumerate(found) if i in seen]
