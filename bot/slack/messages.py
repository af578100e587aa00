"""Block Kit for everything but the answer: usage, notices, a channel's topics, the App Home tab."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from bot.domain.activity import WINDOW_DAYS
from bot.domain.calendar import day_label
from bot.slack.blocks import Block, Message, context, escape, header, message, section
from bot.storage import Topic

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view
MAX_HOME_CHANNELS = 40
MAX_DRIFTED_LINES = 10  # a section's text stays well under Slack's 3,000 characters

USAGE = (
    "*How to use `/hashtag`*\n"
    "• `/hashtag lung cancer`: the hashtags the condition's online community uses, with the "
    "evidence. Only you see the answer until you press *Share in channel*.\n"
    "• `/hashtag track lung cancer`: this channel tracks the condition (listening, daily digest).\n"
    "• `/hashtag untrack lung cancer`: stop tracking it here.\n"
    "• `/hashtag list`: what this channel tracks.\n"
    "• `/hashtag digest`: a preview of this channel's digest.\n"
    "• `/hashtag digest daily 09:00 America/New_York` (or `weekdays …`, `weekly monday …`, "
    "`off`): when this channel's digest comes, on its own clock.\n"
    "• `/hashtag alerts on` / `off`: a message here when a tracked topic lights up between "
    "digests.\n"
    "• `/hashtag mute @handle` / `unmute @handle`: this channel's digests stop (or resume) "
    "naming an account or showing its posts.\n"
    "• `/hashtag messages`: add an IRB-approved message (`/hashtag messages 3` edits message 3).\n"
    "• `/hashtag compose lung cancer`: ready-to-post drafts of the approved messages, per network.\n"
    "• `/hashtag available #LungStudy26`: is a new campaign tag already in use, and how it reads.\n"
    "• `/hashtag help`: this message.\n"
    "Names, abbreviations (T1D), typos and hashtags (#LCSM) all work."
)


def usage() -> Message:
    return message(
        "How to use /hashtag: /hashtag lung cancer, track, untrack, list, digest, mute, help",
        [section(USAGE)],
    )


def notice(text: str) -> Message:
    """A one-line ephemeral answer; `text` is escaped mrkdwn."""
    return message(text)


def since(topic: Topic) -> str:
    return topic.created_at[:10]


def channel_topics(
    channel_id: str,
    topics: list[Topic],
    muted: list[str] | None = None,
    *,
    schedule: str = "",
    alerts: bool = False,
) -> Message:
    muted_line = (
        "Muted in digests here: " + ", ".join(f"@{escape(h)}" for h in muted) if muted else ""
    )
    if topics and schedule:
        clock = f"Digest: {escape(schedule)} · alerts {'on' if alerts else 'off'}"
        muted_line = f"{clock}\n{muted_line}" if muted_line else clock
    if not topics:
        text = (
            "This channel tracks nothing yet. `/hashtag track lung cancer` starts listening "
            "and a daily digest here."
        )
        return message(text, [section(text)] + ([context(muted_line)] if muted_line else []))
    lines = [
        f"• {escape(t.topic)}  _(since {since(t)}, added by <@{t.created_by}>)_" for t in topics
    ]
    text = f"<#{channel_id}> tracks {len(topics)} topic{'s' if len(topics) != 1 else ''}:"
    blocks = [section(text + "\n" + "\n".join(lines))]
    return message(text, blocks + ([context(muted_line)] if muted_line else []))


@dataclass(frozen=True)
class HomeFacts:
    """What the Home tab shows; gathered by the listener from the Store."""

    topics: list[Topic]
    posts_30d: int | None = None
    sources: dict[str, tuple[bool, str, str]] = field(default_factory=dict)
    x_spend_usd: float | None = None
    x_budget_usd: float | None = None
    schedules: dict[str, str] = field(default_factory=dict)  # channel -> "daily at …; next …"
    last_digests: dict[str, date] = field(default_factory=dict)
    expiring: list[Block] = field(default_factory=list)  # approvals ending within 30 days
    drifted: list[str] = field(default_factory=list)  # tags demoted as mostly off topic


def home_view(facts: HomeFacts) -> dict[str, object]:
    """The App Home tab: how to use the bot, each channel's tracked topics, data freshness."""
    blocks: list[Block] = [header("hashtag-bot"), section(USAGE), {"type": "divider"}]
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
        schedule = facts.schedules.get(channel_id, "")
        clock = f"\n_Digest {escape(schedule)} · {when}_" if schedule else f"  _({when})_"
        blocks.append(section(f"<#{channel_id}>: {names}{clock}"))
    if len(by_channel) > MAX_HOME_CHANNELS:
        blocks.append(context(f"…and {len(by_channel) - MAX_HOME_CHANNELS} more channels."))
    if by_channel:
        blocks.append(
            context(
                "`/hashtag digest` in a channel previews its digest; `/hashtag digest weekdays"
                " 08:00 Europe/London` sets when it comes."
            )
        )
    blocks += facts.expiring
    blocks += [{"type": "divider"}, header("Data")]
    lines = []
    if facts.posts_30d is not None:
        lines.append(f"{facts.posts_30d:,} posts stored from the last {WINDOW_DAYS} days.")
    for source, (healthy, note, when) in sorted(facts.sources.items()):
        state = "working" if healthy else "failing"
        lines.append(
            f"{escape(source)}: {state} ({escape(note)}, {when[:16].replace('T', ' ')} UTC)"
        )
    if facts.x_spend_usd is not None and facts.x_budget_usd is not None:
        lines.append(
            f"X spend this month: about ${facts.x_spend_usd:,.2f} of ${facts.x_budget_usd:,.2f}."
        )
    blocks.append(context(*(lines or ["No posts collected yet."])))
    if facts.drifted:
        shown = [f"• {escape(line)}" for line in facts.drifted[:MAX_DRIFTED_LINES]]
        if len(facts.drifted) > MAX_DRIFTED_LINES:
            shown.append(
                f"…and {len(facts.drifted) - MAX_DRIFTED_LINES} more (`hashtag-bot doctor`)."
            )
        blocks.append(section("*Tags heard only with their topic's words*\n" + "\n".join(shown)))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
