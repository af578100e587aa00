"""Answers to a person, through the response_url Slack gives each command and button press.

Bolt's `respond()` opens a new connection for every reply (on the real internet, a TLS
handshake each time) and its client sends a reply again when the connection breaks, so one
answer could arrive twice. Replies go out here instead: over kept-alive connections, tried
again only when they certainly never left (the connection was refused) or Slack answered 429,
under the same rule as every other write (slack/retries.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

log = logging.getLogger("bot.slack")


class ReplyMaybeSent(OSError):
    """The reply may have reached Slack (the connection broke after it was sent): nothing more is
    sent to that response_url, not even an apology, or the person could read two answers."""


TIMEOUT_S = (5.0, 15.0)  # connect, read
POOL_SIZE = 8  # about as many as answers run at once (the listener threads), with room

_session: requests.Session | None = None
_session_lock = threading.Lock()


def _shared_session() -> requests.Session:
    """One pool of connections for every reply the process sends."""
    global _session
    with _session_lock:
        if _session is None:
            session = requests.Session()
            policy = Retry(
                total=2,
                connect=2,  # refused before anything was written: it never left
                read=0,  # it may have reached Slack: never again
                other=0,
                status=1,
                status_forcelist=(429,),
                allowed_methods=None,  # the rule above holds for POST too
                respect_retry_after_header=True,
                raise_on_status=False,
            )
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE, max_retries=policy)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            _session = session
        return _session


class Reply:
    """A drop-in for Bolt's `respond`, posting to one response_url."""

    def __init__(self, response_url: str | None) -> None:
        self.response_url = response_url

    def __call__(
        self,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        *,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **extra: Any,
    ) -> int:
        """Post one reply; the HTTP status Slack answered. Raises OSError when it couldn't."""
        if not self.response_url:
            raise ValueError("this request has no response_url to answer")
        message: dict[str, Any] = {"text": text}
        if blocks is not None:
            message["blocks"] = blocks
        for name, value in (
            ("response_type", response_type),
            ("replace_original", replace_original),
            ("delete_original", delete_original),
            *extra.items(),
        ):
            if value is not None:
                message[name] = value
        try:
            response = _shared_session().post(self.response_url, json=message, timeout=TIMEOUT_S)
        except requests.ConnectTimeout:
            raise
        except (requests.ConnectionError, requests.Timeout) as err:
            if isinstance(
                getattr(err.args[0] if err.args else None, "reason", None), NewConnectionError
            ):
                raise  # refused before anything was written: it never left
            raise ReplyMaybeSent(f"the reply may have reached Slack: {err}") from err
        if response.status_code >= 400:
            log.warning(
                "Slack answered %d to a reply at its response_url: %s",
                response.status_code,
                response.text[:200],
            )
        return response.status_code
