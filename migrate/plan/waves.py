"""Waves in dependency order: tables first, then the views over them, then views over those views."""
from __future__ import annotations

from typing import Mapping


def view_dependencies(view_sql: str, default_db: str) -> list[str]:
    """Tables a Hive view reads ("db.table", lower case), from its SQL text (sqlglot, Hive dialect).

    CTE names are not dependencies. Unparseable text gives no dependencies (the caller notes it).
    """
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(view_sql, read="hive")
    except Exception:  # sqlglot raises several error types; an unparseable view is reported by the caller
        return []
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    deps = []
    for t in tree.find_all(exp.Table):
        name = t.name.lower()
        if not name or (not t.db and name in ctes):
            continue
        deps.append(f"{(t.db or default_db).lower()}.{name}")
    return sorted(set(deps))


def assign_waves(deps: Mapping[str, list[str]]) -> tuple[dict[str, int], list[str]]:
    """deps: object -> objects it reads. Returns (object -> wave, objects in a cycle).

    Wave 0 holds objects with no known dependency; an object goes one wave after its latest
    dependency. Unknown dependencies (not in the plan) do not hold an object back.
    """
    wave: dict[str, int] = {}
    visiting: set[str] = set()
    cyclic: list[str] = []

    def visit(name: str) -> int:
        if name in wave:
            return wave[name]
        if name in visiting:
            cyclic.append(name)
            return 0
        visiting.add(name)
        w = 0
        for d in deps.get(name, []):
            if d in deps and d != name:
                w = max(w, visit(d) + 1)
        visiting.discard(name)
        wave[name] = w
        return w

    for name in sorted(deps):
        visit(name)
    return wave, sorted(set(cyclic))
