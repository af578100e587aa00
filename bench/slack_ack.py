"""Time to ack `/hashtag` over the real HTTP server, and time until the answer reaches Slack.

Signed slash-command requests go from a thread pool to waitress on loopback, 8 and 32 at a
time; a loopback server plays Slack's Web API (auth.test) and the response_urls. Slack's side
runs in a child process so the bot's process measures only the bot. Targets: ack p99 <= 50 ms at
concurrency 8; the reply reaches the response_url within 300 ms (p95) at 1M posts. Run: python3 -m bench.slack_ack
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.app import close_app, create_app
from bot.config import Settings
from bot.server import EVENTS_PATH, HttpServer, health_of, wsgi_app
from bot.services import build_services
from bot.storage import Store

SECRET = "bench-signing-secret"
QUERIES = [
    "lung cancer",
    "crohns",
    "t1d",
    "#BCSM",
    "breast cancer",
    "ms",
    "glorbitis",
    "help",
    "list",
]
ACK_TARGET_MS = 50.0  # the benchmark issue's target (the Slack issue asked for 100)


class Backlogged(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops bursts of answers, costing a 1 s SYN retry
    daemon_threads = True


class FakeSlack:
    """auth.test for the app, and response_urls that note when each answer arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.arrival = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/respond/"):
                    with fake.arrival:
                        fake.arrived[self.path.rsplit("/", 1)[-1]] = time.perf_counter()
                        fake.arrival.notify_all()
                body = json.dumps(
                    {"ok": True, "user_id": "U0BOT", "team_id": "T0", "bot_id": "B0"}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = Backlogged(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, reply_id: str, timeout: float) -> float | None:
        """When the answer for reply_id reached its response_url, or None if it never did."""
        with self.arrival:
            self.arrival.wait_for(lambda: reply_id in self.arrived, timeout=timeout)
            return self.arrived.get(reply_id)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def command(url: str, slack: FakeSlack, n: int) -> tuple[str, float, float]:
    """(reply id, seconds to ack, when it was sent) for one signed `/hashtag` request."""
    reply_id = f"c{n}"
    body = urlencode({
        "team_id": "T0", "channel_id": "C0BENCH", "channel_name": "bench", "user_id": "U0",
        "command": "/hashtag", "text": QUERIES[n % len(QUERIES)], "api_app_id": "A0",
        "response_url": f"{slack.url}/respond/{reply_id}", "trigger_id": f"t{n}",
    })  # fmt: skip
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
            timestamp=stamp, body=body
        )
        or "",
    }
    request = urllib.request.Request(url + EVENTS_PATH, data=body.encode(), headers=headers)
    sent = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"ack status {response.status}")
    return reply_id, time.perf_counter() - sent, sent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(
    url: str, slack: FakeSlack, concurrency: int, count: int, start: int
) -> dict[str, float]:
    """`concurrency` people each typing `/hashtag`, reading the answer, then typing the next."""

    def one(n: int) -> tuple[float, float | None]:
        reply_id, ack, sent = command(url, slack, n)
        arrived = slack.wait_for(reply_id, timeout=30)
        return ack, None if arrived is None else arrived - sent

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(start, start + count)))
    acks = [ack for ack, _ in results]
    replies = [reply for _, reply in results if reply is not None]
    return {
        "ack_p50": percentile(acks, 50) * 1000,
        "ack_p99": percentile(acks, 99) * 1000,
        "ack_mean": statistics.fmean(acks) * 1000,
        "reply_p50": percentile(replies, 50) * 1000,
        "reply_p95": percentile(replies, 95) * 1000,
        "reply_p99": percentile(replies, 99) * 1000,
        "lost": float(count - len(replies)),
    }


def row(name: str, value: float, unit: str = "ms", limit: float | None = None) -> dict[str, Any]:
    """One figure in `python -m bench`'s shape: a target only where an issue sets one."""
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "target": "" if limit is None else f"<= {limit:g}",
        "met": None if limit is None else value <= limit,
    }


def slack_side(conn: Connection, count: int) -> None:
    """The child process: Slack's side (requests out, response_urls in), so the bot's process
    measures only the bot, as it would be in production with Slack far away."""
    slack = FakeSlack()
    try:
        conn.send(slack.url)
        url = conn.recv()
        measure(url, slack, 4, 20, start=0)  # warm-up: auth.test, imports, caches
        results = {"alone": measure(url, slack, 1, 30, start=1_000)}
        for concurrency in (8, 32):
            results[str(concurrency)] = measure(
                url, slack, concurrency, count, start=concurrency * 10_000
            )
        conn.send(results)
    finally:
        slack.close()


def run(quick: bool) -> list[dict[str, Any]]:
    """Rows {"name", "value", "unit", "target", "met"} for `python -m bench`; figures on stderr."""
    from bench.suggest import database  # the seeded corpus the suggest figures use

    count = 80 if quick else 400
    n_posts = 100_000 if quick else 1_000_000
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a queue is what we measure
    rows: list[dict[str, Any]] = []
    parent, child = multiprocessing.get_context("spawn").Pipe()
    slack = multiprocessing.get_context("spawn").Process(target=slack_side, args=(child, count))
    slack.start()
    slack_url = parent.recv()
    settings = Settings(
        slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=slack_url + "/api"
    )
    store = Store(database(n_posts))
    app = create_app(build_services(settings, store))
    server = HttpServer(wsgi_app(app, health_of(store), SECRET), host="127.0.0.1", port=0)
    try:
        with server.running():
            parent.send(server.url)
            results = parent.recv()
    finally:
        slack.join(timeout=60)
        close_app(app)
        store.close()
    alone = results["alone"]
    rows += [
        row("slack ack p50, one at a time", alone["ack_p50"]),
        row(f"slack reply p95, one at a time, {n_posts:,} posts", alone["reply_p95"]),
    ]
    for concurrency in (8, 32):
        figures = results[str(concurrency)]
        rows += [
            row(f"slack ack p50 @{concurrency}", figures["ack_p50"]),
            row(
                f"slack ack p99 @{concurrency}",
                figures["ack_p99"],
                limit=ACK_TARGET_MS if concurrency == 8 else None,
            ),
            row(
                f"slack reply p95 @{concurrency}, {n_posts:,} posts",
                figures["reply_p95"],
                limit=300 if concurrency == 8 else None,
            ),
            row(f"slack replies lost @{concurrency}", figures["lost"], "count", limit=0),
        ]
    for figure in rows:
        target = f"   (target {figure['target']})" if figure["target"] else ""
        print(
            f"{figure['name']:<48} {figure['value']:>10.2f} {figure['unit']}{target}",
            file=sys.stderr,
        )
    return rows


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
