"""A real HTTP server on 127.0.0.1 that plays a poll source's API in tests.

A fake (`tests/sources/<source>_api.py`) decides each answer from the request it receives, the way
the real API would (pagination, since-filters, ETag/304, rate-limit headers); `FakeApiServer` only
carries bytes and records every request, so tests can check what a source sent (tokens, cursors,
conditional headers, User-Agent) and that no test reaches the internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering: the caller never hears back

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            return self.body, headers
        if isinstance(self.body, str):
            return self.body.encode(), headers
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(self.body).encode(), headers


Handler = Callable[[Seen], Answer]


class FakeApiServer:
    def __init__(self, port: int = 0) -> None:
        self.requests: list[Seen] = []
        self.handler: Handler = lambda seen: Answer(404, {"error": "no handler"})
        self.queued: list[Answer] = []  # answered first, in order (outages, 429s), before the handler
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._request_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        self.requests.clear()
        self.queued.clear()

    def _answer(self, seen: Seen) -> Answer:
        self.requests.append(seen)
        return self.queued.pop(0) if self.queued else self.handler(seen)

    def _request_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Request(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    dict(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                )
                answer = outer._answer(seen)
                if answer.drop:
                    self.close_connection = True
                    return
                body, headers = answer.encoded()
                self.send_response(answer.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if answer.status != 304 and self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve  # noqa: N815 (the names http.server dispatches to)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Request


@contextmanager
def fake_api() -> Iterator[FakeApiServer]:
    server = FakeApiServer().start()
    try:
        yield server
    finally:
        server.stop()
