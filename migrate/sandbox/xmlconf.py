"""Hadoop-style *-site.xml files (the format TDP's /etc/*/conf directories use)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape


def render(props: Mapping[str, object]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<!-- written by okdp-migrate sandbox -->", "<configuration>"]
    for k, v in props.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        lines.append(f"  <property><name>{escape(str(k))}</name><value>{escape(str(v))}</value></property>")
    lines.append("</configuration>")
    return "\n".join(lines) + "\n"


def write(path: Path, props: Mapping[str, object], private: bool = False) -> Path:
    """Write atomically; `private` files (holding a password) are readable by their owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render(props), encoding="utf-8")
    if private:
        os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def parse(path: Path) -> dict[str, str]:
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return {p.findtext("name"): p.findtext("value") for p in root.iter("property")}
