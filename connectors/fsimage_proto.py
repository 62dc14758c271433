"""The subset of Hadoop's fsimage.proto (and BlockProto of hdfs.proto) that a scan needs,
declared as data and turned into message classes at runtime (no protoc, no generated code).

Field numbers are facts of the on-disk format (Hadoop 2.4+ protobuf images, unchanged through 3.x).
Fields not declared here (ACLs, xattrs, caches, delegation tokens) are skipped by the parser.
"""
from __future__ import annotations

from functools import lru_cache

# message name -> [(field name, number, type, repeated)]; a type starting with "." is a message.
_MESSAGES: dict[str, list[tuple[str, int, str, bool]]] = {
    "FileSummary": [("ondiskVersion", 1, "uint32", False), ("layoutVersion", 2, "uint32", False),
                    ("codec", 3, "string", False), ("sections", 4, ".Section", True)],
    "Section": [("name", 1, "string", False), ("length", 2, "uint64", False), ("offset", 3, "uint64", False)],
    "NameSystemSection": [("namespaceId", 1, "uint32", False), ("transactionId", 6, "uint64", False)],
    "StringTableSection": [("numEntry", 1, "uint32", False), ("maskBits", 2, "uint32", False)],
    "StringEntry": [("id", 1, "uint32", False), ("str", 2, "string", False)],
    "INodeSection": [("lastInodeId", 1, "uint64", False), ("numInodes", 2, "uint64", False)],
    "BlockProto": [("blockId", 1, "uint64", False), ("genStamp", 2, "uint64", False), ("numBytes", 3, "uint64", False)],
    "INodeFile": [("replication", 1, "uint32", False), ("modificationTime", 2, "uint64", False),
                  ("accessTime", 3, "uint64", False), ("preferredBlockSize", 4, "uint64", False),
                  ("permission", 5, "fixed64", False), ("blocks", 6, ".BlockProto", True),
                  ("storagePolicyID", 10, "uint32", False), ("blockType", 11, "uint32", False),
                  ("erasureCodingPolicyID", 12, "uint32", False)],
    "INodeDirectory": [("modificationTime", 1, "uint64", False), ("nsQuota", 2, "uint64", False),
                       ("dsQuota", 3, "uint64", False), ("permission", 4, "fixed64", False)],
    "INodeSymlink": [("permission", 1, "fixed64", False), ("target", 2, "bytes", False),
                     ("modificationTime", 3, "uint64", False), ("accessTime", 4, "uint64", False)],
    "INode": [("type", 1, "uint32", False), ("id", 2, "uint64", False), ("name", 3, "bytes", False),
              ("file", 4, ".INodeFile", False), ("directory", 5, ".INodeDirectory", False),
              ("symlink", 6, ".INodeSymlink", False)],
    # children are packed in Hadoop 2.4+; upb also accepts the unpacked encoding for a packed field
    "DirEntry": [("parent", 1, "uint64", False), ("children", 2, "uint64", True), ("refChildren", 3, "uint32", True)],
    "INodeReference": [("referredId", 1, "uint64", False), ("name", 2, "bytes", False),
                       ("dstSnapshotId", 3, "uint32", False), ("lastSnapshotId", 4, "uint32", False)],
    "SnapshotSection": [("snapshotCounter", 1, "uint32", False), ("snapshottableDir", 2, "uint64", True),
                        ("numSnapshots", 3, "uint32", False)],
    "Snapshot": [("snapshotId", 1, "uint32", False), ("root", 2, ".INode", False)],
    "ErasureCodingSection": [("policies", 1, ".ErasureCodingPolicyProto", True)],
    "ErasureCodingPolicyProto": [("name", 1, "string", False), ("id", 3, "uint32", False)],
}

# INode.type values (fsimage.proto; REFERENCE only existed in pre-release images)
FILE, DIRECTORY, SYMLINK = 1, 2, 3


@lru_cache(maxsize=1)
def messages() -> dict[str, type]:
    """Build the message classes once; needs the `protobuf` package (its C/upb backend parses fast)."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError as exc:
        from ..errors import MissingDependency

        raise MissingDependency(f"parsing an fsimage needs the Python package 'protobuf' ({exc})", obj="protobuf",
                                fix="pip install 'protobuf>=4.21' (a dependency of okdp-migrate)") from exc

    fdp = descriptor_pb2.FileDescriptorProto(name="okdp_fsimage.proto", package="okdp.fsimage", syntax="proto2")
    F = descriptor_pb2.FieldDescriptorProto
    for msg_name, fields in _MESSAGES.items():
        msg = fdp.message_type.add(name=msg_name)
        for fname, number, ftype, repeated in fields:
            field = msg.field.add(name=fname, number=number,
                                  label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if ftype.startswith("."):
                field.type = F.TYPE_MESSAGE
                field.type_name = ".okdp.fsimage" + ftype
            else:
                field.type = getattr(F, "TYPE_" + ftype.upper())
                if repeated and ftype in ("uint64", "uint32"):
                    field.options.packed = True
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName("okdp.fsimage." + name))
            for name in _MESSAGES}
