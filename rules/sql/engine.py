"""Translate one HiveQL statement for each target: parse once, run the RULES in order, generate, judge.

A statement ends with one status per target: translated (valid output, no open finding), review
(valid output with findings a person must check), unsupported (no safe translation, with the reason),
error (the input does not parse) or skipped (a session command with nothing to do on the target).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from ...model import Finding
from . import hive_lexical, variables
from .context import TARGETS, RuleContext, Session
from .explain import explain_prefix, split_explain, trino_explain_analyze_refuses
from .ruleset import RULES, WANTS
from .session_commands import session_command
from .trino_functions import unknown_functions

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its warnings become findings instead

# target -> validator(sql) returning None when the target accepts the SQL, else the reason
Validator = Callable[[str], "str | None"]


@dataclass
class Outcome:
    status: str
    sql: str = ""
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # validator names that ran on the output
    parts: list[str] = field(default_factory=list)  # output statements with variables still as placeholders


@dataclass
class StatementResult:
    kind: str
    targets: dict[str, Outcome]


def translate(text: str, session: Session | None = None, targets: Iterable[str] = TARGETS,
              validators: dict[str, Validator] | None = None) -> StatementResult:
    session = session if session is not None else Session()
    targets = tuple(targets)
    validators = validators or {}

    command = session_command(text, session)
    if command is not None:
        kind, outcome_for = command
        outcomes = {t: outcome_for(t) for t in targets}
        for t, o in outcomes.items():  # a command kept as written is still checked by the target's validator
            check = validators.get(t)
            if o.parts and check is not None:
                o.checked.append(getattr(check, "name", t))
                reason = next((r for r in map(check, o.parts) if r), None)
                if reason:
                    o.findings.append(Finding(rule="validate", severity="error", message=f"{t} rejects the output: {reason}",
                                              fix="translate this statement by hand, or report the construct"))
                    o.status = "unsupported"
        return StatementResult(kind, outcomes)

    explained = split_explain(text)
    modifiers: list[str] | None = None
    if explained:
        modifiers, text = explained
        if session_command(text, Session()) is not None:
            return StatementResult("explain", {t: Outcome("skipped", "", [Finding(
                rule="session", severity="info", message="EXPLAIN of a session command")]) for t in targets})

    protected, found = variables.protect(text)
    parse_error: Finding | None = None
    try:
        try:
            trees = [t for t in sqlglot.parse(protected, read="hive") if t is not None]
        except (ParseError, TokenError):  # Hive forms sqlglot's reader lacks (hive_lexical), tried only on failure
            repaired = hive_lexical.repair(protected)
            if repaired is None:
                raise
            trees = [t for t in sqlglot.parse(repaired, read="hive") if t is not None]
        if len(trees) != 1:
            raise ParseError(f"expected one statement, found {len(trees)}")
        tree = trees[0]
    except (ParseError, TokenError) as exc:
        # text-level rules (MSCK, ALTER ... PARTITION, LOAD DATA) may still recognise the statement
        parse_error = _parse_finding(exc)
        reason = hive_lexical.diagnose(protected, found)
        if reason:
            parse_error.message, parse_error.fix = f"HiveQL does not parse: {reason[0]}", reason[1]
        words = protected.strip().split(None, 1)
        tree = exp.Command(this=words[0] if words else "", expression=exp.Literal.string(words[1] if len(words) > 1 else ""))
    kind = "explain" if explained else kind_of(tree)
    outcomes = {}
    for t in targets:
        o = _for_target(tree, kind, t, session, found, validators.get(t), protected, parse_error,
                        explain_prefix(t, modifiers) if explained else "")
        outcomes[t] = o
    _after_statement(tree, session)
    if parse_error is not None and all(o.status == "error" for o in outcomes.values()):
        kind = "unknown"
    return StatementResult(kind, outcomes)


def _for_target(tree: exp.Expression, kind: str, target: str, session: Session, found: list[str],
                validator: Validator | None, source: str = "", parse_error: Finding | None = None,
                prefix: str = "") -> Outcome:
    ctx = RuleContext(target=target, session=session, kind=kind, source=source)
    statements: list[exp.Expression | str] = [tree.copy()]
    present: set[type] | None = None  # node types in the statements, None once a rule may have changed them
    for rule in RULES:
        wants = WANTS.get(rule)
        if wants is not None:
            if present is None:
                present = {type(n) for s in statements if not isinstance(s, str) for n in s.walk()}
            if not any(issubclass(t, wants) for t in present):
                continue
        present = None
        nxt: list[exp.Expression | str] = []
        for stmt in statements:
            try:
                out = stmt if isinstance(stmt, str) else rule(stmt, ctx)
            except Exception as exc:  # a rule bug: the statement is flagged, the run goes on
                ctx.flag(rule.__name__, "error", f"rule failed: {type(exc).__name__}: {exc}", fix="report it with this statement")
                out = stmt
            nxt.extend(out if isinstance(out, list) else [stmt if out is None else out])
        statements = nxt
        if ctx.skipped or not statements:
            ctx.skipped = ctx.skipped or f"nothing to do on {target}"
            return Outcome("skipped", "", ctx.findings + [Finding(rule="session", severity="info", message=ctx.skipped)])
    generated: list[str] = []
    for stmt in statements:
        if isinstance(stmt, str):
            generated.append(stmt)
            continue
        if isinstance(stmt, exp.Command) and parse_error is not None:
            return Outcome("error", "", [parse_error])
        if isinstance(stmt, exp.Command) and any(f.severity == "error" for f in ctx.findings):
            continue  # a rule already said why this statement has no translation
        if isinstance(stmt, exp.Command) and target == "spark" and validator is not None:
            ctx.flag("opaque", "info", f"'{_head(stmt)}' passed to Spark as written (Spark reads this Hive form)", node=stmt)
        elif isinstance(stmt, exp.Command):
            ctx.flag("opaque", "error", f"'{_head(stmt)}' is not understood by the translator; it would be passed through unchanged",
                     fix="translate this statement by hand", node=stmt)
        gen = sqlglot.Dialect.get_or_raise(target).generator(unsupported_level=ErrorLevel.IGNORE)
        try:
            generated.append(gen.generate(stmt, copy=False))
        except Exception as exc:  # sqlglot cannot write some constructs for some targets
            ctx.flag("unsupported_syntax", "error", f"cannot be written for {target}: {exc}", node=stmt)
            continue
        for msg in gen.unsupported_messages:
            ctx.flag("unsupported_syntax", "error", f"{target} has no equivalent: {msg}", node=stmt)

    if prefix == "EXPLAIN ANALYZE " and target == "trino" and any(trino_explain_analyze_refuses(g) for g in generated):
        prefix = "EXPLAIN "
        ctx.flag("explain", "warning", "Trino's EXPLAIN ANALYZE refuses DDL statements: written as EXPLAIN, which shows "
                 "the statement without running it (Hive's EXPLAIN ANALYZE ran it)", fix="run the statement itself if its "
                 "effect was wanted")
    if prefix:
        generated = [prefix + g for g in generated]
    checked: list[str] = []
    if target == "trino":
        for sql in generated:
            for name in unknown_functions(sql):
                ctx.flag("trino_functions", "error", f"Trino has no function '{name}'",
                         fix="rewrite the call with Trino functions, or port the UDF to a Trino plugin")
        checked.append("trino-functions")
    if validator is not None and generated:
        checked.append(getattr(validator, "name", target))
        for sql in generated:
            reason = validator(sql)
            if reason:
                ctx.flag("validate", "error", f"{target} rejects the output: {reason}",
                         fix="translate this statement by hand, or report the construct")
                break
    if found and generated:  # (no output: nothing was kept or dropped)
        kept = variables.used(generated, found)
        gone = [v for v in found if v not in kept]
        message = ("Hive variables kept as parameters: " + ", ".join(variables.names(kept)) if kept else "") + \
                  ("; " if kept and gone else "") + \
                  ("dropped with the clause that held them: " + ", ".join(variables.names(gone)) if gone else "")
        ctx.flag("variables", "info", message,
                 fix="substitute them at run time (Airflow params, spark-sql --hivevar, or string templating)")
    status = _status(ctx.findings)
    text = ";\n".join(variables.restore(s, found) for s in generated)
    return Outcome(status, text, ctx.findings, checked, generated)


def _status(findings: list[Finding]) -> str:
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "unsupported"
    if "warning" in severities:
        return "review"
    return "translated"


def kind_of(tree: exp.Expression) -> str:
    if isinstance(tree, exp.Insert):
        return "insert_overwrite" if tree.args.get("overwrite") else "insert"
    if isinstance(tree, (exp.Create, exp.Drop)):
        what = (tree.args.get("kind") or "").lower() or "object"
        verb = "create" if isinstance(tree, exp.Create) else "drop"
        if verb == "create" and what == "table" and tree.expression is not None:
            return "create_table_as_select"
        return f"{verb}_{'schema' if what == 'database' else what}"
    if isinstance(tree, exp.Command):
        return "_".join(tree.name.lower().split()[:1]) or "command"
    names = {exp.Query: "query", exp.MultitableInserts: "multi_insert", exp.LoadData: "load_data",
             exp.Alter: "alter_table", exp.Analyze: "analyze", exp.Use: "use", exp.Describe: "describe",
             exp.Delete: "delete", exp.Update: "update", exp.Merge: "merge", exp.TruncateTable: "truncate",
             exp.Show: "show"}
    for cls, name in names.items():
        if isinstance(tree, cls):
            return name
    return type(tree).__name__.lower()


def _after_statement(tree: exp.Expression, session: Session) -> None:
    if isinstance(tree, exp.Use):
        target = tree.this
        name = target.sql("hive") if target is not None else ""
        session.current_db = name or session.current_db


def _head(cmd: exp.Command) -> str:
    rest = cmd.expression.name if isinstance(cmd.expression, exp.Literal) else ""
    return " ".join(f"{cmd.name} {rest}".split()[:3])


def _parse_finding(exc: Exception) -> Finding:
    errors = getattr(exc, "errors", None) or [{}]
    first = errors[0]
    message = first.get("description") or str(exc).splitlines()[0]
    message = re.sub(r"\s*<Token token_type: TokenType\.(\w+).*?>", r" \1", message)
    near = first.get("highlight")
    if near:
        message += f" (near '{near}')"
    return Finding(rule="parse", severity="error", message=f"HiveQL does not parse: {message}",
                   fix="check the statement runs on Hive; fix or translate it by hand",
                   line=first.get("line"), column=first.get("col"))


_WORD = re.compile(r"\w+")
