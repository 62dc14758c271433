"""Where HiveQL comes from: script files (any encoding we can name) and a scan inventory.

Every unreadable input still yields a ScriptSource carrying the reason, so the report loses nothing.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

SCRIPT_SUFFIXES = (".sql", ".hql", ".q", ".ddl", ".hive")
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class ScriptSource:
    name: str  # file path, or "scan:db.view" / "oozie:app/path"
    text: str = ""
    error: str | None = None  # why the file could not be read
    encoding: str | None = None
    current_db: str | None = None  # statements run in this database (views from a scan)
    wrap_view: str | None = None  # the text is a view body: translate it as CREATE VIEW <this> AS ...
    meta: dict[str, Any] = field(default_factory=dict)


def iter_files(paths: list[str]) -> Iterator[Path]:
    """Named files as given; directories walked (sorted) for script suffixes; each file once, even when
    named twice or both directly and through its directory."""
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = [f for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in SCRIPT_SUFFIXES
                     and not any(x.startswith(".") for x in f.relative_to(p).parts)]
        else:
            found = [p]
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                yield f


def read_script(path: Path, encoding: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> ScriptSource:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return ScriptSource(name, error=f"file is {size / 2**20:.1f} MiB, above the {max_bytes / 2**20:.0f} MiB limit; split it")
        data = path.read_bytes()
    except FileNotFoundError:
        return ScriptSource(name, error="file not found")
    except OSError as exc:
        return ScriptSource(name, error=f"cannot read: {exc.strerror or exc}")
    return decode_script(name, data, encoding)


def decode_script(name: str, data: bytes, encoding: str | None = None) -> ScriptSource:
    if not data.strip():
        return ScriptSource(name, error="empty file")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode(name, data, enc)
    if b"\x00" in data[:8192]:
        # UTF-16/32 without a BOM holds NUL bytes too: only a declared encoding can tell it from binary
        src = _decode(name, data, encoding) if encoding else None
        if src is None or (src.error is None and "\x00" in src.text):
            return ScriptSource(name, error="binary file (NUL bytes), not a SQL script")
        return src
    try:  # UTF-8 first even with --encoding: it only applies to scripts that are not UTF-8 (mixed folders)
        return ScriptSource(name, text=_normalise(data.decode("utf-8")), encoding="utf-8")
    except UnicodeDecodeError as exc:
        if encoding:
            return _decode(name, data, encoding)
        return ScriptSource(name, error=f"not UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
                                        "pass --encoding (for example gb18030, cp1252 or latin-1)")


def _decode(name: str, data: bytes, enc: str) -> ScriptSource:
    try:
        return ScriptSource(name, text=_normalise(data.decode(enc)), encoding=enc)
    except LookupError:
        return ScriptSource(name, error=f"unknown encoding '{enc}'")
    except UnicodeDecodeError as exc:
        return ScriptSource(name, error=f"does not decode as {enc} at byte {exc.start}; pass the right --encoding")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def from_scan(root: str | Path):
    """(column types by table, view and Oozie HiveQL sources) from a scan inventory directory."""
    from ..inventory import Inventory
    from ..rules.sql.context import Schema

    inv = Inventory(root)
    schema = Schema()
    sources: list[ScriptSource] = []
    for t in inv.tables():
        schema.add(t.database, t.name, {c.name: c.type for c in [*t.columns, *t.partition_keys]})
        if t.is_view and (t.view_original_text or t.view_expanded_text):
            sources.append(ScriptSource(f"scan:{t.fqn}", text=t.view_original_text or t.view_expanded_text,
                                        current_db=t.database, wrap_view=t.fqn, meta={"view": t.fqn}))
    for name in ("oozie_scripts.json", "oozie_apps.json"):  # scan writes the first; the second is a legacy name
        if inv.has(name):
            sources.extend(_oozie_scripts(inv.json(name)))
    return schema, sources


def _oozie_scripts(doc: Any) -> list[ScriptSource]:
    """HiveQL texts found anywhere in the Oozie scan document: entries whose path ends in a script suffix."""
    out: list[ScriptSource] = []

    def walk(node: Any, app: str) -> None:
        if isinstance(node, dict):
            app = str(node.get("app") or node.get("name") or node.get("path") or app) if "workflow" in node or "app" in node else app
            path = node.get("path") or node.get("script") or node.get("name")
            text = node.get("text") or node.get("content") or node.get("hql")
            if isinstance(path, str) and isinstance(text, str) and path.lower().endswith(SCRIPT_SUFFIXES):
                out.append(ScriptSource(f"oozie:{app}:{path}" if app and app not in path else f"oozie:{path}", text=_normalise(text)))
            for v in node.values():
                walk(v, app)
        elif isinstance(node, list):
            for v in node:
                walk(v, app)

    walk(doc, "")
    return out
