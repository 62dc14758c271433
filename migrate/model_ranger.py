"""Typed model of Ranger policies (from export JSON files or the Ranger admin REST API)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

POLICY_TYPES = {0: "access", 1: "masking", 2: "row_filter"}


@dataclass
class RangerResource:
    values: list[str] = field(default_factory=list)
    is_excludes: bool = False
    is_recursive: bool = False


@dataclass
class RangerItem:
    """One allow/deny (or exception, masking, row-filter) item: who gets which accesses, under which conditions."""

    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    accesses: list[str] = field(default_factory=list)  # allowed access types, e.g. ["select", "update"]
    conditions: list[dict[str, Any]] = field(default_factory=list)  # [{"type": ..., "values": [...]}]
    delegate_admin: bool = False
    mask_type: str | None = None  # masking items: MASK, MASK_SHOW_LAST_4, MASK_HASH, MASK_NULL, CUSTOM...
    mask_expr: str | None = None  # masking items with a CUSTOM expression
    filter_expr: str | None = None  # row-filter items


@dataclass
class RangerPolicy:
    service: str
    name: str
    id: int | None = None
    policy_type: str = "access"  # access | masking | row_filter
    enabled: bool = True
    service_type: str | None = None  # hdfs, hive, hbase, ... when the export says
    description: str = ""
    audit: bool = True
    resources: dict[str, RangerResource] = field(default_factory=dict)
    additional_resources: list[dict[str, RangerResource]] = field(default_factory=list)
    allow: list[RangerItem] = field(default_factory=list)
    deny: list[RangerItem] = field(default_factory=list)
    allow_exceptions: list[RangerItem] = field(default_factory=list)
    deny_exceptions: list[RangerItem] = field(default_factory=list)
    masking: list[RangerItem] = field(default_factory=list)
    row_filters: list[RangerItem] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    zone: str | None = None
    labels: list[str] = field(default_factory=list)
    deny_all_else: bool = False
    source: str = ""  # file path or REST URL it came from

    @property
    def fqn(self) -> str:
        return f"{self.service}/{self.name}"


@dataclass
class RangerRole:
    name: str
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


@dataclass
class RangerExport:
    """Everything read from one source (a file or the admin API)."""

    source: str
    policies: list[RangerPolicy] = field(default_factory=list)
    roles: list[RangerRole] = field(default_factory=list)
    services: dict[str, str] = field(default_factory=dict)  # service name -> type
