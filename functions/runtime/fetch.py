"""The `Fetch` that poll sources are handed in production: requests with timeouts, nothing else.

Connection failures and timeouts become `SourceUnavailableError` (retried from the cursor); every
HTTP status comes back as a response for the source to judge (`functions.core.polls.check`).
Redirects are followed (feeds move), bodies are capped so a runaway feed cannot exhaust memory.
"""

from __future__ import annotations

from functools import cache

import requests

from functions.core.polls import HttpRequest, HttpResponse, SourceUnavailableError

TIMEOUT = (3.05, 15.0)  # connect, read (seconds)
MAX_BODY_BYTES = 8 * 1024 * 1024
USER_AGENT = "mentiondesk/1.0 (+https://github.com/mentiondesk)"


@cache
def _session() -> requests.Session:
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    return http


def fetch(request: HttpRequest) -> HttpResponse:
    try:
        response = _session().request(
            request.method,
            request.url,
            params={k: v for k, v in request.params.items()},
            headers=dict(request.headers),
            data=dict(request.form) if request.form is not None else None,
            json=request.json_body,
            auth=request.basic_auth,
            timeout=TIMEOUT,
            stream=True,
        )
        with response:
            body = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise SourceUnavailableError(f"{error.__class__.__name__} on {request.method} {request.url}") from error
    if len(body) > MAX_BODY_BYTES:
        raise SourceUnavailableError(f"response from {request.url} is larger than {MAX_BODY_BYTES} bytes")
    return HttpResponse(response.status_code, body, dict(response.headers))
