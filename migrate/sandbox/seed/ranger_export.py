"""A Ranger policy export as the Ranger admin writes it (Ranger 2.x "Export" button /
GET /service/plugins/policies/exportJson): {"metaDataInfo": {...}, "policies": [...]}.

Pure. Services are named as on TDP (hdfs-tdp, hive-tdp); the policies cover what a
migration has to translate: path and database/table/column resources, allow and deny
items with exceptions, a masking policy (policyType 1) and a row-filter policy (policyType 2).
"""
from __future__ import annotations

import json
import uuid

HDFS_SERVICE = "hdfs-tdp"
HIVE_SERVICE = "hive-tdp"
EXPORT_PATH = "/user/admin/ranger/ranger_policies_tdp_20240301.json"
_EXPORT_TIME = "Fri Mar 01 09:30:00 CET 2024"


def _res(*values: str, recursive: bool = False, excludes: bool = False) -> dict:
    return {"values": list(values), "isExcludes": excludes, "isRecursive": recursive}


def _item(accesses: list[str], users=(), groups=(), roles=(), delegate=False, **extra) -> dict:
    item = {"accesses": [{"type": a, "isAllowed": True} for a in accesses],
            "users": list(users), "groups": list(groups), "roles": list(roles),
            "conditions": [], "delegateAdmin": delegate}
    item.update(extra)
    return item


def _policy(pid: int, service: str, name: str, resources: dict, *, policy_type: int = 0,
            allow=(), deny=(), allow_exceptions=(), mask=(), row_filter=(), description="") -> dict:
    return {
        "id": pid,
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ranger:{service}:{name}")),
        "isEnabled": True,
        "version": 1,
        "service": service,
        "name": name,
        "policyType": policy_type,
        "policyPriority": 0,
        "description": description,
        "isAuditEnabled": True,
        "resources": resources,
        "policyItems": list(allow),
        "denyPolicyItems": list(deny),
        "allowExceptions": list(allow_exceptions),
        "denyExceptions": [],
        "dataMaskPolicyItems": list(mask),
        "rowFilterPolicyItems": list(row_filter),
        "serviceType": "hdfs" if service == HDFS_SERVICE else "hive",
        "options": {},
        "validitySchedules": [],
        "policyLabels": [],
        "zoneName": "",
        "isDenyAllElse": False,
    }


def build_policies() -> list[dict]:
    rwx = ["read", "write", "execute"]
    all_hive = ["select", "update", "create", "drop", "alter", "index", "lock", "all", "read", "write"]
    return [
        _policy(1, HDFS_SERVICE, "all - path", {"path": _res("/*", recursive=True)},
                allow=[_item(rwx, users=["hdfs", "hive"], delegate=True)],
                description="Policy for all - path"),
        _policy(2, HDFS_SERVICE, "raw landing zone", {"path": _res("/data/raw", recursive=True)},
                allow=[_item(rwx, users=["etl"], groups=["etl"]),
                       _item(["read", "execute"], groups=["analysts"])],
                deny=[_item(["write"], groups=["analysts"])],
                description="ETL writes the landing zone, analysts read it"),
        _policy(3, HDFS_SERVICE, "finance restricted", {"path": _res("/data/finance", "/warehouse/tablespace/external/hive/finance.db",
                                                                      recursive=True)},
                allow=[_item(rwx, groups=["finance"])],
                deny=[_item(rwx, groups=["public"])],
                allow_exceptions=[_item(["read"], users=["auditor"])]),
        _policy(4, HDFS_SERVICE, "oozie apps", {"path": _res("/user/etl/apps", recursive=True)},
                allow=[_item(["read", "execute"], users=["oozie"]), _item(rwx, users=["etl"])]),
        _policy(10, HIVE_SERVICE, "all - database, table, column",
                {"database": _res("*"), "table": _res("*"), "column": _res("*")},
                allow=[_item(all_hive, users=["hive"], delegate=True)],
                description="Policy for all - database, table, column"),
        _policy(11, HIVE_SERVICE, "sales read",
                {"database": _res("sales"), "table": _res("*"), "column": _res("*")},
                allow=[_item(["select"], groups=["analysts", "sales"]),
                       _item(["select", "update", "create", "alter"], users=["etl"])],
                deny=[_item(["select"], users=["intern"])]),
        _policy(12, HIVE_SERVICE, "hr salaries hidden",
                {"database": _res("hr"), "table": _res("employees"), "column": _res("salary", "bonus_pct")},
                deny=[_item(["select"], groups=["public"])],
                allow_exceptions=[_item(["select"], groups=["hr"])]),
        _policy(13, HIVE_SERVICE, "udf all", {"database": _res("*"), "udf": _res("*")},
                allow=[_item(["select"], users=["etl"])]),
        _policy(20, HIVE_SERVICE, "mask customer email",
                {"database": _res("sales"), "table": _res("customers"), "column": _res("email")}, policy_type=1,
                mask=[_item(["select"], groups=["analysts"], dataMaskInfo={"dataMaskType": "MASK_SHOW_LAST_4"}),
                      _item(["select"], users=["intern"], dataMaskInfo={"dataMaskType": "MASK_HASH"})]),
        _policy(30, HIVE_SERVICE, "orders EU only",
                {"database": _res("sales"), "table": _res("orders")}, policy_type=2,
                row_filter=[_item(["select"], groups=["sales_eu"],
                                  rowFilterInfo={"filterExpr": "currency = 'EUR'"})]),
    ]


def build_export() -> dict:
    return {
        "metaDataInfo": {"Host name": "tdp-ranger-01.example.internal", "Exported by": "admin",
                         "Export time": _EXPORT_TIME, "Ranger apache version": "2.0.0"},
        "policies": build_policies(),
    }


def render(export: dict) -> bytes:
    return json.dumps(export, indent=2).encode()
