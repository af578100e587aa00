from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from tests.sources.source_standins import GOOD_TOKEN
from tests.sources.standins_bluesky import JetstreamStandIn, XrpcStandIn
from tests.sources.standins_mastodon import MastodonStandIn
from tests.sources.standins_x import XStandIn


@pytest.fixture
def x_api() -> Iterator[XStandIn]:
    with XStandIn() as standin:
        yield standin


@pytest.fixture
def mastodon_api() -> Iterator[MastodonStandIn]:
    with MastodonStandIn() as standin:
        yield standin


@pytest.fixture
def xrpc() -> Iterator[XrpcStandIn]:
    with XrpcStandIn() as standin:
        yield standin


@pytest.fixture
def jetstream_factory() -> Iterator[list[JetstreamStandIn]]:
    """Jetstream stand-ins a test starts with its own events; all closed afterwards."""
    started: list[JetstreamStandIn] = []
    yield started
    for standin in started:
        standin.close()


@pytest.fixture
def x_settings(x_api: XStandIn) -> Settings:
    return Settings(
        x_bearer_token=GOOD_TOKEN,
        x_api_url=x_api.url,
        x_post_read_usd=0.005,
        x_user_read_usd=0.010,
        x_monthly_budget_usd=50.0,
    )
