"""Typed model of a cluster's configuration files (*-site.xml), as scan reads them. Secrets are already
redacted here: nothing downstream can leak what this model never holds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteFile:
    path: str
    name: str  # "core-site", "hive-site" (file name without .xml / .xml.j2)
    properties: dict[str, str] = field(default_factory=dict)  # secrets replaced by "***"
    final: list[str] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)  # keys whose values were hidden
    templated: bool = False  # a Jinja template (TDP's Ansible roles): names/values may be {{ expressions }}


@dataclass
class ClusterConfig:
    """What a migration needs to know from the configs of one cluster."""

    files: list[SiteFile] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The effective value: later files override earlier ones, as Hadoop's Configuration does."""
        value = default
        for f in self.files:
            value = f.properties.get(key, value)
        return value
