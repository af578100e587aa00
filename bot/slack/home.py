"""The App Home tab: published whenever someone opens it, so it is never stale."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.services import Services
from bot.services.schedules import channel_clocks
from bot.services.tag_health import drifted_lines
from bot.services.x_spend import x_spend
from bot.slack.channel import when_line
from bot.slack.errors import acknowledge, answering_safely, explain
from bot.slack.messages import HomeFacts, home_view
from bot.slack.outreach_blocks import expiring_lines


def home_facts(services: Services, team_id: str) -> HomeFacts:
    """This workspace's tracked topics, how much data is behind the answers, X spend, and the
    listened tags demoted as mostly off topic."""
    store, settings, today = services.store, services.settings, services.today()
    topics = [t for t in store.topics() if t.team_id in ("", team_id)]
    spend = x_spend(store, settings, today)
    shows_spend = bool(settings.x_bearer_token or spend.post_reads or spend.user_reads)
    return HomeFacts(
        topics=topics,
        posts_30d=store.recent_posts(today),
        sources=store.health(),
        x_spend_usd=spend.usd if shows_spend else None,
        x_budget_usd=settings.x_monthly_budget_usd if shows_spend else None,
        schedules={
            channel: when_line(clock.schedule, services.now())
            for channel, clock in channel_clocks(store, settings.digest_hour).items()
        },
        last_digests=store.last_digests(),
        expiring=expiring_lines(services.outreach.expiring(today), today),
        drifted=drifted_lines(store),
    )


def register(app: App, services: Services) -> None:
    @answering_safely
    def publish_home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        view = home_view(home_facts(services, str(body.get("team_id") or "")))
        try:
            client.views_publish(user_id=event["user"], view=view)
        except SlackClientError as err:
            explain(err, doing="publishing the Home tab")

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
