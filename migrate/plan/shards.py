"""Split files into N shards of balanced bytes and file counts (greedy bin packing, largest first).

A table's files stay together when the table is small enough (at most a shard's fair share), so most
tables are copied and committed by one worker; larger tables are split file by file.
"""
from __future__ import annotations

import heapq
from typing import Sequence


def pack(files: Sequence[tuple[int, str | None]], count: int) -> list[int]:
    """files: (size, table or None) in a stable order -> the shard index of each file.

    Deterministic: the same input gives the same assignment on every worker.
    """
    if count <= 1 or not files:
        return [0] * len(files)
    total_bytes = sum(s for s, _ in files) or 1
    total_files = len(files)
    fair_bytes, fair_files = total_bytes / count, total_files / count

    # Units: whole small tables, or single files (loose files and files of big tables).
    by_table: dict[str, list[int]] = {}
    for i, (_, table) in enumerate(files):
        if table is not None:
            by_table.setdefault(table, []).append(i)
    units: list[tuple[int, int, list[int]]] = []  # (bytes, files, indexes)
    grouped: set[int] = set()
    for idx in by_table.values():
        size = sum(files[i][0] for i in idx)
        if size <= fair_bytes and len(idx) <= fair_files:
            units.append((size, len(idx), idx))
            grouped.update(idx)
    units += [(files[i][0], 1, [i]) for i in range(len(files)) if i not in grouped]

    # Cost of a unit: its share of bytes plus its share of files, so both end up balanced.
    def cost(size: int, n: int) -> float:
        return size / total_bytes + n / total_files

    units.sort(key=lambda u: (-cost(u[0], u[1]), u[2][0]))
    heap = [(0.0, s) for s in range(count)]
    out = [0] * len(files)
    for size, n, idx in units:
        load, shard = heapq.heappop(heap)
        for i in idx:
            out[i] = shard
        heapq.heappush(heap, (load + cost(size, n), shard))
    return out
