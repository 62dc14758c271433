"""Small helpers the SQL rules share: partition specs, quoting, table names, select lists."""
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


def query_with_ctes(stmt: exp.Expression) -> exp.Expression:
    """A copy of an INSERT's query carrying the statement's CTEs (Hive writes WITH before INSERT), so it can stand
    alone, e.g. as the query of a CTAS."""
    key = "with_" if "with_" in stmt.args else "with"
    query = stmt.expression.copy()
    ctes = stmt.args.get(key)
    if ctes is not None:
        query.set(key, ctes.copy())
    return query


def name_columns(query: exp.Expression) -> bool:
    """Alias select expressions that have no name, or a repeated one, as Hive names them (_c<position>): a table
    made from the query needs a unique name per column. True when something was renamed."""
    select = query
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select):
        return False
    seen: set[str] = set()
    changed = False
    exprs = list(select.expressions)
    for i, e in enumerate(exprs):
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            continue
        name = e.alias_or_name if isinstance(e, (exp.Alias, exp.Column)) else ""
        if not name or name.lower() in seen:
            exprs[i] = exp.alias_(e.unalias().copy() if isinstance(e, exp.Alias) else e.copy(), f"_c{i}")
            name, changed = f"_c{i}", True
        seen.add(name.lower())
    select.set("expressions", exprs)
    return changed
