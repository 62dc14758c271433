"""Hive macros (CREATE TEMPORARY MACRO f(x DOUBLE) body): a macro is a substitution, so each call is
expanded inline with its arguments cast to the declared parameter types, as Hive converts them.

The definitions themselves are recorded by session_commands (skipped: nothing to create on the target)."""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from . import variables

_DEFINE = re.compile(r"create\s+temporary\s+macro\s+([\w.]+)\s*\(", re.I)
_DROP = re.compile(r"drop\s+temporary\s+macro\s+(?:if\s+exists\s+)?([\w.]+)\s*$", re.I)


def parse_definition(text: str) -> tuple[str, list[tuple[str, str]], str] | None:
    """'CREATE TEMPORARY MACRO f (x DOUBLE, y INT) x + y' -> ("f", [("x", "DOUBLE"), ("y", "INT")], "x + y")."""
    m = _DEFINE.match(text.strip())
    if not m:
        return None
    rest = text.strip()[m.end():]
    depth, end = 1, None
    for i, ch in enumerate(rest):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            end = i
            break
    if end is None:
        return None
    params = []
    for part in _split(rest[:end]):
        bits = part.split(None, 1)
        if len(bits) != 2:
            return None
        params.append((bits[0].strip("`").lower(), bits[1].strip()))
    body = rest[end + 1:].strip()
    return (m.group(1).lower(), params, body) if body else None


def dropped_name(text: str) -> str | None:
    m = _DROP.match(text.strip())
    return m.group(1).lower() if m else None


def _split(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in (*parts, cur) if p.strip()]


def macros(tree: exp.Expression, ctx):
    defined = ctx.session.macros
    if not defined:
        return tree
    for fn in list(tree.find_all(exp.Anonymous)):
        name = fn.name.lower()
        if name not in defined:
            continue
        params, body = defined[name]
        args = list(fn.expressions)
        if len(args) != len(params):
            ctx.flag("macros", "error", f"macro {name} takes {len(params)} arguments, called with {len(args)}", node=fn)
            continue
        try:  # a variable inside a string literal parses (it stays a ${...} parameter, as elsewhere); bare, it does not
            expanded = sqlglot.parse_one(body, read="hive")
        except sqlglot.errors.ParseError:
            expanded = None
        in_strings = sum(len(variables.VARIABLE.findall(lit.name)) for lit in (expanded.find_all(exp.Literal)
                                                                              if expanded is not None else ()))
        if expanded is None or in_strings != len(variables.VARIABLE.findall(body)):
            ctx.flag("macros", "error", f"macro {name} uses a Hive variable in its body; it cannot be expanded here",
                     fix="expand the macro by hand with the variable's value", node=fn)
            continue
        if variables.VARIABLE.search(body):
            ctx.flag("macros", "warning", f"macro {name}: its body's variable stays a ${{...}} parameter inside a string",
                     fix="substitute the variable when the statement runs, as for the script's other variables", node=fn)
        values = {p: exp.cast(a.copy(), exp.DataType.build(t, dialect="hive"), dialect="hive") for (p, t), a in zip(params, args)}
        for col in list(expanded.find_all(exp.Column)):
            if not col.table and col.name.lower() in values:
                col.replace(values[col.name.lower()].copy())
        new = exp.Paren(this=expanded)
        fn.replace(new)
        ctx.flag("macros", "info", f"macro {name} expanded inline (Hive macros are substitutions)", node=new)
    return tree
