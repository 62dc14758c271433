"""Use cases behind the `plan` verb: build a plan from a scan and write it; summarise a plan."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import BadInputError
from ..inventory import Inventory
from .build import build_plan
from .mapping import load_rules
from .model import Plan
from .store import save


def make(from_scan: str, target: str, out: str, shards: int = 1, mapping_file: str | None = None,
         config: Config | None = None, include=(), exclude=(), iceberg_prefix: str = "") -> Plan:
    rules = _read_mapping(mapping_file) if mapping_file else []
    roots = config.get("hdfs.warehouse_dirs") if config else None
    plan = build_plan(Inventory(from_scan), target, rules, shards, warehouse_roots=roots, include=include,
                      exclude=exclude, iceberg_prefix=iceberg_prefix)
    save(plan, Path(out))
    return plan


def _read_mapping(path: str) -> list:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError("mapping file not found", obj=path, fix="pass an existing file to --mapping") from None
    except yaml.YAMLError:
        raise BadInputError("malformed mapping file", obj=path, fix="correct its YAML syntax") from None
    return load_rules(data, path)


def summary(plan: Plan) -> dict[str, Any]:
    """What `plan show` prints: totals, waves, shards, strategies, notes."""
    strategies: dict[str, int] = {}
    for t in plan.tables.values():
        strategies[t.strategy] = strategies.get(t.strategy, 0) + 1
    return {
        "plan": str(plan.path) if plan.path else None,
        "target": plan.target,
        "files": len(plan.files),
        "bytes": plan.bytes,
        "tables": len(plan.tables),
        "strategies": dict(sorted(strategies.items())),
        "shards": plan.shard_summary(),
        "waves": [{"wave": w[0].wave,
                   "tables": [{"table": t.fqn, "strategy": t.strategy, "format": t.format, "files": t.files,
                               "bytes": t.bytes, "target": t.target,
                               "iceberg": f"{t.iceberg['namespace']}.{t.iceberg['table']}" if t.iceberg else None,
                               "shards": t.shards} for t in w]}
                  for w in plan.waves()],
        "loose_files": sum(1 for f in plan.files if f.table is None),
        "mappings": [r.to_dict() for r in plan.mappings],
        "notes": plan.notes,
    }
