"""Split a HiveQL script into statements, keeping where each one starts in the file.

Hive's CLI splits on `;` outside quotes and comments; so do we, and we remember the line and
column of each statement's first significant character so findings point back into the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class ScriptStatement:
    text: str  # the statement without its trailing `;` and surrounding blanks
    index: int  # 0-based position in the script
    line: int  # 1-based line of the first significant character in the file
    column: int  # 1-based column of that character
    offset: int  # character offset of that character in the file


_BLANK_OR_COMMENT = re.compile(r"(?:\s+|--[^\n]*|/\*(?!\+).*?\*/)*", re.S)


def split_script(text: str) -> list[ScriptStatement]:
    """Statements of a script in order; comment-only pieces are dropped, an unterminated tail is kept."""
    pieces: list[tuple[int, int]] = []
    i, start, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            i = _skip_quoted(text, i, c)
            continue
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == ";":
            pieces.append((start, i))
            start = i + 1
        i += 1
    pieces.append((start, n))

    out: list[ScriptStatement] = []
    for a, b in pieces:
        lead = _BLANK_OR_COMMENT.match(text, a, b)
        a2 = lead.end() if lead else a
        body = text[a2:b].rstrip()
        if not body:
            continue
        line = text.count("\n", 0, a2) + 1
        column = a2 - (text.rfind("\n", 0, a2) + 1) + 1
        out.append(ScriptStatement(text=body, index=len(out), line=line, column=column, offset=a2))
    return out


def _skip_quoted(text: str, i: int, quote: str) -> int:
    """Index just past the closing quote (backslash escapes inside strings, as Hive reads them)."""
    j, n = i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\" and quote != "`":
            j += 2
            continue
        if ch == quote:
            if quote == "`" and text.startswith("``", j):  # doubled backtick inside an identifier
                j += 2
                continue
            return j + 1
        j += 1
    return n
