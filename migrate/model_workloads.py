"""Typed model of workloads found outside Oozie (Airflow DAGs, shell scripts) and of HBase tables."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WorkloadCommand:
    tool: str  # spark-submit | hive | beeline | hdfs-dfs | hadoop-fs | spark-sql
    line: int
    text: str  # the command line (secrets such as -p/--password masked)
    scripts: list[str] = field(default_factory=list)  # -f FILE, the application jar/py
    tables: list[str] = field(default_factory=list)  # db.table names seen in inline SQL or the scripts
    paths: list[str] = field(default_factory=list)  # hdfs:// URIs and absolute HDFS paths
    on_yarn: bool = False


@dataclass
class Workload:
    path: str
    kind: str  # airflow_dag | shell
    commands: list[WorkloadCommand] = field(default_factory=list)
    dag_ids: list[str] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)  # Airflow operator classes used

    @property
    def tables(self) -> list[str]:
        return sorted({t for c in self.commands for t in c.tables})

    @property
    def paths(self) -> list[str]:
        return sorted({p for c in self.commands for p in c.paths})


@dataclass
class HBaseTable:
    namespace: str
    name: str
    regions: int = 0
    files: int = 0
    bytes: int = 0  # logical bytes of the table directory (HFiles, store files)
    phoenix: bool = False  # a Phoenix system table, or a table Phoenix manages
    source: str = "hdfs"  # hdfs | rest

    @property
    def fqn(self) -> str:
        return f"{self.namespace}:{self.name}"
