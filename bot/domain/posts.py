"""Normalized posts and authors, whatever platform or archive they came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


# Not frozen: imports build these by the hundred thousand, and a frozen dataclass's __init__
# costs three times as much. Nothing changes them after they are read.
@dataclass(slots=True)
class Author:
    id: str  # source-qualified: "x:12345", "mastodon:mastodon.social:109…", "bluesky:did:plc:…"
    source: str
    handle: str
    name: str = ""
    description: str = ""
    url: str = ""
    followers: int = 0
    following: int = 0
    posts_count: int = 0
    verified: bool = False
    created_at: datetime | None = None
    opted_out: bool = False  # #nobot / #noindex / not indexable: never stored or shown


@dataclass(slots=True)
class Post:
    id: str  # source-qualified: "x:1850000000000000000"
    source: str
    author_id: str
    text: str
    created_at: datetime  # timezone-aware, UTC
    url: str = ""
    lang: str = ""
    hashtags: tuple[str, ...] = ()  # as written, from the platform's own entities where it has them
    mentions: tuple[str, ...] = ()
    conversation_id: str = ""
    reply_to: str = ""
    repost_of: str = ""
    quote_of: str = ""
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    # What the author put in front of the text (Mastodon's spoiler_text): readers see this first
    # and the text only if they choose to, so a digest shows this instead of the text.
    content_warning: str = ""

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.replies + self.quotes
