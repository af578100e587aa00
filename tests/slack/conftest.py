from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from slack_bolt import App

from bot.app import close_app, create_app
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.server import HttpServer, check_bot_token, health_of, wsgi_app
from bot.services import build_services
from bot.slack.installation import Installation
from bot.storage import Store
from tests.factories import NOW
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import BOT_TOKEN, SIGNING_SECRET, SlackStandIn


@pytest.fixture
def slack_api() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.close()


@pytest.fixture
def settings(slack_api: SlackStandIn) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.api_url,
    )


@pytest.fixture
def installation(settings: Settings) -> Installation:
    """The workspace and app the bot serves, from the stand-in's auth.test as at start-up."""
    return check_bot_token(settings)


@pytest.fixture
def app(
    settings: Settings, store: Store, kb: KnowledgeBase, installation: Installation
) -> Iterator[App]:
    services = build_services(settings, store, kb=kb, clock=lambda: NOW)
    bolt = create_app(services, installation=installation)
    yield bolt
    close_app(bolt)


@pytest.fixture
def bot(app: App, store: Store, slack_api: SlackStandIn) -> Iterator[Bot]:
    server = HttpServer(
        wsgi_app(app, health_of(store), SIGNING_SECRET), host="127.0.0.1", port=0, threads=8
    )
    with server.running():
        yield Bot(server.url, slack_api)


@pytest.fixture
def drain(app: App) -> Callable[[], None]:
    """Wait for every answer already handed to the listener threads (and take no more), so a
    test can then assert that nothing was answered."""
    return lambda: close_app(app)
