"""Jetstream: Bluesky's public websocket stream of posts, read from a time cursor.

Bluesky asks bots to listen here rather than search. Jetstream cannot filter by hashtag, so the
bot reads every new post (wantedCollections=app.bsky.feed.post) and matches tags itself.
Connections drop; the reader reconnects with backoff from the last event it saw.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException
from websockets.sync.client import connect as ws_connect

from bot.sources.base import SourceError

log = logging.getLogger(__name__)

WANTED = "app.bsky.feed.post"
MAX_BACKOFF_S = 60.0
MAX_MESSAGE_BYTES = 2**21


class Jetstream:
    """Yields decoded Jetstream events from a cursor, reconnecting when the connection drops."""

    def __init__(
        self,
        url: str,
        *,
        connect: Callable[..., Any] = ws_connect,
        sleep: Callable[[float], None] = time.sleep,
        idle_s: float = 10.0,
        max_failures: int = 3,
    ) -> None:
        self.url = url
        self.connect = connect
        self.sleep = sleep
        self.idle_s = idle_s
        self.max_failures = max_failures
        self.connections = 0  # how many times it connected: tests and logs want to know

    def address(self, cursor_us: int | None) -> str:
        query = [("wantedCollections", WANTED)]
        if cursor_us:
            query.append(("cursor", str(cursor_us)))
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(query)}"

    def events(
        self,
        cursor_us: int | None,
        *,
        until_us: int | None = None,
        stop: threading.Event | None = None,
        max_seconds: float | None = None,
        heartbeat: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Events from cursor_us; with until_us, stop once caught up (or the stream goes quiet).

        With `heartbeat`, a quiet stream yields an empty event every idle_s, so a listener can
        store what it holds and notice `stop` without waiting for the next post.
        """
        deadline = time.monotonic() + max_seconds if max_seconds else None
        last = cursor_us
        failures = 0
        malformed = 0
        while not (stop and stop.is_set()):
            try:
                with self.connect(
                    self.address(last), open_timeout=10, max_size=MAX_MESSAGE_BYTES
                ) as ws:
                    self.connections += 1
                    while True:
                        if (stop and stop.is_set()) or (deadline and time.monotonic() > deadline):
                            return
                        try:
                            raw = ws.recv(timeout=self.idle_s)
                        except TimeoutError:
                            if until_us is not None:
                                return  # nothing more to replay: caught up
                            if heartbeat:
                                yield {}
                            continue
                        failures = 0
                        try:
                            event = json.loads(raw)
                        except ValueError:
                            malformed += 1
                            if malformed == 1:
                                log.warning("jetstream: skipping a message that is not JSON")
                            continue
                        if not isinstance(event, dict):
                            continue
                        moment = event.get("time_us")
                        if isinstance(moment, int):
                            last = moment
                        yield event
                        if until_us is not None and isinstance(moment, int) and moment >= until_us:
                            return
            except (OSError, WebSocketException) as err:
                if isinstance(err, InvalidURI):
                    raise SourceError(
                        f"BLUESKY_JETSTREAM_URL is not a websocket URL: {self.url}"
                    ) from None
                failures += 1
                if failures > self.max_failures:
                    kind = (
                        "refused the connection"
                        if isinstance(err, InvalidHandshake)
                        else "is unreachable"
                    )
                    raise SourceError(
                        f"Jetstream at {self.url} {kind} {failures} times in a row; "
                        "check BLUESKY_JETSTREAM_URL. The next cycle resumes from the stored cursor."
                    ) from None
                delay = min(2.0 ** (failures - 1), MAX_BACKOFF_S)
                log.info(
                    "jetstream: connection lost (%s); reconnecting in %.0f s",
                    type(err).__name__,
                    delay,
                )
                self.sleep(delay)
