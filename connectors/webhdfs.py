"""Read files from HDFS over WebHDFS with the `hdfs` package (HdfsCLI): stat, ranged OPEN, file checksum.

Reading side only; the listing side is webhdfs_walk.py. GETFILECHECKSUM returns the cluster's
algorithm: MD5-of-MD5-of-CRC32C on Hadoop 2.x (not comparable with a whole-file CRC32C) and
COMPOSITE-CRC32C on Hadoop 3.1+ when dfs.checksum.combine.mode=COMPOSITE_CRC (equal to the
CRC32C of the whole file, whatever the block size).
"""
from __future__ import annotations

import threading
from typing import Any, Iterator

from ..errors import AuthError, BadInputError, OkdpError, ServiceUnreachable, require

CHUNK = 1 << 20


class WebHdfs:
    def __init__(self, url: str, *, user: str | None = None, ca_bundle: str | None = None,
                 kerberos: bool = False, timeout: float = 60):
        if not url:
            raise BadInputError("no WebHDFS URL configured", obj="hdfs.webhdfs_url",
                                fix="set hdfs.webhdfs_url, e.g. http://namenode:9870")
        self.url, self.user, self.ca_bundle, self.kerberos, self.timeout = url, user, ca_bundle, kerberos, timeout
        self._local = threading.local()  # requests sessions are not shared across threads

    def client(self):
        c = getattr(self._local, "client", None)
        if c is None:
            hdfs = require("hdfs", "hdfs", "WebHDFS access")
            import requests

            session = requests.Session()
            if self.ca_bundle:
                session.verify = self.ca_bundle
            if self.kerberos:
                ext = require("hdfs.ext.kerberos", "hdfs", "Kerberos (SPNEGO) WebHDFS access")
                c = ext.KerberosClient(self.url, session=session, timeout=self.timeout)
            else:
                c = hdfs.InsecureClient(self.url, user=self.user, session=session, timeout=self.timeout)
            self._local.client = c
        return c

    def stat(self, path: str) -> dict[str, Any]:
        try:
            st = self.client().status(path)
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, path) from None
        return {"size": st["length"], "mtime": st["modificationTime"], "owner": st.get("owner"),
                "group": st.get("group"), "permission": st.get("permission"), "isdir": st["type"] == "DIRECTORY",
                "replication": st.get("replication"), "blocksize": st.get("blockSize")}

    def read_stream(self, path: str, offset: int, length: int) -> Iterator[bytes]:
        try:
            with self.client().read(path, offset=offset, length=length, chunk_size=CHUNK) as chunks:
                for chunk in chunks:
                    yield chunk
        except OkdpError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, path) from None

    def file_checksum(self, path: str) -> dict[str, Any] | None:
        """{'algorithm': 'COMPOSITE-CRC32C'|'MD5-of-0MD5-of-512CRC32C'|..., 'bytes': hex, 'length': n}."""
        try:
            return self.client().checksum(path)
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, path) from None


def translate(exc: BaseException, obj: str) -> OkdpError:
    if isinstance(exc, OkdpError):
        return exc
    kind = getattr(exc, "exception", None) or ""
    text = f"{type(exc).__name__}: {exc}"
    if kind == "FileNotFoundException" or "does not exist" in text or "File not found" in text:
        return BadInputError("no such file in HDFS", obj=obj, fix="rescan and re-plan, or remove it from the plan")
    if kind in ("AccessControlException", "SecurityException") or "Permission denied" in text:
        return AuthError("permission denied reading from HDFS", obj=obj,
                         fix="grant read access to the copy user (hdfs.user / Kerberos principal)")
    return ServiceUnreachable(f"WebHDFS failed ({text[:200]})", obj=obj,
                              fix="check hdfs.webhdfs_url and that the NameNode and DataNodes run")
