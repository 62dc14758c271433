"""Hive-only clauses that make sqlglot keep a statement as an opaque command, and that carry no data
meaning on Iceberg: they are cut from the text, the rest is parsed again and translated as usual.

- `CHANGE COLUMN c c type CONSTRAINT n NOT NULL DISABLE NOVALIDATE RELY` (informational constraint);
- `CREATE VIEW v PARTITIONED ON (col)` (Hive metadata so views can list partitions; rows unchanged);
- `SKEWED BY (col) ON (values) [STORED AS DIRECTORIES]` (list-bucketing layout hint).
"""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

_CONSTRAINT = re.compile(r"^(alter\s+table\s+\S+\s+(?:partition\s*\(.*?\)\s*)?change\s+.*?)\s+(constraint\s+\S+\s+.*)$", re.I | re.S)
_VIEW_PARTITIONED = re.compile(r"^(create\s+(?:or\s+replace\s+)?view\s+.*?)\s+partitioned\s+on\s*\(([^)]*)\)(.*)$", re.I | re.S)
_SKEWED = re.compile(r"\s+skewed\s+by\s*\(", re.I)


def _balanced_end(text: str, start: int) -> int | None:
    """Index just after the parenthesis group opening at text[start] == '('."""
    depth, quote = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _cut_skewed(text: str) -> str | None:
    m = _SKEWED.search(text)
    if not m:
        return None
    end = _balanced_end(text, m.end() - 1)
    on = re.match(r"\s*on\s*\(", text[end:] if end else "", re.I)
    if end is None or not on:
        return None
    end2 = _balanced_end(text, end + on.end() - 1)
    if end2 is None:
        return None
    rest = re.sub(r"^\s*stored\s+as\s+directories\b", "", text[end2:], flags=re.I)
    return text[:m.start()] + rest


def hive_clauses(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.Command):
        return tree
    text = ctx.source.strip()
    cut, finding = None, None
    m = _CONSTRAINT.match(text)
    if m:
        spec = m.group(2).lower()
        enforced = not re.search(r"\b(disable|novalidate)\b", spec)
        cut = m.group(1)
        finding = ("warning" if enforced else "info",
                   f"column constraint dropped ({' '.join(spec.split()[2:])}): " +
                   ("Hive enforced it; Iceberg does not" if enforced else "informational in Hive, not enforced"),
                   "enforce it in the job that writes the table" if enforced else None)
    if cut is None:
        v = _VIEW_PARTITIONED.match(text)
        if v:
            cut = f"{v.group(1)} {v.group(3).strip()}"
            finding = ("info", f"PARTITIONED ON ({v.group(2).strip()}) dropped: Hive partition metadata for views; "
                       "the view's rows are the same", None)
    if cut is None:
        skew = _cut_skewed(text)
        if skew is not None:
            cut = skew
            finding = ("info", "SKEWED BY ... ON (...) dropped: a Hive list-bucketing layout with no Iceberg meaning", None)
    if cut is None:
        return tree
    try:
        new = sqlglot.parse_one(cut, read="hive")
    except sqlglot.errors.ParseError:
        return tree
    if isinstance(new, exp.Command):
        return tree
    severity, message, fix = finding
    ctx.flag("hive_clauses", severity, message, fix=fix)
    ctx.source = cut
    return new
