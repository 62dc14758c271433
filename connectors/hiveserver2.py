"""HiveServer2 (or Spark Thrift Server) through pyhive: DDL text the metastore does not hold as such.

Used by scan for `SHOW CREATE TABLE` (full DDL, view text as the server prints it). Read-only: only
SHOW statements are sent.
"""
from __future__ import annotations

from okdp_migrate.errors import AuthError, BadInputError, ServiceUnreachable, require


class HiveServer2:
    def __init__(self, host: str, port: int = 10000, *, user: str | None = None, password: str | None = None,
                 kerberos_service: str | None = None, transport: str = "binary", http_path: str = "cliservice"):
        if not host:
            raise BadInputError("no HiveServer2 host configured", obj="hiveserver2.host",
                                fix="set hiveserver2.host or pass --no-hiveserver2")
        self.host, self.port, self.user, self.password = host, int(port or 10000), user, password
        self.kerberos_service, self.transport, self.http_path = kerberos_service, transport, http_path
        self.conn = None

    def open(self) -> "HiveServer2":
        hive = require("pyhive.hive", "hive", "HiveServer2 access")
        kwargs = {"host": self.host, "port": self.port, "username": self.user or "okdp-migrate"}
        if self.kerberos_service:
            kwargs.update(auth="KERBEROS", kerberos_service_name=self.kerberos_service)
        elif self.password:
            kwargs.update(auth="LDAP", password=self.password)
        else:
            kwargs.update(auth="NONE")
        try:
            self.conn = hive.connect(**kwargs)
        except Exception as exc:
            text = str(exc) or type(exc).__name__
            if "auth" in text.lower() or "sasl" in text.lower():
                raise AuthError(f"HiveServer2 refused the login ({text[:200]})", obj=f"{self.host}:{self.port}",
                                fix="check hiveserver2.user/password, or kinit for Kerberos") from None
            raise ServiceUnreachable(f"HiveServer2 did not answer ({text[:200]})", obj=f"{self.host}:{self.port}",
                                     fix="check hiveserver2.host/port (10000 binary; HTTP transport is not read "
                                         "by pyhive's binary client)") from None
        return self

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def __enter__(self) -> "HiveServer2":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def show_create_table(self, database: str, table: str) -> str:
        """The DDL as the server prints it (one row per line on Hive; one row on Spark)."""
        cur = self.conn.cursor()
        try:
            cur.execute(f"SHOW CREATE TABLE `{database}`.`{table}`")
            return "\n".join(str(r[0]) for r in cur.fetchall()).strip()
        except Exception as exc:
            raise BadInputError(f"SHOW CREATE TABLE failed ({str(exc).splitlines()[0][:200] if str(exc) else exc})",
                                obj=f"{database}.{table}") from None
        finally:
            cur.close()
