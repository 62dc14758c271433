"""CRC32C on a byte stream, and the combine math that joins part CRCs into a full-object CRC.

S3's FULL_OBJECT CRC32C of a multipart object equals the CRC32C of all its bytes. A resumed
upload does not re-read the parts already sent, so their CRCs (kept in the journal) are combined
with the GF(2) "append len2 zero bytes" operator, as zlib's crc32_combine does for CRC-32.
"""
from __future__ import annotations

import base64
from functools import lru_cache
from typing import Iterable

import google_crc32c

POLY = 0x82F63B78  # CRC32C (Castagnoli), reflected


def extend(crc: int, data: bytes | memoryview) -> int:
    return google_crc32c.extend(crc, data)


def of(data: bytes | memoryview) -> int:
    return google_crc32c.value(bytes(data)) if isinstance(data, memoryview) else google_crc32c.value(data)


def _times(mat: tuple[int, ...], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _mult(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The operator 'apply b, then a'."""
    return tuple(_times(a, col) for col in b)


@lru_cache(maxsize=1)
def _one_zero_byte() -> tuple[int, ...]:
    one_bit = (POLY,) + tuple(1 << (n - 1) for n in range(1, 32))
    two = _mult(one_bit, one_bit)
    four = _mult(two, two)
    return _mult(four, four)


@lru_cache(maxsize=256)
def _zeros_operator(nbytes: int) -> tuple[int, ...]:
    """Operator that advances a CRC register over nbytes zero bytes (cached: parts share sizes)."""
    op = tuple(1 << n for n in range(32))  # identity
    sq = _one_zero_byte()
    while nbytes:
        if nbytes & 1:
            op = _mult(sq, op)
        nbytes >>= 1
        if nbytes:
            sq = _mult(sq, sq)
    return op


def combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC32C of A+B from crc(A), crc(B) and len(B)."""
    if len2 <= 0:
        return crc1
    return _times(_zeros_operator(len2), crc1) ^ crc2


def combine_parts(parts: Iterable[tuple[int, int]]) -> int:
    """Full CRC32C from (crc, size) pairs in order."""
    total = 0
    for crc, size in parts:
        total = combine(total, crc, size)
    return total


def to_b64(crc: int) -> str:
    """The form S3 uses in ChecksumCRC32C headers: base64 of the big-endian 4 bytes."""
    return base64.b64encode(crc.to_bytes(4, "big")).decode("ascii")


def from_b64(text: str) -> int:
    return int.from_bytes(base64.b64decode(text.split("-")[0]), "big")


def to_hex(crc: int) -> str:
    return f"{crc:08x}"
