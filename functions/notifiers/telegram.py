"""Telegram bot message: `POST {api}/bot<token>/sendMessage` with `{chat_id, text}` → `{"ok": true}`.

Settings: `chat_id` (the on-call group or channel), `api_base` (default https://api.telegram.org).
Secrets: `bot_token`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.core.tickets import HelpdeskError
from functions.runtime import http

API_BASE = "https://api.telegram.org"


def send(settings: Mapping[str, Any], secrets: Mapping[str, str], text: str) -> None:
    token, chat_id = secrets.get("bot_token"), settings.get("chat_id")
    if not token or not chat_id:
        raise HelpdeskError("telegram notifier needs the secret 'bot_token' and the setting 'chat_id'")
    base = str(settings.get("api_base", API_BASE)).rstrip("/")
    payload = {"chat_id": chat_id, "text": text[:4096], "disable_web_page_preview": True}
    answer = http.call(http.session(), "POST", f"{base}/bot{token}/sendMessage", "telegram", json=payload).json()
    if not answer.get("ok"):
        raise HelpdeskError(f"telegram refused the message: {answer.get('description', 'no reason')}")
