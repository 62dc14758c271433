"""GRANT / REVOKE / roles: Hive's SQL-standard authorization. On OKDP privileges are Ranger policies;
Spark SQL has no GRANT at all and Trino's Iceberg catalog does not take SQL grants, so these statements
are unsupported with that reason (not silently dropped: each names a privilege someone must recreate)."""
from __future__ import annotations

import re

from sqlglot import exp

_ACCESS = re.compile(r"(grant|revoke)\b|(create|drop)\s+role\b|show\s+(grant|role\b|roles\b|current\s+roles|principals)", re.I)


def grants(tree: exp.Expression, ctx):
    if not _ACCESS.match(ctx.source.strip()):
        return tree
    ctx.flag("grants", "error", "access-control statement: OKDP enforces privileges with Ranger policies, not SQL "
             f"grants ({ctx.target} on Iceberg takes none)", fix="recreate this privilege or role as a Ranger policy")
    return tree
