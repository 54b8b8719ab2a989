"""One place that turns HTTP outcomes into helpdesk errors, for every adapter.

Retryable (outage, timeout, 429, 5xx) → `HelpdeskUnavailableError` carrying `Retry-After`, so the
queue retries the job; anything else non-2xx → `HelpdeskError`. No retry loop here: the SQS
redelivery (visibility timeout, then the DLQ) is the retry, so a slow helpdesk never holds a
Lambda for minutes.
"""

from __future__ import annotations

from typing import Any

import requests

from functions.core.tickets import HelpdeskError, HelpdeskUnavailableError

TIMEOUT = (3.05, 10.0)  # connect, read (seconds)


def session(headers: dict[str, str] | None = None) -> requests.Session:
    http = requests.Session()
    http.headers.update({"User-Agent": "mentiondesk/1.0", **(headers or {})})
    return http


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def call(http: requests.Session, method: str, url: str, vendor: str, **kwargs: Any) -> requests.Response:
    try:
        response = http.request(method, url, timeout=TIMEOUT, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise HelpdeskUnavailableError(f"{vendor}: {error.__class__.__name__} on {method} {url}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise HelpdeskUnavailableError(
            f"{vendor}: HTTP {response.status_code} on {method} {url}", retry_after=_retry_after(response)
        )
    if response.status_code >= 400:
        raise HelpdeskError(f"{vendor}: HTTP {response.status_code} on {method} {url}: {response.text[:200]}")
    return response
