"""GET a JSON document from a service's REST API, with its failures translated into okdp_migrate.errors.

Shared by the Ranger admin, Oozie and HBase REST clients: each names its service and the setting that fixes it.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ..errors import AuthError, BadInputError, ServiceUnreachable


def get_json(opener: urllib.request.OpenerDirector, request: urllib.request.Request | str, *, timeout: float,
             service: str, obj: str, setting: str, example: str, path: str, auth_fix: str | None = None,
             non_json_fix: str | None = None, empty: bytes = b"") -> Any:
    """`auth_fix` given: HTTP 401/403 is an AuthError with that fix (else it is an unreachable service)."""
    try:
        with opener.open(request, timeout=timeout) as r:
            body = r.read() or empty
    except urllib.error.HTTPError as exc:
        if auth_fix and exc.code in (401, 403):
            raise AuthError(f"{service} refused the credentials (HTTP {exc.code})", obj=obj, fix=auth_fix) from None
        raise ServiceUnreachable(f"{service} answered HTTP {exc.code} for {path}", obj=obj,
                                 fix=f"check {setting} ({example})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ServiceUnreachable(f"{service} unreachable ({getattr(exc, 'reason', exc)})", obj=obj,
                                 fix=f"check {setting} and the network") from None
    try:
        return json.loads(body)
    except ValueError:
        raise BadInputError(f"{service} returned non-JSON for {path}", obj=obj,
                            fix=non_json_fix or f"check {setting}") from None
