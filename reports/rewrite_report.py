"""Render a rewrite run: translated script files per target, report.md and a self-contained report.html.

Input is the JSON document of the run (RewriteRun.to_json()); nothing here touches the disk except
reading the HTML template shipped with the package.
"""
from __future__ import annotations

import difflib
import html
import json
import re
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from ..jsonutil import dumps


def translated_files(doc: dict[str, Any]) -> dict[str, str]:
    """{"trino/path/script.sql": text}: each statement's output, or a comment saying why there is none."""
    out: dict[str, list[str]] = {}
    for s in doc["statements"]:
        for target, o in s["targets"].items():
            name = _out_name(target, s["file"])
            lines = out.setdefault(name, [f"-- translated by okdp-migrate rewrite from {s['file']} for {target}\n"])
            head = f"-- [{o['status']}] {s['file']}:{s['line']} statement {s['index'] + 1}"
            notes = [f"--   {f['severity']} {f['rule']} (line {f.get('line')}): {f['message']}" for f in o["findings"]
                     if f["severity"] != "info" or o["status"] != "skipped"]
            body = o["sql"] + ";" if o["sql"] and o["status"] in ("translated", "review") else \
                "-- (no output) " + _first_line(s["source"])
            lines.append("\n".join([head, *notes, body]) + "\n")
    return {k: "\n".join(v) for k, v in out.items()}


def markdown(doc: dict[str, Any]) -> str:
    summ = doc["summary"]
    lines = ["# okdp-migrate rewrite report", "",
             f"{summ['statements']} statements from {summ['files']} files; targets: {', '.join(doc['targets'])}.",
             f"Validators that ran: {', '.join(summ['validators']) or 'none (install okdp-migrate[validate] and pyspark)'}.",
             f"Column types from a scan inventory: {'yes' if summ['typed'] else 'no (type-dependent rules flag for review)'}.", "",
             "| target | translated | review | unsupported | error | skipped | valid output (excl. skipped) |",
             "|---|---|---|---|---|---|---|"]
    for t, d in summ["targets"].items():
        st = d["statuses"]
        share = f"{d['valid_share']:.1%}" if d["valid_share"] is not None else "-"
        lines.append(f"| {t} | {st['translated']} | {st['review']} | {st['unsupported']} | {st['error']} | {st['skipped']} | {share} |")
    lines += ["", "## Findings per rule", "", "| target | rule | count |", "|---|---|---|"]
    for t, d in summ["targets"].items():
        for rule, n in d["rules"].items():
            lines.append(f"| {t} | {rule} | {n} |")
    lines += ["", "## Statements needing a person", ""]
    for s in doc["statements"]:
        bad = {t: o for t, o in s["targets"].items() if o["status"] in ("review", "unsupported", "error")}
        if not bad:
            continue
        lines.append(f"### {s['file']}:{s['line']} ({s['kind']})")
        lines += ["", "```sql", s["source"][:2000], "```", ""]
        for t, o in bad.items():
            lines.append(f"- **{t}: {o['status']}**")
            for f in o["findings"]:
                if f["severity"] == "info":
                    continue
                fix = f" — fix: {f['fix']}" if f.get("fix") else ""
                lines.append(f"  - `{f['rule']}` {f['severity']} at line {f.get('line')}: {f['message']}{fix}")
        lines.append("")
    return "\n".join(lines) + "\n"


def html_report(doc: dict[str, Any]) -> str:
    """Side-by-side source and outputs, changed words highlighted, findings inline, filters in the page."""
    rows = []
    for s in doc["statements"]:
        row = {"file": s["file"], "line": s["line"], "kind": s["kind"], "source": html.escape(s["source"]), "targets": {}}
        for t, o in s["targets"].items():
            row["targets"][t] = {"status": o["status"], "sql": _highlight(s["source"], o["sql"]),
                                 "findings": o["findings"]}
        rows.append(row)
    template = resources.files("okdp_migrate.reports").joinpath("templates/rewrite_report.html").read_text(encoding="utf-8")
    data = json.dumps({"summary": doc["summary"], "targets": doc["targets"], "rows": rows}, ensure_ascii=False)
    return template.replace("/*DATA*/null", data.replace("</", "<\\/"))


def report_json(doc: dict[str, Any]) -> str:
    return dumps(doc)


_WORD = re.compile(r"\s+|\w+|[^\w\s]")
# difflib is quadratic on repeated tokens (a 16k-token VALUES list took 53 s): above this many
# source x output token pairs the output is shown unmarked rather than stalling the whole report
MAX_DIFF_CELLS = 4_000_000


def _highlight(source: str, output: str) -> str:
    """HTML of `output` with the words that are not in `source` (case-insensitive) wrapped in <mark>."""
    if not output:
        return ""
    a = [w.lower() for w in _WORD.findall(source)]
    b = _WORD.findall(output)
    if len(a) * len(b) > MAX_DIFF_CELLS:
        return html.escape(output)
    sm = difflib.SequenceMatcher(a=a, b=[w.lower() for w in b], autojunk=False)
    parts = []
    for op, _, _, j1, j2 in sm.get_opcodes():
        chunk = html.escape("".join(b[j1:j2]))
        parts.append(chunk if op == "equal" or not chunk.strip() else f"<mark>{chunk}</mark>")
    return "".join(parts)


def _out_name(target: str, file: str) -> str:
    name = file.replace(":", "_").lstrip("/")
    p = PurePosixPath(name.replace("\\", "/"))
    parts = [x for x in p.parts if x not in ("..", ".")]
    stem = PurePosixPath(*parts) if parts else PurePosixPath("statements")
    return str(PurePosixPath(target) / stem.with_suffix(".sql"))


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:120]
