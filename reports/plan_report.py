"""Render a plan summary for people: one table per wave, one table of shards."""
from __future__ import annotations

from typing import Any

from .console import emit_table, emit_text


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def render(s: dict[str, Any]) -> None:
    emit_text(f"plan {s['plan'] or ''} -> {s['target']}: {s['files']} files, {human_bytes(s['bytes'])}, "
              f"{s['tables']} tables/views ({', '.join(f'{k} {v}' for k, v in s['strategies'].items()) or 'none'}), "
              f"{s['loose_files']} files outside tables")
    for w in s["waves"]:
        emit_table(["table", "strategy", "format", "files", "bytes", "target", "iceberg", "shards"],
                   [(t["table"], t["strategy"], t["format"], t["files"], human_bytes(t["bytes"]), t["target"],
                     t["iceberg"], ",".join(map(str, t["shards"]))) for t in w["tables"]],
                   title=f"wave {w['wave']}")
    emit_table(["shard", "files", "bytes"], [(r["shard"], r["files"], human_bytes(r["bytes"])) for r in s["shards"]],
               title="shards")
    for n in s["notes"]:
        emit_text(f"note: {n}")


def k8s_progress(status: dict[str, Any]) -> None:
    """One progress line per poll of a Kubernetes copy Job (stderr)."""
    import sys

    sys.stderr.write(f"job: {status['succeeded']} shards done, {status['active']} running, {status['failed']} failed"
                     f"{' (failed: ' + status['failed_indexes'] + ')' if status['failed_indexes'] else ''}\n")
    sys.stderr.flush()


def k8s_text(result: dict[str, Any]) -> str:
    if "files" in result:
        lines = [f"wrote {len(result['files'])} manifests for Job {result['namespace']}/{result['job']} "
                 f"({result['shards']} shards, parallelism {result['parallelism']}, image {result['image']}):"]
        lines += [f"  {f}" for f in result["files"]]
        if result.get("plan_url"):  # too big for the ConfigMap (or --plan-in-bucket): the pods fetch it
            lines.append(f"plan uploaded (CRC32C-verified) to {result['plan_url']}")
        if result.get("create_secret"):
            lines.append(f"create the Secret first: {result['create_secret']}")
        lines.append(f"then: {result['apply']}")
        if result.get("finalize"):  # tables spanning shards: the last pod commits them; this is the safety net
            lines.append(f"tables are committed by the last pod to finish; after rerunning a failed shard: "
                         f"{result['finalize']}")
        return "\n".join(lines)
    return (f"job {result['namespace']}/{result['job']}: {result.get('state', 'submitted')}"
            f"{', shards done ' + result['completed_indexes'] if result.get('completed_indexes') else ''}"
            f"{'; tables ' + result['tables'] if result.get('tables') else ''}")
