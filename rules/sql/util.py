"""Small helpers the SQL rules share: partition specs, quoting, table names."""
from __future__ import annotations

import re

from sqlglot import exp

_SPEC_ITEM = re.compile(r"\s*([`\w]+)\s*(?:(=|<>|!=|<=|>=|<|>)\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,)\s]+))?\s*")


def parse_spec(text: str) -> list[tuple[str, str | None, str | None]]:
    """'dt='1', hr' -> [("dt", "=", "'1'"), ("hr", None, None)]; values keep their SQL form."""
    out = []
    for part in split_top(text):
        m = _SPEC_ITEM.fullmatch(part)
        if not m:
            raise ValueError(f"partition spec not understood: {part.strip()}")
        value = m.group(3)
        if value and value.startswith('"'):
            value = "'" + value[1:-1].replace("'", "''") + "'"
        out.append((m.group(1).strip("`"), m.group(2), value))
    return out


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside quotes and parentheses."""
    parts, depth, cur, quote = [], 0, [], None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return parts


def spec_predicate(spec: list[tuple[str, str | None, str | None]]) -> str:
    return " AND ".join(f"{c} {op} {v}" for c, op, v in spec if op)


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def unquote(literal: str) -> str:
    literal = literal.strip()
    if len(literal) >= 2 and literal[0] in "'\"" and literal[-1] == literal[0]:
        return literal[1:-1]
    return literal


def table_sql(table: exp.Expression, target: str) -> str:
    return table.sql(target) if isinstance(table, exp.Expression) else str(table)


def is_hdfs_path(location: str) -> bool:
    loc = location.strip("'\"")
    return loc.startswith(("hdfs:", "/", "viewfs:", "file:")) or "://" not in loc


FORMATS_ICEBERG = {"parquet": "PARQUET", "orc": "ORC", "avro": "AVRO"}
