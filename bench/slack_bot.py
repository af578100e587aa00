"""The bot's side of bench/slack_ack.py: the HTTP server and the app, in a process of their own.

Run by slack_ack with whichever version's `bot` comes first on PYTHONPATH (bench/versions.py):
`python -m bench.slack_bot DATABASE SLACK_URL [DAYS_LATER]`. It prints the URL it listens at, then answers
lines on stdin: `cpu` with the CPU seconds the process has used so far, `stop` with the same
and its peak memory, before it stops. Its clock is the corpus's last day, whose co-occurrence
window the corpus was imported with, as a running bot has it (the scheduler rolls the window at
00:05 UTC). DAYS_LATER sets the clock that many days on, a window the bot never rolled (as
every answer was before 00:05, or on a database no running bot keeps): each answer then sums the
co-occurrence of 30 days of rows instead.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
from datetime import UTC, datetime, timedelta

from bench.memory import own_peak_mb
from bot.app import close_app, create_app
from bot.config import Settings
from bot.server import HttpServer, health_of, wsgi_app
from bot.services import build_services
from bot.storage import Store

SECRET = "bench-signing-secret"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the corpus's last day (bench/suggest.py)


def usage() -> dict[str, float]:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": used.ru_utime + used.ru_stime,
        "system_s": used.ru_stime,
        "max_rss_mb": own_peak_mb(),
    }


def serve(database: str, slack_url: str, days_later: int = 0) -> None:
    logging.basicConfig(level=logging.ERROR)  # a queue is what is measured: no warnings about it
    settings = Settings(
        slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=slack_url + "/api"
    )
    store = Store(database)
    now = NOW + timedelta(days=days_later)
    app = create_app(build_services(settings, store, clock=lambda: now))
    server = HttpServer(wsgi_app(app, health_of(store), SECRET), host="127.0.0.1", port=0)
    try:
        with server.running():
            print(json.dumps({"url": server.url}), flush=True)
            for line in sys.stdin:
                if line.strip() == "stop":
                    break
                print(json.dumps(usage()), flush=True)
    finally:
        close_app(app)
        store.close()
    print(json.dumps(usage()), flush=True)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], *(int(days) for days in sys.argv[3:4]))
