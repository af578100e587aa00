"""`hashtag-bot run`: the Bolt app over Socket Mode or HTTP (waitress), with the scheduler beside it."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import threading
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
from bot.storage import Store, StoreError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"  # slash commands, buttons and events all arrive here
HEALTH_PATH = "/healthz"
READS = frozenset({"GET", "HEAD"})
HTTP_THREADS = 16
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few KB; refuse anything absurd early


def wsgi_app(app: App, health: Callable[[], dict[str, Any]]) -> WSGIApplication:
    """POST /slack/events goes to Bolt (signature checked there); GET /healthz for the platform."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def route(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in READS:
            status = health()
            body = json.dumps(status).encode()
            code = "200 OK" if status.get("ok") else "503 Service Unavailable"
            start_response(
                code, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return route


class HttpServer:
    """waitress, stoppable from another thread (signal handler, test teardown)."""

    def __init__(
        self,
        application: WSGIApplication,
        *,
        host: str,
        port: int,
        threads: int = HTTP_THREADS,
        stopping: threading.Event | None = None,
    ):
        try:
            self.server = waitress.create_server(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="hashtag-bot",
                max_request_body_size=MAX_BODY_BYTES,
                clear_untrusted_proxy_headers=True,
            )
        except OSError as err:
            raise ConfigError(
                f"Can't listen on {host}:{port} ({err}): choose another --port or PORT"
            ) from None
        self.stopping = stopping or threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}"

    def serve(self) -> None:
        """Serve until stop(); then close every connection and wait for requests in flight."""
        socket_map = self.server._map  # waitress has no public stop; its own loop runs on this map
        try:
            while not self.stopping.is_set():
                wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
        finally:
            self.server.task_dispatcher.shutdown(cancel_pending=False, timeout=10)
            for channel in list(socket_map.values()):
                channel.close()

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


def check_bot_token(settings: Settings) -> None:
    """Say clearly, before anything starts, that Slack rejects the token (never print it)."""
    try:
        create_web_client(settings).auth_test()
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
    check_bot_token(settings)
    stop = stop or threading.Event()
    store = Store(settings.db_path)
    services = build_services(settings, store)
    app = create_app(services, verify_token=True)
    listener = BlueskyListener(settings, store, kb=services.kb)  # as it happens, not per cycle
    scheduler = create_scheduler(
        services, sources=[n for n in SOURCE_NAMES if n != "bluesky"], slack=app.client
    )
    handler: SocketModeHandler | None = None
    scheduler.start()
    listener.start()
    try:
        with stopping_on_sigterm(stop):
            if socket_mode:
                handler = SocketModeHandler(
                    app, app_token=settings.slack_app_token, web_client=app.client
                )
                connect_socket_mode(handler)
                log.info("hashtag-bot is running in Socket Mode")
                if ready:
                    ready("socket mode")
                while not stop.wait(0.5):
                    pass
            else:
                server = HttpServer(
                    wsgi_app(app, health_of(store)),
                    host=host,
                    port=settings.port if port is None else port,
                    stopping=stop,
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
