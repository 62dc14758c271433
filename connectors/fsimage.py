"""Read an HDFS fsimage file offline (no NameNode): the protobuf image of Hadoop 2.4+ and 3.x.

Layout (fsimage.proto): MAGIC 'HDFSIMG1', sections, a FileSummary indexing them, and the summary's
length in the last 4 bytes. Each section is a run of varint-length-delimited messages, compressed
on its own when the summary names a codec.

Two passes over the INODE section, as Hadoop's own `oiv -p Delimited` does: the first keeps the
names of directories only, the second yields every inode with its full path. Memory holds one
parent id per inode (8 bytes) plus the directory names, never the whole namespace.
"""
from __future__ import annotations

import os
import struct
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import BadInputError
from ..model import HdfsEntry
from . import fsimage_proto as proto
from .hdfs_batches import COLUMNS, batch_from_columns, to_entries

MAGIC = b"HDFSIMG1"
ROOT_ID = 16385  # INodeId.ROOT_INODE_ID
CHUNK = 16 << 20
# BlockStoragePolicySuite ids and the built-in erasure coding policies (SystemErasureCodingPolicies)
STORAGE_POLICIES = {1: "PROVIDED", 2: "COLD", 5: "WARM", 7: "HOT", 10: "ONE_SSD", 12: "ALL_SSD", 15: "LAZY_PERSIST"}
EC_POLICIES = {1: "RS-6-3-1024k", 2: "RS-3-2-1024k", 3: "RS-LEGACY-6-3-1024k", 4: "XOR-2-1-1024k", 5: "RS-10-4-1024k"}
_KINDS = {proto.FILE: "file", proto.DIRECTORY: "dir", proto.SYMLINK: "symlink"}
_FIX = "take a fresh image (hdfs dfsadmin -fetchImage DIR) and pass it again"


@dataclass
class FsImageInfo:
    """What the image says about itself, filled as the parse goes (snapshots, quotas, skipped inodes)."""

    path: str
    ondisk_version: int = 0
    layout_version: int = 0
    codec: str | None = None
    transaction_id: int = 0
    namespace_id: int = 0
    num_inodes: int = 0
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (offset, length)
    snapshottable_dirs: list[str] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)  # {"dir", "name", "id"}
    quotas: list[dict] = field(default_factory=list)  # {"path", "ns_quota", "ds_quota"}
    snapshot_only_inodes: int = 0  # deleted from the tree, kept alive by a snapshot (oiv skips them too)


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _varint(buf, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


class FsImage:
    """An fsimage file. `batches()` yields pyarrow RecordBatches (COLUMNS); `entries()` HdfsEntry rows."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._msgs = proto.messages()
        self.info = FsImageInfo(str(self.path))
        self._read_summary()
        self._users: dict[int, str] = {}
        self._groups: dict[int, str] = {}

    # ---- the frame ---------------------------------------------------------------------------------
    def _bad(self, what: str) -> BadInputError:
        return BadInputError(what, obj=str(self.path), fix=_FIX)

    def _read_summary(self) -> None:
        try:
            size = self.path.stat().st_size
            with open(self.path, "rb") as f:
                magic = f.read(len(MAGIC))
                if magic != MAGIC:
                    raise BadInputError("not an HDFS protobuf fsimage (no HDFSIMG1 magic; images older than Hadoop 2.4 "
                                        "are not supported)", obj=str(self.path),
                                        fix="pass a file from the NameNode's current/ directory (fsimage_<txid>)")
                if size < len(MAGIC) + 4:
                    raise self._bad("truncated fsimage (no file summary)")
                f.seek(size - 4)
                (length,) = struct.unpack(">i", f.read(4))
                if length <= 0 or length > size - len(MAGIC) - 4:
                    raise self._bad(f"truncated or corrupt fsimage (file summary length {length} in a {size}-byte file)")
                f.seek(size - 4 - length)
                raw = f.read(length)
        except FileNotFoundError:
            raise BadInputError("file not found", obj=str(self.path), fix="check the --fsimage path") from None
        except IsADirectoryError:
            raise BadInputError("is a directory, not an fsimage file", obj=str(self.path),
                                fix="pass the fsimage_<txid> file itself") from None
        summary_at = size - 4 - length
        try:
            n, pos = _varint(raw, 0)
            summary = self._msgs["FileSummary"].FromString(raw[pos:pos + n])
            if pos + n != len(raw):
                raise ValueError("summary length mismatch")
        except Exception:  # noqa: BLE001 - any decode failure of the trailer means a cut or foreign file
            raise self._bad("truncated or corrupt fsimage (unreadable file summary)") from None
        self.info.ondisk_version, self.info.layout_version = summary.ondiskVersion, summary.layoutVersion
        self.info.codec = summary.codec or None
        for s in summary.sections:
            if s.offset + s.length > summary_at or s.offset < len(MAGIC):
                raise self._bad(f"truncated or corrupt fsimage (section {s.name} lies outside the file)")
            self.info.sections.setdefault(s.name, (s.offset, s.length))
        if "INODE" not in self.info.sections:
            raise self._bad("fsimage without an INODE section")
        if self.info.codec and self._decompressor() is None:
            raise BadInputError(f"compressed with {self.info.codec}, which this reader cannot decompress "
                                "(gzip and deflate are supported)", obj=str(self.path),
                                fix="save the image uncompressed (dfs.image.compress=false) or use "
                                    "'hdfs oiv -p Delimited' and scan --oiv-delimited")

    def _decompressor(self):
        codec = (self.info.codec or "").rsplit(".", 1)[-1]
        return {"GzipCodec": lambda: zlib.decompressobj(31), "DefaultCodec": lambda: zlib.decompressobj(15),
                "DeflateCodec": lambda: zlib.decompressobj(15)}.get(codec)

    def _chunks(self, name: str) -> Iterator[bytes]:
        offset, length = self.info.sections[name]
        make = self._decompressor() if self.info.codec else None
        d = make() if make else None
        with open(self.path, "rb") as f:
            f.seek(offset)
            left = length
            while left > 0:
                raw = f.read(min(CHUNK, left))
                if not raw:
                    raise self._bad(f"truncated fsimage (section {name} ends early)")
                left -= len(raw)
                if d is None:
                    yield raw
                    continue
                while raw:  # a section may hold several gzip members
                    yield d.decompress(raw)
                    raw = d.unused_data
                    if raw:
                        d = make()
            if d is not None:
                yield d.flush()

    def _messages(self, name: str) -> Iterator[memoryview]:
        """The delimited messages of one section, read in bounded chunks."""
        if name not in self.info.sections:
            return
        buf = b""
        for chunk in self._chunks(name):
            buf = buf + chunk if buf else chunk
            mv, n, pos = memoryview(buf), len(buf), 0
            while pos < n:
                b = buf[pos]
                if b < 0x80:
                    size, start = b, pos + 1
                else:
                    try:
                        size, start = _varint(buf, pos)
                    except IndexError:
                        break
                end = start + size
                if end > n:
                    break
                yield mv[start:end]
                pos = end
            buf = buf[pos:]
        if buf:
            raise self._bad(f"truncated or corrupt fsimage (section {name} ends inside a record)")

    def _parse(self, cls: str, raw) -> object:
        try:
            return self._msgs[cls].FromString(raw)
        except Exception as exc:  # google.protobuf.message.DecodeError
            raise self._bad(f"corrupt fsimage record ({cls}: {exc})") from None

    # ---- the sections ------------------------------------------------------------------------------
    def _load_strings(self) -> None:
        """User and group names. Hadoop 3.2+ (maskBits > 0) tags each id with its table in the top bits:
        SerialNumberManager USER = 1, GROUP = 2; older images share one table."""
        it = self._messages("STRING_TABLE")
        header = next(it, None)
        mask_bits = self._parse("StringTableSection", header).maskBits if header is not None else 0
        entry = self._msgs["StringEntry"]
        entries = [(e.id, e.str) for e in map(entry.FromString, it)]
        if not mask_bits:
            self._users = self._groups = dict(entries)
            return
        shift = 32 - mask_bits
        low = (1 << shift) - 1
        self._users = {i & low: s for i, s in entries if i >> shift == 1}
        self._groups = {i & low: s for i, s in entries if i >> shift == 2}

    def _load_ns_info(self) -> None:
        for raw in self._messages("NS_INFO"):
            ns = self._parse("NameSystemSection", raw)
            self.info.transaction_id, self.info.namespace_id = ns.transactionId, ns.namespaceId
            break

    def _load_tree(self, last_id: int):
        """parent id per inode id (0: not in the tree), from INODE_DIR (+ INODE_REFERENCE)."""
        parents = array("q", bytes(8 * max(last_id - ROOT_ID + 1, 1)))
        extra: dict[int, int] = {}  # ids outside [ROOT_ID, last_id], never seen in practice
        refs = [self._parse("INodeReference", r).referredId for r in self._messages("INODE_REFERENCE")]
        dir_entry = self._msgs["DirEntry"]
        top = len(parents)
        for raw in self._messages("INODE_DIR"):
            e = dir_entry.FromString(raw)
            parent = e.parent
            for c in e.children:
                i = c - ROOT_ID
                if 0 <= i < top:
                    parents[i] = parent
                else:
                    extra[c] = parent
            for r in e.refChildren:
                if r < len(refs):
                    c = refs[r]
                    if 0 <= c - ROOT_ID < top:
                        parents[c - ROOT_ID] = parent
                    else:
                        extra[c] = parent
        return parents, extra

    def _inode_header(self):
        it = self._messages("INODE")
        header = next(it, None)
        if header is None:
            raise self._bad("empty INODE section")
        return self._parse("INodeSection", header), it

    def _dir_names(self) -> dict[int, str]:
        """Pass 1: names of directories only (a directory record starts with bytes 08 02)."""
        names: dict[int, str] = {}
        inode = self._msgs["INode"]
        _, it = self._inode_header()
        for raw in it:
            if raw[1] == proto.DIRECTORY and raw[0] == 0x08:
                n = inode.FromString(raw)
                names[n.id] = n.name.decode("utf-8", "replace")
        return names

    def _load_ec_names(self) -> dict[int, str]:
        names = dict(EC_POLICIES)
        for raw in self._messages("ERASURE_CODING"):
            for p in self._parse("ErasureCodingSection", raw).policies:
                names[p.id] = p.name
        return names

    # ---- the walk ----------------------------------------------------------------------------------
    def batches(self, batch_size: int = 65536) -> Iterator["object"]:
        """pyarrow RecordBatches of COLUMNS, in image order; fills self.info (snapshots, quotas) as it goes."""
        self._load_ns_info()
        self._load_strings()
        header, _ = self._inode_header()
        self.info.num_inodes = header.numInodes
        last_id = max(header.lastInodeId, ROOT_ID)
        parents, extra = self._load_tree(last_id)
        names = self._dir_names()
        dir_paths: dict[int, str] = {ROOT_ID: ""}  # internal form: root is "", children "/a", "/a/b"

        def dir_path(i: int) -> str | None:
            chain = []
            while i not in dir_paths:
                chain.append(i)
                k = i - ROOT_ID
                p = parents[k] if 0 <= k < len(parents) else extra.get(i, 0)
                if not p or i not in names:
                    return None
                i = p
            base = dir_paths[i]
            for j in reversed(chain):
                base = f"{base}/{names[j]}"
                dir_paths[j] = base
            return base

        users, groups, ec_names = self._users, self._groups, self._load_ec_names()
        perm_cache: dict[int, tuple[str, str, str]] = {}

        def perm(p: int) -> tuple[str, str, str]:
            r = perm_cache.get(p)
            if r is None:
                r = (users.get((p >> 40) & 0xFFFFFF, ""), groups.get((p >> 16) & 0xFFFFFF, ""),
                     format(p & 0o1777, "o"))
                perm_cache[p] = r
            return r

        cols: dict[str, list] = {c: [] for c in COLUMNS}
        (path_c, kind_c, size_c, repl_c, mtime_c, atime_c, bs_c, owner_c, group_c, perm_c, sp_c, ec_c, blocks_c,
         nsq_c, dsq_c) = (cols[c] for c in COLUMNS)
        inode_cls, top = self._msgs["INode"], len(parents)
        _, it = self._inode_header()
        count = 0
        for raw in it:
            try:
                n = inode_cls.FromString(raw)
            except Exception as exc:  # noqa: BLE001
                raise self._bad(f"corrupt fsimage record (INode: {exc})") from None
            iid, t = n.id, n.type
            if iid == ROOT_ID:
                path = "/"
            else:
                k = iid - ROOT_ID
                parent = parents[k] if 0 <= k < top else extra.get(iid, 0)
                base = dir_path(parent) if parent else None
                if base is None:
                    self.info.snapshot_only_inodes += 1
                    continue
                path = f"{base}/{n.name.decode('utf-8', 'replace')}"
            if t == proto.FILE:
                f = n.file
                owner, group, mode = perm(f.permission)
                blocks = f.blocks
                size_c.append(sum(b.numBytes for b in blocks))
                blocks_c.append(len(blocks))
                repl_c.append(f.replication)
                mtime_c.append(f.modificationTime)
                atime_c.append(f.accessTime)
                bs_c.append(f.preferredBlockSize)
                sp_c.append(STORAGE_POLICIES.get(f.storagePolicyID) if f.storagePolicyID else None)
                ec_c.append(ec_names.get(f.erasureCodingPolicyID, str(f.erasureCodingPolicyID))
                            if f.blockType == 1 else None)
                nsq_c.append(0)
                dsq_c.append(0)
                kind_c.append("file")
            else:
                if t == proto.DIRECTORY:
                    d = n.directory
                    owner, group, mode = perm(d.permission)
                    mtime, atime = d.modificationTime, 0
                    nsq, dsq = _signed(d.nsQuota), _signed(d.dsQuota)
                    if (nsq >= 0 and nsq != (1 << 63) - 1) or dsq >= 0:
                        self.info.quotas.append({"path": path, "ns_quota": nsq, "ds_quota": dsq})
                elif t == proto.SYMLINK:
                    s = n.symlink
                    owner, group, mode = perm(s.permission)
                    mtime, atime, nsq, dsq = s.modificationTime, s.accessTime, 0, 0
                else:
                    continue  # pre-release REFERENCE inodes: never written by a released Hadoop
                for c, v in ((size_c, 0), (blocks_c, 0), (repl_c, 0), (bs_c, 0), (sp_c, None), (ec_c, None)):
                    c.append(v)
                mtime_c.append(mtime)
                atime_c.append(atime)
                nsq_c.append(nsq)
                dsq_c.append(dsq)
                kind_c.append(_KINDS[t])
            path_c.append(path)
            owner_c.append(owner)
            group_c.append(group)
            perm_c.append(mode)
            count += 1
            if count == batch_size:
                yield batch_from_columns(cols)
                for c in cols.values():
                    c.clear()
                count = 0
        if count:
            yield batch_from_columns(cols)
        self._load_snapshots(dir_path)

    def entries(self, batch_size: int = 65536) -> Iterator[list[HdfsEntry]]:
        """Lists of HdfsEntry (the shared inventory model), batch by batch."""
        return to_entries(self.batches(batch_size))

    def _load_snapshots(self, dir_path) -> None:
        it = self._messages("SNAPSHOT")
        header = next(it, None)
        if header is None:
            return
        section = self._parse("SnapshotSection", header)
        self.info.snapshottable_dirs = [_public(dir_path(i)) for i in section.snapshottableDir]
        for raw in it:
            s = self._parse("Snapshot", raw)
            self.info.snapshots.append({"dir": _public(dir_path(s.root.id)), "name": s.root.name.decode("utf-8", "replace"),
                                        "id": s.snapshotId})


def _public(p: str | None) -> str | None:
    return "/" if p == "" else p


def read_fsimage(path: str | os.PathLike, batch_size: int = 65536) -> Iterator[list[HdfsEntry]]:
    """Convenience: the HdfsEntry batches of one image."""
    return FsImage(path).entries(batch_size)
