"""Plumbing shared by the helpdesk contract servers: a strict router on 127.0.0.1, field checks,
staged failures, and a recording forwarder (for Prism).

A contract server answers only what the vendor documents for the calls we make, and rejects the
rest the way the vendor would: 401 (auth), 404 (unknown path or id), 405 (known path, wrong
method), 415 (body not `application/json`), 400 (a missing, unknown or mistyped field, with the
reason in the body). Staged failures come before any work (`fail_next`: 503 / 429 with
`Retry-After`) or after it (`lose_next_reply`: the work is done, the client sees a 504).
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


class Rejected(Exception):  # noqa: N818 -- an answer, not a fault
    """Answer `status` with `{"error": reason}` (or the vendor's own error `body`)."""

    def __init__(self, status: int, reason: str, body: Any = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.body = body if body is not None else {"error": reason}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    raw_query: str = ""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; 415 unless sent as `application/json`, 400 if not an object."""
        content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Rejected(415, f"Content-Type must be application/json, got {content_type or 'none'!r}")
        try:
            document = json.loads(self.body or b"null")
        except ValueError as error:
            raise Rejected(400, f"body is not JSON: {error}") from error
        if not isinstance(document, dict):
            raise Rejected(400, "body must be a JSON object")
        return document

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except ValueError:
            return None
        return (user, password) if sep else None


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    request_violations: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: float | None
    after_work: bool


Kind = type | tuple[type, ...]


def _is(value: Any, kind: Kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true is not a number
    return isinstance(value, kinds)


def check_fields(
    document: Mapping[str, Any],
    where: str,
    required: Mapping[str, Kind],
    optional: Mapping[str, Kind] | None = None,
) -> None:
    """400 for a missing required field, an unknown field, or a field of the wrong JSON type."""
    allowed = {**required, **(optional or {})}
    for name in required:
        if name not in document:
            raise Rejected(400, f"{where}.{name} is required")
    for name, value in document.items():
        if name not in allowed:
            raise Rejected(400, f"{where}.{name} is not a field we accept here")
        if not _is(value, allowed[name]):
            raise Rejected(400, f"{where}.{name} has the wrong type ({type(value).__name__})")


def check_strings(values: Any, where: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise Rejected(400, f"{where} must be a list of strings")
    return values


Handler = Callable[[Request, "re.Match[str]"], Reply]


class HelpdeskServer:
    """A threaded HTTP server on 127.0.0.1 (free port) that answers through `handle`."""

    name: ClassVar[str] = "helpdesk"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.seen: list[Exchange] = []
        self._faults: deque[_Fault] = deque()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                    raw_query=parts.query,
                )
                status, payload, headers = owner._answer(request)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name=self.name)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, n: int = 1, status: int = 503, retry_after: float | None = 1) -> None:
        """The next `n` requests get `status` (with `Retry-After`) and change nothing."""
        with self.lock:
            self._faults.extend(_Fault(status, retry_after, after_work=False) for _ in range(n))

    def lose_next_reply(self, n: int = 1) -> None:
        """The next `n` requests are served, but the client gets a 504 instead of the answer."""
        with self.lock:
            self._faults.extend(_Fault(504, None, after_work=True) for _ in range(n))

    def _answer(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        with self.lock:
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and not fault.after_work:
            headers = {"Content-Type": "application/json"}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            self._record(Exchange(request.method, request.path, fault.status))
            return fault.status, json.dumps({"error": "staged failure"}).encode(), headers
        status, payload, headers, violations = self.serve(request)
        self._record(Exchange(request.method, request.path, status, violations))
        if fault is not None:
            return 504, b"gateway timeout", {"Content-Type": "text/plain"}
        return status, payload, headers

    def _record(self, exchange: Exchange) -> None:
        with self.lock:
            self.seen.append(exchange)

    def serve(self, request: Request) -> tuple[int, bytes, dict[str, str], tuple[str, ...]]:
        raise NotImplementedError


class ContractServer(HelpdeskServer):
    """A vendor's API as in-memory tickets: `authorize`, then the first route whose path matches."""

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path regex, handler), most specific first."""
        raise NotImplementedError

    def authorize(self, request: Request) -> None:
        raise NotImplementedError

    def serve(self, request: Request) -> tuple[int, bytes, dict[str, str], tuple[str, ...]]:
        try:
            reply = self._route(request)
        except Rejected as rejected:
            reply = Reply(rejected.status, rejected.body)
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = {"Content-Type": "application/json", **reply.headers} if payload else dict(reply.headers)
        return reply.status, payload, headers, ()

    def _route(self, request: Request) -> Reply:
        self.authorize(request)
        path_known = False
        for method, pattern, handler in self.routes():
            match = re.fullmatch(pattern, request.path)
            if match is None:
                continue
            path_known = True
            if method == request.method:
                with self.lock:
                    return handler(request, match)
        if path_known:
            raise Rejected(405, f"{request.method} is not allowed on {request.path}")
        raise Rejected(404, f"no such resource: {request.path}")


class RecordingForwarder(HelpdeskServer):
    """Forwards to `upstream` (Prism) unchanged and records each exchange with the request-side
    violations Prism reports in its `sl-violations` header; staged failures work as above."""

    name = "prism-front"

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = urlsplit(upstream)

    def serve(self, request: Request) -> tuple[int, bytes, dict[str, str], tuple[str, ...]]:
        connection = http.client.HTTPConnection(self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30)
        target = request.path + (f"?{request.raw_query}" if request.raw_query else "")
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        try:
            connection.request(request.method, target, body=request.body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            passed = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
        finally:
            connection.close()
        return response.status, payload, passed, request_violations(response.getheader("sl-violations"))


def request_violations(header: str | None) -> tuple[str, ...]:
    """Prism's `sl-violations` entries about the request (not about Prism's own mock response)."""
    if not header:
        return ()
    entries = json.loads(header)
    return tuple(
        f"{'.'.join(str(p) for p in entry.get('location', []))}: {entry.get('message')}"
        for entry in entries
        if entry.get("location", [""])[0] == "request"
    )
