"""Ranger policies: export JSON files (admin "Export", plugin policy caches, REST dumps) and the admin REST API.

Export files come in several shapes (a ServicePolicies cache {serviceName, policies, tagPolicies},
an admin export {metaDataInfo, policies}, a bare list of policies, one policy); the reader looks for
policy objects wherever a "policies" list holds them, so every shape gives the same model.
"""
from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator

from ..errors import BadInputError
from .http_json import get_json
from ..model_ranger import POLICY_TYPES, RangerExport, RangerItem, RangerPolicy, RangerResource, RangerRole

_FIX = "pass a Ranger policy export (Ranger admin > Export, or GET /service/public/v2/api/policy)"


def _resources(raw: dict | None) -> dict[str, RangerResource]:
    out = {}
    for name, r in (raw.items() if isinstance(raw, dict) else ()):
        if isinstance(r, dict):
            out[name] = RangerResource(values=[str(v) for v in r.get("values") or []],
                                       is_excludes=bool(r.get("isExcludes")), is_recursive=bool(r.get("isRecursive")))
    return out


def _item(raw: dict) -> RangerItem:
    accesses = [a.get("type", "") for a in raw.get("accesses") or [] if isinstance(a, dict) and a.get("isAllowed", True)]
    item = RangerItem(users=list(raw.get("users") or []), groups=list(raw.get("groups") or []),
                      roles=list(raw.get("roles") or []), accesses=accesses,
                      conditions=[c for c in raw.get("conditions") or [] if isinstance(c, dict)],
                      delegate_admin=bool(raw.get("delegateAdmin")))
    mask = raw.get("dataMaskInfo")
    if isinstance(mask, dict):
        item.mask_type, item.mask_expr = mask.get("dataMaskType"), mask.get("valueExpr") or None
    row = raw.get("rowFilterInfo")
    if isinstance(row, dict):
        item.filter_expr = row.get("filterExpr")
    return item


def _items(raw: Any) -> list[RangerItem]:
    return [_item(i) for i in raw or [] if isinstance(i, dict)]


def policy_from_json(raw: dict, service: str = "", service_type: str | None = None, source: str = "") -> RangerPolicy:
    ptype = raw.get("policyType", 0)
    return RangerPolicy(
        service=raw.get("service") or service, name=str(raw.get("name") or raw.get("id") or "?"), id=raw.get("id"),
        policy_type=POLICY_TYPES.get(ptype, str(ptype)) if isinstance(ptype, int) else str(ptype),
        enabled=raw.get("isEnabled", True) is not False, service_type=raw.get("serviceType") or service_type,
        description=raw.get("description") or "", audit=raw.get("isAuditEnabled", True) is not False,
        resources=_resources(raw.get("resources")),
        additional_resources=[_resources(r) for r in raw.get("additionalResources") or [] if isinstance(r, dict)],
        allow=_items(raw.get("policyItems")), deny=_items(raw.get("denyPolicyItems")),
        allow_exceptions=_items(raw.get("allowExceptions")), deny_exceptions=_items(raw.get("denyExceptions")),
        masking=_items(raw.get("dataMaskPolicyItems")), row_filters=_items(raw.get("rowFilterPolicyItems")),
        conditions=[c for c in raw.get("conditions") or [] if isinstance(c, dict)], zone=raw.get("zoneName"),
        labels=list(raw.get("policyLabels") or []), deny_all_else=bool(raw.get("isDenyAllElse")), source=source)


def _is_policy(d: Any) -> bool:
    if not isinstance(d, dict) or not ("name" in d or "id" in d) or "request" in d:
        return False
    return isinstance(d.get("policyItems"), list) or isinstance(d.get("resources"), dict)


def _walk(node: Any, service: str, service_type: str | None) -> Iterator[tuple[dict, str, str | None]]:
    """Every policy object under NODE, with the service name/type of its enclosing document."""
    if isinstance(node, list):
        for x in node:
            yield from _walk(x, service, service_type)
        return
    if not isinstance(node, dict):
        return
    if _is_policy(node):
        yield node, service, service_type
        return
    service = node.get("serviceName") or service
    sdef = node.get("serviceDef")
    if isinstance(sdef, dict):
        service_type = sdef.get("name") or service_type
    for key, value in node.items():
        if key in ("serviceDef", "tagPolicyInfo") or not isinstance(value, (dict, list)):
            continue
        yield from _walk(value, service, service_type)


def _roles(data: Any) -> list[RangerRole]:
    raw = data.get("roles") if isinstance(data, dict) else None
    if isinstance(raw, dict):  # RangerRoles cache: {"rangerRoles": [...]}
        raw = raw.get("rangerRoles")
    out = []
    for r in raw or []:
        if isinstance(r, dict) and r.get("name"):
            names = lambda k: [m.get("name") if isinstance(m, dict) else str(m) for m in r.get(k) or []]  # noqa: E731
            out.append(RangerRole(name=r["name"], users=names("users"), groups=names("groups"), roles=names("roles")))
    return out


def parse_export(data: Any, source: str = "") -> RangerExport:
    exp = RangerExport(source=source)
    seen: set[int] = set()
    for raw, service, stype in _walk(data, "", None):
        if id(raw) not in seen:
            seen.add(id(raw))
            p = policy_from_json(raw, service, stype, source)
            exp.policies.append(p)
            if p.service_type:
                exp.services.setdefault(p.service, p.service_type)
    exp.roles = _roles(data)
    return exp


def read_export(path: str | os.PathLike) -> RangerExport:
    path = Path(path)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BadInputError("file not found", obj=str(path), fix="check ranger.export_files") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise BadInputError(f"malformed JSON{where}", obj=str(path), fix=_FIX) from None
    return parse_export(data, str(path))


class RangerAdmin:
    """Read-only client of the Ranger admin public REST API (v2), basic auth, stdlib HTTP."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None, ca_bundle: str | None = None,
                 timeout: float = 30, page_size: int = 500):
        self.url, self.timeout, self.page_size = url.rstrip("/"), timeout, page_size
        self.headers = {"Accept": "application/json"}
        if user:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        import ssl

        ctx = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   urllib.request.HTTPSHandler(context=ctx))

    def _get(self, path: str, **params) -> Any:
        url = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        req = urllib.request.Request(url, headers=self.headers)
        return get_json(self._opener, req, timeout=self.timeout, service="Ranger admin", obj=self.url,
                        setting="ranger.url", example="e.g. http://host:6080", path=path,
                        auth_fix="set ranger.user / ranger.password (OKDP_MIGRATE_RANGER_PASSWORD)",
                        non_json_fix="check that ranger.url points at Ranger admin, not a login page")

    def services(self) -> dict[str, str]:
        return {s["name"]: s.get("type", "") for s in self._get("/service/public/v2/api/service") or []
                if isinstance(s, dict) and "name" in s}

    def policies(self, service: str | None = None) -> Iterator[dict]:
        start = 0
        while True:
            params = {"startIndex": start, "pageSize": self.page_size}
            if service:
                params["serviceName"] = service
            page = self._get("/service/public/v2/api/policy", **params) or []
            yield from page
            if len(page) < self.page_size:
                return
            start += len(page)

    def roles(self) -> list[RangerRole]:
        return _roles({"roles": self._get("/service/public/v2/api/roles")})

    def export(self) -> RangerExport:
        services = self.services()
        exp = parse_export(list(self.policies()), self.url)
        for p in exp.policies:
            p.service_type = p.service_type or services.get(p.service)
        exp.services = services
        exp.roles = self.roles()
        return exp
