"""The one small interface the copy algorithm reads through (rclone's Fs, reduced to what copy needs).

A Source stats a file, streams a byte range, and optionally offers a file checksum comparable with a
whole-file CRC32C. Backends: HDFS RPC (hdfs-native), WebHDFS, and the local disk (tests, the S3
ingest-ceiling bench). Bandwidth limits and progress wrap the stream in the mover, never here.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Iterator, Protocol

from ..errors import AuthError, BadInputError, ConfigError

COMPOSITE_CRC32C = "COMPOSITE-CRC32C"


@dataclass(frozen=True)
class SourceStat:
    size: int
    mtime: int  # epoch milliseconds
    owner: str | None = None
    group: str | None = None
    permission: str | None = None  # octal text, e.g. "644"


@dataclass(frozen=True)
class SourceChecksum:
    algorithm: str
    crc32c: int | None  # set only when the algorithm is comparable with a whole-file CRC32C


class Source(Protocol):
    name: str

    def stat(self, path: str) -> SourceStat: ...

    def read(self, path: str, offset: int, length: int) -> Iterator[bytes]: ...

    def checksum(self, path: str) -> SourceChecksum | None: ...


class HdfsSource:
    """Reads over RPC when configured (fast), else WebHDFS; checksums always over WebHDFS."""

    def __init__(self, reader, checksummer=None):
        self.reader, self.checksummer = reader, checksummer
        self.name = "hdfs-rpc" if type(reader).__name__ == "HdfsRpc" else "webhdfs"
        self.checksum_note: str | None = None if checksummer else "no WebHDFS URL: source checksums not read"
        self._probe_lock = threading.Lock()
        self._checksum_usable: bool | None = None if checksummer else False

    def stat(self, path: str) -> SourceStat:
        st = self.reader.stat(path)
        if st.get("isdir"):
            raise BadInputError("is a directory, not a file", obj=path, fix="list files, not directories, in the plan")
        return SourceStat(st["size"], st["mtime"], st.get("owner"), st.get("group"), st.get("permission"))

    def read(self, path: str, offset: int, length: int) -> Iterator[bytes]:
        return self.reader.read_stream(path, offset, length)

    def checksum(self, path: str) -> SourceChecksum | None:
        """COMPOSITE-CRC32C where the cluster offers it; after one non-comparable answer, stop asking."""
        if self._checksum_usable is False:
            return None
        if self._checksum_usable is None:  # the first answer decides: the other workers wait for it instead
            with self._probe_lock:         # of all asking the DataNodes for an MD5 they cannot use
                if self._checksum_usable is None:
                    return self._ask(path)
            if self._checksum_usable is False:
                return None
        return self._ask(path)

    def _ask(self, path: str) -> SourceChecksum | None:
        res = self.checksummer.file_checksum(path)
        algo = (res or {}).get("algorithm", "")
        if algo.upper() == COMPOSITE_CRC32C:
            self._checksum_usable = True
            return SourceChecksum(algo, int(res["bytes"][:8], 16))
        if self._checksum_usable is None:
            self._checksum_usable = False
            self.checksum_note = (f"the cluster's file checksum is {algo or 'unavailable'}, not COMPOSITE-CRC32C "
                                  "(Hadoop < 3.1 or dfs.checksum.combine.mode=MD5MD5CRC): end-to-end check "
                                  "is the CRC32C computed on the bytes read, confirmed by S3")
        return None


class LocalSource:
    """Local files (tests; the S3 ingest-ceiling bench). mtime in epoch ms like HDFS."""

    name = "local"
    checksum_note = "local files: no source checksum"

    def __init__(self, chunk: int = 1 << 20):
        self.chunk = chunk

    def stat(self, path: str) -> SourceStat:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise BadInputError("no such file", obj=path, fix="rescan and re-plan") from None
        except PermissionError:
            raise AuthError("permission denied", obj=path, fix="grant read access") from None
        return SourceStat(st.st_size, int(st.st_mtime * 1000), str(st.st_uid), str(st.st_gid),
                          f"{st.st_mode & 0o7777:o}")

    def read(self, path: str, offset: int, length: int) -> Iterator[bytes]:
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise BadInputError("no such file", obj=path, fix="rescan and re-plan") from None
        except PermissionError:
            raise AuthError("permission denied", obj=path, fix="grant read access") from None
        with f:
            f.seek(offset)
            left = length
            while left > 0:
                data = f.read(min(self.chunk, left))
                if not data:
                    return
                left -= len(data)
                yield data

    def checksum(self, path: str) -> SourceChecksum | None:
        return None


def source_from_config(config) -> Source:
    """HDFS RPC when hdfs.namenode_rpc is set, else WebHDFS; 'local' with neither (paths on this disk)."""
    from ..connectors.hdfs_rpc import HdfsRpc
    from ..connectors.webhdfs import WebHdfs

    rpc, web = config.get("hdfs.namenode_rpc"), config.get("hdfs.webhdfs_url")
    user = config.get("hdfs.user")
    webhdfs = WebHdfs(web, user=user, ca_bundle=config.get("hdfs.ca_bundle"),
                      kerberos=bool(config.get("hdfs.kerberos"))) if web else None
    if rpc:
        return HdfsSource(HdfsRpc(rpc, user=user, config_dir=config.get("cluster.config_dir")), webhdfs)
    if webhdfs:
        return HdfsSource(webhdfs, webhdfs)
    raise ConfigError("no HDFS source configured", obj="hdfs.namenode_rpc",
                        fix="set hdfs.namenode_rpc or hdfs.webhdfs_url (e.g. `okdp-migrate sandbox env --json`)")
