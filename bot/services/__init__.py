"""The use cases Slack, the CLI and the scheduler share, built once by `build_services`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.audience import Audience
from bot.domain.conditions import Understanding
from bot.domain.knowledge import KnowledgeBase
from bot.knowledge import load_knowledge
from bot.services.census import Census
from bot.services.channels import ChannelSettings
from bot.services.digests import Digester
from bot.services.outreach import Outreach
from bot.services.suggestions import Suggester
from bot.services.topics import TopicPlanner
from bot.storage import Store

__all__ = ["Services", "build_services"]


@dataclass(frozen=True)
class Services:
    """Everything a listener, a command or a job may use; tests build it with a fixed clock."""

    settings: Settings
    store: Store
    kb: KnowledgeBase
    suggester: Suggester
    digester: Digester
    clock: Clock
    outreach: Outreach
    planner: TopicPlanner
    channels: ChannelSettings
    census: Census

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
    kb = kb if kb is not None else load_knowledge()
    suggester = Suggester(kb, store)
    planner = TopicPlanner(kb, store, suggester.matcher)
    digester = Digester(kb, store, planner)
    outreach = Outreach(settings, kb, store, suggester)
    channels = ChannelSettings(store, suggester.matcher, digester, digest_hour=settings.digest_hour)
    census = Census(settings, store, kb, planner, clock=clock)
    return Services(
        settings, store, kb, suggester, digester, clock, outreach, planner, channels, census
    )
