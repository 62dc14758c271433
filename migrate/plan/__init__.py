"""`okdp-migrate plan`: turn a scan inventory into a migration plan the copy engine executes.

API for the copy engine: `load(path) -> Plan`, `Plan.items(shard=(I, N))` -> CopyItem
(src, dst_bucket, dst_key, size, mtime, table, partition, owner, group, permission).
"""
from .mapping import MappingRule, default_rules, map_path
from .model import CopyItem, FileEntry, Plan, TablePlan, env_shard
from .store import load, save

__all__ = ["CopyItem", "FileEntry", "MappingRule", "Plan", "TablePlan", "default_rules", "env_shard", "load",
           "map_path", "save"]
