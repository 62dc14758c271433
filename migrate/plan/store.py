"""Read and write a plan: YAML (or JSON, by extension) for the decisions, Parquet for the files."""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from ..errors import BadInputError
from ..inventory import atomic_write_bytes, write_parquet
from .mapping import MappingRule, map_url, parse_s3_url
from .model import (PLAN_KIND, PLAN_SCHEMA_VERSION, STRATEGIES, FileEntry, Plan, TablePlan, sha256_file,
                    sidecar_path)

HEADER = ("# okdp-migrate migration plan. Edit mappings, strategies and Iceberg targets here;\n"
          "# the file list lives in the .files.parquet sidecar. 'okdp-migrate plan show' summarises it.\n")


def save(plan: Plan, path: str | Path) -> Path:
    """Write sidecar first, then the YAML naming its checksum: a reader never sees a half plan."""
    path = Path(path)
    side = sidecar_path(path)
    write_parquet(side, FileEntry, plan.files)
    doc = {
        "kind": PLAN_KIND,
        "schema_version": PLAN_SCHEMA_VERSION,
        "created": plan.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": plan.source,
        "target": plan.target,
        "mappings": [r.to_dict() for r in plan.mappings],
        "shards": {"count": plan.shard_count, "files_sidecar": side.name, "sha256": sha256_file(side),
                   "summary": plan.shard_summary()},
        "summary": {"files": len(plan.files), "bytes": plan.bytes, "tables": len(plan.tables),
                    "waves": len(plan.waves())},
        "notes": plan.notes,
        "waves": [{"wave": w[0].wave, "tables": [t.fqn for t in w]} for w in plan.waves()],
        "tables": {fqn: _table_doc(t) for fqn, t in sorted(plan.tables.items())},
    }
    if path.suffix.lower() == ".json":
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        import yaml

        text = HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    atomic_write_bytes(path, text.encode("utf-8"))
    plan.path = path
    return path


def _table_doc(t: TablePlan) -> dict[str, Any]:
    d = dataclasses.asdict(t)
    d.pop("fqn")
    return {k: v for k, v in d.items() if v not in (None, [], {}, "")}


def load(path: str | Path) -> Plan:
    """Load a plan (YAML or JSON) and its file sidecar; any inconsistency is one clear BadInputError."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError("plan file not found", obj=str(path), fix="run 'okdp-migrate plan --out PLAN' first") from None
    try:
        doc = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise BadInputError(f"malformed plan{where}", obj=str(path), fix="correct the YAML syntax") from None
    if not isinstance(doc, dict) or doc.get("kind") != PLAN_KIND:
        raise BadInputError("not an okdp-migrate plan (kind is missing)", obj=str(path),
                            fix="pass a file written by 'okdp-migrate plan'")
    if doc.get("schema_version") != PLAN_SCHEMA_VERSION:
        raise BadInputError(f"plan schema version {doc.get('schema_version')}, this okdp-migrate reads "
                            f"{PLAN_SCHEMA_VERSION}", obj=str(path), fix="re-run 'okdp-migrate plan'")
    target = str(doc.get("target", ""))
    parse_s3_url(target, str(path))
    rules = [MappingRule.from_dict(r, f"{path}: mappings") for r in doc.get("mappings") or []]
    shards = doc.get("shards") or {}
    side = path.with_name(shards.get("files_sidecar") or sidecar_path(path).name)
    if not side.exists():
        raise BadInputError("the plan's file list is missing", obj=str(side),
                            fix="keep the .files.parquet sidecar next to the plan, or re-run 'okdp-migrate plan'")
    if shards.get("sha256") and sha256_file(side) != shards["sha256"]:
        raise BadInputError("the plan's file list does not match the plan (checksum differs)", obj=str(side),
                            fix="re-run 'okdp-migrate plan' so plan and file list come from the same run")
    tables = {fqn: _table_from_doc(fqn, d, path) for fqn, d in (doc.get("tables") or {}).items()}
    for t in tables.values():  # data goes where the mappings say: show that, even after a hand edit of target
        if t.location and t.kind == "table":
            try:
                t.target = map_url(t.location, rules)
            except BadInputError:
                pass  # no rule matches: plan.items() names the unmatched files
    count = int(shards.get("count") or 1)
    low, high = _shard_range(side)  # from the Arrow column: no FileEntry is made here (a shard reads its own)
    if low is not None and (low < 0 or high >= count):
        raise BadInputError(f"a file is assigned to a shard outside 0..{count - 1}", obj=str(side),
                            fix="re-run 'okdp-migrate plan --shards N'")
    return Plan(target=target, mappings=rules, tables=tables, shard_count=count, sidecar=side,
                source=doc.get("source") or {}, created=str(doc.get("created", "")), path=path,
                notes=list(doc.get("notes") or []))


def _shard_range(side: Path) -> tuple[int | None, int | None]:
    """(min, max) of the sidecar's shard column, (None, None) when it has no rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        column = pq.read_table(side, columns=["shard"]).column("shard")
    except (pa.ArrowException, KeyError, OSError):
        raise BadInputError("the plan's file list is not a readable plan sidecar", obj=str(side),
                            fix="re-run 'okdp-migrate plan'") from None
    bounds = pc.min_max(column).as_py()
    return bounds["min"], bounds["max"]


def _table_from_doc(fqn: str, d: dict[str, Any], path: Path) -> TablePlan:
    if not isinstance(d, dict):
        raise BadInputError("a table entry must be a mapping", obj=f"{path}: tables.{fqn}", fix="correct the plan")
    strategy = d.get("strategy")
    if strategy not in STRATEGIES:
        raise BadInputError(f"unknown strategy '{strategy}'", obj=f"{path}: tables.{fqn}",
                            fix=f"use one of {', '.join(STRATEGIES)}")
    # the fields people edit by hand: a wrong type is one clear error here, not a crash mid-copy
    where = f"{path}: tables.{fqn}"
    if d.get("kind") not in ("table", "view"):
        raise BadInputError(f"kind is '{d.get('kind')}'", obj=where, fix="use kind: table or kind: view")
    wave = d.get("wave", 0)
    if not isinstance(wave, int) or isinstance(wave, bool) or wave < 0:
        raise BadInputError(f"wave '{wave}' is not a whole number >= 0", obj=where, fix="e.g. wave: 1")
    ice = d.get("iceberg")
    if ice is not None and not (isinstance(ice, dict) and all(isinstance(ice.get(k), str) and ice.get(k)
                                                              for k in ("namespace", "table"))):
        raise BadInputError("iceberg must name a namespace and a table", obj=where,
                            fix="e.g. iceberg: {namespace: sales, table: orders}")
    known = {f.name for f in dataclasses.fields(TablePlan)}
    return TablePlan(fqn=fqn, **{k: v for k, v in d.items() if k in known})
