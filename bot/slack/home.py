"""The App Home tab: published whenever someone opens it, so it is never stale."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.domain.activity import WINDOW_DAYS
from bot.domain.audience import language_name
from bot.domain.calendar import day_label
from bot.services import Services
from bot.services.overview import WorkspaceOverview, workspace_overview
from bot.slack.blocks import Block, context, escape, header, section
from bot.slack.channel import when_line
from bot.slack.errors import acknowledge, answering_safely, explain
from bot.slack.notices import USAGE
from bot.slack.outreach_blocks import expiring_lines
from bot.slack.people import People
from bot.storage import Topic
from bot.storage.channel_audience import ChannelAudience

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view
MAX_HOME_CHANNELS = 40
MAX_DRIFTED_LINES = 10  # a section's text stays well under Slack's 3,000 characters


def home_view(
    facts: WorkspaceOverview, now: datetime, roles: Block | None = None
) -> dict[str, object]:
    """The App Home tab: how to use the bot, each channel's tracked topics, data freshness."""
    blocks: list[Block] = [header("hashtag-bot"), section(USAGE)]
    blocks += [roles] if roles else []
    blocks.append({"type": "divider"})
    blocks.append(header("Tracked topics"))
    by_channel: dict[str, list[Topic]] = defaultdict(list)
    for topic in facts.topics:
        by_channel[topic.channel_id].append(topic)
    if not by_channel:
        blocks.append(
            section("No channel tracks a topic yet. Run `/hashtag track lung cancer` in a channel.")
        )
    for channel_id, topics in list(by_channel.items())[:MAX_HOME_CHANNELS]:
        names = ", ".join(escape(t.topic) for t in topics)
        last = facts.last_digests.get(channel_id)
        when = f"last digest {day_label(last, year=False)}" if last else "no digest yet"
        clock = facts.clocks.get(channel_id)
        schedule = when_line(clock, now) if clock else ""
        said = f"\n_Digest {escape(schedule)} · {when}_" if schedule else f"  _({when})_"
        fits = _audience(facts.audiences.get(channel_id), facts.default_audience)
        blocks.append(section(f"<#{channel_id}>: {names}{said}\n_{fits}_"))
    if len(by_channel) > MAX_HOME_CHANNELS:
        blocks.append(context(f"…and {len(by_channel) - MAX_HOME_CHANNELS} more channels."))
    if by_channel:
        blocks.append(
            context(
                "`/hashtag digest` in a channel previews its digest; `/hashtag digest weekdays"
                " 08:00 Europe/London` sets when it comes."
            )
        )
    blocks += expiring_lines(facts.expiring, facts.team_today or now.date())
    blocks += [{"type": "divider"}, header("Data")]
    lines = []
    if facts.posts_30d is not None:
        lines.append(f"{facts.posts_30d:,} posts stored from the last {WINDOW_DAYS} days.")
    for source, (healthy, note, when) in sorted(facts.sources.items()):
        state = "working" if healthy else "failing"
        said = escape(note.rstrip(". "))  # a note is a sentence; here it sits inside brackets
        lines.append(f"{escape(source)}: {state} ({said}, {when[:16].replace('T', ' ')} UTC)")
    if facts.x_spend_usd is not None and facts.x_budget_usd is not None:
        lines.append(
            f"X spend this month: about ${facts.x_spend_usd:,.2f} of ${facts.x_budget_usd:,.2f}"
            + (f"; {escape(facts.x_counts)}." if facts.x_counts else ".")
        )
    blocks.append(context(*(lines or ["No posts collected yet."])))
    if facts.census:
        blocks.append(context(*(escape(line) for line in facts.census)))
    if facts.maybe_sent:  # bot-made lines: channel links and dates, nothing typed by anyone
        shown = [f"• {line}" for line in facts.maybe_sent[:MAX_DRIFTED_LINES]]
        if len(facts.maybe_sent) > MAX_DRIFTED_LINES:
            shown.append(
                f"…and {len(facts.maybe_sent) - MAX_DRIFTED_LINES} more (`hashtag-bot doctor`)."
            )
        blocks.append(
            section(
                "*Maybe sent: have a look in these channels*\nThe connection to Slack broke or the "
                "bot stopped while these were sent, so they may be missing; they are never sent "
                "twice.\n" + "\n".join(shown)
            )
        )
    if facts.drifted:
        shown = [f"• {escape(line)}" for line in facts.drifted[:MAX_DRIFTED_LINES]]
        if len(facts.drifted) > MAX_DRIFTED_LINES:
            shown.append(
                f"…and {len(facts.drifted) - MAX_DRIFTED_LINES} more (`hashtag-bot doctor`)."
            )
        blocks.append(section("*Listening: what measurement changed*\n" + "\n".join(shown)))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def who_may(people: People) -> Block:
    """Who approves messages, and what an install from before roles needs to tell people apart."""
    lines = [f"*Who approves messages:* {people.approvers_named}."]
    if not people.approvers:
        lines.append("Name the approvers with HASHTAG_BOT_APPROVERS.")
    lines.append("Guests can ask for hashtags and drafts; members change a channel's settings.")
    missing = people.missing_scopes()
    if missing:
        lines.append(
            f":warning: Reinstall the app to grant {', '.join(missing)}: until then nobody can "
            "change a channel's settings or approve messages, since I can't tell who is asking."
        )
    return section("\n".join(lines))


def _audience(own: ChannelAudience | None, default: ChannelAudience) -> str:
    """ "Answers fit US, with Spanish tags" or "No region set: `/hashtag region US` there"."""
    region = (own.region if own else "") or default.region
    lang = (own.language if own else "") or default.language
    with_lang = f", with {language_name(lang)} tags" if lang else ""
    if not region:
        return f"No region set{with_lang}: `/hashtag region US` (or GB, CA, AU…) there"
    return f"Answers fit {region}{with_lang}"


def register(app: App, services: Services, people: People) -> None:
    @answering_safely
    def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        overview = workspace_overview(services, context.team_id, context.enterprise_id)
        view = home_view(overview, services.now(), who_may(people))
        try:
            client.views_publish(user_id=event["user"], view=view)
        except SlackClientError as err:
            explain(err, doing="publishing the Home tab")

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
