"""A private Hive Metastore 2.3.10 for tests (the sandbox's jars, embedded Derby, file:// warehouse, free port)
whose schema has Hive's transaction tables, so table locks work, unlike the shared sandbox's metastore."""
from __future__ import annotations

import socket
import subprocess
import time

from copy_helpers import stop_group


def hms_client(uri):
    from okdp_migrate.connectors.metastore_thrift import MetastoreThrift

    return MetastoreThrift(uri)


class PrivateMetastore:
    """A Hive Metastore 2.3.10 of our own on free ports (embedded Derby, file:// warehouse) with Hive's
    transaction tables, so the table lock every Iceberg Hive-catalog commit takes works."""

    def __init__(self, root):
        self.root, self.port = root, free_port()
        self.uri = f"thrift://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        # Hive's own test switch creates the transaction tables in Derby when the txn handler first runs; the
        # same switch also rejects the UNSET lock operation type that pyiceberg sends, so restart without it
        self._run(in_test=True)
        with hms_client(self.uri) as ms:
            ms._client.get_open_txns()
        self.stop()
        self._run(in_test=False)

    def _run(self, in_test: bool) -> None:
        from okdp_migrate.sandbox import deps, xmlconf

        conf = self.root / "conf"
        xmlconf.write(conf / "hive-site.xml", {
            "javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={self.root / 'metastore_db'};create=true",
            "javax.jdo.option.ConnectionDriverName": "org.apache.derby.jdbc.EmbeddedDriver",
            "hive.metastore.warehouse.dir": f"file://{self.root}/wh", "hive.metastore.schema.verification": False,
            "datanucleus.schema.autoCreateAll": True, "datanucleus.connectionPoolingType": "HikariCP",
            "hive.async.log.enabled": False, "hive.support.concurrency": True, "hive.in.test": in_test,
            "hive.txn.manager": "org.apache.hadoop.hive.ql.lockmgr.DbTxnManager"})
        (conf / "log4j2.properties").write_text("status = error\nrootLogger.level = warn\n"
                                                "appender.c.type = Console\nappender.c.name = c\n"
                                                "rootLogger.appenderRef.c.ref = c\n")
        argv = [deps.java(), "-Xmx256m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true", *deps.JAVA17_OPENS,
                f"-Dlog4j.configurationFile={conf / 'log4j2.properties'}", f"-Dderby.system.home={self.root}",
                "-cp", f"{conf}:{deps.pyspark_home() / 'jars'}/*", "org.apache.hadoop.hive.metastore.HiveMetaStore",
                "-p", str(self.port)]
        with open(self.root / "metastore.log", "ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=self.root, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with hms_client(self.uri) as ms:
                    ms._client.get_all_databases()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(1)
        self.stop()
        raise RuntimeError(f"private metastore did not start; see {self.root / 'metastore.log'}")

    def stop(self) -> None:
        stop_group(self.proc, grace=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on return: nobody listens there until someone binds it
