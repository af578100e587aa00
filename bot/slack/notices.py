"""Block Kit for the short answers: usage, one-line notices, and what a channel tracks."""

from __future__ import annotations

from bot.slack.blocks import Message, context, escape, message, section
from bot.storage import Change, Topic

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
    "• `/hashtag region US` / `/hashtag language es`: answers here fit that country (ISO code; "
    "`global` clears it) and add that language's tags (`en` clears it).\n"
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


def who(actor: str) -> str:
    """A Slack user as a mention; a name the CLI was given as it is."""
    return f"<@{actor}>" if actor[:1] in ("U", "W") and actor.isalnum() else escape(actor)


def change_line(change: Change) -> str:
    """The last change to a channel's settings: who, what, from what to what, and when."""
    when = change.at[:16].replace("T", " ")
    before, after = escape(change.before or "none"), escape(change.after or "none")
    return (
        f"Last change: {who(change.actor)} changed {change.what} ({before} → {after}), {when} UTC"
    )


def channel_topics(
    channel_id: str,
    topics: list[Topic],
    muted: list[str] | None = None,
    *,
    schedule: str = "",
    alerts: bool = False,
    last_change: Change | None = None,
    audience: str = "",
) -> Message:
    muted_line = (
        "Muted in digests here: " + ", ".join(f"@{escape(h)}" for h in muted) if muted else ""
    )
    if last_change is not None:
        said = change_line(last_change)
        muted_line = f"{muted_line}\n{said}" if muted_line else said
    if topics and schedule:
        clock = f"Digest: {escape(schedule)} · alerts {'on' if alerts else 'off'}"
        muted_line = f"{clock}\n{muted_line}" if muted_line else clock
    if audience:  # bot-made words: codes and language names, nothing typed by anyone
        muted_line = f"{audience}\n{muted_line}" if muted_line else audience
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
