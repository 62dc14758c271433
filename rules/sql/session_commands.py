"""Session commands: SET, ADD JAR, dfs, ... need nothing on Trino or Spark (skipped, with the reason);
CREATE TEMPORARY FUNCTION registers a UDF from a JAR, which later calls are flagged against."""
from __future__ import annotations

import re
from typing import Callable

from ...model import Finding
from . import macros

_SKIPS = (
    (re.compile(r"set\s+(hivevar|hiveconf|define)?:?\s*([\w.]+)\s*=\s*(.*)", re.I | re.S), "sets a variable"),
    (re.compile(r"set\b", re.I), "Hive session setting; Trino and Spark use their own session properties"),
    (re.compile(r"reset\b", re.I), "Hive session reset"),
    (re.compile(r"(add|list|delete)\s+(jar|jars|file|files|archive|archives)\b", re.I),
     "adds a resource to the Hive session; ship JARs with the Spark/Trino deployment instead"),
    (re.compile(r"dfs\b", re.I), "HDFS shell command; move it to the workflow (S3 tooling) instead"),
    (re.compile(r"!", re.I), "shell command; move it to the workflow instead"),
    (re.compile(r"source\b", re.I), "includes another script; translate that file too"),
    (re.compile(r"(compile|reload)\b", re.I), "Hive CLI command"),
)
_DROP_FUNCTION = re.compile(r"drop\s+temporary\s+function\s+(?:if\s+exists\s+)?([\w.]+)\s*$", re.I)
_TEMP_FUNCTION = re.compile(r"create\s+(temporary\s+)?function\s+([\w.]+)\s+as\s+['\"]([^'\"]+)['\"]", re.I)


def session_command(text: str, session) -> tuple[str, Callable[[str], object]] | None:
    """(kind, outcome per target) when `text` is a session command, else None."""
    from .engine import Outcome  # the engine imports this module

    body = text.strip()
    for pattern, reason in _SKIPS:
        m = pattern.match(body)
        if not m:
            continue
        if reason == "sets a variable" and (m.group(1) or "." not in m.group(2)):
            name, value = m.group(2), m.group(3).strip()
            session.variables[name] = value
            reason = f"sets variable {name}; Hive variables are kept as parameters where they are used"
        elif reason == "sets a variable":
            reason = "Hive session setting; Trino and Spark use their own session properties"
        kind = body.split(None, 1)[0].lower().strip("!") or "shell"
        return kind, lambda target, r=reason: Outcome("skipped", "", [Finding(rule="session", severity="info", message=r)])

    macro = macros.parse_definition(body)
    if macro is not None:
        name, params, definition = macro
        session.macros[name] = (params, definition)
        return "create_macro", lambda target: Outcome("skipped", "", [Finding(
            rule="macros", severity="info", message=f"macro {name} defined: nothing to create on {target}, its calls "
            "in later statements are expanded inline")])
    dropped = macros.dropped_name(body)
    if dropped is not None:
        session.macros.pop(dropped, None)
        return "drop_macro", lambda target: Outcome("skipped", "", [Finding(
            rule="macros", severity="info", message=f"macro {dropped} dropped: its calls were expanded inline, "
            f"nothing exists on {target}")])
    m = _TEMP_FUNCTION.match(body)
    if m:
        name, cls = m.group(2).lower(), m.group(3)
        session.temp_functions[name] = cls
        def outcome(target: str):
            if target == "spark":
                return Outcome("review", body, parts=[body], findings=[Finding(
                    rule="udf_from_jar", severity="warning",
                    message=f"Hive UDF '{name}' ({cls}) loaded from a JAR; Spark can load Hive UDFs if the JAR is on its classpath",
                    fix="ship the JAR with the Spark job, or port the UDF")], checked=[])
            return Outcome("unsupported", "", [Finding(
                rule="udf_from_jar", severity="error",
                message=f"Hive UDF '{name}' ({cls}) loaded from a JAR; Trino cannot run Hive UDFs",
                fix="port the UDF to a Trino plugin or a SQL routine")])
        return "create_function", outcome
    m = _DROP_FUNCTION.match(body)
    if m:
        name = m.group(1).lower()
        session.temp_functions.pop(name, None)

        def drop_outcome(target: str):
            if target == "spark":
                return Outcome("translated", body, [], parts=[body])
            return Outcome("skipped", "", [Finding(rule="udf_from_jar", severity="info", message=(
                f"drops Hive UDF '{name}' from the session; it was never created on Trino (its CREATE is unsupported)"))])
        return "drop_function", drop_outcome
    return None
