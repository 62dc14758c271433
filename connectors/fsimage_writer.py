"""Write a synthetic HDFS fsimage (protobuf layout of Hadoop 2.4+): for tests and benchmarks only.

It lets a test cover what the real sample images lack (symlinks, quotas, snapshots, gzip) and a
benchmark build a namespace of millions of inodes in seconds. Hadoop's own `oiv` reads the result,
which is how the benchmark checks the writer against the format.
"""
from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass, field
from pathlib import Path

from . import fsimage_proto as proto
from .fsimage import MAGIC, ROOT_ID

LAYOUT_VERSION = (1 << 32) - 63  # -63, as Hadoop 2.7 writes it (uint32 in the summary)


@dataclass
class Node:
    name: str
    kind: str = "file"  # file | dir | symlink
    size: int = 0
    replication: int = 3
    mtime: int = 1_700_000_000_000
    atime: int = 1_700_000_000_000
    owner: str = "hdfs"
    group: str = "hadoop"
    mode: int = 0o644
    block_size: int = 128 << 20
    target: str = ""
    ns_quota: int = -1
    ds_quota: int = -1
    children: list["Node"] = field(default_factory=list)


def _delimited(msg) -> bytes:
    body = msg.SerializeToString()
    n, head = len(body), bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        head.append(b | (0x80 if n else 0))
        if not n:
            return bytes(head) + body


def write_fsimage(path: str | Path, root: Node, snapshots: dict[str, list[str]] | None = None,
                  compress: bool = False) -> int:
    """Write `root` (a Node tree) as an fsimage; returns the number of inodes. `snapshots` maps a
    directory path to snapshot names (the directory becomes snapshottable)."""
    m = proto.messages()
    strings: dict[str, int] = {}

    def sid(s: str) -> int:
        return strings.setdefault(s, len(strings) + 1)

    inodes, dirs = bytearray(), bytearray()
    ids: dict[str, int] = {}
    counter = [ROOT_ID]

    def emit(node: Node, path: str, my_id: int) -> None:
        n = m["INode"](id=my_id, name=b"" if my_id == ROOT_ID else node.name.encode())
        perm = (sid(node.owner) << 40) | (sid(node.group) << 16) | node.mode
        if node.kind == "dir":
            n.type = proto.DIRECTORY
            n.directory.modificationTime = node.mtime
            n.directory.nsQuota = node.ns_quota & ((1 << 64) - 1)
            n.directory.dsQuota = node.ds_quota & ((1 << 64) - 1)
            n.directory.permission = perm
        elif node.kind == "symlink":
            n.type = proto.SYMLINK
            n.symlink.permission, n.symlink.target = perm, node.target.encode()
            n.symlink.modificationTime, n.symlink.accessTime = node.mtime, node.atime
        else:
            n.type = proto.FILE
            f = n.file
            f.replication, f.modificationTime, f.accessTime = node.replication, node.mtime, node.atime
            f.preferredBlockSize, f.permission = node.block_size, perm
            left = node.size
            while left > 0:
                f.blocks.add(blockId=1 << 30 | my_id, genStamp=1001, numBytes=min(left, node.block_size))
                left -= node.block_size
        inodes.extend(_delimited(n))
        ids[path] = my_id
        if node.kind == "dir" and node.children:
            child_ids = []
            for child in node.children:
                counter[0] += 1
                child_ids.append(counter[0])
                emit(child, f"{path.rstrip('/')}/{child.name}", counter[0])
            dirs.extend(_delimited(m["DirEntry"](parent=my_id, children=child_ids)))

    emit(root, "/", ROOT_ID)
    header = m["INodeSection"](lastInodeId=counter[0], numInodes=counter[0] - ROOT_ID + 1)
    sections = [("NS_INFO", _delimited(m["NameSystemSection"](namespaceId=4242, transactionId=7))),
                ("INODE", _delimited(header) + bytes(inodes)), ("INODE_DIR", bytes(dirs))]
    if snapshots:
        snap = _delimited(m["SnapshotSection"](snapshotCounter=99, snapshottableDir=[ids[d] for d in snapshots],
                                               numSnapshots=sum(map(len, snapshots.values()))))
        sn = 0
        for d, names in snapshots.items():
            for name in names:
                sn += 1
                s = m["Snapshot"](snapshotId=sn)
                s.root.type, s.root.id, s.root.name = proto.DIRECTORY, ids[d], name.encode()
                snap += _delimited(s)
        sections.append(("SNAPSHOT", snap))
    table = _delimited(m["StringTableSection"](numEntry=len(strings)))
    table += b"".join(_delimited(m["StringEntry"](id=i, str=s)) for s, i in strings.items())
    sections.append(("STRING_TABLE", table))
    summary = m["FileSummary"](ondiskVersion=1, layoutVersion=LAYOUT_VERSION)
    if compress:
        summary.codec = "org.apache.hadoop.io.compress.GzipCodec"
    with open(path, "wb") as out:
        out.write(MAGIC)
        offset = len(MAGIC)
        for name, data in sections:
            data = gzip.compress(data, 1) if compress else data
            out.write(data)
            summary.sections.add(name=name, offset=offset, length=len(data))
            offset += len(data)
        body = _delimited(summary)
        out.write(body)
        out.write(struct.pack(">i", len(body)))
    return counter[0] - ROOT_ID + 1
