"""The scan assessment as Markdown, self-contained HTML and JSON, plus the scan's progress display.

All three are rendered from the same rows (`report_data`), so they never disagree.
"""
from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any

from .scan_templates import HTML_PAGE

TOP = 50  # rows shown in Markdown/HTML per long list; JSON has them all


def human(n: float | int | None) -> str:
    if n is None:
        return "-"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if 0 < seconds < 1:
        return "< 1 s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def report_data(summary: dict[str, Any], sources: dict[str, Any], res, tables) -> dict[str, Any]:
    usage = {f"{u['database']}.{u['table']}": u for u in res.table_usage}
    rows = []
    for v in res.verdicts:
        u = usage.get(v.obj, {})
        rows.append({"table": v.obj, "kind": v.kind, "verdict": v.verdict, "reasons": v.reasons,
                     "format": v.details.get("format"), "table_type": v.details.get("table_type"),
                     "owner": v.details.get("owner"), "location": v.details.get("location"),
                     "partitions": u.get("partitions", 0), "files": u.get("files", 0), "bytes": u.get("bytes", 0),
                     "physical_bytes": u.get("physical_bytes", 0), "small_files": u.get("small_files", 0),
                     "view_text": v.details.get("view_text")})
    orphans = sorted(res.orphans, key=lambda o: -o.get("bytes", 0))
    return {"summary": summary, "sources": sources, "tables": rows, "dangling": res.dangling, "orphans": orphans,
            "estimates": res.estimates, "warehouse": res.warehouse}


def markdown(d: dict[str, Any]) -> str:
    s, e = d["summary"], d["estimates"]
    h, m = s["hdfs"], s["metastore"]
    lines = ["# okdp-migrate scan report", "",
             f"HDFS: {h['files']:,} files, {h['directories']:,} directories, {human(h['bytes'])} logical, "
             f"{human(h.get('physical_bytes'))} physical (reader: {h.get('reader') or '-'})  ",
             f"Metastore: {m['databases']} databases, {m['tables']} tables, {m['views']} views, "
             f"{m['partitions']:,} partitions (via {m.get('method') or '-'})  ",
             f"Oozie: {s['oozie']['workflows']} workflows, {s['oozie']['coordinators']} coordinators; "
             f"Ranger: {s['ranger']['policies']} policies", "", "## Sources", "",
             "| source | status | seconds | detail |", "|---|---|---|---|"]
    for name, v in d["sources"].items():
        detail = v.get("error") or v.get("reason") or ", ".join(f"{k}={x}" for k, x in (v.get("summary") or {}).items()
                                                               if not isinstance(x, (list, dict)))
        lines.append(f"| {name} | {v['status']}{' (resumed)' if v.get('resumed') else ''} | "
                     f"{v.get('seconds') if v.get('seconds') is not None else '-'} | {_md(detail)} |")
    if s["not_scanned"]:
        lines += ["", f"**Not scanned:** {', '.join(s['not_scanned'])} (see the errors above; the figures below "
                  "leave them out)"]
    lines += ["", "## Verdicts", "", "| verdict | tables | objects | bytes |", "|---|---|---|---|"]
    for k, a in sorted(e.get("by_verdict", {}).items()):
        lines.append(f"| {k} | {a['tables']} | {a['objects']:,} | {human(a['bytes'])} |")
    lines += ["", f"**Estimate:** {e.get('objects', 0):,} objects, {human(e.get('bytes'))} to copy; "
              f"{duration(e.get('seconds'))} at {e.get('bandwidth_mbps')} MB/s.", "",
              "## Tables and views", "",
              "| table | verdict | format | partitions | files | bytes | small files | reasons |",
              "|---|---|---|---|---|---|---|---|"]
    for r in d["tables"]:
        lines.append(f"| {r['table']} | {r['verdict']} | {r['format']} | {r['partitions']} | {r['files']} | "
                     f"{human(r['bytes'])} | {r['small_files']} | {_md('; '.join(r['reasons']))} |")
    views = [r for r in d["tables"] if r["kind"] == "view"]
    if views:
        lines += ["", "## View text", ""]
        for r in views:
            lines += [f"### {r['table']}", "", "```sql", (r["view_text"] or "").strip(), "```", ""]
    lines += ["", "## Dangling locations", ""]
    lines += [f"- {x['obj']}{' partition ' + x['partition'] if x.get('partition') else ''}: {x.get('location', '')}"
              for x in d["dangling"][:TOP]] or ["none"]
    lines += ["", "## Orphan data under the warehouse", ""]
    lines += [f"- {o['path']} ({o.get('kind', 'dir')}, {o.get('files', 0)} files, {human(o.get('bytes', 0))})"
              for o in d["orphans"][:TOP]] or ["none"]
    return "\n".join(lines) + "\n"


def _md(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def html_page(d: dict[str, Any]) -> str:
    s, e = d["summary"], d["estimates"]

    def table(head: list[str], rows: list[list[Any]]) -> str:
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    src = table(["source", "status", "seconds", "detail"],
                [[k, v["status"], v.get("seconds") if v.get("seconds") is not None else "-",
                  v.get("error") or v.get("reason") or ""] for k, v in d["sources"].items()])
    verdicts = table(["verdict", "tables", "objects", "bytes"],
                     [[k, a["tables"], a["objects"], human(a["bytes"])] for k, a in sorted(e.get("by_verdict", {}).items())])
    tables = table(["table", "verdict", "format", "partitions", "files", "bytes", "small files", "reasons"],
                   [[r["table"], r["verdict"], r["format"], r["partitions"], r["files"], human(r["bytes"]),
                     r["small_files"], "; ".join(r["reasons"])] for r in d["tables"]])
    dangling = table(["object", "partition", "location"],
                     [[x["obj"], x.get("partition", ""), x.get("location", "")] for x in d["dangling"][:TOP]])
    orphans = table(["path", "kind", "files", "bytes"],
                    [[o["path"], o.get("kind", "dir"), o.get("files", 0), human(o.get("bytes", 0))] for o in d["orphans"][:TOP]])
    h, m = s["hdfs"], s["metastore"]
    cards = [("HDFS files", f"{h['files']:,}"), ("HDFS bytes", human(h["bytes"])), ("tables", m["tables"]),
             ("views", m["views"]), ("partitions", f"{m['partitions']:,}"),
             ("to copy", f"{human(e.get('bytes'))} / {duration(e.get('seconds'))}")]
    card_html = "".join(f"<div class=card><b>{html.escape(str(v))}</b><span>{html.escape(k)}</span></div>"
                        for k, v in cards)
    not_scanned = (f"<p class=warn>Not scanned: {html.escape(', '.join(s['not_scanned']))}</p>"
                   if s["not_scanned"] else "")
    body = (f"<h1>okdp-migrate scan report</h1><div class=cards>{card_html}</div>{not_scanned}"
            f"<h2>Sources</h2>{src}<h2>Verdicts</h2>{verdicts}<h2>Tables and views</h2>{tables}"
            f"<h2>Dangling locations</h2>{dangling}<h2>Orphan data under the warehouse</h2>{orphans}")
    return HTML_PAGE.replace("$body", body)


def write_reports(out: Path, summary: dict[str, Any], sources: dict[str, Any], res, tables) -> None:
    from ..inventory import atomic_write_bytes, write_json

    d = report_data(summary, sources, res, tables)
    write_json(out / "assessment.json", d)
    atomic_write_bytes(out / "scan_report.md", markdown(d).encode("utf-8"))
    atomic_write_bytes(out / "scan_report.html", html_page(d).encode("utf-8"))


def summary_text(summary: dict[str, Any]) -> str:
    """What `scan` prints on stdout without --json."""
    h, m = summary["hdfs"], summary["metastore"]
    parts = [f"HDFS: {h['files']:,} files, {h['directories']:,} dirs, {human(h['bytes'])}",
             f"metastore: {m['databases']} dbs, {m['tables']} tables, {m['views']} views, {m['partitions']:,} partitions",
             "verdicts: " + (", ".join(f"{k}={v}" for k, v in summary["verdicts"].items()) or "none")]
    for name, v in summary["sources"].items():
        if v["status"] in ("failed", "partial"):
            parts.append(f"NOT SCANNED {name}{' (in part)' if v['status'] == 'partial' else ''}: {v.get('error')}")
    parts.append(f"inventory and reports in {summary['out']} (scan_report.html, scan_report.md, assessment.json)")
    return "\n".join(parts)


class ScanProgress:
    """Counters on stderr while sources run (rich; transient, so logs stay readable)."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.progress = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> "ScanProgress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                                     TextColumn("{task.completed:,}"), TimeElapsedColumn(),
                                     console=Console(stderr=True), transient=True)
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress:
            self.progress.stop()

    def counter(self, name: str):
        if not self.progress:
            return lambda n: None
        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = self.progress.add_task(name, total=None)
        return lambda n: self.progress.advance(task, n)
