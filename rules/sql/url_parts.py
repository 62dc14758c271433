"""Hive's parse_url parts (java.net.URL) as Trino expressions: url_extract_* where Trino has the part,
a regular expression over the URL text where it has not (AUTHORITY, USERINFO), NULL for a part name
Hive does not know (parse_url returns NULL for it too; the names are case-sensitive)."""
from __future__ import annotations

from sqlglot import exp

_EXTRACT = {"HOST": "url_extract_host", "PATH": "url_extract_path", "QUERY": "url_extract_query",
            "REF": "url_extract_fragment", "PROTOCOL": "url_extract_protocol"}
_SCHEME = "^[A-Za-z][A-Za-z0-9+.-]*://"
_BY_PATTERN = {"AUTHORITY": _SCHEME + "([^/?#]*)", "USERINFO": _SCHEME + "([^/?#@]*)@"}


def url_part(url: exp.Expression, part: str) -> exp.Expression:
    """Trino expression for parse_url(url, part); `part` as Hive spells it, e.g. 'HOST' or 'QUERY:key'."""
    if part in _EXTRACT:
        return _call(_EXTRACT[part], url)
    if part.startswith("QUERY:"):
        return _call("url_extract_parameter", url, exp.Literal.string(part[len("QUERY:"):]))
    if part == "FILE":  # URL.getFile(): the path, then '?' and the query when there is one
        query = exp.Coalesce(this=exp.DPipe(this=exp.Literal.string("?"), expression=_call("url_extract_query", url)),
                             expressions=[exp.Literal.string("")])
        return exp.DPipe(this=_call("url_extract_path", url), expression=query)
    if part in _BY_PATTERN:
        return exp.RegexpExtract(this=url.copy(), expression=exp.Literal.string(_BY_PATTERN[part]), group=exp.Literal.number(1))
    return exp.cast(exp.Null(), "VARCHAR")


def _call(name: str, url: exp.Expression, *more: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=[url.copy(), *more])
