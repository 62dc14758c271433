"""Read files from HDFS over the NameNode/DataNode RPC protocol with `hdfs-native` (Rust client).

Reading side only: stat, ranged streaming reads. The listing side is hdfs_rpc_walk.py.
hdfs-native has no getFileChecksum: the file checksum comes from WebHDFS (webhdfs.py).
"""
from __future__ import annotations

import os
import threading
from typing import Any, Iterator

from ..errors import AuthError, BadInputError, OkdpError, ServiceUnreachable, require


class HdfsRpc:
    """One hdfs-native client shared by threads (the Rust client is thread-safe)."""

    def __init__(self, namenode: str, *, user: str | None = None, config_dir: str | None = None,
                 kerberos_principal: str | None = None, kerberos_keytab: str | None = None):
        if not namenode:
            raise BadInputError("no NameNode RPC address configured", obj="hdfs.namenode_rpc",
                                fix="set hdfs.namenode_rpc (host:8020 or a nameservice)")
        self.url = namenode if "://" in namenode else f"hdfs://{namenode}"
        self.user, self.config_dir = user, config_dir
        self.kerberos = {"kerberos_principal": kerberos_principal, "kerberos_keytab": kerberos_keytab} \
            if kerberos_principal else {}
        self._client = None
        self._lock = threading.Lock()

    def client(self):
        with self._lock:
            if self._client is None:
                hdfs_native = require("hdfs_native", "hdfs", "HDFS RPC access")
                if self.user and not self.kerberos:
                    os.environ.setdefault("HADOOP_USER_NAME", self.user)  # simple auth, as the Hadoop client
                try:
                    self._client = hdfs_native.Client(self.url, config_dir=self.config_dir, **self.kerberos)
                except Exception as exc:  # noqa: BLE001
                    raise translate(exc, self.url) from None
            return self._client

    def stat(self, path: str) -> dict[str, Any]:
        """size, mtime (epoch ms), owner, group, permission (octal text), isdir."""
        try:
            st = self.client().get_file_info(path)
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, path) from None
        return {"size": st.length, "mtime": st.modification_time, "owner": st.owner, "group": st.group,
                "permission": f"{st.permission:o}", "isdir": st.isdir, "replication": st.replication,
                "blocksize": st.blocksize}

    def read_stream(self, path: str, offset: int, length: int) -> Iterator[bytes]:
        """Bytes [offset, offset+length) as chunks, streamed from the DataNodes."""
        try:
            reader = self.client().read(path)
            stream = reader.read_range_stream(offset, length)
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, path) from None
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001
                raise translate(exc, path) from None
            yield bytes(chunk) if not isinstance(chunk, bytes) else chunk


def translate(exc: BaseException, obj: str) -> OkdpError:
    if isinstance(exc, OkdpError):
        return exc
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, FileNotFoundError) or "FileNotFound" in text or "does not exist" in text:
        return BadInputError("no such file in HDFS", obj=obj, fix="rescan and re-plan, or remove it from the plan")
    if isinstance(exc, PermissionError) or "AccessControlException" in text or "Permission denied" in text:
        return AuthError("permission denied reading from HDFS", obj=obj,
                         fix="grant read access to the copy user (hdfs.user / the Kerberos principal)")
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)) or "onnect" in text:
        return ServiceUnreachable(f"HDFS RPC failed ({text[:200]})", obj=obj,
                                  fix="check hdfs.namenode_rpc and that the NameNode and DataNodes run")
    return ServiceUnreachable(f"HDFS RPC error ({text[:200]})", obj=obj, fix="see the NameNode log; rerun to resume")
