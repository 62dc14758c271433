"""HBase (and Phoenix) tables: from a listing of the HBase root directory in HDFS (any HdfsEntry source:
a live walk, an fsimage, oiv text), and from the HBase REST server when one is configured.

Layout (HBase 1.x/2.x): <root>/data/<namespace>/<table>/<region (32 hex)>/<family>/<hfile>, with
.tabledesc, .tmp and recovered.edits beside them; archive/ holds HFiles kept for snapshots.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Iterable

from .http_json import get_json
from ..model import HdfsEntry
from ..model_workloads import HBaseTable

_REGION = re.compile(r"^[0-9a-f]{32}$")
PHOENIX_SYSTEM = ("CATALOG", "SEQUENCE", "STATS", "FUNCTION", "MUTEX", "LOG", "CHILD_LINK", "TASK", "TRANSFORM")


def tables_from_listing(entries: Iterable[HdfsEntry], hbase_root: str = "/hbase") -> list[HBaseTable]:
    """Namespaces, tables, regions, files and bytes from HdfsEntry rows under HBASE_ROOT/data."""
    prefix = hbase_root.rstrip("/") + "/data/"
    tables: dict[tuple[str, str], HBaseTable] = {}
    regions: dict[tuple[str, str], set[str]] = {}
    for e in entries:
        if not e.path.startswith(prefix):
            continue
        parts = e.path[len(prefix):].split("/")
        if len(parts) < 2 or parts[1].startswith("."):
            continue
        key = (parts[0], parts[1])
        t = tables.get(key)
        if t is None:
            t = tables[key] = HBaseTable(namespace=parts[0], name=parts[1])
            t.phoenix = parts[0] == "SYSTEM" and parts[1] in PHOENIX_SYSTEM
            regions[key] = set()
        if len(parts) >= 3 and _REGION.match(parts[2]):
            regions[key].add(parts[2])
            if e.kind == "file" and len(parts) >= 5 and not parts[3].startswith((".", "recovered.edits")):
                t.files += 1
                t.bytes += e.size
    for key, t in tables.items():
        t.regions = len(regions[key])
    return sorted(tables.values(), key=lambda t: (t.namespace, t.name))


def phoenix_in_use(tables: Iterable[HBaseTable]) -> bool:
    return any(t.phoenix for t in tables)


class HBaseRest:
    """Read-only client of the HBase REST server (Stargate): namespaces, tables, regions."""

    def __init__(self, url: str, timeout: float = 30):
        self.url, self.timeout = url.rstrip("/"), timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _get(self, path: str):
        req = urllib.request.Request(self.url + path, headers={"Accept": "application/json"})
        return get_json(self._opener, req, timeout=self.timeout, service="HBase REST", obj=self.url,
                        setting="hbase.rest_url", example="http://host:8080", path=path, empty=b"{}")

    def tables(self) -> list[HBaseTable]:
        out = []
        for t in self._get("/").get("table") or []:
            full = t.get("name", "")
            ns, _, name = full.rpartition(":")
            ns = ns or "default"
            regions = self._get(f"/{urllib.parse.quote(full, safe=':')}/regions").get("Region") or []
            out.append(HBaseTable(namespace=ns, name=name, regions=len(regions), source="rest",
                                  phoenix=ns == "SYSTEM" and name in PHOENIX_SYSTEM))
        return sorted(out, key=lambda t: (t.namespace, t.name))
