"""Oozie applications found in a directory tree or in HDFS (through callables), and the Oozie REST API.

An application file is recognised by its root element (workflow-app, coordinator-app, bundle-app),
whatever its name; job.properties and config-default.xml are read as its parameters (secrets redacted).
A file that cannot be parsed is recorded as one line in OozieInventory.errors: the rest goes on.
"""
from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import BadInputError
from .http_json import get_json
from ..model_oozie import (OozieAction, OozieBundle, OozieCoordinator, OozieDataset, OozieInventory, OozieJob,
                           OozieWorkflow)
from .site_xml import REDACTED, is_secret

KNOWN_ACTIONS = frozenset(("hive", "hive2", "spark", "shell", "sqoop", "pig", "fs", "java", "sub-workflow", "email",
                           "map-reduce", "distcp", "ssh", "git"))
_EL = re.compile(r"\$\{([^{}]+)\}")
_SKIP_DIRS = frozenset((".git", "node_modules", "__pycache__", "target", ".venv"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _kids(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(el: ET.Element | None, name: str) -> str | None:
    if el is None:
        return None
    for c in el:
        if _local(c.tag) == name:
            return (c.text or "").strip()
    return None


def _texts(el: ET.Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in el.iter() if _local(c.tag) == name and (c.text or "").strip()]


def _el_of(raw: str) -> list[str]:
    return sorted(set(_EL.findall(raw)))


def _config(el: ET.Element | None) -> dict[str, str]:
    out: dict[str, str] = {}
    conf = next((c for c in el if _local(c.tag) == "configuration"), None) if el is not None else None
    for prop in _kids(conf, "property") if conf is not None else []:
        key = _text(prop, "name") or ""
        if key:
            out[key] = REDACTED if is_secret(key) else (_text(prop, "value") or "")
    return out


def _action(el: ET.Element) -> OozieAction:
    body = next((c for c in el if _local(c.tag) not in ("ok", "error")), None)
    kind = _local(body.tag) if body is not None else "unknown"
    ok, err = next(iter(_kids(el, "ok")), None), next(iter(_kids(el, "error")), None)
    a = OozieAction(name=el.get("name", "?"), type=kind, ok_to=ok.get("to") if ok is not None else None,
                    error_to=err.get("to") if err is not None else None, known=kind in KNOWN_ACTIONS)
    if body is None:
        return a
    for tag in ("script", "exec", "jar", "app-path"):
        a.scripts += [t for t in (_text(body, tag),) if t]
    a.files = _texts(body, "file") + _texts(body, "archive")
    a.params = [(p.text or "").strip() for p in _kids(body, "param") if (p.text or "").strip()]
    a.args = [(c.text or "").strip() for c in body if _local(c.tag) in ("argument", "arg", "command")]
    a.main_class = _text(body, "main-class") or _text(body, "class")
    for tag in ("jdbc-url", "master", "mode", "name", "to", "subject", "host", "job-tracker", "resource-manager",
                "name-node", "spark-opts", "command"):
        value = _text(body, tag)
        if value:
            a.details[tag] = value
    if kind == "fs":  # fs actions: the operations and paths they touch
        a.args = [f"{_local(op.tag)} {op.get('path') or op.get('source') or ''}".strip() for op in body]
    return a


def parse_workflow(root: ET.Element, path: str, raw: str) -> OozieWorkflow:
    wf = OozieWorkflow(path=path, name=root.get("name", Path(path).parent.name), schema=_ns(root.tag),
                       el_expressions=_el_of(raw))
    for node in root:
        tag, name = _local(node.tag), node.get("name", "")
        if tag == "start":
            wf.start = node.get("to")
        elif tag == "end":
            wf.end = name
        elif tag == "action":
            wf.actions.append(_action(node))
        elif tag == "decision":
            sw = next(iter(_kids(node, "switch")), node)
            wf.decisions[name] = [c.get("to", "") for c in sw if _local(c.tag) in ("case", "default")]
        elif tag == "fork":
            wf.forks[name] = [c.get("start", "") for c in _kids(node, "path")]
        elif tag == "join":
            wf.joins[name] = node.get("to", "")
        elif tag == "kill":
            wf.kills[name] = _text(node, "message") or ""
        elif tag == "parameters":
            for prop in _kids(node, "property"):
                key = _text(prop, "name") or ""
                wf.parameters[key] = REDACTED if is_secret(key) else _text(prop, "value")
    return wf


def parse_coordinator(root: ET.Element, path: str, raw: str) -> OozieCoordinator:
    c = OozieCoordinator(path=path, name=root.get("name", ""), schema=_ns(root.tag), frequency=root.get("frequency", ""),
                         start=root.get("start", ""), end=root.get("end", ""), timezone=root.get("timezone", ""),
                         el_expressions=_el_of(raw))
    for ds in root.iter():
        if _local(ds.tag) == "dataset":
            c.datasets.append(OozieDataset(name=ds.get("name", ""), frequency=ds.get("frequency", ""),
                                           initial_instance=ds.get("initial-instance", ""),
                                           timezone=ds.get("timezone", ""), uri_template=_text(ds, "uri-template") or "",
                                           done_flag=_text(ds, "done-flag")))
    for section, target in (("input-events", c.input_events), ("output-events", c.output_events)):
        for sec in (e for e in root.iter() if _local(e.tag) == section):
            for ev in sec:
                inst = [(i.text or "").strip() for i in ev if _local(i.tag) in ("instance", "start-instance",
                                                                                 "end-instance")]
                target.append({"name": ev.get("name", ""), "dataset": ev.get("dataset", ""), "instances": inst})
    wf = next((e for e in root.iter() if _local(e.tag) == "workflow"), None)
    if wf is not None:
        c.workflow_path = _text(wf, "app-path") or ""
        c.configuration = _config(wf)
    return c


def parse_bundle(root: ET.Element, path: str) -> OozieBundle:
    b = OozieBundle(path=path, name=root.get("name", ""), schema=_ns(root.tag))
    ctl = next((e for e in root.iter() if _local(e.tag) == "kick-off-time"), None)
    b.kick_off_time = (ctl.text or "").strip() if ctl is not None else ""
    for coord in (e for e in root if _local(e.tag) == "coordinator"):
        b.coordinators.append({"name": coord.get("name", ""), "app_path": _text(coord, "app-path") or ""})
    return b


def parse_properties(text: str) -> dict[str, str]:
    """Java .properties (key=value / key: value, # and ! comments, backslash continuations); secrets redacted."""
    out: dict[str, str] = {}
    logical = re.sub(r"\\\r?\n[ \t]*", "", text)
    for line in logical.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"((?:\\.|[^=:\s])+)\s*[=:\s]\s*(.*)$", line)
        key, value = (m.group(1), m.group(2)) if m else (line, "")
        out[key] = REDACTED if is_secret(key) else value
    return out


def add_file(inv: OozieInventory, path: str, data: bytes) -> None:
    """Classify one file by name/root element and add what it defines to INV (errors recorded, not raised)."""
    name = path.rsplit("/", 1)[-1]
    text = data.decode("utf-8", "replace")
    if name.endswith(".properties"):
        inv.properties[path] = parse_properties(text)
        return
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        if name in ("workflow.xml", "coordinator.xml", "bundle.xml") or "-app" in text[:2000]:
            line, col = getattr(exc, "position", (0, 0))
            inv.errors.append(f"{path}: malformed XML at line {line}, column {col}")
        return
    tag = _local(root.tag)
    if tag == "workflow-app":
        inv.workflows.append(parse_workflow(root, path, text))
    elif tag == "coordinator-app":
        inv.coordinators.append(parse_coordinator(root, path, text))
    elif tag == "bundle-app":
        inv.bundles.append(parse_bundle(root, path))
    elif tag == "configuration" and name == "config-default.xml":
        inv.properties[path] = {(_text(p, "name") or ""): REDACTED if is_secret(_text(p, "name") or "")
                                else (_text(p, "value") or "") for p in _kids(root, "property")}


def _wanted(name: str) -> bool:
    return name.endswith((".xml", ".properties"))


def scan_tree(root: str | os.PathLike) -> OozieInventory:
    """Every Oozie application file under a local directory."""
    base = Path(root)
    if not base.is_dir():
        raise BadInputError("not a directory", obj=str(base), fix="pass a directory holding Oozie applications")
    inv = OozieInventory()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for f in sorted(filenames):
            if _wanted(f):
                p = os.path.join(dirpath, f)
                try:
                    add_file(inv, p, Path(p).read_bytes())
                except OSError as exc:
                    inv.errors.append(f"{p}: unreadable ({exc.strerror})")
    return inv


def scan_listing(roots: Iterable[str], list_dir: Callable[[str], Iterable[tuple[str, bool]]],
                 read_file: Callable[[str], bytes], max_file_bytes: int = 4 << 20) -> OozieInventory:
    """The same over any file system (HDFS): list_dir(path) -> [(child path, is_dir)], read_file(path) -> bytes."""
    inv = OozieInventory()
    stack = list(roots)
    while stack:
        d = stack.pop()
        try:
            children = sorted(list_dir(d))
        except Exception as exc:  # noqa: BLE001 - one unreadable directory must not stop the scan
            inv.errors.append(f"{d}: cannot list ({exc})")
            continue
        for child, is_dir in children:
            name = child.rstrip("/").rsplit("/", 1)[-1]
            if is_dir:
                if name not in _SKIP_DIRS:
                    stack.append(child)
            elif _wanted(name):
                try:
                    add_file(inv, child, read_file(child)[:max_file_bytes])
                except Exception as exc:  # noqa: BLE001
                    inv.errors.append(f"{child}: cannot read ({exc})")
    return inv


class OozieServer:
    """Read-only client of the Oozie REST API (v1/v2): jobs by type and status, paged."""

    def __init__(self, url: str, user: str | None = None, timeout: float = 30, page: int = 500):
        self.url, self.user, self.timeout, self.page = url.rstrip("/"), user, timeout, page
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _get(self, path: str, **params) -> dict:
        if self.user:
            params["user.name"] = self.user
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        return get_json(self._opener, url, timeout=self.timeout, service="Oozie", obj=self.url,
                        setting="oozie.url", example="http://host:11000/oozie", path=path)

    def jobs(self, jobtype: str = "wf", status: str | None = "RUNNING") -> Iterator[OozieJob]:
        key, kind = {"wf": ("workflows", "workflow"), "coordinator": ("coordinatorjobs", "coordinator"),
                     "bundle": ("bundlejobs", "bundle")}[jobtype]
        offset = 1  # Oozie offsets start at 1
        while True:
            params = {"jobtype": jobtype, "len": self.page, "offset": offset}
            if status:
                params["filter"] = f"status={status}"
            data = self._get("/v1/jobs", **params)
            rows = data.get(key) or []
            for j in rows:
                yield OozieJob(id=j.get("id") or j.get("coordJobId") or j.get("bundleJobId") or "", type=kind,
                               app_name=j.get("appName") or j.get("coordJobName") or j.get("bundleJobName") or "",
                               app_path=j.get("appPath") or j.get("coordJobPath") or j.get("bundleJobPath") or "",
                               status=j.get("status", ""), user=j.get("user", ""),
                               frequency=str(j.get("frequency") or ""), start=j.get("startTime") or "",
                               end=j.get("endTime") or "")
            if len(rows) < self.page or offset + len(rows) > int(data.get("total", 0)):
                return
            offset += len(rows)

    def running(self) -> list[OozieJob]:
        return [j for t in ("wf", "coordinator", "bundle") for j in self.jobs(t)]
