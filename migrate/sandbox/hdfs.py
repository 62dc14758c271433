"""HDFS: an Apache Hadoop 2.7.3 NameNode + DataNode (jars from the pyspark==2.4.8 sdist, Jersey 1 from
Debian), WebHDFS on, permissions and ACLs on, replication 1, every address on 127.0.0.1."""
from __future__ import annotations

import getpass
import subprocess
import urllib.parse
import urllib.request

from ..errors import ServiceUnreachable
from . import deps, health, xmlconf
from .ports import LOOPBACK
from .state import State

PORTS = ("nn_rpc", "nn_http", "dn_data", "dn_http", "dn_ipc")
HEAP = "-Xmx512m"
SNAPSHOT_DIR = "/data"
WAREHOUSE_MANAGED = "/warehouse/tablespace/managed/hive"
WAREHOUSE_EXTERNAL = "/warehouse/tablespace/external/hive"
SUPERGROUP = "hadoop"
# path, owner, group, permission: the skeleton a TDP cluster has before any data lands
SKELETON = (
    ("/tmp", None, SUPERGROUP, "1777"),
    ("/user", None, SUPERGROUP, "755"),
    ("/warehouse/tablespace/managed", "hive", SUPERGROUP, "755"),
    (WAREHOUSE_MANAGED, "hive", SUPERGROUP, "1777"),
    ("/warehouse/tablespace/external", "hive", SUPERGROUP, "755"),
    (WAREHOUSE_EXTERNAL, "hive", SUPERGROUP, "1777"),
    (SNAPSHOT_DIR, None, SUPERGROUP, "755"),
)


def superuser() -> str:
    """HDFS's superuser is whoever runs the NameNode."""
    return getpass.getuser()


def core_site(st: State) -> dict:
    return {
        "fs.defaultFS": f"hdfs://{LOOPBACK}:{st.ports['nn_rpc']}",
        "hadoop.tmp.dir": str(st.dir / "hdfs" / "tmp"),
        "hadoop.security.authentication": "simple",
        "hadoop.proxyuser.hive.hosts": "*", "hadoop.proxyuser.hive.groups": "*",
        f"hadoop.proxyuser.{superuser()}.hosts": "*", f"hadoop.proxyuser.{superuser()}.groups": "*",
    }


def hdfs_site(st: State) -> dict:
    p, h = st.ports, LOOPBACK
    return {
        "dfs.namenode.name.dir": str(st.dir / "hdfs" / "name"),
        "dfs.datanode.data.dir": str(st.dir / "hdfs" / "data"),
        "dfs.replication": 1,
        "dfs.webhdfs.enabled": True,
        "dfs.permissions.enabled": True,
        "dfs.permissions.superusergroup": SUPERGROUP,
        "dfs.namenode.acls.enabled": True,
        "dfs.namenode.rpc-address": f"{h}:{p['nn_rpc']}",
        "dfs.namenode.http-address": f"{h}:{p['nn_http']}",
        "dfs.namenode.https-address": f"{h}:0",
        "dfs.namenode.secondary.http-address": f"{h}:0",
        "dfs.namenode.secondary.https-address": f"{h}:0",
        "dfs.datanode.address": f"{h}:{p['dn_data']}",
        "dfs.datanode.http.address": f"{h}:{p['dn_http']}",
        "dfs.datanode.https.address": f"{h}:0",
        "dfs.datanode.ipc.address": f"{h}:{p['dn_ipc']}",
        "dfs.datanode.hostname": h,
        "dfs.namenode.datanode.registration.ip-hostname-check": False,
        "dfs.namenode.safemode.extension": 0,  # no 30 s wait after a restart
        "dfs.heartbeat.interval": 1,
        "dfs.datanode.du.reserved": 0,
        "dfs.namenode.fs-limits.min-block-size": 0,
        "dfs.blocksize": 128 * 1024 * 1024,
    }


LOG4J = """log4j.rootLogger=INFO,console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.BlockStateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace=WARN
"""


def write_conf(st: State) -> None:
    xmlconf.write(st.conf_dir / "core-site.xml", core_site(st))
    xmlconf.write(st.conf_dir / "hdfs-site.xml", hdfs_site(st))
    (st.conf_dir / "log4j.properties").write_text(LOG4J)


def classpath(st: State) -> str:
    webapps = st.dir / "hdfs" / "webapps-root"
    for app in ("hdfs", "datanode", "secondary", "journal"):  # the HTTP servers look these up on the classpath
        (webapps / "webapps" / app).mkdir(parents=True, exist_ok=True)
    return ":".join([str(st.conf_dir), str(webapps), f"{deps.hadoop_jars_dir()}/*", *deps.jersey1_jars()])


def java_cmd(st: State, main_class: str, *args: str, heap: str = HEAP) -> list[str]:
    return [deps.java(), heap, "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
            f"-Dhadoop.log.dir={st.sub('logs')}", "-Dhadoop.root.logger=INFO,console", *deps.JAVA17_OPENS,
            "-cp", classpath(st), main_class, *args]


def format_if_needed(st: State) -> None:
    if (st.dir / "hdfs" / "name" / "current" / "VERSION").exists():
        return
    log = st.sub("logs") / "namenode-format.log"
    with open(log, "ab") as out:
        rc = subprocess.run(java_cmd(st, "org.apache.hadoop.hdfs.server.namenode.NameNode", "-format", "-force",
                                     "-nonInteractive", heap="-Xmx256m"),
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=180).returncode
    if rc != 0:
        raise ServiceUnreachable("NameNode format failed", obj=str(log), fix=f"read the log: {log}")


def start_namenode(st: State) -> None:
    format_if_needed(st)
    st.proc("namenode").start(java_cmd(st, "org.apache.hadoop.hdfs.server.namenode.NameNode"))


def start_datanode(st: State) -> None:
    st.proc("datanode").start(java_cmd(st, "org.apache.hadoop.hdfs.server.datanode.DataNode"))


def _jmx(st: State, bean: str) -> dict:
    data = health.http_json(f"http://{LOOPBACK}:{st.ports['nn_http']}/jmx?qry={bean}")
    return (data or {}).get("beans", [{}])[0] if data and data.get("beans") else {}


def namenode_healthy(st: State) -> bool:
    info = _jmx(st, "Hadoop:service=NameNode,name=NameNodeInfo")
    return bool(info) and not info.get("Safemode")


def datanode_healthy(st: State) -> bool:
    fs = _jmx(st, "Hadoop:service=NameNode,name=FSNamesystemState")
    return fs.get("NumLiveDataNodes", 0) >= 1 and health.http_status(
        f"http://{LOOPBACK}:{st.ports['dn_http']}/jmx?qry=java.lang:type=Runtime") == 200


def webhdfs(st: State, method: str, path: str, op: str, **params) -> int:
    q = urllib.parse.urlencode({"op": op, "user.name": superuser(), **params})
    url = f"http://{LOOPBACK}:{st.ports['nn_http']}/webhdfs/v1{urllib.parse.quote(path)}?{q}"
    req = urllib.request.Request(url, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=30) as r:
        return r.status


def create_skeleton(st: State) -> None:
    """The warehouse and tmp directories a TDP cluster has, and a snapshottable data directory."""
    for path, owner, group, perm in (*SKELETON, (f"/user/{superuser()}", superuser(), SUPERGROUP, "755"),
                                     ("/user/hive", "hive", SUPERGROUP, "755")):
        webhdfs(st, "PUT", path, "MKDIRS")
        webhdfs(st, "PUT", path, "SETOWNER", owner=owner or superuser(), group=group)
        webhdfs(st, "PUT", path, "SETPERMISSION", permission=perm)
    dfsadmin(st, "-allowSnapshot", SNAPSHOT_DIR)


def dfsadmin(st: State, *args: str) -> str:
    """Run `hdfs dfsadmin ARGS` against the sandbox (e.g. -allowSnapshot DIR, which WebHDFS 2.7.3 lacks)."""
    cmd = java_cmd(st, "org.apache.hadoop.hdfs.tools.DFSAdmin", "-fs", core_site(st)["fs.defaultFS"], *args,
                   heap="-Xmx128m")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env={"HADOOP_USER_NAME": superuser(), "PATH": "/usr/bin:/bin"})
    if r.returncode != 0:
        raise ServiceUnreachable(f"dfsadmin {' '.join(args)} failed: {r.stderr.strip().splitlines()[-1:]}",
                                 obj="hdfs", fix=f"read {st.dir / 'logs' / 'namenode.log'}")
    return r.stdout


def env(st: State) -> dict:
    return {
        "webhdfs_url": f"http://{LOOPBACK}:{st.ports['nn_http']}",
        "namenode_rpc": f"{LOOPBACK}:{st.ports['nn_rpc']}",
        "namenode_http": f"{LOOPBACK}:{st.ports['nn_http']}",
        "hdfs_user": superuser(),
        "hdfs_snapshot_dir": SNAPSHOT_DIR,
    }
