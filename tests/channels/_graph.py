"""What the Instagram and Facebook fakes share: the Graph API's error object and cursor paging."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tests.fakeapi import Answer, Seen

ERRORS = {
    "token": Answer(
        400,
        {
            "error": {
                "message": "Error validating access token: The session has been invalidated because the user "
                "changed their password.",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 460,
                "fbtrace_id": "AbCdEfGh123",
            }
        },
    ),
    "scope": Answer(
        403,
        {
            "error": {
                "message": "(#10) This endpoint requires the 'pages_read_engagement' permission.",
                "type": "OAuthException",
                "code": 10,
                "fbtrace_id": "AbCdEfGh124",
            }
        },
    ),
    "rate": Answer(
        400,
        {
            "error": {
                "message": "(#4) Application request limit reached",
                "type": "OAuthException",
                "code": 4,
                "is_transient": True,
                "fbtrace_id": "AbCdEfGh125",
            }
        },
    ),
}


def moved(value: str, by: timedelta) -> str:
    """A Graph time (`2026-11-27T06:00:00+0000`) moved by `by`, in the same form."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z") + by
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def when(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def page(seen: Seen, base: str, items: Sequence[dict[str, Any]], time_key: str) -> Answer:
    """`since` (unix) filter, newest first, `limit` ≤ 100, `after` cursor, `paging.next` while more."""
    since = int(seen.param("since") or "0")
    limit = int(seen.param("limit") or "25")
    if limit > 100:
        return Answer(
            400, {"error": {"message": "(#100) limit must be at most 100", "type": "OAuthException", "code": 100}}
        )
    kept = sorted((i for i in items if when(i[time_key]).timestamp() >= since), key=lambda i: i[time_key], reverse=True)
    after = seen.param("after")
    start = int(base64.b64decode(after).decode()) if after else 0
    chunk = kept[start : start + limit]
    body: dict[str, Any] = {"data": chunk}
    if chunk:
        cursors = {
            "before": base64.b64encode(str(start).encode()).decode(),
            "after": base64.b64encode(str(start + len(chunk)).encode()).decode(),
        }
        body["paging"] = {"cursors": cursors}
        if start + len(chunk) < len(kept):
            body["paging"]["next"] = f"{base}{seen.path}?after={cursors['after']}"
    return Answer(200, body)
