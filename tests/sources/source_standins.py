"""Loopback stand-ins for the X API v2, Mastodon, Bluesky XRPC and Jetstream, in their wire formats.

Each is a real server on 127.0.0.1 that records what it was asked, so tests can check what a
user would pay for or see: which posts were read, from which position, with which query.
This module holds the shared HTTP server and clock; each platform has its own module.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlparse

from tests.wire import send_json

GOOD_TOKEN = "AAAA-test-bearer"
# LIVE_NOW is the real clock, unlike the suite's fixed NOW (tests/factories.py): X ids are
# snowflakes (time-ordered), and a since_id older than recent search's seven days is rightly
# dropped, which would turn resume tests into first runs.
LIVE_NOW = datetime.now(UTC).replace(microsecond=0)
FIRST_ID = (int((LIVE_NOW - timedelta(days=1)).timestamp() * 1000) - 1_288_834_974_657) << 22


@dataclass
class Asked:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    multi: dict[str, list[str]] = field(
        default_factory=dict
    )  # repeated parameters (actors=…&actors=…)


@dataclass
class Answer:
    status: int
    body: Any = None  # dict/list as JSON, bytes as they are
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a process killed mid-request) is not the stand-in's fault."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class HttpStandIn:
    """A threaded loopback HTTP server; scripted `faults` are answered before normal replies."""

    def __init__(self) -> None:
        self.asked: list[Asked] = []
        self.faults: list[Answer] = []
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                standin._serve(self, "GET")

            def do_POST(self) -> None:
                standin._serve(self, "POST")

            def do_PUT(self) -> None:
                standin._serve(self, "PUT")

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(handler.path)
        multi = parse_qs(parsed.query)
        params = {k: v[-1] for k, v in multi.items()}
        length = int(handler.headers.get("Content-Length") or 0)
        asked = Asked(
            method, parsed.path, params, dict(handler.headers), handler.rfile.read(length), multi
        )
        with self.lock:
            self.asked.append(asked)
            answer = self.faults.pop(0) if self.faults else None
        answer = answer or self.answer(asked)
        send_json(handler, answer.status, answer.body, answer.headers)

    def answer(self, asked: Asked) -> Answer:
        return Answer(404, {"error": "NotFound"})
