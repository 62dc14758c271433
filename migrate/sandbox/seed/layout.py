"""Who owns what in the seeded namespace, as on a TDP cluster: hive owns the managed warehouse,
etl the landing zone and external tables, analyst their home, spark its history, hbase its root,
finance its restricted data. Applied in order after every write (deeper rules come later).

Pure data, used by the seeder and by the manifest (and so by the scan tests).
"""
from __future__ import annotations

from .hdfs_ops import Ownership
from .raw_data import HBASE_ROOT, SMALL_FILES_DIR
from .warehouse import EXTERNAL, MANAGED, ORPHAN_DIRS

OWNERSHIP: tuple[Ownership, ...] = (
    Ownership("/data/raw", "etl", "hadoop", "755", "644"),
    Ownership(SMALL_FILES_DIR, "etl", "etl", "750", "640"),
    Ownership("/data/staging", "etl", "etl", "770", "660"),
    Ownership("/data/finance", "finance", "finance", "750", "640"),
    Ownership(f"{MANAGED}/sales.db", "hive", "hadoop", "770", "660"),
    Ownership(f"{MANAGED}/hr.db", "hive", "hr", "750", "640"),
    Ownership(f"{MANAGED}/logs.db", "hive", "hadoop", "770", "660"),
    Ownership(f"{MANAGED}/staging.db", "hive", "hadoop", "770", "660"),
    Ownership(f"{MANAGED}/finance.db", "hive", "finance", "750", "640"),
    Ownership(f"{EXTERNAL}/logs.db", "etl", "hadoop", "755", "644"),
    Ownership(f"{EXTERNAL}/staging.db", "etl", "etl", "775", "664"),
    Ownership(f"{EXTERNAL}/finance.db", "finance", "finance", "750", "640"),
    Ownership(ORPHAN_DIRS[0], "spark", "hadoop", "755", "644"),
    Ownership(f"{EXTERNAL}/old_marketing.db", "analyst", "marketing", "755", "644"),
    Ownership("/user/etl", "etl", "etl", "755", "644"),
    Ownership("/user/analyst", "analyst", "analyst", "700", "600"),
    Ownership("/user/spark", "spark", "spark", "755", "644"),
    Ownership("/user/admin", "admin", "admin", "700", "600"),
    Ownership("/spark-history", "spark", "hadoop", "1777", "770"),
    Ownership(HBASE_ROOT, "hbase", "hadoop", "711", "644"),
)

# Directories whose files/bytes the manifest reports (read back from the NameNode).
REPORTED_DIRS: tuple[str, ...] = tuple(dict.fromkeys(
    ["/data", "/data/raw", "/data/staging", "/data/finance", MANAGED, EXTERNAL, "/user/etl/apps", "/user/analyst",
     "/user/admin", "/spark-history", HBASE_ROOT, *ORPHAN_DIRS] + [o.path for o in OWNERSHIP]))
