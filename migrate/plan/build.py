"""Build a plan from a scan inventory: map paths, choose strategies, order waves, pack shards."""
from __future__ import annotations

import posixpath
import time
from typing import Any, Iterable
from urllib.parse import unquote

from ..errors import BadInputError
from ..inventory import Inventory
from ..model import HiveTable
from . import strategy as strategy_mod
from .mapping import HIVE_WAREHOUSE_ROOTS, MappingRule, default_rules, map_path, map_url, merge_rules, normalise_hdfs_path
from .model import FileEntry, Plan, TablePlan
from .shards import pack
from .waves import assign_waves, view_dependencies

# Names the scan may give its verdict file (the first one present is read).
VERDICT_FILES = ("verdicts.json", "assessment.json")


def build_plan(inv: Inventory, target: str, user_rules: list[MappingRule] | None = None, shards: int = 1,
               warehouse_roots: Iterable[str] | None = None, include: Iterable[str] = (),
               exclude: Iterable[str] = (), iceberg_prefix: str = "") -> Plan:
    if shards < 1:
        raise BadInputError(f"--shards must be at least 1, got {shards}", obj="--shards", fix="pass --shards 1 or more")
    roots = list(warehouse_roots or []) + list(HIVE_WAREHOUSE_ROOTS)
    rules = merge_rules(list(user_rules or []), default_rules(target, roots))
    notes: list[str] = []
    verdicts = _read_verdicts(inv, notes)
    include = [normalise_hdfs_path(p) for p in include]
    exclude = [normalise_hdfs_path(p) for p in exclude]
    all_tables = inv.tables()
    plans = {t.fqn: _table_plan(t, verdicts.get(t.fqn.lower()), rules, iceberg_prefix) for t in all_tables}
    _order_waves(all_tables, plans, notes)
    if include or exclude:  # tables outside the selection leave the plan; so do views over them
        chosen = {t.fqn for t in all_tables
                  if not t.is_view and t.location and _selected(normalise_hdfs_path(t.location), include, exclude)}
        for t in sorted(all_tables, key=lambda t: plans[t.fqn].wave):
            deps = plans[t.fqn].depends_on
            if t.is_view and deps and all(d in chosen for d in deps):
                chosen.add(t.fqn)
        plans = {fqn: tp for fqn, tp in plans.items() if fqn in chosen}
    tables = [t for t in all_tables if t.fqn in plans]

    owners = _location_index(tables, inv)
    files: list[FileEntry] = []
    skipped: dict[str, int] = {}
    for e in inv.files():
        if e.kind != "file" or not _selected(e.path, include, exclude):
            continue
        table, partition = _owner(e.path, owners, plans)
        if table and plans[table].strategy == "skip":
            skipped[table] = skipped.get(table, 0) + 1
            continue
        files.append(FileEntry(src=e.path, size=e.size, mtime=e.mtime, table=table, partition=partition,
                               owner=e.owner, group=e.group, permission=e.permission))
    for fqn, n in sorted(skipped.items()):
        notes.append(f"{fqn}: {n} files left out (strategy skip: {'; '.join(plans[fqn].reasons)})")
    files.sort(key=lambda f: f.src)
    _check_collisions(files, rules)
    for f, s in zip(files, pack([(f.size, f.table) for f in files], shards)):
        f.shard = s
    for f in files:
        if f.table:
            tp = plans[f.table]
            tp.files += 1
            tp.bytes += f.size
            if f.shard not in tp.shards:
                tp.shards.append(f.shard)
    for tp in plans.values():
        tp.shards.sort()
    return Plan(target=target.rstrip("/"), mappings=rules, tables=plans, shard_count=shards, files=files,
                source={"inventory": str(inv.root), "scanned": inv.manifest.get("created"),
                        "inventory_summary": inv.manifest.get("summary", {})},
                created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), notes=notes)


def _read_verdicts(inv: Inventory, notes: list[str]) -> dict[str, dict[str, Any]]:
    for name in VERDICT_FILES:
        if inv.has(name):
            data = inv.json(name)
            rows = data.get("verdicts", data) if isinstance(data, dict) else data
            if isinstance(rows, dict):  # {"db.t": {...}} form
                rows = [dict(v, obj=k) for k, v in rows.items()]
            out = {str(v.get("obj", "")).lower(): v for v in rows if isinstance(v, dict)}
            notes.append(f"strategies from the scan's {name} ({len(out)} verdicts); others derived from formats")
            return out
    notes.append("no scan verdicts found: strategies derived from table formats")
    return {}


def _table_plan(t: HiveTable, verdict: dict | None, rules: list[MappingRule], iceberg_prefix: str = "") -> TablePlan:
    strategy, reasons = strategy_mod.choose(t, verdict)
    location = normalise_hdfs_path(t.location) if t.location else None
    tp = TablePlan(fqn=t.fqn, kind="view" if t.is_view else "table", strategy=strategy, reasons=reasons,
                   format=t.file_format, location=location,
                   columns=[{"name": c.name, "type": c.type, **({"comment": c.comment} if c.comment else {})}
                            for c in t.columns],
                   partition_keys=[{"name": c.name, "type": c.type} for c in t.partition_keys],
                   serde=t.serde, serde_params=dict(t.serde_params))
    if location and not t.is_view:
        tp.target = map_url(location, rules)
    if strategy in ("register", "rewrite", "view"):
        tp.iceberg = {"namespace": f"{iceberg_prefix}{t.database}".lower(), "table": t.name.lower()}
    if t.is_view:
        tp.view_text = t.view_expanded_text or t.view_original_text
    return tp


def _order_waves(tables: list[HiveTable], plans: dict[str, TablePlan], notes: list[str]) -> None:
    deps: dict[str, list[str]] = {}
    lower = {fqn.lower(): fqn for fqn in plans}
    for t in tables:
        if t.is_view and plans[t.fqn].view_text:
            found = view_dependencies(plans[t.fqn].view_text, t.database)
            deps[t.fqn] = [lower[d] for d in found if d in lower]
            missing = [d for d in found if d not in lower]
            if missing:
                notes.append(f"{t.fqn}: view reads objects not in the inventory: {', '.join(missing)}")
        else:
            deps[t.fqn] = []
    waves, cyclic = assign_waves(deps)
    if cyclic:
        notes.append(f"views in a dependency cycle (placed by best effort): {', '.join(cyclic)}")
    for fqn, w in waves.items():
        plans[fqn].wave = w
        plans[fqn].depends_on = deps[fqn]


def _location_index(tables: list[HiveTable], inv: Inventory) -> dict[str, tuple[str, str | None]]:
    """Directory -> (table, partition name) for table and partition locations."""
    index: dict[str, tuple[str, str | None]] = {}
    for t in tables:
        if t.location and not t.is_view:
            index[normalise_hdfs_path(t.location)] = (t.fqn, None)
    by_name = {(t.database.lower(), t.name.lower()): t.fqn for t in tables}
    for p in inv.partitions():
        fqn = by_name.get((p.database.lower(), p.table.lower()))
        if fqn and p.location:
            index[normalise_hdfs_path(p.location)] = (fqn, p.name)
    return index


def _owner(path: str, index: dict[str, tuple[str, str | None]],
           plans: dict[str, TablePlan]) -> tuple[str | None, str | None]:
    d = posixpath.dirname(path)
    while True:
        hit = index.get(d)
        if hit:
            table, partition = hit
            if partition is None and plans[table].partition_keys:
                partition = partition_from_path(path[len(d):], [k["name"] for k in plans[table].partition_keys])
            return table, partition
        if d in ("/", ""):
            return None, None
        d = posixpath.dirname(d)


def partition_from_path(rel: str, keys: list[str]) -> str | None:
    """'/dt=2024-01-01/c=fr/part-0' with keys [dt, c] -> 'dt=2024-01-01/c=fr' (None when incomplete)."""
    found = {}
    for seg in rel.strip("/").split("/")[:-1]:
        k, sep, v = seg.partition("=")
        if sep and unquote(k).lower() in [x.lower() for x in keys]:
            found[unquote(k).lower()] = v
    if len(found) != len(keys):
        return None
    return "/".join(f"{k}={found[k.lower()]}" for k in keys)


def _selected(path: str, include: list[str], exclude: list[str]) -> bool:
    def under(p: str, prefix: str) -> bool:
        return prefix == "/" or p == prefix or p.startswith(prefix + "/")

    if include and not any(under(path, p) for p in include):
        return False
    return not any(under(path, p) for p in exclude)


def _check_collisions(files: list[FileEntry], rules: list[MappingRule]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for f in files:
        dst = map_path(f.src, rules)
        other = seen.setdefault(dst, f.src)
        if other != f.src:
            raise BadInputError(f"two files map to the same object s3://{dst[0]}/{dst[1]}: {other} and {f.src}",
                                obj="mappings", fix="add a mapping rule (--mapping FILE) that sends one of them elsewhere")
