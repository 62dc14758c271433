"""instr(str, substr, pos, occurrence) and locate(substr, str, pos): both read into one node that the Trino writer
turns into STRPOS over SUBSTR and the Spark writer into LOCATE, which is exact only for a start position >= 1 and
the first occurrence. Hive's instr searches backwards from the end for a negative position and counts overlapping
occurrences; Spark's locate has no occurrence and returns 0 for a position below 1.

All-literal calls are computed here as Hive computes them (GenericUDFInstr); a literal position >= 1 with the first
occurrence is left to the writers; anything else is flagged (a person must check, or no translation)."""
from __future__ import annotations

import re
import struct

from sqlglot import exp

_CALLED = re.compile(r"\b(instr|locate)\s*\(", re.I)


def _int(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Neg):
        inner = _int(node.this)
        return -inner if inner is not None else None
    if isinstance(node, exp.Literal) and not node.is_string and node.name.isdigit():
        return int(node.name)
    return None


def _at_least_one(pos: exp.Expression | None) -> bool:
    """A literal >= 1, or `locate(...) + k` with k >= 1 (a position is never negative)."""
    while isinstance(pos, (exp.Cast, exp.TryCast, exp.Paren)):
        pos = pos.this
    if _int(pos) is not None:
        return _int(pos) >= 1
    return isinstance(pos, exp.Add) and isinstance(pos.this, exp.StrPosition) and (_int(pos.expression) or 0) >= 1


def _null(node: exp.Expression | None) -> bool:
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        node = node.this
    return isinstance(node, exp.Null)


def _not_text(node: exp.Expression | None) -> bool:
    if isinstance(node, exp.Literal):
        return not node.is_string
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return not node.to.is_type(*exp.DataType.TEXT_TYPES)
    return isinstance(node, exp.Boolean)


def hive_instr(text: str, sub: str, pos: int = 1, occurrence: int = 1) -> int:
    """GenericUDFInstr.evaluate for constant arguments: 1-based match position, 0 when not found."""
    match, found = -1, 0
    if pos > 0:
        beg = pos - 1
        while found < occurrence and beg < len(text):
            match = text.find(sub, beg)
            if match == -1:
                break
            found, beg = found + 1, match + 1
    else:
        beg = len(text) + pos
        while found < occurrence and beg >= 0:
            match = text.rfind(sub, 0, beg + len(sub))
            if match == -1:
                break
            found, beg = found + 1, match - 1
    return match + 1 if found >= occurrence else 0


_NULL = object()  # a NULL argument


def _text(node: exp.Expression | None):
    """Hive's text form of a literal argument (strings, integers, booleans, simple FLOAT/DOUBLE), _NULL, or None."""
    if _null(node):
        return _NULL
    if isinstance(node, exp.Boolean):
        return "TRUE" if node.this else "FALSE"
    to = None
    if isinstance(node, (exp.Cast, exp.TryCast)):
        to, node = node.to.this.name.lower(), node.this
    if not isinstance(node, exp.Literal):
        return None
    if to is None:
        return node.name if node.is_string else (node.name if node.name.isdigit() else None)
    text = node.name.strip()
    if to in ("tinyint", "smallint", "int", "bigint"):
        return str(int(text)) if text.lstrip("-").isdigit() else None
    if to in ("float", "double"):
        try:
            value = float(text)
        except ValueError:
            return None
        if to == "float" and struct.unpack(">f", struct.pack(">f", value))[0] != value:
            return None  # Java prints the float's own shortest form; not reproduced here
        return repr(value) if 1e-3 <= abs(value) < 1e7 else None  # Java's plain notation range
    return None


def _position(node: exp.Expression | None):
    """A literal start position: an int, _NULL, 'invalid' for text that is not a number, or None (not literal)."""
    if node is None:
        return 1
    if _null(node):
        return _NULL
    if isinstance(node, exp.Literal) and node.is_string:
        return int(node.name.strip()) if node.name.strip().lstrip("-").isdigit() else "invalid"
    return _int(node)


def _fold(node: exp.StrPosition, function: str | None) -> exp.Expression | None:
    """The call computed as Hive does when every argument is a literal; None otherwise."""
    args = node.args
    if args.get("occurrence") is None and args.get("position") is None:
        function = "instr"  # instr(s, sub) and locate(sub, s) agree
    if function is None:
        return None
    text, sub = _text(args.get("this")), _text(args.get("substr"))
    pos, occ = _position(args.get("position")), _position(args.get("occurrence"))
    if None in (text, sub, pos, occ):
        return None
    if _NULL in (text, sub):
        return exp.cast(exp.Null(), "INT")
    if not (text + sub).isascii() and (function == "locate" or max(map(ord, text + sub)) > 0xFFFF):
        return None  # Hive counts Text bytes (locate) or UTF-16 units (instr); folded only where they agree
    if function == "locate":  # Hive's locate: a NULL or non-numeric start gives 0, a start below 1 too
        if pos is _NULL or pos == "invalid" or pos < 1 or not sub:
            return exp.Literal.number(0) if pos is _NULL or pos == "invalid" or pos < 1 else None
        return exp.Literal.number(text.find(sub, pos - 1) + 1)
    if _NULL in (pos, occ):
        return exp.cast(exp.Null(), "INT")
    if pos == "invalid" or occ == "invalid" or occ <= 0:
        return None
    return exp.Literal.number(hive_instr(text, sub, pos, occ))


def instr_position(tree: exp.Expression, ctx):
    called = {m.group(1).lower() for m in _CALLED.finditer(ctx.source)}
    for node in list(tree.find_all(exp.StrPosition)):
        pos, occ = node.args.get("position"), node.args.get("occurrence")
        # sqlglot reads both into one node: which one it was is known from the text when only one is called
        function = "instr" if occ is not None else (next(iter(called)) if len(called) == 1 else None)
        folded = _fold(node, function)
        if folded is not None:
            node.replace(folded)
            ctx.flag("instr_position", "info", "instr/locate with literal arguments computed as Hive does", node=folded)
            continue
        if ctx.target == "trino" and any(_not_text(node.args.get(k)) for k in ("this", "substr")):
            ctx.flag("instr_position", "error", "instr/locate of a number or boolean: Hive converts it to text, Trino's "
                     "strpos() takes only varchar (and writes numbers differently)", fix="CAST the argument to "
                     "VARCHAR and check the text form", node=node)
        if pos is None and occ is None:
            continue
        first = occ is None or _int(occ) == 1
        if first and _at_least_one(pos):
            node.set("occurrence", None)
            continue  # the writers' STRPOS/LOCATE forms are exact here
        if occ is not None and not first:
            ctx.flag("instr_position", "error", f"instr() with an occurrence: {ctx.target} has no equivalent that counts "
                     "overlapping matches as Hive does", fix="rewrite by hand", node=node)
        else:
            ctx.flag("instr_position", "warning", "instr/locate start position may be below 1: Hive's instr searches "
                     f"backwards from the end, locate returns 0; the {ctx.target} form assumes a position >= 1",
                     fix="check the position is always >= 1", node=node)
    return tree
