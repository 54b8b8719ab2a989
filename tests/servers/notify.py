"""On-call endpoints on 127.0.0.1 that check our requests against the vendors' contracts.

- Slack incoming webhook: `POST /slack/<T>/<B>/<secret>` with JSON `{"text": ...}` → 200 `ok`
  (Slack answers 400 `invalid_payload` / `no_text` otherwise).
- Telegram Bot API: `POST /telegram/bot<token>/sendMessage` with JSON `chat_id` and `text` →
  `{"ok": true, "result": {...}}`; a wrong token → 401 `{"ok": false, ...}`.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLACK_PATH = re.compile(r"^/slack/T\w+/B\w+/\w+$")
TELEGRAM_PATH = re.compile(r"^/telegram/bot(?P<token>\d+:[\w-]+)/sendMessage$")


class NotifyServer:
    def __init__(self, port: int, telegram_token: str) -> None:
        self.slack: list[dict[str, Any]] = []
        self.telegram: list[dict[str, Any]] = []
        self.failures = 0  # answer the next N requests 500, to stage an outage
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if server.failures > 0:
                    server.failures -= 1
                    self._reply(500, b"internal_error", "text/plain")
                    return
                if not self.headers.get("Content-Type", "").startswith("application/json"):
                    self._reply(400, b"invalid_payload", "text/plain")
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    self._reply(400, b"invalid_payload", "text/plain")
                    return
                if SLACK_PATH.match(self.path):
                    if not isinstance(body.get("text"), str) or not body["text"]:
                        self._reply(400, b"no_text", "text/plain")
                        return
                    server.slack.append(body)
                    self._reply(200, b"ok", "text/html")
                    return
                match = TELEGRAM_PATH.match(self.path)
                if match is None:
                    self._reply(404, b"no_service", "text/plain")
                    return
                if match["token"] != telegram_token:
                    self._reply(
                        401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}', "application/json"
                    )
                    return
                if not body.get("chat_id") or not isinstance(body.get("text"), str) or not body["text"]:
                    self._reply(
                        400,
                        b'{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"}',
                        "application/json",
                    )
                    return
                server.telegram.append(body)
                result = {"message_id": len(server.telegram), "chat": {"id": body["chat_id"]}, "text": body["text"]}
                self._reply(200, json.dumps({"ok": True, "result": result}).encode(), "application/json")

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True, name="notify").start()

    def clear(self) -> None:
        self.slack.clear()
        self.telegram.clear()
        self.failures = 0

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
