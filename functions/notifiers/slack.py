"""Slack incoming webhook: POST the webhook URL with `{"text": ...}`; Slack answers 200 `ok`.

Secrets: `webhook_url` (an incoming-webhook URL, itself the credential).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.core.tickets import HelpdeskError
from functions.runtime import http


def send(settings: Mapping[str, Any], secrets: Mapping[str, str], text: str) -> None:
    url = secrets.get("webhook_url")
    if not url:
        raise HelpdeskError("slack notifier needs the secret 'webhook_url'")
    http.call(http.session(), "POST", url, "slack", json={"text": text})
