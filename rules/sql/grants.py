"""GRANT / REVOKE / roles: Hive's SQL-standard authorization.

Trino has the same statements, honoured by a Hive catalog with `hive.security=sql-standard` (which keeps
them in the same metastore); OKDP's Iceberg catalogs enforce access with Ranger/OPA policies instead.
So each statement becomes Trino's own form for review, saying where it takes effect. Privileges Trino has
no word for (ALTER, DROP, INDEX, LOCK, ...), column or partition grants, groups and database-level grants
stay unsupported, named. Spark SQL has no access-control statements at all: skipped, with that reason.
"""
from __future__ import annotations

import re

from sqlglot import exp

from .util import split_top, sql_string

HIVE_CATALOG = "hive"  # the Trino catalog assumed to hold the Hive metastore's roles (stated in the finding)

_ACCESS = re.compile(r"(grant|revoke)\b|(create|drop)\s+role\b|show\s+(grant|role\b|roles\b|current\s+roles|principals)", re.I)
_PRIVILEGE_STMT = re.compile(r"(?P<verb>grant|revoke)\s+(?P<option_for>grant option for\s+)?(?P<privs>.+?)\s+on\s+"
                             r"(?:(?P<kind>table|database|schema|server|uri)\s+)?(?P<obj>[`\w.${}:]+)\s*"
                             r"(?:partition\s*\((?P<part>.*?)\)\s*)?(?:to|from)\s+(?P<who>.+?)"
                             r"(?P<grant_option>\s+with grant option)?$", re.I)
_ROLE_STMT = re.compile(r"(?P<verb>grant|revoke)\s+(?P<option_for>admin option for\s+)?(?:role\s+)?(?P<roles>[`\w, ]+?)\s+"
                        r"(?:to|from)\s+(?P<who>.+?)(?P<admin_option>\s+with admin option)?$", re.I)
_SHOW_GRANT = re.compile(r"show\s+grant(?:\s+(?P<who>(?:user|role|group)\s+[`\w.]+))?(?:\s+on\s+(?:(?P<all>all)|"
                         r"(?:(?P<kind>table|database|schema)\s+)?(?P<obj>[`\w.${}:]+)\s*(?P<cols>\(.*\))?))?$", re.I)
_SHOW_ROLE_GRANT = re.compile(r"show\s+role\s+grant\s+(?P<who>(?:user|role|group)\s+[`\w.]+)$", re.I)
_SHOW_PRINCIPALS = re.compile(r"show\s+principals\s+(?P<role>[`\w]+)$", re.I)
_CREATE_DROP_ROLE = re.compile(r"(?P<verb>create|drop)\s+role\s+(?P<role>[`\w]+)$", re.I)
_SHOW_ROLES = re.compile(r"show\s+(?P<current>current\s+)?roles$", re.I)

# Hive privilege -> Trino privilege; Hive's legacy ALTER, DROP, INDEX, LOCK, SHOW_DATABASE have none
_PRIVILEGES = {"select": "SELECT", "insert": "INSERT", "update": "UPDATE", "delete": "DELETE", "all": "ALL PRIVILEGES"}

HONOURED = ("GRANT/REVOKE and roles take effect only in a Trino Hive catalog with hive.security=sql-standard (kept in "
            "the same Hive metastore); OKDP Iceberg catalogs enforce access with Ranger/OPA policies")
FIX = "run it against the Hive catalog with hive.security=sql-standard, or recreate it as a Ranger/OPA policy for the Iceberg catalog"


class NoEquivalent(Exception):
    """The statement has no Trino form: the message names what is missing."""


def grants(tree: exp.Expression, ctx):
    if not _ACCESS.match(ctx.source.lstrip()):
        return tree
    text = " ".join(ctx.source.strip().rstrip(";").split())
    if ctx.target != "trino":
        ctx.skipped = ("Spark SQL has no access-control statements (its parser refuses GRANT, REVOKE and roles): "
                       "recreate this as a Ranger policy")
        return tree
    try:
        statements, notes = _trino(text)
    except NoEquivalent as exc:
        ctx.flag("grants", "error", str(exc), fix="recreate this privilege as a Ranger/OPA policy")
        return exp.Command(this=text.split()[0])  # nothing is generated for it
    ctx.flag("grants", "warning", "; ".join([HONOURED, *notes]), fix=FIX)
    return statements


def _trino(text: str) -> tuple[list[str], list[str]]:
    m = _CREATE_DROP_ROLE.match(text)
    if m:
        return [f"{m['verb'].upper()} ROLE {_name(m['role'])} IN {HIVE_CATALOG}"], [_catalog_note()]
    m = _SHOW_ROLES.match(text)
    if m:
        return [f"SHOW {'CURRENT ' if m['current'] else ''}ROLES FROM {HIVE_CATALOG}"], [_catalog_note()]
    m = _SHOW_ROLE_GRANT.match(text)
    if m:
        kind, name = _principal(m["who"])
        where = f"grantee = {sql_string(_plain(name, kind))} AND grantee_type = '{kind}'"
        sql = (f"SELECT role_name, grantee, grantee_type, is_grantable FROM {HIVE_CATALOG}.information_schema."
               f"role_authorization_descriptors WHERE {where}")
        return [sql], [_catalog_note(), _visibility_note()]
    m = _SHOW_PRINCIPALS.match(text)
    if m:
        role = sql_string(_plain(m["role"], "ROLE"))
        sql = (f"SELECT grantee, grantee_type, grantor, is_grantable FROM {HIVE_CATALOG}.information_schema."
               f"role_authorization_descriptors WHERE role_name = {role}")
        return [sql], [_catalog_note(), _visibility_note()]
    m = _SHOW_GRANT.match(text)
    if m:
        return _show_grant(m)
    m = _PRIVILEGE_STMT.match(text)
    if m:
        return _privileges(m)
    m = _ROLE_STMT.match(text)
    if m:
        return _roles(m)
    raise NoEquivalent("access-control statement in a form not recognised here")


def _privileges(m: re.Match) -> tuple[list[str], list[str]]:
    privs = [p.strip() for p in split_top(m["privs"])]
    if any("(" in p for p in privs):
        raise NoEquivalent("column-level privileges: Trino grants whole tables only (a Ranger policy can name columns)")
    kind = (m["kind"] or "table").lower()
    if kind != "table":
        raise NoEquivalent(f"privileges on a {kind.upper()}: Trino's Hive catalog keeps table privileges only")
    if m["part"] is not None:
        raise NoEquivalent("partition-level privileges: Trino has none")
    missing = [p for p in privs if p.lower() not in _PRIVILEGES]
    if missing:
        raise NoEquivalent(f"Hive privilege {', '.join(p.upper() for p in missing)} has no Trino privilege")
    words = "ALL PRIVILEGES" if any(p.lower() == "all" for p in privs) else ", ".join(_PRIVILEGES[p.lower()] for p in privs)
    table = exp.to_table(m["obj"], dialect="hive").sql("trino")
    verb = m["verb"].upper()
    head = f"{verb} {'GRANT OPTION FOR ' if m['option_for'] else ''}{words} ON TABLE {table}"
    tail = " WITH GRANT OPTION" if m["grant_option"] and verb == "GRANT" else ""
    out = [f"{head} {'TO' if verb == 'GRANT' else 'FROM'} {kind_} {_name(name)}{tail}"
           for kind_, name in map(_principal, split_top(m["who"]))]  # Trino takes one grantee per statement
    notes = [("Trino's ALL PRIVILEGES is SELECT, INSERT, UPDATE, DELETE; Hive's legacy ALL also gave ALTER, DROP, "
              "INDEX, LOCK")] if words == "ALL PRIVILEGES" else []
    return out, notes


def _roles(m: re.Match) -> tuple[list[str], list[str]]:
    roles = [r.strip() for r in m["roles"].split(",")]
    if all(r.lower() in _PRIVILEGES or r.lower() in ("alter", "create", "drop", "index", "lock") for r in roles):
        raise NoEquivalent(f"server-wide privileges ({', '.join(r.upper() for r in roles)} with no ON): Trino has none")
    verb = m["verb"].upper()
    who = ", ".join(f"{k} {_name(n)}" for k, n in map(_principal, split_top(m["who"])))
    head = f"{verb} {'ADMIN OPTION FOR ' if m['option_for'] else ''}{', '.join(_name(r) for r in roles)}"
    tail = " WITH ADMIN OPTION" if m["admin_option"] and verb == "GRANT" else ""
    return [f"{head} {'TO' if verb == 'GRANT' else 'FROM'} {who}{tail} IN {HIVE_CATALOG}"], [_catalog_note()]


def _show_grant(m: re.Match) -> tuple[list[str], list[str]]:
    if m["cols"]:
        raise NoEquivalent("column-level privileges: Trino grants whole tables only (a Ranger policy can name columns)")
    if m["kind"] and m["kind"].lower() != "table":
        raise NoEquivalent(f"privileges on a {m['kind'].upper()}: Trino's Hive catalog keeps table privileges only")
    conds = []
    if m["who"]:
        kind, name = _principal(m["who"])
        conds += [f"grantee = {sql_string(_plain(name, kind))}", f"grantee_type = '{kind}'"]
    if m["obj"] and not m["all"]:
        table = exp.to_table(m["obj"], dialect="hive")
        if table.db:
            conds.append(f"table_schema = {sql_string(table.db.lower())}")
        conds.append(f"table_name = {sql_string(table.name.lower())}")
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    sql = ("SELECT grantee, grantee_type, table_schema, table_name, privilege_type, is_grantable "
           f"FROM information_schema.table_privileges{where}")
    return [sql], [_visibility_note()]


def _principal(text: str) -> tuple[str, str]:
    words = text.split()
    if len(words) == 1:
        return "USER", words[0]
    kind = words[0].upper()
    if kind == "GROUP":
        raise NoEquivalent(f"GROUP {words[1]}: Trino's Hive catalog takes USER and ROLE principals only (Ranger policies take groups)")
    if kind not in ("USER", "ROLE") or len(words) != 2:
        raise NoEquivalent(f"principal not understood: {text}")
    return kind, words[1]


def _name(name: str) -> str:
    return exp.to_identifier(name.strip("`")).sql("trino")


def _plain(name: str, kind: str) -> str:
    name = name.strip("`")
    return name.lower() if kind == "ROLE" else name  # Hive stores role names lower-cased; user names as given


def _catalog_note() -> str:
    return f"roles are named IN {HIVE_CATALOG}, the Trino Hive catalog's name assumed here (without IN they would be system roles)"


def _visibility_note() -> str:
    return "Trino's information_schema shows only what the current user may see (every grantee needs the admin role)"
