"""Loopback stand-ins for the X API v2, Mastodon, Bluesky XRPC and Jetstream, in their wire formats.

Each is a real server on 127.0.0.1 that records what it was asked, so tests can check what a
user would pay for or see: which posts were read, from which position, with which query.
Any path can be bent (`bend`) to answer as servers sometimes do: an object where a list
belongs, a list where an object belongs, a maintenance page with status 200, an empty body.
This module holds the shared HTTP server and clock; each platform has its own module.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
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


JSON = "application/json; charset=utf-8"
# What a reverse proxy or a host's maintenance mode puts where the API answer belongs.
MAINTENANCE_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>We'll be back soon</title></head>"
    b"<body><h1>Down for maintenance</h1><p>Please try again in a few minutes.</p></body></html>\n"
)


@dataclass
class Answer:
    status: int
    body: Any = None  # dict/list as JSON, bytes as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON


def web_page(*, labelled: str = "text/html; charset=utf-8") -> Answer:
    """A maintenance page with status 200; some servers even label it as JSON (`labelled=JSON`)."""
    return Answer(200, MAINTENANCE_PAGE, content_type=labelled)


def empty_body() -> Answer:
    """Status 200 with nothing in it, labelled as JSON."""
    return Answer(200, b"")


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
        self.bent: dict[str, Answer] = {}  # path pattern -> what every matching request gets
        self.path_faults: list[tuple[str, Answer]] = []  # the next request on a path gets it
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

    def bend(self, path: str, answer: Answer) -> None:
        """Answer every request whose path matches `path` (shell-style: `/api/v1/statuses/*`)
        with `answer`, until `unbend`; scripted `faults` still come first."""
        self.bent[path] = answer

    def unbend(self) -> None:
        self.bent.clear()

    def fault_on(self, path: str, answer: Answer) -> None:
        """Answer the next request whose path matches `path` with `answer`, once."""
        self.path_faults.append((path, answer))

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
            for n, (path, fault) in enumerate(self.path_faults):
                if answer is None and fnmatchcase(asked.path, path):
                    del self.path_faults[n]
                    answer = fault
                    break
            bent = [a for path, a in self.bent.items() if fnmatchcase(asked.path, path)]
        answer = answer or (bent[0] if bent else self.answer(asked))
        if answer.content_type == JSON:
            send_json(handler, answer.status, answer.body, answer.headers)
        else:
            _send(handler, answer)

    def answer(self, asked: Asked) -> Answer:
        return Answer(404, {"error": "NotFound"})


def _send(handler: BaseHTTPRequestHandler, answer: Answer) -> None:
    """An answer labelled as something other than JSON, its bytes as they are."""
    raw = answer.body if isinstance(answer.body, bytes) else str(answer.body).encode()
    handler.send_response(answer.status)
    handler.send_header("Content-Type", answer.content_type)
    handler.send_header("Content-Length", str(len(raw)))
    for name, value in answer.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(raw)


# A person reads what went wrong in words; these are the names only a traceback should show.
RAW_ERROR_NAMES = re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b|\bException was\b|Traceback")


def assert_plain(text: str) -> None:
    """No exception class names, tracebacks or parser messages in what a person reads."""
    found = RAW_ERROR_NAMES.search(text) or re.search(r"Expecting value|line 1 column", text)
    assert found is None, f"{found.group(0)!r} shown to a person in: {text}"
