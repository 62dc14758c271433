"""The one boundary between the plan file and the copy engine: plan -> copy items of a shard."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def items_from_plan(plan_path: str, shard: tuple[int, int] | None) -> tuple[Any, list[Any]]:
    """(Plan, items) for shard (I, N), or the whole plan. Each item has src, dst_bucket, dst_key, size,
    mtime (epoch ms), table, owner, group, permission. Destinations must be unique."""
    from .. import plan as planmod
    from ..errors import BadInputError

    plan = planmod.load(plan_path)
    if shard is None:
        shard = planmod.env_shard()  # inside a Kubernetes Indexed Job pod
    items = list(plan.items(shard=shard))
    seen: dict[tuple[str, str], str] = {}
    for i in items:
        other = seen.setdefault((i.dst_bucket, i.dst_key), i.src)
        if other != i.src:
            raise BadInputError(f"two files map to the same object ({other} and {i.src})",
                                obj=f"s3://{i.dst_bucket}/{i.dst_key}", fix="fix the plan's mapping rules")
    return plan, items


def default_journal_dir(plan_path: str) -> Path:
    """Next to the plan: PLAN.journal/ (shards of one plan share it; SQLite WAL allows that)."""
    p = Path(plan_path)
    return p.with_name(p.name + ".journal")
