"""`hashtag-bot run`: the Bolt app over Socket Mode or HTTP (waitress), with the scheduler beside it."""

from __future__ import annotations

import io
import json
import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import waitress
from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError, SlackClientError
from waitress import wasyncore

from bot.app import close_app, create_app, create_web_client
from bot.config import ConfigError, Settings
from bot.scheduling import create_scheduler
from bot.services import build_services
from bot.services.bluesky_stream import BlueskyListener
from bot.services.collection import SOURCE_NAMES
from bot.slack.installation import Installation
from bot.slack.request_gate import Refusal, SignedRequests
from bot.storage import Store, StoreError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"  # slash commands, buttons and events all arrive here
HEALTH_PATH = "/healthz"
READS = frozenset({"GET", "HEAD"})
HTTP_THREADS = 16
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few KB; refuse anything absurd early
REQUEST_TIMEOUT_S = 10.0  # Slack sends a whole request in milliseconds; a trickle is cut off
MAX_CONNECTIONS = 1000  # open at once; reached only by a flood, with slow requests cut off
REFUSED = {401: "401 Unauthorized", 413: "413 Payload Too Large"}


def wsgi_app(
    app: App, health: Callable[[], dict[str, Any]], signing_secret: str
) -> WSGIApplication:
    """POST /slack/events goes to Bolt once its signature has passed (slack/request_gate.py); GET /healthz for
    the platform; anything else is 404.

    Refusals are one warning line each (no traceback, nothing of the body): the log stays
    readable however much junk arrives.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    signed = SignedRequests(signing_secret)

    def answer(start_response: StartResponse, status: str, body: bytes = b"") -> list[bytes]:
        kind = "application/json" if body.startswith(b"{") else "text/plain; charset=utf-8"
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]

    def refuse(
        environ: WSGIEnvironment, start_response: StartResponse, refusal: Refusal
    ) -> list[bytes]:
        log.warning(
            "refused a request to %s from %s: %s (%d)",
            EVENTS_PATH,
            environ.get("REMOTE_ADDR", "?"),
            refusal.reason,
            refusal.status,
        )
        return answer(start_response, REFUSED[refusal.status])

    def route(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in READS:
            status = health()
            code = "200 OK" if status.get("ok") else "503 Service Unavailable"
            return answer(start_response, code, json.dumps(status).encode())
        if path != EVENTS_PATH:
            return answer(start_response, "404 Not Found", b"Not Found")
        if method != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Length", "0")])
            return [b""]
        body = read_body(environ)
        if body is None:
            return refuse(environ, start_response, Refusal(413, "body over the size limit"))
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if (
            refusal := signed.refusal(timestamp, signature, body, environ.get("CONTENT_TYPE", ""))
        ) is not None:
            return refuse(environ, start_response, refusal)
        return slack(
            environ | {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))},
            start_response,
        )

    return route


def read_body(environ: WSGIEnvironment) -> bytes | None:
    """The raw body, or None when it is over MAX_BODY_BYTES (then not read at all if declared)."""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body: bytes = environ["wsgi.input"].read(declared if declared > 0 else MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


class HttpServer:
    """waitress, stoppable from another thread (signal handler, test teardown), that no slow
    client can hold up.

    waitress reads requests asynchronously and hands only complete ones to its threads, but it
    closes a connection only when it goes idle, and one that sends a byte now and then never
    does. So each connection must deliver a complete request, headers and body, within
    `request_timeout_s` of opening (or of its previous answer); the loop below closes those that
    don't. With that bound, `max_connections` is only reached by a flood, never by a few
    trickling clients, and /healthz and slash commands keep being answered.
    """

    def __init__(
        self,
        application: WSGIApplication,
        *,
        host: str,
        port: int,
        threads: int = HTTP_THREADS,
        stopping: threading.Event | None = None,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
    ):
        try:
            self.server = waitress.create_server(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="hashtag-bot",
                # Above this waitress answers 413 itself, from Content-Length, without reading
                # or logging; between the two limits wsgi_app refuses with a log line.
                max_request_body_size=2 * MAX_BODY_BYTES,
                clear_untrusted_proxy_headers=True,
                connection_limit=max_connections,
                channel_timeout=max(1, int(request_timeout_s)),
            )
        except OSError as err:
            raise ConfigError(
                f"Can't listen on {host}:{port} ({err}): choose another --port or PORT"
            ) from None
        self.stopping = stopping or threading.Event()
        self.request_timeout_s = request_timeout_s
        self._waiting_since: dict[Any, float] = {}  # channel -> when it began to owe a request

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}"

    def serve(self) -> None:
        """Serve until stop(); then close every connection and wait for requests in flight."""
        socket_map = self.server._map  # waitress has no public stop; its own loop runs on this map
        try:
            while not self.stopping.is_set():
                wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
                self.close_slow_requests(time.monotonic())
        finally:
            self.server.task_dispatcher.shutdown(cancel_pending=False, timeout=10)
            for channel in list(socket_map.values()):
                channel.close()

    def close_slow_requests(self, now: float) -> int:
        """Close every connection that has owed a complete request for longer than allowed."""
        closed = 0
        alive = {}
        for channel in list(self.server.active_channels.values()):
            if channel.requests:  # being answered: the clock starts again after the answer
                continue
            since = self._waiting_since.get(channel, now)
            alive[channel] = since
            if now - since > self.request_timeout_s and not channel.will_close:
                channel.will_close = True
                closed += 1
                log.warning(
                    "closed a connection from %s that sent no complete request in %.0f s",
                    channel.addr[0] if channel.addr else "?",
                    self.request_timeout_s,
                )
        self._waiting_since = alive
        return closed

    def stop(self) -> None:
        self.stopping.set()

    @contextmanager
    def running(self) -> Iterator[HttpServer]:
        """Serve from a thread for the length of the block (tests, benchmarks)."""
        thread = threading.Thread(target=self.serve, name="hashtag-bot-http", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stop()
            thread.join(timeout=15)


def health_of(store: Store) -> Callable[[], dict[str, Any]]:
    """/healthz: 503 when the database can't be read, so the platform restarts the bot."""

    def health() -> dict[str, Any]:
        try:
            sources = store.health()
        except (StoreError, sqlite3.Error) as err:
            return {"ok": False, "database": str(err)}
        return {"ok": True, "sources": {name: ok for name, (ok, _, _) in sources.items()}}

    return health


def check_bot_token(settings: Settings) -> Installation:
    """Say clearly, before anything starts, that Slack rejects the token (never print it);
    otherwise the workspace and app it belongs to, the only ones the bot will serve."""
    try:
        return Installation.from_auth_test(create_web_client(settings).auth_test())
    except SlackApiError as err:
        code = err.response.get("error", "unknown_error")
        log.error("Slack rejected SLACK_BOT_TOKEN at start-up (%s)", code)
        raise ConfigError(
            f"Slack rejected SLACK_BOT_TOKEN ({code}). Copy the Bot User OAuth Token again from "
            "OAuth & Permissions, reinstall the app if needed, and run `hashtag-bot doctor`."
        ) from None
    except (SlackClientError, OSError) as err:
        raise ConfigError(f"Can't reach Slack at {settings.slack_api_url}: {err}") from None


def connect_socket_mode(handler: SocketModeHandler) -> None:
    """Open the websocket; a rejected app token is a set-up problem, said as one.

    The built-in client (Bolt's recommendation) connects before returning; the websocket-client
    one connects from a background thread and can race its own reconnect monitor at start-up.
    """
    try:
        handler.connect()
    except SlackApiError as err:
        code = err.response.get("error", "unknown_error")
        log.error("Slack rejected SLACK_APP_TOKEN (%s)", code)
        raise ConfigError(
            f"Slack rejected SLACK_APP_TOKEN ({code}): make an app-level token with "
            "connections:write under Basic Information, and turn Socket Mode on."
        ) from None
    except (SlackClientError, OSError) as err:
        raise ConfigError(f"Can't open a Socket Mode connection: {err}") from None


@contextmanager
def stopping_on_sigterm(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (a platform's restart) stops the bot like Ctrl-C; only the main thread can listen."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: shutting down", signum)
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_bot(
    settings: Settings,
    *,
    http: bool,
    port: int | None = None,
    host: str = "0.0.0.0",
    stop: threading.Event | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run until SIGTERM, Ctrl-C or `stop`; then stop taking requests, finish answers, stop jobs.

    `ready` is told where the bot listens (its URL, or "socket mode") once it does.
    """
    socket_mode = bool(settings.slack_app_token) and not http
    settings.require(
        "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"
    )
    installation = check_bot_token(settings)
    log.info("serving Slack %s", installation)
    stop = stop or threading.Event()
    store = Store(settings.db_path)
    services = build_services(settings, store)
    client = create_web_client(settings)  # the bot token's; Bolt's own client holds none
    app = create_app(services, client=client, installation=installation)
    listener = BlueskyListener(  # as it happens, with the census's hashtag tally
        settings, store, planner=services.planner, tally_guards=services.census.guards
    )
    scheduler = create_scheduler(
        services, sources=[n for n in SOURCE_NAMES if n != "bluesky"], slack=client
    )
    handler: SocketModeHandler | None = None
    scheduler.start()
    listener.start()
    try:
        with stopping_on_sigterm(stop):
            if socket_mode:
                handler = SocketModeHandler(
                    app, app_token=settings.slack_app_token, web_client=client
                )
                connect_socket_mode(handler)
                log.info("hashtag-bot is running in Socket Mode")
                if ready:
                    ready("socket mode")
                while not stop.wait(0.5):
                    pass
            else:
                server = HttpServer(
                    wsgi_app(app, health_of(store), settings.slack_signing_secret),
                    host=host,
                    port=settings.port if port is None else port,
                    stopping=stop,
                    request_timeout_s=settings.http_request_timeout_s,
                    max_connections=settings.http_max_connections,
                )
                log.info("hashtag-bot is listening at %s%s", server.url, EVENTS_PATH)
                if ready:
                    ready(server.url)
                server.serve()
    except KeyboardInterrupt:
        log.info("interrupted: shutting down")
    finally:
        if handler is not None:
            handler.close()
        listener.stop()
        scheduler.shutdown(wait=True)
        close_app(app)
        store.close()
