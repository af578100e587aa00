"""create_app: the Bolt app over the services `build_services` made, with every listener registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from bot.config import Settings
from bot.slack import Services, register_all
from bot.slack.installation import Installation
from bot.slack.people import People
from bot.slack.request_gate import StoredDeliveries, deliveries_gate
from bot.slack.retries import SlackRetryPolicy

log = logging.getLogger(__name__)

# Answers run here after the ack. They are CPU-bound under one GIL on a 2-core host, so more
# threads only add contention: at 1M posts, reply p95 with 8 people at once was 82 ms with 16,
# 84 ms with 8, 51 ms with 3 and 43 ms with 2 (bench/slack_ack.py). Three, not two, so one answer
# stuck in a Slack rate-limit retry can't halve capacity.
LISTENER_THREADS = 3
API_TIMEOUT_S = 15


class _TokenGivenAsMeant(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given a client as well, warns
    that the token "will be unused" on every start. The token reaches Bolt as meant, through the
    client or `authorize` (config.py is the one reader of the environment), so that line says
    nothing and is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_about_the_token() -> None:
    bolt = logging.getLogger("slack_bolt.App")  # Bolt's framework logger for App
    if not any(isinstance(f, _TokenGivenAsMeant) for f in bolt.filters):
        bolt.addFilter(_TokenGivenAsMeant())


def create_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client for SLACK_API_URL that tries a call again only when that can't post
    twice (slack/retries.py): reads, 429s after Retry-After, connections refused."""
    return WebClient(
        token=token if token is not None else (settings.slack_bot_token or None),
        base_url=settings.slack_api_url.rstrip("/") + "/",
        timeout=API_TIMEOUT_S,
        retry_handlers=[SlackRetryPolicy()],
    )


def create_app(
    services: Services,
    *,
    client: WebClient | None = None,
    installation: Installation | None = None,
) -> App:
    """The Bolt app, serving `installation` (the runner's auth.test at start-up) and nobody else.

    Without an installation (benchmarks), Bolt calls auth.test itself on the first request and
    other workspaces are not told apart. Requests over HTTP are checked against
    SLACK_SIGNING_SECRET before they reach Bolt (slack/request_gate.py); Socket Mode envelopes
    arrive over the app-token connection and need no signature. Either way a repeated delivery is
    acked and dropped. Listeners ack inside the request (process_before_response) and answer from a thread
    pool, so the ack never waits on work.
    """
    client = client or create_web_client(services.settings)
    token = client.token or ""
    people = People(client, installation, services.settings.approvers)  # who is asking
    _quiet_about_the_token()
    if installation is not None:  # the token comes from `authorize`; Bolt warns if both are given
        client = WebClient(
            base_url=client.base_url,
            timeout=client.timeout,
            logger=client.logger,
            retry_handlers=client.retry_handlers,
        )
    app = App(
        name="hashtag-bot",
        client=client,
        signing_secret=services.settings.slack_signing_secret,
        # One auth.test at start-up is enough: Bolt's own would be a second call.
        authorize=(lambda: installation.authorize(token)) if installation else None,
        token_verification_enabled=False,
        # The server checks each request's signature on its raw bytes before Bolt sees it
        # (slack/request_gate.py:SignedRequests); a second check here would only repeat it.
        request_verification_enabled=False,
        before_authorize=deliveries_gate(installation, StoredDeliveries(services.store)),
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="hashtag-bot-answer"
        ),
    )
    register_all(app, services.build_all(), people)
    return app


def close_app(app: App) -> None:
    """Let answers already started finish, then free the listener threads."""
    executor = app.listener_runner.listener_executor
    if isinstance(executor, ThreadPoolExecutor):
        executor.shutdown(wait=True)
