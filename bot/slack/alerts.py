"""Block Kit for an alert between digests: what happened, what drives it, and how to stop them."""

from __future__ import annotations

from bot.domain.channel_alerts import MAX_ALERTS_PER_DAY, ChannelAlert
from bot.domain.digest import EXCERPT_CHARS, PostView
from bot.domain.text import clean_text
from bot.slack.blocks import Message, clip, context, escape, header, link, section

HEADLINES = {
    "volume": "{topic} is busier than usual",
    "tag": "#{tag} is taking off with {topic}",
    "conversation": "A {topic} conversation is gathering people",
}
WHY = {
    "volume": "Against this topic's usual for the same hours of past weeks.",
    "tag": "Against the tag's own usual for the same hours of past weeks.",
    "conversation": "From the posts collected in the last few hours.",
}
FOOTER = (
    f"At most {MAX_ALERTS_PER_DAY} alerts a day, none at night. "
    "`/hashtag alerts off` stops them here."
)


def alert_message(found: ChannelAlert) -> Message:
    """One message for one event: the headline, the numbers, and the posts behind it."""
    alert = found.alert
    title = HEADLINES[alert.kind].format(topic=alert.topic, tag=alert.tag or "")
    blocks = [header(title), section(escape(alert.summary))]
    if found.posts:
        blocks.append(section("\n".join(post_line(post) for post in found.posts)))
    blocks.append(context(f"{WHY[alert.kind]} {FOOTER}"))
    return {"text": clip(escape(alert.summary), 3000), "blocks": blocks}


def post_line(post: PostView) -> str:
    excerpt = escape(clip(clean_text(post.shown_text, limit=1000)[0], EXCERPT_CHARS))
    return f"• {link(post.url, f'“{excerpt}”')} — @{escape(post.author_handle)}"
