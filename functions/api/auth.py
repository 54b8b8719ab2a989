"""The read API's key: `X-Api-Key` against one SSM SecureString per stage, compared in constant time.

Every read route (mentions, tickets, brand pages, queue details) is wrapped in `@require_key(bp)`.
The key lives in the SSM parameter named by `READ_API_KEY_PARAMETER` (default
`/mentiondesk/<stage>/read-api-key`), read through `functions.runtime.secrets` (cached for
`SECRETS_TTL_SECONDS`, so a rotated key is live within the TTL). The answers:

- no `X-Api-Key` header: 401, without a call to SSM (anonymous scanners cost nothing);
- the parameter is missing or unreadable: 503 with the reason (fail closed: nobody gets in);
- SSM itself is down: 503 "retry later";
- a wrong key: 403.

Webhooks and `/helpdesk-events` are not wrapped: each network and helpdesk has its own proof.
Keys never travel in URLs (they would land in access logs and browser history).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Blueprint, Response

from functions.core.webhooks import same_secret
from functions.runtime import secrets
from functions.runtime.log import log, metric
from functions.runtime.settings import settings

HEADER = "X-Api-Key"
PARAMETER_ENV = "READ_API_KEY_PARAMETER"

View = TypeVar("View", bound=Callable[..., Response])


def parameter_name() -> str:
    """The SSM parameter holding the read API key for this stage."""
    return os.environ.get(PARAMETER_ENV) or f"/mentiondesk/{settings().stage}/read-api-key"


def _refuse(status: int, reason: str, why: str, path: str) -> Response:
    log("read.rejected", level="warning", status=status, reason=why, path=path)
    metric("ReadRejected", dimensions={"reason": why})
    return Response(
        json.dumps({"error": reason}),
        status_code=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


def check(given: str | None, path: str = "") -> Response | None:
    """None when `given` is the read API key; otherwise the refusal to send back."""
    if not given:
        return _refuse(401, f"missing {HEADER} header", "missing", path)
    name = parameter_name()
    try:
        expected = secrets.secret(f"ssm:{name}")
    except secrets.SecretStoreDownError:
        return _refuse(503, "secrets store unavailable; retry later", "store_down", path)
    except secrets.SecretUnavailableError:
        return _refuse(503, f"read API key is not configured (SSM parameter {name}); access is closed", "unset", path)
    if not same_secret(given, expected):
        return _refuse(403, f"wrong {HEADER}", "wrong", path)
    return None


def require_key(bp: Blueprint) -> Callable[[View], View]:
    """Decorator for a route of `bp`: the view runs only for a request carrying the read API key."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            request = bp.current_request
            refusal = check(request.headers.get(HEADER), request.path)
            return refusal if refusal is not None else view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
