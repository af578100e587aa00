"""Block Kit for a channel's digest: a short summary message, the details in its thread.

Slack's convention for long bot posts: the channel sees one message with a line per topic; the
conversations, rising tags, new voices and dates sit in the thread under it, in messages of at
most 50 blocks. A quiet topic says so in its one line and adds nothing to the thread.
"""

from __future__ import annotations

from bot.domain.calendar import day_label
from bot.domain.digest import (
    CONVERSATION_HOURS,
    EXCERPT_CHARS,
    CongressPost,
    CongressSection,
    Conversation,
    Digest,
    RisingTag,
    TopicDigest,
    Volume,
)
from bot.domain.text import clean_text
from bot.domain.upcoming import Upcoming
from bot.domain.voices import ADVOCATE_DAYS, Advocate
from bot.slack.blocks import (
    MAX_BLOCKS,
    Block,
    Message,
    clip,
    context,
    escape,
    header,
    link,
    section,
)

FOOTER = (
    "Counts come from the posts hashtag-bot collected. An account's role is only what its own "
    "profile says. `/hashtag untrack …` stops a topic here."
)


def digest_messages(digest: Digest) -> list[Message]:
    """The digest as Slack messages: the summary first, then the thread's messages."""
    return [message for message, _topics in digest_pages(digest)]


def is_quiet(topic: TopicDigest) -> bool:
    return not (
        topic.conversations or topic.rising_hashtags or topic.new_advocates or _heard(topic)
    )


def _heard(topic: TopicDigest) -> tuple[CongressPost, ...]:
    """The posts a congress on now brought to the topic, if any."""
    return topic.conference.posts if topic.conference else ()


def summary_line(topic: TopicDigest) -> str:
    """One line a topic: its volume, and what the thread holds for it."""
    volume = topic.volume
    if not volume.posts_7d and not volume.posts_prev_7d:
        count = "no posts collected in 14 days"
    elif not volume.posts_prev_7d:
        count = f"{volume.posts_7d:,} posts this week (new)"
    else:
        count = f"{volume.posts_7d:,} posts this week ({volume.trend:+.0%})"
    if is_quiet(topic):
        line = f"• *{escape(topic.title)}* · quiet: {count}, nothing taking off"
        if topic.upcoming:  # the one thing worth knowing about a quiet topic
            event = topic.upcoming[0]
            if event.happening_now:
                when = "on now"
            elif event.dates_confirmed:
                when = f"from {day_label(event.window.start)}"
            else:
                when = event.window.usually()
            tags = " ".join(f"#{t}" for t in event.tags[:2])
            line += f" · coming up: {escape(event.name)}, {when}" + (
                f" {escape(tags)}" if tags else ""
            )
        return line
    parts = [count]
    if topic.conversations:
        n = len(topic.conversations)
        parts.append(f"{n} conversation{'s' * (n != 1)} taking off")
    if topic.conference and topic.conference.posts:
        n = len(topic.conference.posts)
        parts.append(f"{n} post{'s' * (n != 1)} from #{escape(topic.conference.tag)}")
    if topic.rising_hashtags:
        parts.append("rising " + " ".join(f"#{escape(r.tag)}" for r in topic.rising_hashtags[:3]))
    if topic.new_advocates:
        n = len(topic.new_advocates)
        parts.append(f"{n} newly spotted account{'s' * (n != 1)}")
    return f"• *{escape(topic.title)}* · " + " · ".join(parts)


def digest_pages(digest: Digest) -> list[tuple[Message, list[TopicDigest]]]:
    """Each message of the digest with the topics it details, so delivery knows which accounts
    a message introduces once Slack has taken it. The first is the summary for the channel;
    the rest go in its thread."""
    title = f"{digest.title} · {day_label(digest.as_of)}"
    if not digest.topics:
        notes = " ".join(digest.notes) or "Nothing to digest."
        message: Message = {
            "text": f"{title}: {notes}",
            "blocks": [header(title), section(escape(notes))],
        }
        return [(message, [])]
    detailed = [t for t in digest.topics if not is_quiet(t)]
    lines = "\n".join(summary_line(t) for t in digest.topics)
    summary: list[Block] = [header(title), section(clip(lines, 3000))]
    if detailed:
        summary.append(context("Details in the thread."))
    summary.append(context(FOOTER, *(f"_{escape(n)}_" for n in digest.notes)))
    names = ", ".join(t.title for t in digest.topics)
    pages: list[tuple[Message, list[TopicDigest]]] = [
        ({"text": clip(f"{title}: {names}", 3000), "blocks": summary[:MAX_BLOCKS]}, [])
    ]
    thread: list[tuple[list[Block], list[TopicDigest]]] = []
    for topic in detailed:
        blocks = topic_blocks(topic)[:MAX_BLOCKS]
        if not thread or len(thread[-1][0]) + len(blocks) > MAX_BLOCKS:
            thread.append(([], []))
        thread[-1][0].extend(blocks)
        thread[-1][1].append(topic)
    for blocks, topics in thread:
        text = f"{title}: " + ", ".join(t.title for t in topics)
        pages.append(({"text": clip(text, 3000), "blocks": blocks}, topics))
    return pages


def topic_blocks(topic: TopicDigest) -> list[Block]:
    blocks: list[Block] = [
        {"type": "divider"},
        section(f"*{escape(topic.title)}*\n{volume_line(topic.volume)}"),
    ]
    parts = [
        (
            f"Conversations taking off ({CONVERSATION_HOURS} h)",
            [conversation_line(c) for c in topic.conversations],
        ),
        (
            congress_title(topic.conference) if topic.conference else "",
            [congress_line(p) for p in _heard(topic)],
        ),
        ("Rising hashtags (7 days)", [rising_line(r) for r in topic.rising_hashtags]),
        (f"Newly spotted ({ADVOCATE_DAYS} days)", [advocate_line(a) for a in topic.new_advocates]),
        ("Coming up", [upcoming_line(u) for u in topic.upcoming]),
    ]
    for title, lines in parts:
        if lines:
            blocks.append(section(f"*{title}*\n" + "\n".join(lines)))
    if topic.listened_tags:
        tags = " ".join(f"#{t}" for t in topic.listened_tags[:12])
        blocks.append(context(f"Listening for {escape(tags)}"))
    if topic.notes:
        blocks.append(context(*(f"_{escape(n)}_" for n in topic.notes)))
    return blocks


def volume_line(volume: Volume) -> str:
    if not volume.posts_7d and not volume.posts_prev_7d:
        return "No posts collected in the last 14 days."
    change = (
        "new this week" if not volume.posts_prev_7d else f"{volume.trend:+.0%} on the week before"
    )
    return (
        f"{volume.posts_7d:,} posts in 7 days ({change}) from {volume.authors_7d:,} accounts"
        f" · {volume.posts_last_day:,} today"
    )


def conversation_line(conversation: Conversation) -> str:
    post = conversation.shown
    if post is None:
        return f"• A thread of {conversation.posts} posts (its posts are no longer stored)"
    excerpt = escape(clip(clean_text(post.shown_text, limit=1000)[0], EXCERPT_CHARS))
    facts = [f"@{escape(post.author_handle)}"]
    if conversation.people > 1:
        facts.append(f"{conversation.people} people")
    if conversation.replies:
        facts.append(f"{conversation.replies} repl{'ies' if conversation.replies > 1 else 'y'}")
    facts.append(f"{conversation.engagement:,} interactions")
    return f"• {link(post.url, f'“{excerpt}”')} — " + " · ".join(facts)


def congress_title(congress: CongressSection) -> str:
    return f"From #{escape(congress.tag)} ({escape(congress.name)}, {congress.window.describe()})"


def congress_line(heard: CongressPost) -> str:
    post = heard.shown
    excerpt = escape(clip(clean_text(post.shown_text, limit=1000)[0], EXCERPT_CHARS))
    return (
        f"• {link(post.url, f'“{excerpt}”')} — @{escape(post.author_handle)}"
        f" · {heard.engagement:,} interactions"
    )


def rising_line(tag: RisingTag) -> str:
    change = "new" if not tag.posts_prev_7d else f"{tag.trend:+.0%}"
    return (
        f"• *#{escape(tag.tag)}* {tag.posts_7d:,} posts ({change}) from {tag.authors:,} accounts,"
        f" {tag.on_topic:.0%} of them on this topic"
    )


def advocate_line(advocate: Advocate) -> str:
    shown = escape(advocate.name or advocate.handle)
    who = link(advocate.url, shown)
    evidence = " · ".join(escape(e) for e in advocate.evidence)
    return f"• {who} (@{escape(advocate.handle)}) · _{advocate.role}_ — {evidence}"


def upcoming_line(event: Upcoming) -> str:
    when = event.window.describe()
    if event.happening_now:
        when = f"on now ({when})"
    elif not event.dates_confirmed:
        when = event.window.usually()
    tags = " ".join(f"#{t}" for t in event.tags) or "no hashtag verified for it yet"
    return f"• {escape(event.name)} — {when} · {escape(tags)}"
