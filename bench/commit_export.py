"""The okdp_migrate package as of another commit, for a bench's baseline contender (same run, same data)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PACKAGE_DIRS = {"migrate": "", "connectors": "connectors", "rules": "rules", "reports": "reports"}  # see setup.py


def export_commit(rev: str, dest: Path) -> Path:
    """The package as of commit rev, laid out for PYTHONPATH (git archive: no checkout); returns that folder."""
    repo = Path(__file__).resolve().parents[1]
    raw = dest / "raw"
    raw.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(repo), "archive", rev, *PACKAGE_DIRS], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(raw)], input=archive.stdout, check=True)
    pkg = dest / "pkg" / "okdp_migrate"
    for src, sub in PACKAGE_DIRS.items():
        shutil.copytree(raw / src, pkg / sub, dirs_exist_ok=True)
    return dest / "pkg"
