"""HTTP mode keeps answering while clients trickle: a request must arrive whole, and in time."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from slack_bolt import App

from bot.server import HttpServer, health_of, wsgi_app
from bot.storage import Store
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import SIGNING_SECRET, SlackStandIn

TIMEOUT_S = 1.5  # HTTP_REQUEST_TIMEOUT_S, shortened so the test takes seconds
TRICKLERS = 110  # more than waitress's default connection limit (100)


@pytest.fixture
def patient_bot(app: App, store: Store, slack_api: SlackStandIn) -> Iterator[Bot]:
    server = HttpServer(
        wsgi_app(app, health_of(store), SIGNING_SECRET),
        host="127.0.0.1",
        port=0,
        threads=8,
        request_timeout_s=TIMEOUT_S,
    )
    with server.running():
        yield Bot(server.url, slack_api)


def trickle(url: str, stop: threading.Event, closed: list[bool], *, body: bool) -> None:
    """Open a connection and send a request a few bytes at a time, never finishing it."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
        if body:  # the headers arrive whole; the body never does
            conn.sendall(head + b"Content-Length: 500\r\nContent-Type: application/json\r\n\r\n{")
        else:
            conn.sendall(head)
        while not stop.is_set():
            try:
                conn.sendall(b"X-Slow: 1\r\n" if not body else b" ")
                conn.settimeout(0.4)
                if conn.recv(1) == b"":  # the server closed it
                    closed.append(True)
                    return
            except TimeoutError:
                continue
            except OSError:
                closed.append(True)
                return


def test_trickling_connections_are_cut_off_and_commands_and_health_are_answered(
    patient_bot: Bot,
) -> None:
    stop, closed = threading.Event(), list[bool]()
    threads = [
        threading.Thread(
            target=trickle, args=(patient_bot.url, stop, closed), kwargs={"body": n % 2 == 1}
        )
        for n in range(TRICKLERS)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)  # every trickler is connected and sending
        with urllib.request.urlopen(patient_bot.url + "/healthz", timeout=5) as health:
            assert health.status == 200
        answer = patient_bot.ask("lung cancer", "while-trickling")
        assert "#LCSM" in str(answer["blocks"])
        deadline = time.monotonic() + 10 * TIMEOUT_S
        while len(closed) < TRICKLERS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(closed) == TRICKLERS  # headers or body, none is kept past the time allowed
        answer = patient_bot.ask("crohns", "after")
        assert "Crohn" in str(answer["blocks"])
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
