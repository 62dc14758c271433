"""Workloads outside Oozie, from directories the user names: Airflow DAG files and shell scripts that call
`spark-submit --master yarn`, `hive -f/-e`, `beeline -f/-e`, `spark-sql`, `hdfs dfs` or `hadoop fs`,
with the tables and HDFS paths they touch (found by regular expressions: a listing for people to
convert, not a parser). Scripts passed with -f are read too when they sit next to the caller.
"""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Iterable

from ..errors import BadInputError
from ..model_workloads import Workload, WorkloadCommand

_TOOLS = (("spark-submit", re.compile(r"\bspark-submit\b")), ("spark-sql", re.compile(r"\bspark-sql\b")),
          ("beeline", re.compile(r"\bbeeline\b")), ("hive", re.compile(r"(?<![\w.-])hive\s+(-[a-z]|--)")),
          ("hdfs-dfs", re.compile(r"\bhdfs\s+dfs\b")), ("hadoop-fs", re.compile(r"\bhadoop\s+fs\b")))
_TABLE = re.compile(r"\b(?:from|join|into|table|update|overwrite\s+table|exists)\s+`?([A-Za-z_][\w]*\.[A-Za-z_]\w*)`?",
                    re.I)
_PATH = re.compile(r"(?:hdfs|viewfs|webhdfs)://[^\s'\"`;,)]+|(?<![\w.$:/-])/(?:user|warehouse|data|apps|tmp|hbase|"
                   r"projects?|landing|raw|staging)(?:/[^\s'\"`;,)]*)?")
_SECRET_FLAG = re.compile(r"(\s(?:-p|--password|-w|--password-file)\s+)(\S+)")
_DAG_ID = re.compile(r"""(?:DAG\s*\(\s*(?:dag_id\s*=\s*)?|dag_id\s*=\s*)['"]([^'"]+)['"]""")
_OPERATOR = re.compile(r"\b(\w+(?:Operator|Sensor))\s*\(")
_SQL_SUFFIXES = (".hql", ".sql", ".q")
_SKIP_DIRS = frozenset((".git", "node_modules", "__pycache__", ".venv", "venv", "site-packages"))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Shell lines with backslash continuations joined, numbered by their first physical line."""
    out, buf, start = [], "", 0
    for i, line in enumerate(text.splitlines(), 1):
        if not buf:
            start = i
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        out.append((start, buf + line))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _args(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def _flag_values(args: list[str], *flags: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in flags]


def tables_in_sql(sql: str) -> list[str]:
    return sorted({m.lower() for m in _TABLE.findall(sql)})


def _command(tool: str, line_no: int, text: str, base: Path) -> WorkloadCommand:
    args = _args(text)
    cmd = WorkloadCommand(tool=tool, line=line_no, text=_SECRET_FLAG.sub(r"\1***", text.strip())[:500])
    cmd.paths = sorted(set(_PATH.findall(text)))
    sql = " ".join(_flag_values(args, "-e", "--execute"))
    if tool in ("hive", "beeline", "spark-sql"):
        cmd.scripts = _flag_values(args, "-f", "--file", "-i")
    elif tool == "spark-submit":
        cmd.on_yarn = "yarn" in _flag_values(args, "--master") or "--master yarn" in text or "master=yarn" in text
        app = next((a for a in args if a.endswith((".jar", ".py", ".R")) and not a.startswith("-")), None)
        cmd.scripts = [app] if app else []
    for script in cmd.scripts:
        p = (base / script) if not script.startswith("/") else Path(script)
        if script.endswith(_SQL_SUFFIXES) and p.is_file():
            body = p.read_text("utf-8", "replace")
            sql += "\n" + body
            cmd.paths = sorted(set(cmd.paths) | set(_PATH.findall(body)))
    cmd.tables = tables_in_sql(sql)
    return cmd


def _string_literals(source: str) -> str:
    """The string constants of a Python file (SQL lives there, imports do not)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    return "\n".join(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def scan_file(path: str | os.PathLike) -> Workload | None:
    """The workload one file defines, or None when it calls none of the tools."""
    p = Path(path)
    text = p.read_text("utf-8", "replace")
    is_dag = p.suffix == ".py" and ("airflow" in text and ("DAG(" in text or "@dag" in text))
    kind = "airflow_dag" if is_dag else "shell"
    w = Workload(path=str(p), kind=kind)
    for line_no, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and kind == "shell"):
            continue
        for tool, rx in _TOOLS:
            m = rx.search(line)
            if m:
                w.commands.append(_command(tool, line_no, line[m.start():], p.parent))
                break
    if is_dag:
        w.dag_ids = sorted(set(_DAG_ID.findall(text)))
        w.operators = sorted(set(_OPERATOR.findall(text)))
        for op in ("HiveOperator", "SparkSubmitOperator", "SparkSqlOperator", "HiveServer2Operator"):
            if op in w.operators:
                literals = _string_literals(text)
                w.commands.append(WorkloadCommand(tool=op, line=0, text=op, tables=tables_in_sql(literals),
                                                  paths=sorted(set(_PATH.findall(literals)))))
    return w if (w.commands or is_dag) else None


def _is_script(p: Path) -> bool:
    if p.suffix in (".sh", ".bash", ".ksh", ".py"):
        return True
    if p.suffix:
        return False
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    return head.startswith(b"#!") and (b"sh" in head.split(b"\n", 1)[0])


def scan_dirs(dirs: Iterable[str | os.PathLike]) -> list[Workload]:
    found: list[Workload] = []
    for d in dirs:
        base = Path(d)
        if not base.is_dir():
            raise BadInputError("not a directory", obj=str(base), fix="pass directories holding DAGs or scripts")
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(x for x in dirnames if x not in _SKIP_DIRS)
            for f in sorted(filenames):
                p = Path(dirpath) / f
                if _is_script(p):
                    w = scan_file(p)
                    if w is not None:
                        found.append(w)
    return found
