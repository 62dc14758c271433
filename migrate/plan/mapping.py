"""Where each HDFS path lands in S3: prefix rules, the longest matching prefix wins.

A rule maps an HDFS prefix to an s3://bucket/prefix URL. With `hive_db_dirs`, the first path
component below the prefix loses its Hive `.db` suffix, so
`/warehouse/tablespace/external/hive/sales.db/orders` -> `s3://lake/sales/orders`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..errors import BadInputError

# Hive warehouse roots seen on TDP (Hive 3: managed + external), HDP 2 and CDH.
HIVE_WAREHOUSE_ROOTS = ("/warehouse/tablespace/managed/hive", "/warehouse/tablespace/external/hive",
                        "/apps/hive/warehouse", "/user/hive/warehouse")


@dataclass
class MappingRule:
    src: str  # HDFS prefix, absolute, no trailing slash except "/"
    dst: str  # s3://bucket[/prefix]
    hive_db_dirs: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["from"], d["to"] = d.pop("src"), d.pop("dst")
        if not self.hive_db_dirs:
            d.pop("hive_db_dirs")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "mapping") -> "MappingRule":
        if not isinstance(d, dict) or "from" not in d or "to" not in d:
            raise BadInputError(f"a mapping rule needs 'from' and 'to', got {d!r}", obj=where,
                                fix="write rules as '- {from: /hdfs/prefix, to: s3://bucket/prefix}'")
        parse_s3_url(str(d["to"]), where)
        return cls(src=normalise_hdfs_path(str(d["from"])), dst=str(d["to"]).rstrip("/"),
                   hive_db_dirs=bool(d.get("hive_db_dirs", False)))


def parse_s3_url(url: str, where: str = "target") -> tuple[str, str]:
    """s3://bucket/some/prefix -> ("bucket", "some/prefix")"""
    parts = urlsplit(url)
    if parts.scheme not in ("s3", "s3a") or not parts.netloc:
        raise BadInputError(f"'{url}' is not an s3://bucket[/prefix] URL", obj=where,
                            fix="give the target as s3://bucket or s3://bucket/prefix")
    return parts.netloc, parts.path.strip("/")


def normalise_hdfs_path(path: str) -> str:
    """hdfs://nn:8020/a/b/ -> /a/b (scheme and authority dropped: the plan maps namespace paths)."""
    if "://" in path:
        path = urlsplit(path).path or "/"
    if not path.startswith("/"):
        raise BadInputError(f"'{path}' is not an absolute HDFS path", obj="mapping", fix="start HDFS paths with /")
    return path.rstrip("/") or "/"


def default_rules(target: str, warehouse_roots: Iterable[str] = HIVE_WAREHOUSE_ROOTS) -> list[MappingRule]:
    """Warehouse roots go to <target>/<db>/<table>; any other path keeps its layout under <target>/."""
    parse_s3_url(target)
    base = target.rstrip("/")
    rules = [MappingRule(normalise_hdfs_path(r), base, hive_db_dirs=True) for r in dict.fromkeys(warehouse_roots)]
    rules.append(MappingRule("/", base))
    return rules


def merge_rules(user_rules: list[MappingRule], defaults: list[MappingRule]) -> list[MappingRule]:
    """User rules first; a default with the same prefix is dropped (the user's rule overrides it)."""
    taken = {r.src for r in user_rules}
    return user_rules + [r for r in defaults if r.src not in taken]


def _matches(path: str, prefix: str) -> bool:
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")


def map_path(path: str, rules: list[MappingRule]) -> tuple[str, str]:
    """(bucket, key) for an HDFS path; the longest matching prefix wins."""
    path = normalise_hdfs_path(path)
    best = None
    for r in rules:
        if _matches(path, r.src) and (best is None or len(r.src) > len(best.src)):
            best = r
    if best is None:
        raise BadInputError("no mapping rule matches this path", obj=path,
                            fix="add a rule {from: /, to: s3://bucket/prefix} to the plan's mappings")
    rest = path[len(best.src):].lstrip("/") if best.src != "/" else path.lstrip("/")
    if best.hive_db_dirs and rest:
        head, sep, tail = rest.partition("/")
        if head.endswith(".db"):
            rest = head[:-3] + sep + tail
    bucket, prefix = parse_s3_url(best.dst)
    key = f"{prefix}/{rest}" if prefix and rest else (prefix or rest)
    return bucket, key


def map_url(path: str, rules: list[MappingRule]) -> str:
    bucket, key = map_path(path, rules)
    return f"s3://{bucket}/{key}".rstrip("/")


def load_rules(data: Any, where: str) -> list[MappingRule]:
    """Rules from a mapping file: a list of rules, or {mappings: [...]}."""
    if isinstance(data, dict):
        data = data.get("mappings", data.get("rules"))
    if not isinstance(data, list):
        raise BadInputError("a mapping file holds a list of rules (or 'mappings: [...]')", obj=where,
                            fix="write '- {from: /hdfs/prefix, to: s3://bucket/prefix}' lines")
    return [MappingRule.from_dict(d, where) for d in data]
