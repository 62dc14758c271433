"""CREATE/DROP DATABASE -> Trino CREATE/DROP SCHEMA (location kept, comment and DBPROPERTIES noted);
Spark reads Hive's database statements as they are."""
from __future__ import annotations

import re

from sqlglot import exp

from .util import is_hdfs_path

_CREATE = re.compile(r"create\s+(?:database|schema)\s+(if\s+not\s+exists\s+)?([\w.`${}]+)(.*)", re.I | re.S)
_DROP = re.compile(r"drop\s+(?:database|schema)\s+(if\s+exists\s+)?([\w.`${}]+)\s*(cascade|restrict)?\s*$", re.I | re.S)
_LOCATION = re.compile(r"\blocation\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", re.I)


def schemas(tree: exp.Expression, ctx):
    text = ctx.source.strip()
    kind = (tree.args.get("kind") or "").upper() if isinstance(tree, (exp.Create, exp.Drop)) else ""
    if not (kind in ("DATABASE", "SCHEMA") or (isinstance(tree, exp.Command) and re.match(r"(create|drop)\s+(database|schema)\b", text, re.I))):
        return tree
    if ctx.target == "spark":
        return text if isinstance(tree, exp.Command) else tree
    m = _CREATE.match(text)
    if m:
        out = f"CREATE SCHEMA {'IF NOT EXISTS ' if m.group(1) else ''}{m.group(2)}"
        loc = _LOCATION.search(m.group(3))
        if loc:
            value = "'" + loc.group(1)[1:-1].replace("'", "''") + "'"
            out += f" WITH (location = {value})"
            if is_hdfs_path(value[1:-1]):
                ctx.flag("schemas", "warning", f"schema location {value} is an HDFS path",
                         fix="point it at the object store, or drop it to use the catalog's warehouse")
        rest = _LOCATION.sub("", m.group(3)).strip()
        if rest:
            ctx.flag("schemas", "info", f"dropped (Trino schemas have no such clause): {rest[:80]}")
        return out
    m = _DROP.match(text)
    if m:
        return f"DROP SCHEMA {'IF EXISTS ' if m.group(1) else ''}{m.group(2)}{' CASCADE' if (m.group(3) or '').lower() == 'cascade' else ''}"
    return tree
