"""Loopback stand-ins that speak Slack's wire format: the Web API, response_urls, Socket Mode.

Everything binds to 127.0.0.1 on an ephemeral port and is closed by its owner.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from websockets.sync.server import ServerConnection, serve

from tests.wire import send_json

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
APP_TOKEN = "xapp-1-A0TEST-1234-abcdef"
TEAM, CHANNEL, USER = "T0TRIALS", "C0RECRUIT", "U0ALICE"
APP_ID = "A0HASHTAG"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Call:
    """One request the stand-in received: a Web API method or a response_url post."""

    path: str
    headers: dict[str, str]
    params: dict[str, Any]

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Canned:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class SlackStandIn:
    """Web API at /api/<method> and response_urls at /respond/<name>, on one loopback server."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.scopes = "commands,chat:write,users:read"
        # users.info answers by user id (anyone else: a full member of TEAM); user groups' members
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, list[str]] = {}
        self.ws_url = ""
        self.canned: dict[str, Canned] = {}
        # (method, nth call) -> "hold" (take the call, answer only after release()), "drop" (read
        # it, then close the connection unanswered), "500" (an HTML error page) or a Slack error
        self.script: dict[tuple[str, int], str] = {}
        self.released = threading.Event()
        self.changed = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base + "/api"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/respond/{name}"

    def fail(self, method: str, error: str, *, status: int = 200, **headers: str) -> None:
        """Answer `method` with a Slack error from now on (status 429 for rate limits)."""
        self.canned[method] = Canned(status, {"ok": False, "error": error}, headers)

    def at_call(self, method: str, nth: int, what: str) -> None:
        """Script the nth call of `method` (a response_url's name for its posts): "hold" it
        unanswered until release(), "drop" the connection once it is read, answer "500" with an
        HTML page as a load balancer does, or refuse it with a Slack error (that call only)."""
        self.script[(method, nth)] = what

    def release(self) -> None:
        self.released.set()

    def api_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.path == f"/api/{method}"]

    def since_start(self) -> list[Call]:
        """Everything the bot asked of Slack after its start-up auth.test."""
        return [c for c in self.calls if c.path != "/api/auth.test"]

    def replies(self, name: str = "r1") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.path == f"/respond/{name}"]

    def wait_for(self, found: Callable[[], Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (result := found()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for Slack traffic: " + repr(self.calls))
                self.changed.wait(left)
            return result

    def reply(self, name: str = "r1", timeout: float = 5.0) -> dict[str, Any]:
        return self.wait_for(lambda: self.replies(name), timeout)[0]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _answer(self, method: str, params: dict[str, Any]) -> Canned:
        if method in self.canned:
            return self.canned[method]
        if method == "auth.test":
            body = {
                "ok": True,
                "url": "https://trials.slack.com/",
                "team": "Trials",
                "user": "hashtag-bot",
                "team_id": TEAM,
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
                "app_id": APP_ID,
                "app_name": "hashtag-bot",
                "is_enterprise_install": False,
            }
            return Canned(200, body, {"X-OAuth-Scopes": self.scopes})
        if method == "apps.connections.open":
            return Canned(200, {"ok": True, "url": self.ws_url})
        if method == "chat.postMessage":
            ts = f"1795000000.{len(self.api_calls(method)) + 1:06d}"  # each message its own ts
            return Canned(200, {"ok": True, "channel": params.get("channel"), "ts": ts})
        if method == "users.info":
            user_id = str(params.get("user") or "")
            user = {"id": user_id, "team_id": TEAM, "is_restricted": False}
            return Canned(200, {"ok": True, "user": user | self.users.get(user_id, {})})
        if method == "usergroups.users.list":
            group = str(params.get("usergroup") or "")
            if group not in self.groups:
                return Canned(200, {"ok": False, "error": "no_such_subteam"})
            return Canned(200, {"ok": True, "users": self.groups[group]})
        if method == "chat.delete":
            return Canned(
                200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
            )
        if method == "views.publish":
            return Canned(200, {"ok": True, "view": {"id": "V0HOME"}})
        if method == "views.open":  # the trigger_id of a slash command or a button
            if not params.get("trigger_id"):
                return Canned(200, {"ok": False, "error": "invalid_trigger_id"})
            return Canned(200, {"ok": True, "view": {"id": "V0MODAL"}})
        return Canned(200, {"ok": False, "error": "unknown_method"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                kind = self.headers.get("Content-Type", "")
                params: dict[str, Any] = {}
                if raw:
                    params = json.loads(raw) if "json" in kind else dict(parse_qsl(raw))
                call = Call(self.path, {k.lower(): v for k, v in self.headers.items()}, params)
                with standin.changed:
                    nth = sum(1 for c in standin.calls if c.path == call.path) + 1
                    scripted = standin.script.get((call.method, nth), "")
                    canned = (
                        Canned(200, {"ok": True})
                        if self.path.startswith("/respond/")
                        else standin._answer(call.method, params)
                    )
                    if scripted and scripted not in ("hold", "drop", "500"):
                        canned = Canned(200, {"ok": False, "error": scripted})
                    # Recorded before answering: once a client has its answer, it is listed.
                    standin.calls.append(call)
                    standin.changed.notify_all()
                if scripted == "hold":
                    standin.released.wait(60)
                if scripted == "drop":  # taken, and the connection breaks before any answer
                    self.close_connection = True
                    with suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if scripted == "500":
                    page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
                    with suppress(OSError):
                        self.send_response(500)
                        self.send_header("Content-Type", "text/html")
                        self.send_header("Content-Length", str(len(page)))
                        self.end_headers()
                        self.wfile.write(page)
                    return
                with suppress(OSError):  # the client is gone (killed while Slack took it)
                    send_json(self, canned.status, canned.body, canned.headers)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@contextmanager
def socket_mode_server(
    envelopes: list[dict[str, Any]], changed: threading.Condition | None = None
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A Socket Mode endpoint: says hello, sends each envelope, records what the app sends back
    (and notifies `changed`, e.g. the Web API stand-in's, so a test can wait on it)."""
    changed = changed or threading.Condition()
    received: list[dict[str, Any]] = []

    def session(connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": APP_ID},
                    "debug_info": {"host": "loopback", "approximate_connection_time": 3600},
                }
            )
        )
        for envelope in envelopes:
            connection.send(json.dumps(envelope))
        for message in connection:
            with changed:
                received.append(json.loads(message))
                changed.notify_all()

    with serve(session, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link/?ticket=loopback", received
        finally:
            server.shutdown()
            thread.join(timeout=5)
