"""A switchable reverse proxy on 127.0.0.1 in front of a real helpdesk, to stage its bad days.

Modes:
- `up`: forward every request unchanged;
- `down`: answer 503 with `Retry-After` without forwarding (an outage);
- `lost_reply`: forward, then answer a write (POST/PUT) with 504 anyway: the helpdesk did the
  work but we never heard. Reads pass, so a retry can find what the lost write made.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


class SwitchableProxy:
    def __init__(self, port: int, upstream: str) -> None:
        target = urlsplit(upstream)
        self.mode = "up"
        self.seen: list[tuple[str, str, str]] = []  # (mode, method, path)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            methods: ClassVar[tuple[str, ...]] = ("GET", "POST", "PUT", "DELETE")

            def log_message(self, format: str, *args: object) -> None:
                return

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append((proxy.mode, self.command, self.path))
                if proxy.mode == "down":
                    self._answer(503, b'{"message": "maintenance"}', {"Retry-After": "1"})
                    return
                upstream = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                upstream.close()
                if proxy.mode == "lost_reply" and self.command in ("POST", "PUT"):
                    self._answer(504, b"gateway timeout", {})
                    return
                passed = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
                self._answer(response.status, payload, passed)

            def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="proxy")

    def start(self) -> SwitchableProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
