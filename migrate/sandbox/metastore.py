"""Hive Metastore thrift server (Hive 2.3.10 jars from pyspark 4.3) on PostgreSQL or embedded Derby.

With PostgreSQL the schema is created up front with DataNucleus' SchemaTool over Hive's own package.jdo:
lazy auto-creation deadlocked once Spark joined (DDL waiting on an idle transaction)."""
from __future__ import annotations

import subprocess
import zipfile

from ..errors import ServiceUnreachable
from . import deps, hdfs, health, postgres, xmlconf
from .ports import LOOPBACK
from .state import State

HEAP = "-Xmx512m"
# The naming/strategy settings Hive's ObjectStore uses, so SchemaTool creates exactly the tables it expects
# (the default identifier factory names list-order columns differently: IDX instead of INTEGER_IDX).
DATANUCLEUS_AS_HIVE = {
    "datanucleus.identifierFactory": "datanucleus1",
    "datanucleus.rdbms.useLegacyNativeValueStrategy": "true",
    "datanucleus.storeManagerType": "rdbms",
    "datanucleus.schema.autoCreateAll": "true",
    "datanucleus.rdbms.initializeColumnInfo": "NONE",
    "datanucleus.transactionIsolation": "read-committed",
}
LOG4J2 = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} %p %c{1}: %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.dn.name = DataNucleus
logger.dn.level = warn
logger.dn2.name = org.datanucleus
logger.dn2.level = warn
"""


def warehouse(st: State) -> str:
    return hdfs.core_site(st)["fs.defaultFS"] + hdfs.WAREHOUSE_MANAGED


def uri(st: State) -> str:
    return f"thrift://{LOOPBACK}:{st.ports['metastore']}"


def jdo(st: State) -> dict:
    if st.postgres:
        return {"javax.jdo.option.ConnectionURL": f"jdbc:postgresql://{LOOPBACK}:{st.ports['postgres']}/{postgres.DB}",
                "javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
                "javax.jdo.option.ConnectionUserName": st.credentials["pg_user"]}
    return {"javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={st.dir / 'hive' / 'metastore_db'};create=true",
            "javax.jdo.option.ConnectionDriverName": "org.apache.derby.jdbc.EmbeddedDriver",
            "javax.jdo.option.ConnectionUserName": "APP"}


def client_site(st: State) -> dict:
    """conf/hive-site.xml as a TDP client sees it (no password in it)."""
    return {"hive.metastore.uris": uri(st), "hive.metastore.warehouse.dir": warehouse(st),
            "hive.server2.thrift.bind.host": LOOPBACK, "hive.server2.thrift.port": st.ports["hiveserver2"],
            "hive.server2.authentication": "NONE", "hive.exec.scratchdir": "/tmp/hive", **jdo(st)}


def server_site(st: State) -> dict:
    props = {**client_site(st),
             "javax.jdo.option.ConnectionPassword": st.credentials["pg_password"] if st.postgres else "mine",
             "hive.metastore.schema.verification": False,
             "hive.metastore.schema.verification.record.version": True,
             "datanucleus.schema.autoCreateAll": True,
             "datanucleus.autoStartMechanismMode": "ignored",
             "datanucleus.connectionPoolingType": "HikariCP",
             "datanucleus.connectionPool.maxPoolSize": 10,
             "hive.async.log.enabled": False,  # else log4j2 wants the LMAX disruptor, absent here
             "hive.log4j.file": str(st.dir / "hive" / "conf" / "log4j2.properties"),
             "hive.metastore.event.db.notification.api.auth": False}
    props.pop("hive.metastore.uris")  # the server must not call itself
    return props


def write_conf(st: State) -> None:
    xmlconf.write(st.conf_dir / "hive-site.xml", client_site(st))
    conf = st.sub("hive", "conf")
    xmlconf.write(conf / "hive-site.xml", server_site(st), private=True)
    (conf / "log4j2.properties").write_text(LOG4J2)
    for name in ("core-site.xml", "hdfs-site.xml"):
        (conf / name).write_text((st.conf_dir / name).read_text())


def classpath(st: State) -> str:
    parts = [str(st.dir / "hive" / "conf"), f"{deps.pyspark_home() / 'jars'}/*"]
    if st.postgres:
        parts.append(deps.postgres_jdbc_jar())
    return ":".join(parts)


def _java(st: State, main: str, *args: str, heap: str = HEAP) -> list[str]:
    conf = st.dir / "hive" / "conf"
    return [deps.java(), heap, "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true", *deps.JAVA17_OPENS,
            f"-Dlog4j.configurationFile={conf / 'log4j2.properties'}", f"-Dhive.log.dir={st.dir / 'logs'}",
            f"-Dderby.system.home={st.sub('hive')}", "-cp", classpath(st), main, *args]


def create_schema_if_needed(st: State, log=None) -> None:
    """Create every metastore table in PostgreSQL before any client connects (idempotent)."""
    if not st.postgres or (st.dir / "hive" / "schema.created").exists():
        return
    if log:
        log.info("creating the metastore schema in PostgreSQL (once)")
    hive = st.sub("hive")
    with zipfile.ZipFile(deps.pyspark_home() / "jars" / "hive-metastore-2.3.10.jar") as jar:
        (hive / "package.jdo").write_bytes(jar.read("package.jdo"))
    props = hive / "conf" / "datanucleus.properties"
    site = server_site(st)
    lines = [f"{k}={site[k]}" for k in ("javax.jdo.option.ConnectionURL", "javax.jdo.option.ConnectionDriverName",
                                        "javax.jdo.option.ConnectionUserName", "javax.jdo.option.ConnectionPassword")]
    props.write_text("\n".join(lines + [f"{k}={v}" for k, v in DATANUCLEUS_AS_HIVE.items()]) + "\n")
    props.chmod(0o600)
    log = st.sub("logs") / "metastore-schema.log"
    with open(log, "ab") as out:
        rc = subprocess.run(_java(st, "org.datanucleus.store.schema.SchemaTool", "-create", "-api", "JDO",
                                  "-props", str(props), str(hive / "package.jdo"), heap="-Xmx256m"),
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=300).returncode
    props.unlink(missing_ok=True)
    if rc != 0:
        raise ServiceUnreachable("metastore schema creation failed", obj=str(log), fix=f"read the log: {log}")
    (hive / "schema.created").write_text("ok\n")


def start(st: State) -> None:
    create_schema_if_needed(st)
    st.proc("metastore").start(_java(st, "org.apache.hadoop.hive.metastore.HiveMetaStore",
                                     "-p", str(st.ports["metastore"])),
                               env={"HADOOP_USER_NAME": hdfs.superuser()}, cwd=st.sub("hive"))


def healthy(st: State) -> bool:
    from hmsclient import hmsclient
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport

    if not health.tcp(LOOPBACK, st.ports["metastore"]):
        return False
    sock = TSocket.TSocket(LOOPBACK, st.ports["metastore"])
    sock.setTimeout(5000)  # a wedged server must not hang `status`
    with hmsclient.HMSClient(iprot=TBinaryProtocol.TBinaryProtocol(TTransport.TBufferedTransport(sock))) as c:
        return "default" in c.get_all_databases()


def env(st: State) -> dict:
    out = {"metastore_uri": uri(st)}
    if st.postgres:
        out["metastore_db_url"] = postgres.url(st)
    return out
