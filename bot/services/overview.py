"""What the App Home tab shows a workspace: its channels' topics and clocks, the data behind the
answers, X spend, the last census, approvals ending soon and the tags demoted as mostly off
topic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.domain.approvals import ApprovedMessage
from bot.services.census import census_state
from bot.services.outbox import maybe_sent
from bot.services.schedules import ChannelClock, channel_clocks
from bot.services.tag_health import listening_lines
from bot.services.x_spend import x_spend
from bot.storage import Topic
from bot.storage.channel_audience import ChannelAudience

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class WorkspaceOverview:
    topics: list[Topic]
    posts_30d: int | None = None
    sources: dict[str, tuple[bool, str, str]] = field(default_factory=dict)
    x_spend_usd: float | None = None  # None: X is not in use, so nothing to say
    x_budget_usd: float | None = None
    clocks: dict[str, ChannelClock] = field(default_factory=dict)
    last_digests: dict[str, date] = field(default_factory=dict)
    expiring: list[ApprovedMessage] = field(default_factory=list)  # ending within 30 days
    team_today: date | None = None  # the day on the team's calendar, which approvals end by
    drifted: list[str] = field(default_factory=list)  # what measurement changed in listening
    maybe_sent: list[str] = field(default_factory=list)  # posts that may be missing, or not
    x_counts: str = ""  # the census's counts requests: their own line in the spend meter
    census: list[str] = field(default_factory=list)  # when it ran, what it measured, who refused
    # the region and language each channel set, and the defaults (HASHTAG_BOT_REGION, …_LANGUAGE)
    audiences: dict[str, ChannelAudience] = field(default_factory=dict)
    default_audience: ChannelAudience = field(default_factory=ChannelAudience)


def workspace_overview(services: Services, *teams: str | None) -> WorkspaceOverview:
    """The tracked topics of this workspace (`teams`: its team id, and its org's id on an org-wide
    install), how much data is behind the answers, X spend, and the listened tags demoted as
    mostly off topic."""
    store, settings, today = services.store, services.settings, services.today()
    ours = {"", *(t for t in teams if t)}
    topics = [t for t in store.topics() if t.team_id in ours]
    spend = x_spend(store, settings, today)
    shows_spend = bool(
        settings.x_bearer_token or spend.post_reads or spend.user_reads or spend.counts_requests
    )
    return WorkspaceOverview(
        topics=topics,
        posts_30d=store.recent_posts(today),
        sources=store.health(),
        x_spend_usd=spend.usd if shows_spend else None,
        x_budget_usd=settings.x_monthly_budget_usd if shows_spend else None,
        clocks=channel_clocks(store, settings.digest_hour),
        last_digests=store.last_digests(),
        expiring=services.outreach.expiring(services.team_today()),
        team_today=services.team_today(),
        drifted=listening_lines(services.planner, today=today),
        maybe_sent=maybe_sent(store, now=services.now()),
        x_counts=spend.counts_line() if spend.counts_requests else "",
        census=census_state(store, today).lines(),
        audiences=store.channel_audiences(),
        default_audience=ChannelAudience(settings.region, settings.language),
    )
