"""HiveServer2 protocol endpoint: Spark Thrift Server (pyspark 4.3 spark-submit), using the sandbox's
metastore, with fs.defaultFS and the warehouse in the sandbox's HDFS."""
from __future__ import annotations

from . import deps, hdfs, health, metastore
from .ports import LOOPBACK
from .state import State

DRIVER_MEMORY = "1g"


def start(st: State) -> None:
    home = deps.pyspark_home()
    deps.java()
    work = st.sub("spark")
    conf_dir = st.sub("spark", "conf")
    (conf_dir / "log4j2.properties").write_text(
        metastore.LOG4J2 + "logger.spark.name = org.apache.spark\nlogger.spark.level = warn\n"
        "logger.sts.name = org.apache.spark.sql.hive.thriftserver\nlogger.sts.level = info\n"
        "logger.hive.name = org.apache.hive.service\nlogger.hive.level = info\n")
    confs = {
        "spark.master": "local[2]",
        "spark.driver.memory": DRIVER_MEMORY,
        "spark.driver.host": LOOPBACK, "spark.driver.bindAddress": LOOPBACK,
        "spark.ui.enabled": "false",
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.hive.metastore.uris": metastore.uri(st),
        # started alongside the metastore: keep retrying while it comes up
        "spark.hadoop.hive.metastore.connect.retries": "120",
        "spark.hadoop.hive.metastore.client.connect.retry.delay": "1s",
        "spark.hadoop.fs.defaultFS": hdfs.core_site(st)["fs.defaultFS"],
        "spark.sql.warehouse.dir": metastore.warehouse(st),
        "spark.sql.shuffle.partitions": "4",
        "spark.local.dir": str(st.sub("spark", "local")),
        "spark.driver.extraJavaOptions": f"-XX:+UseSerialGC -Dderby.system.home={work}",
        "spark.sql.hive.thriftServer.singleSession": "false",
    }
    argv = [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
            "--name", "okdp-sandbox-thriftserver"]
    for k, v in confs.items():
        argv += ["--conf", f"{k}={v}"]
    argv += ["spark-internal",  # --hiveconf must come after the primary resource
             "--hiveconf", f"hive.server2.thrift.port={st.ports['hiveserver2']}",
             "--hiveconf", f"hive.server2.thrift.bind.host={LOOPBACK}",
             "--hiveconf", "hive.server2.authentication=NONE",
             "--hiveconf", "hive.server2.enable.doAs=false"]
    st.proc("thriftserver").start(argv, cwd=work, env={
        "SPARK_HOME": str(home), "SPARK_CONF_DIR": str(conf_dir), "HADOOP_CONF_DIR": str(st.conf_dir),
        "SPARK_LOCAL_IP": LOOPBACK, "HADOOP_USER_NAME": hdfs.superuser(), "SPARK_LOG_DIR": str(st.dir / "logs")})


def healthy(st: State) -> bool:
    from pyhive import hive

    if not health.tcp(LOOPBACK, st.ports["hiveserver2"]):
        return False
    conn = hive.connect(host=LOOPBACK, port=st.ports["hiveserver2"], username=hdfs.superuser(), auth="NONE")
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        return cur.fetchall() == [(1,)]
    finally:
        conn.close()


def env(st: State) -> dict:
    return {"hiveserver2_host": LOOPBACK, "hiveserver2_port": st.ports["hiveserver2"]}
