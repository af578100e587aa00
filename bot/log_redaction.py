"""No secret reaches a log: a filter on every handler rewrites each record before it is written.

Libraries log what they send at DEBUG: tweepy its `Authorization: Bearer …` header, others
URLs, bodies or session tokens. A filter on a handler sees every record that handler writes,
from any logger (a filter on a logger would miss its children), so the bot's handlers are where
the secrets are taken out: the configured values themselves, and anything shaped like a token.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import fields
from urllib.parse import quote, quote_plus

from bot.config import Settings

PLACEHOLDER = "[redacted]"
MIN_SECRET_CHARS = 4  # shorter "secrets" would blank out ordinary words

# Shapes of secrets, whatever their value: (pattern, replacement).
TOKEN_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    # An Authorization (or similar) header's value, in a dict repr, JSON or a raw header line.
    (
        re.compile(
            r"""(?i)(["']?(?:authorization|proxy-authorization|x-api-key|cookie)["']?\s*[:=]\s*["']?)"""
            r"""[^"'\r\n,}]+"""
        ),
        rf"\1{PLACEHOLDER}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=%-]{6,}"), rf"\1 {PLACEHOLDER}"),
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), PLACEHOLDER),  # Slack bot, user, config tokens
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), PLACEHOLDER),  # Slack app-level tokens
    (re.compile(r"\beyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*"), PLACEHOLDER),  # JWTs: Bluesky sessions
    # Secrets in URLs (Socket Mode's ticket) and in JSON or form bodies.
    (
        re.compile(r"(?i)([?&](?:ticket|access_token|token|password|client_secret)=)[^&\s'\"]+"),
        rf"\1{PLACEHOLDER}",
    ),
    (
        re.compile(
            r"""(?i)(["'](?:password|accessJwt|refreshJwt|access_token|refresh_token)["']\s*:\s*["'])"""
            r"""[^"']+"""
        ),
        rf"\1{PLACEHOLDER}",
    ),
)


def secrets_of(settings: Settings) -> list[str]:
    """Every secret setting's value: the same fields Settings' repr hides."""
    return [
        value
        for f in fields(settings)
        if any(word in f.name for word in ("token", "secret", "password"))
        and isinstance(value := getattr(settings, f.name), str)
        and value
    ]


class SecretRedactor(logging.Filter):
    """Rewrites a record's message, arguments, traceback and stack so no secret is left."""

    def __init__(self) -> None:
        super().__init__()
        self._values: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def use(self, secrets: Iterable[str]) -> None:
        """These values (and how they look URL-quoted or inside JSON) are replaced from now on."""
        spelled: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_SECRET_CHARS:
                continue
            spelled |= {secret, quote(secret, safe=""), quote_plus(secret)}
            spelled.add(json.dumps(secret)[1:-1])
        with self._lock:
            self._values = tuple(sorted(spelled, key=len, reverse=True))  # longest first

    def redact(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, PLACEHOLDER)
        for shape, replacement in TOKEN_SHAPES:
            text = shape.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a bad format: logging would print args raw
            message = f"{record.msg} (arguments not shown: they did not fit the message)"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)  # formatters print this, not exc_info
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = SecretRedactor()


def redact_logs(secrets: Iterable[str] = ()) -> SecretRedactor:
    """Put the filter on every handler there is (the root's, any library's own, and logging's
    last resort) and take `secrets` as the values to hide. Call it once logging is set up."""
    REDACTOR.use(secrets)
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = [h for logger in loggers for h in logger.handlers]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)
    return REDACTOR
