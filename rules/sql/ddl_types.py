"""Column types from the script itself: a CREATE TABLE earlier in the same script tells later statements the
column types, as `--from-scan` does for the metastore's tables (so the type-dependent rules cast instead of flag,
and MERGE ... INSERT VALUES gets its column list). DROP TABLE and ALTER TABLE ... COLUMNS forget what was learned.

The scan's schema is shared by every script of a run: a script that learns types gets its own copy first."""
from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.hive import Hive

from .context import TARGETS, Schema

_GEN = Hive().generator()  # one writer for all column types (a new one per call is slow)
_ALTER_COLUMNS = re.compile(r"^\s*ALTER\s+TABLE\s+([`\w.]+)\s+.*\b(?:COLUMNS|CHANGE|RENAME)\b", re.I | re.S)


def _own_schema(ctx) -> Schema:
    session = ctx.session
    if not getattr(session, "_okdp_own_schema", False):  # a marker on this script's Session only
        shared = session.schema
        session.schema = Schema(tables=dict(shared.tables) if shared is not None else {})
        session._okdp_own_schema = True
    return session.schema


def _hive_type(kind: exp.DataType) -> str:
    """'int', 'string', 'decimal(10,2)', 'array<string>'... as the metastore spells them."""
    if not kind.expressions and not kind.args.get("nested"):  # the common case, without the slow writer
        return "string" if kind.this == exp.DataType.Type.TEXT else kind.this.value.lower()
    return _GEN.generate(kind).lower()


def _key(table: exp.Table, ctx) -> tuple[str, str]:
    return (table.db or ctx.session.current_db or "default"), table.name


def _forget(name: str, ctx) -> None:
    if ctx.session.schema is None:
        return
    db, _, table = name.strip("`").rpartition(".")
    key = f"{db or ctx.session.current_db or 'default'}.{table}".lower()
    if key in ctx.session.schema.tables:
        _own_schema(ctx).tables.pop(key, None)


def ddl_types(tree: exp.Expression, ctx):
    """Runs for each target; what the first target learned or forgot holds for the second (same statement)."""
    if getattr(ctx.session, "_okdp_ddl_source", None) == ctx.source and ctx.target != TARGETS[0]:
        return tree
    ctx.session._okdp_ddl_source = ctx.source
    is_table = isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE"
    if is_table and not isinstance(tree.this, exp.Schema) and isinstance(tree.this, exp.Table):
        _forget(tree.this.sql("hive"), ctx)  # CTAS / LIKE: types unknown here
    elif is_table and isinstance(tree.this, exp.Schema):
        table = tree.this.this
        defs = [c for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
        part = tree.find(exp.PartitionedByProperty)
        if part is not None and isinstance(part.this, exp.Schema):
            defs += [c for c in part.this.expressions if isinstance(c, exp.ColumnDef)]
        if isinstance(table, exp.Table) and defs and all(c.args.get("kind") is not None for c in defs):
            db, name = _key(table, ctx)
            _own_schema(ctx).add(db, name, {c.name: _hive_type(c.args["kind"]) for c in defs})
    elif isinstance(tree, exp.Drop):
        for table in [*(tree.args.get("tables") or []), tree.this]:
            if isinstance(table, exp.Table):
                _forget(table.sql("hive"), ctx)
    elif isinstance(tree, (exp.Alter, exp.Command)) and _ALTER_COLUMNS.match(ctx.source):
        _forget(_ALTER_COLUMNS.match(ctx.source).group(1), ctx)
    return tree
