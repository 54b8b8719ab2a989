"""A recording HTTP receiver on 127.0.0.1: what a helpdesk's push (RT's scrip) delivered, as sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]  # as sent (the case of the names kept)
    body: bytes


class Receiver:
    """Answers every POST 200 and keeps it; `wait_for(n)` blocks until n arrived (or times out)."""

    def __init__(self, port: int = 0) -> None:
        self.deliveries: list[Delivery] = []
        self.arrived = threading.Condition()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                delivery = Delivery(self.path, dict(self.headers.items()), self.rfile.read(length))
                with owner.arrived:
                    owner.deliveries.append(delivery)
                    owner.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="receiver")

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10) -> list[Delivery]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)
