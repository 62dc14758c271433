"""The `rewrite` use case: scripts in, one record per statement and target out, then files and reports.

Nothing here prints; progress goes through the callback the CLI passes.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..rules.sql.context import STATUSES, Schema, Session
from ..rules.sql.engine import Outcome, translate
from ..model import Finding
from .script import split_script
from .sources import ScriptSource, from_scan, iter_files, read_script

MAX_STATEMENT_CHARS = 1_000_000
FAIL_ON = ("review", "unsupported", "error")


@dataclass
class StatementRecord:
    file: str
    line: int
    column: int
    index: int
    kind: str
    source: str
    targets: dict[str, dict[str, Any]]


@dataclass
class RewriteRun:
    targets: tuple[str, ...]
    statements: list[StatementRecord] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    validators: list[str] = field(default_factory=list)
    typed: bool = False
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        per_target: dict[str, Any] = {}
        for t in self.targets:
            statuses = Counter(s.targets[t]["status"] for s in self.statements)
            rules = Counter(f["rule"] for s in self.statements for f in s.targets[t]["findings"])
            counted = sum(v for k, v in statuses.items() if k != "skipped")
            per_target[t] = {"statuses": {k: statuses.get(k, 0) for k in STATUSES}, "rules": dict(rules.most_common()),
                             "valid_share": round((statuses["translated"] + statuses["review"]) / counted, 4) if counted else None}
        return {"statements": len(self.statements), "files": len(self.files), "targets": per_target,
                "validators": self.validators, "typed": self.typed, "seconds": round(self.seconds, 2)}

    def worst(self) -> set[str]:
        return {s.targets[t]["status"] for s in self.statements for t in self.targets}

    def to_json(self) -> dict[str, Any]:
        return {"tool": "okdp-migrate rewrite", "targets": list(self.targets), "summary": self.summary(),
                "files": self.files, "statements": [s.__dict__ for s in self.statements]}


def rewrite(paths: list[str], targets: tuple[str, ...], scan_dir: str | None = None, encoding: str | None = None,
            validators: dict[str, Callable[[str], str | None]] | None = None, validator_names: list[str] | None = None,
            on_file: Callable[[str], None] | None = None) -> RewriteRun:
    started = time.monotonic()
    run = RewriteRun(targets=targets, validators=list(validator_names or []))
    schema: Schema | None = None
    sources: list[ScriptSource] = []
    if scan_dir:
        schema, sources = from_scan(scan_dir)
        run.typed = True
    roots = [Path(p) for p in paths]
    for f in iter_files(paths):
        src = read_script(f, encoding)
        src.name = _display_name(f, roots)
        sources.append(src)
    for src in sources:
        if on_file:
            on_file(src.name)
        _run_source(src, run, schema, validators or {})
    run.seconds = time.monotonic() - started
    return run


def _run_source(src: ScriptSource, run: RewriteRun, schema: Schema | None, validators) -> None:
    info = {"file": src.name, "encoding": src.encoding, "error": src.error, "statements": 0}
    run.files.append(info)
    if src.error:
        _record_error(run, src.name, 1, 1, 0, "file", "", src.error, "fix or re-encode the file, then rerun")
        return
    session = Session(current_db=src.current_db, schema=schema)
    statements = split_script(src.text)
    if not statements:
        _record_error(run, src.name, 1, 1, 0, "file", "", "no SQL statement in the file (only comments)", None)
    for st in statements:
        info["statements"] += 1
        text = f"CREATE VIEW {src.wrap_view} AS\n{st.text}" if src.wrap_view else st.text
        if len(text) > MAX_STATEMENT_CHARS:
            _record_error(run, src.name, st.line, st.column, st.index, "unknown", st.text[:2000] + "\n...",
                          f"statement of {len(text)} characters is above the {MAX_STATEMENT_CHARS} limit", "split it")
            continue
        try:
            result = translate(text, session, run.targets, validators)
        except RecursionError:
            _record_error(run, src.name, st.line, st.column, st.index, "unknown", st.text,
                          "statement too deeply nested to translate", "simplify it or translate it by hand")
            continue
        except Exception as exc:  # a translator bug must not end the run; the record names it
            _record_error(run, src.name, st.line, st.column, st.index, "unknown", st.text,
                          f"internal error in the translator: {type(exc).__name__}: {exc}", "report it with this statement")
            continue
        shift = 1 if src.wrap_view else 0
        run.statements.append(StatementRecord(
            file=src.name, line=st.line, column=st.column, index=st.index, kind=result.kind, source=st.text,
            targets={t: _outcome_dict(o, st.line - shift, st.column) for t, o in result.targets.items()}))


def _outcome_dict(o: Outcome, line: int, column: int) -> dict[str, Any]:
    findings = []
    for f in o.findings:
        d = dict(f.__dict__)
        if f.line is not None:
            d["line"] = line + f.line - 1
            d["column"] = (column + (f.column or 1) - 1) if f.line == 1 else f.column
        else:
            d["line"], d["column"] = line, column
        findings.append(d)
    return {"status": o.status, "sql": o.sql, "findings": findings, "checked": o.checked}


def _record_error(run: RewriteRun, name: str, line: int, column: int, index: int, kind: str, source: str,
                  message: str, fix: str | None) -> None:
    finding = Finding(rule="input", severity="error", message=message, fix=fix, line=line, column=column)
    run.statements.append(StatementRecord(
        file=name, line=line, column=column, index=index, kind=kind, source=source,
        targets={t: {"status": "error", "sql": "", "findings": [dict(finding.__dict__)], "checked": []} for t in run.targets}))


def _display_name(f: Path, roots: list[Path]) -> str:
    for r in roots:
        if r.is_dir():
            try:
                return str(f.relative_to(r.parent)) if r.name else str(f)
            except ValueError:
                continue
    return str(f)


def failing(run: RewriteRun, fail_on: str | None) -> int:
    """How many statement/target outcomes reach the --fail-on level (review < unsupported < error)."""
    if not fail_on:
        return 0
    levels = FAIL_ON[FAIL_ON.index(fail_on):]
    return sum(1 for s in run.statements for t in run.targets if s.targets[t]["status"] in levels)


def write_outputs(run: RewriteRun, out_dir: str | Path) -> list[Path]:
    """Translated scripts per target and report.json/.md/.html in out_dir, each written atomically."""
    from ..inventory import atomic_write_bytes
    from ..reports import rewrite_report

    out = Path(out_dir)
    doc = run.to_json()
    written = []
    for rel, text in rewrite_report.translated_files(doc).items():
        atomic_write_bytes(out / rel, text.encode("utf-8"))
        written.append(out / rel)
    for name, text in (("report.json", rewrite_report.report_json(doc)), ("report.md", rewrite_report.markdown(doc)),
                       ("report.html", rewrite_report.html_report(doc))):
        atomic_write_bytes(out / name, text.encode("utf-8"))
        written.append(out / name)
    return written
