"""Read a Hive Metastore over its thrift API, in bulk, with fallbacks for old and new servers.

Tables come in batches (`get_table_objects_by_name_req`, else `get_table_objects_by_name`, else one
`get_table`/`get_table_req` each); partitions with one `get_partitions` per table, paged by name
(`get_partition_names` then `get_partitions_by_names`) for very large tables. Hive 4 dropped `get_table`; Hive 0.x-1.x lack
the `*_req` calls: each missing call is detected once (TApplicationException UNKNOWN_METHOD) and remembered.
The thrift stubs are the ones `hmsclient` ships (Hive 2.3 IDL); the C-accelerated binary protocol is used.
`inventory()` spreads the per-table calls over a few connections (bounded): the metastore serves each
connection on its own thread, so round trips and server-side work overlap instead of queueing.
"""
from __future__ import annotations

import socket
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlparse

from okdp_migrate.errors import AuthError, BadInputError, ServiceUnreachable, require
from okdp_migrate.model import Column, HivePartition, HiveTable

UNKNOWN_METHOD = 1  # TApplicationException.UNKNOWN_METHOD


class MetastoreThrift:
    def __init__(self, uri: str, *, timeout_s: float = 300.0, table_batch: int = 100, partition_batch: int = 5000,
                 single_call_max: int = 20000, page_size: int = 2000, kerberos_service: str | None = None):
        if not uri:
            raise BadInputError("no metastore URI configured", obj="metastore.uri",
                                fix="set metastore.uri (thrift://host:9083) or pass --no-metastore")
        first = uri.split(",")[0].strip()
        u = urlparse(first if "://" in first else f"thrift://{first}")
        self.uri, self.host, self.port = first, u.hostname or "localhost", u.port or 9083
        self.timeout_s, self.table_batch, self.partition_batch = timeout_s, table_batch, partition_batch
        self.single_call_max, self.page_size = min(single_call_max, 32766), page_size  # i16 max_parts
        self.kerberos_service = kerberos_service
        self.missing: set[str] = set()  # calls this server does not have
        self._client = None

    # --- connection ---------------------------------------------------------------------------
    def open(self) -> "MetastoreThrift":
        from hmsclient.genthrift.hive_metastore import ThriftHiveMetastore
        from thrift.protocol.TBinaryProtocol import TBinaryProtocolAccelerated
        from thrift.transport import TSocket, TTransport

        sock = TSocket.TSocket(self.host, self.port)
        sock.setTimeout(int(self.timeout_s * 1000))
        if self.kerberos_service:
            thrift_sasl = require("thrift_sasl", "kerberos", "Kerberos (SASL/GSSAPI) for the metastore")
            transport = thrift_sasl.TSaslClientTransport(
                lambda: _gssapi_client(self.host, self.kerberos_service), "GSSAPI", sock)
        else:
            transport = TTransport.TBufferedTransport(sock, rbuf_size=1 << 20)
        try:
            transport.open()
        except Exception as exc:
            raise ServiceUnreachable(f"metastore did not answer ({exc})", obj=self.uri,
                                     fix="check metastore.uri and that the thrift port is open") from None
        self._client = ThriftHiveMetastore.Client(TBinaryProtocolAccelerated(transport))
        self._transport = transport
        return self

    def close(self) -> None:
        if self._client is not None:
            self._transport.close()
            self._client = None

    def __enter__(self) -> "MetastoreThrift":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, name: str, *args, obj: str = ""):
        try:
            return getattr(self._client, name)(*args)
        except (socket.timeout, OSError, EOFError) as exc:
            raise ServiceUnreachable(f"metastore call {name} failed ({type(exc).__name__}: {exc})",
                                     obj=obj or self.uri, fix="check the metastore log and its load") from None
        except Exception as exc:
            cls = type(exc).__name__
            if cls == "TApplicationException" and getattr(exc, "type", None) == UNKNOWN_METHOD:
                self.missing.add(name)
                raise _Unknown(name) from None
            if cls == "NoSuchObjectException":
                raise BadInputError(f"not found ({getattr(exc, 'message', exc)})", obj=obj) from None
            if "TTransportException" in cls:
                raise ServiceUnreachable(f"metastore transport error in {name} ({exc})", obj=obj or self.uri,
                                         fix="check the metastore (SASL/Kerberos on the server? set it here)") from None
            if cls == "MetaException" and "permission" in str(getattr(exc, "message", "")).lower():
                raise AuthError(f"{name}: {exc.message}", obj=obj, fix="scan as a user the metastore allows") from None
            raise

    # --- transactions -------------------------------------------------------------------------
    def open_txns_info(self):
        """get_open_txns_info: the high-water mark and the transactions still open or aborted (a Hive 1/2 ACID
        reader skips their rows). Raises as thrift does where the metastore has no transaction tables."""
        return self._call("get_open_txns_info")

    # --- catalog ------------------------------------------------------------------------------
    def databases(self) -> list[str]:
        return sorted(self._call("get_all_databases"))

    def database(self, name: str) -> dict[str, Any]:
        d = self._call("get_database", name, obj=name)
        return {"name": d.name, "location": d.locationUri, "owner": d.ownerName or "",
                "parameters": dict(d.parameters or {})}

    def table_names(self, db: str) -> list[str]:
        return sorted(self._call("get_all_tables", db, obj=db))

    def tables(self, db: str, names: list[str] | None = None) -> Iterator[HiveTable]:
        """Table objects of one database in batches, with the best call this server has."""
        names = self.table_names(db) if names is None else names
        for i in range(0, len(names), self.table_batch):
            for t in self._table_batch(db, names[i:i + self.table_batch]):
                yield table_from_thrift(t)

    def _table_batch(self, db: str, names: list[str]) -> list:
        from hmsclient.genthrift.hive_metastore.ttypes import GetTablesRequest

        if "get_table_objects_by_name_req" not in self.missing:
            try:
                return self._call("get_table_objects_by_name_req", GetTablesRequest(dbName=db, tblNames=names),
                                  obj=db).tables or []
            except _Unknown:
                pass
        if "get_table_objects_by_name" not in self.missing:
            try:
                return self._call("get_table_objects_by_name", db, names, obj=db) or []
            except _Unknown:
                pass
        return [self.table(db, n, raw=True) for n in names]

    def table(self, db: str, name: str, raw: bool = False):
        """One table by one call (the table-by-table way other tools use; kept for fallbacks and benches)."""
        from hmsclient.genthrift.hive_metastore.ttypes import GetTableRequest

        t = None
        if "get_table" not in self.missing:
            try:
                t = self._call("get_table", db, name, obj=f"{db}.{name}")
            except _Unknown:
                pass
        if t is None:
            t = self._call("get_table_req", GetTableRequest(dbName=db, tblName=name), obj=f"{db}.{name}").table
        return t if raw else table_from_thrift(t)

    def partitions(self, db: str, table: str, keys: list[str]) -> Iterator[list[HivePartition]]:
        """Partitions of one table (keys: its partition column names), in batches of `partition_batch`.

        Up to `single_call_max` partitions come in one get_partitions call (the fastest on Hive 2/3 servers,
        whose get_partitions_by_names runs a slow filter query); bigger tables are paged by name so neither
        side holds a million partitions in one message."""
        first = self._partitions_capped(db, table, keys)
        if first is not None:
            yield from first
            return
        obj = f"{db}.{table}"
        names = self._call("get_partition_names", db, table, -1, obj=obj)
        for i in range(0, len(names), self.page_size):
            try:
                parts = self._call("get_partitions_by_names", db, table, names[i:i + self.page_size], obj=obj)
            except _Unknown:  # a trimmed server: everything in one call after all
                yield [partition_from_thrift(p, keys) for p in self._call("get_partitions", db, table, -1, obj=obj)]
                return
            yield [partition_from_thrift(p, keys) for p in parts]

    def _partitions_capped(self, db: str, table: str, keys: list[str]) -> list[list[HivePartition]] | None:
        """All partitions in one get_partitions call, in batches; None when the table has more than
        single_call_max (asking for one more than the cap tells, without a get_partition_names round trip)."""
        obj = f"{db}.{table}"
        unpaged = "get_partitions_by_names" in self.missing
        # max_parts is an i16 in the IDL: -1 (all) or at most 32767
        parts = self._call("get_partitions", db, table, -1 if unpaged else min(self.single_call_max + 1, 32767),
                           obj=obj)
        if not unpaged and len(parts) > self.single_call_max:
            return None
        return [[partition_from_thrift(p, keys) for p in parts[i:i + self.partition_batch]]
                for i in range(0, len(parts), self.partition_batch)]

    def clone(self) -> "MetastoreThrift":
        """A second, unopened connection with the same settings."""
        c = MetastoreThrift(self.uri, timeout_s=self.timeout_s, table_batch=self.table_batch,
                            partition_batch=self.partition_batch, single_call_max=self.single_call_max,
                            page_size=self.page_size, kerberos_service=self.kerberos_service)
        c.missing = self.missing  # one server: what one connection learns, all know
        return c

    def inventory(self, db: str, connections: int = 4) -> Iterator[tuple[HiveTable, Iterator[list[HivePartition]]]]:
        """(table, partition batches) for every table of db, in name order.

        Table batches and each table's partitions are fetched over `connections` connections at once
        (1: all on this one). Tables too big for one get_partitions call are paged on this connection
        when their turn comes, so memory stays bounded by a few tables' partitions."""
        names = self.table_names(db)
        chunks = [names[i:i + self.table_batch] for i in range(0, len(names), self.table_batch)]
        with ConnectionPool(self, connections) as pool:
            def fetch_tables(ms: "MetastoreThrift", chunk: list[str]) -> list[HiveTable]:
                return [table_from_thrift(t) for t in ms._table_batch(db, chunk)]

            def fetch_parts(ms: "MetastoreThrift", t: HiveTable):
                if not t.partition_keys:
                    return t, []
                return t, ms._partitions_capped(db, t.name, [c.name for c in t.partition_keys])

            tables = (t for chunk in pool.map(fetch_tables, chunks) for t in chunk)
            for t, batches in pool.map(fetch_parts, tables):
                if batches is None:
                    batches = self.partitions(db, t.name, [c.name for c in t.partition_keys])
                yield t, iter(batches)

    def partitions_one_by_one(self, db: str, table: str, keys: list[str]) -> list[HivePartition]:
        """One call per partition: the table-by-table baseline of the bench."""
        obj = f"{db}.{table}"
        return [partition_from_thrift(self._call("get_partition_by_name", db, table, n, obj=obj), keys)
                for n in self._call("get_partition_names", db, table, -1, obj=obj)]


class _Unknown(Exception):
    pass


class ConnectionPool:
    """`size` metastore connections used by as many threads; `map` keeps input order and a bounded window."""

    def __init__(self, first: MetastoreThrift, size: int):
        self.first, self.size = first, max(1, int(size))
        self._local = threading.local()
        self._opened: list[MetastoreThrift] = []
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> "ConnectionPool":
        if self.size > 1:
            self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="hms")
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for ms in self._opened:
            ms.close()

    def _conn(self) -> MetastoreThrift:
        ms = getattr(self._local, "ms", None)
        if ms is None:
            ms = self.first.clone().open()
            with self._lock:
                self._opened.append(ms)
            self._local.ms = ms
        return ms

    def map(self, fn: Callable[[MetastoreThrift, Any], Any], items: Iterable) -> Iterator:
        if self._pool is None:
            for item in items:
                yield fn(self.first, item)
            return
        window: deque = deque()
        for item in items:
            window.append(self._pool.submit(lambda x: fn(self._conn(), x), item))
            if len(window) >= 2 * self.size:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


# Hive's FileUtils.escapePathName: these characters become %XX in partition directory names.
_ESCAPED = set(chr(c) for c in range(0x01, 0x20)) | set('"#%\'*/:=?\\\x7f{[]^')


def partition_name(keys: list[str], values: list[str]) -> str:
    """dt=2024-01-01/country=fr, escaped as Hive escapes partition directory names."""
    def esc(v: str) -> str:
        return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in v)

    return "/".join(f"{esc(k)}={esc(v)}" for k, v in zip(keys, values))


def _gssapi_client(host: str, service: str):
    from puresasl.client import SASLClient

    return SASLClient(host, service=service, mechanism="GSSAPI")


def _cols(fields) -> list[Column]:
    return [Column(f.name, f.type, f.comment or None) for f in fields or []]


def table_from_thrift(t) -> HiveTable:
    sd = t.sd
    serde = sd.serdeInfo if sd else None
    skewed = bool(sd and sd.skewedInfo and sd.skewedInfo.skewedColNames)
    return HiveTable(
        database=t.dbName, name=t.tableName, table_type=t.tableType or "MANAGED_TABLE", owner=t.owner or "",
        location=(sd.location or None) if sd else None, input_format=sd.inputFormat if sd else None,
        output_format=sd.outputFormat if sd else None, serde=serde.serializationLib if serde else None,
        serde_params=dict(serde.parameters or {}) if serde else {}, columns=_cols(sd.cols if sd else []),
        partition_keys=_cols(t.partitionKeys), bucket_columns=list(sd.bucketCols or []) if sd else [],
        num_buckets=max(0, sd.numBuckets or 0) if sd else 0,
        sort_columns=[o.col for o in (sd.sortCols or [])] if sd else [], skewed=skewed,
        parameters=dict(t.parameters or {}), view_original_text=t.viewOriginalText or None,
        view_expanded_text=t.viewExpandedText or None, create_time=t.createTime or 0)


def partition_from_thrift(p, keys: list[str]) -> HivePartition:
    sd = p.sd
    values = list(p.values or [])
    return HivePartition(database=p.dbName, table=p.tableName, values=values, name=partition_name(keys, values), location=(sd.location or None) if sd else None,
                         input_format=sd.inputFormat if sd else None,
                         serde=sd.serdeInfo.serializationLib if sd and sd.serdeInfo else None,
                         parameters=dict(p.parameters or {}), create_time=p.createTime or 0)
