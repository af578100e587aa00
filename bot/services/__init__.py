"""The use cases Slack, the CLI and the scheduler share, built once by `build_services`.

Each service is built, and its module imported, the first time something uses it: a command
pays only for what it uses (`hashtag-bot suggest` builds the suggester alone, and never imports
outreach, digests or the census), while the running bot builds them all at start-up
(`Services.build_all`), before anyone asks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.audience import Audience
from bot.domain.conditions import Understanding
from bot.domain.knowledge import KnowledgeBase
from bot.storage import Store

if TYPE_CHECKING:
    from bot.services.census import Census
    from bot.services.channels import ChannelSettings
    from bot.services.digests import Digester
    from bot.services.outreach import Outreach
    from bot.services.suggestions import Suggester
    from bot.services.topics import TopicPlanner

__all__ = ["Services", "build_services"]

T = TypeVar("T")


class Services:
    """Everything a listener, a command or a job may use; tests build it with a fixed clock."""

    def __init__(
        self, settings: Settings, store: Store, *, kb: KnowledgeBase | None, clock: Clock
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._kb = kb
        self._built: dict[str, Any] = {}
        self._building = threading.RLock()  # re-entrant: a service is built from those it uses

    def _once(self, name: str, build: Callable[[], T]) -> T:
        """The one `name` service, built by the first caller (other threads wait for it)."""
        if name not in self._built:
            with self._building:
                if name not in self._built:
                    self._built[name] = build()
        built: T = self._built[name]
        return built

    @property
    def kb(self) -> KnowledgeBase:
        def load() -> KnowledgeBase:
            from bot.knowledge import load_knowledge

            return self._kb if self._kb is not None else load_knowledge()

        return self._once("kb", load)

    @property
    def suggester(self) -> Suggester:
        def build() -> Suggester:
            from bot.services.suggestions import Suggester

            return Suggester(self.kb, self.store)

        return self._once("suggester", build)

    @property
    def planner(self) -> TopicPlanner:
        def build() -> TopicPlanner:
            from bot.services.topics import TopicPlanner

            return TopicPlanner(self.kb, self.store, self.suggester.matcher)

        return self._once("planner", build)

    @property
    def digester(self) -> Digester:
        def build() -> Digester:
            from bot.services.digests import Digester

            return Digester(self.kb, self.store, self.planner)

        return self._once("digester", build)

    @property
    def outreach(self) -> Outreach:
        def build() -> Outreach:
            from bot.services.outreach import Outreach

            return Outreach(self.settings, self.kb, self.store, self.suggester)

        return self._once("outreach", build)

    @property
    def channels(self) -> ChannelSettings:
        def build() -> ChannelSettings:
            from bot.services.channels import ChannelSettings

            return ChannelSettings(
                self.store,
                self.suggester.matcher,
                self.digester,
                digest_hour=self.settings.digest_hour,
            )

        return self._once("channels", build)

    @property
    def census(self) -> Census:
        def build() -> Census:
            from bot.services.census import Census

            return Census(self.settings, self.store, self.kb, self.planner, clock=self.clock)

        return self._once("census", build)

    def build_all(self) -> Services:
        """Build every service now (the running bot, so no one's first question waits for it)."""
        _ = self.outreach, self.channels, self.census  # and, through them, all the others
        return self

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()

    def team_today(self) -> date:
        """Today on the team's calendar (HASHTAG_BOT_TIMEZONE): an approval is dated, and ends,
        by the team's days, not UTC's."""
        return self.clock().astimezone(ZoneInfo(self.settings.team_timezone)).date()

    def audience(
        self, channel_id: str = "", *, region: str | None = None, lang: str | None = None
    ) -> Audience:
        """The team an answer is for: what is given (None: not given), else the channel's own
        region and language, else HASHTAG_BOT_REGION and HASHTAG_BOT_LANGUAGE."""
        if channel_id:
            set_here = self.channels.audience(channel_id)
            region = (set_here.region or None) if region is None else region
            lang = (set_here.language or None) if lang is None else lang
        region = self.settings.region if region is None else region
        lang = self.settings.language if lang is None else lang
        return Audience(region, (lang,) if lang else ())

    def understand(self, text: str) -> Understanding:
        """What a person's words name: the conditions, and anything left over."""
        return self.suggester.matcher.understand(text)


def build_services(
    settings: Settings,
    store: Store,
    *,
    kb: KnowledgeBase | None = None,
    clock: Clock = utc_now,
) -> Services:
    """The one place services are built (the bot, each CLI command, tests, benchmarks)."""
    return Services(settings, store, kb=kb, clock=clock)
