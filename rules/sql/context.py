"""What a rule sees while it rewrites one statement for one target, and what it can record."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from ...model import Finding

TARGETS = ("trino", "spark")
STATUSES = ("translated", "review", "unsupported", "error", "skipped")
# info: a note, the translation stands; warning: a person must check (review); error: no safe translation
SEVERITY_STATUS = {"info": "translated", "warning": "review", "error": "unsupported"}


@dataclass
class Schema:
    """Column types from the metastore (`--from-scan`): "db.table" -> {column: hive type}, names lower-cased."""

    tables: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, database: str, table: str, columns: dict[str, str]) -> None:
        self.tables[f"{database}.{table}".lower()] = {k.lower(): v.lower() for k, v in columns.items()}

    def columns(self, table: str, current_db: str | None) -> dict[str, str] | None:
        name = table.lower()
        if "." not in name:
            name = f"{(current_db or 'default').lower()}.{name}"
        return self.tables.get(name)


@dataclass
class Session:
    """State that flows from one statement of a script to the next."""

    current_db: str | None = None
    schema: Schema | None = None
    temp_functions: dict[str, str] = field(default_factory=dict)  # name -> class, from CREATE TEMPORARY FUNCTION
    variables: dict[str, str] = field(default_factory=dict)  # set hivevar:x=... seen so far
    macros: dict[str, tuple[list[tuple[str, str]], str]] = field(default_factory=dict)  # name -> ([(param, type)], body)


@dataclass
class RuleContext:
    """A rule is `def name(tree, ctx)` returning the new tree, or a list of statements (trees, or literal
    target SQL strings that later rules leave alone; an empty list drops the statement)."""

    target: str
    session: Session
    kind: str
    source: str = ""  # the statement text, variables already replaced by placeholders
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None  # reason the statement needs nothing on this target

    @property
    def typed(self) -> bool:
        return self.session.schema is not None

    def flag(self, rule: str, severity: str, message: str, fix: str | None = None,
             node: exp.Expression | None = None) -> None:
        line, col = position(node)
        if any(f.rule == rule and f.message == message for f in self.findings):
            return
        self.findings.append(Finding(rule=rule, severity=severity, message=message, fix=fix, line=line, column=col))

    def column_type(self, column: exp.Expression) -> str | None:
        """The Hive type of a column reference, when the schema knows its table; else None."""
        if self.session.schema is None or not isinstance(column, exp.Column):
            return None
        select = column.find_ancestor(exp.Select)
        if select is None:
            return None
        qualifier = column.table.lower()
        for table in _sources(select):
            alias = (table.alias_or_name or "").lower()
            if qualifier and qualifier not in (alias, table.name.lower()):
                continue
            name = f"{table.db}.{table.name}" if table.db else table.name
            cols = self.session.schema.columns(name, self.session.current_db)
            if cols and column.name.lower() in cols:
                return cols[column.name.lower()]
        return None


def _sources(select: exp.Select) -> list[exp.Table]:
    out = []
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is not None and isinstance(from_.this, exp.Table):
        out.append(from_.this)
    for join in select.args.get("joins") or []:
        if isinstance(join.this, exp.Table):
            out.append(join.this)
    return out


def position(node: exp.Expression | None) -> tuple[int | None, int | None]:
    """Line and column (1-based, within the statement) of a node or its first positioned descendant."""
    if node is None:
        return None, None
    for n in node.walk():
        meta = n.meta if hasattr(n, "_meta") and n._meta else None
        if meta and "line" in meta:
            return meta["line"], meta.get("col")
    return None, None
