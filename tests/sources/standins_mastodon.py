"""A loopback Mastodon instance: hashtag timelines, a tag's usage history (GET /api/v1/tags/:name,
numbers as strings as the real API sends them) and the instance documents Mastodon.py reads,
with Mastodon's X-RateLimit-* headers on tag requests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote

from tests.sources.source_standins import LIVE_NOW, Answer, Asked, HttpStandIn


def status(
    local_id: int,
    text: str,
    *,
    acct: str = "alice",
    note: str = "",
    uri: str = "",
    in_reply_to: int | None = None,
    spoiler_text: str = "",
    quote: dict[str, Any] | None = None,
    emojis: list[dict[str, Any]] | None = None,
    **account: Any,
) -> dict[str, Any]:
    """A status as /api/v1/timelines/tag/:hashtag returns it (Mastodon 4.4+, with `quote`)."""
    tags = re.findall(r"#(\w+)", text)
    html = (
        "<p>"
        + re.sub(
            r"#(\w+)",
            r'<a href="https://example.social/tags/\1" class="mention hashtag" rel="tag">#<span>\1</span></a>',
            text,
        )
        + "</p>"
    )
    if quote is not None:  # Mastodon's fallback for apps that can't show quotes, as it writes it
        link = quote["quoted_status"]["url"]
        host_path = link.removeprefix("https://")
        html = (
            f'<p class="quote-inline">RE: <a href="{link}" target="_blank" rel="nofollow noopener"'
            f' translate="no"><span class="invisible">https://</span><span class="ellipsis">'
            f'{host_path[:30]}</span><span class="invisible">{host_path[30:]}</span></a></p>' + html
        )
    person = acct.split("@")[0]
    return {
        "id": str(local_id),
        "created_at": (LIVE_NOW - timedelta(minutes=local_id % 500)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        ),
        "in_reply_to_id": str(in_reply_to) if in_reply_to is not None else None,
        "in_reply_to_account_id": "109" if in_reply_to is not None else None,
        "sensitive": bool(spoiler_text),
        "spoiler_text": spoiler_text,
        "visibility": "public",
        "language": "en",
        "uri": uri or f"https://example.social/users/{person}/statuses/{local_id}",
        "url": f"https://example.social/@{acct}/{local_id}",
        "replies_count": 1,
        "reblogs_count": 2,
        "favourites_count": 3,
        "quotes_count": 0,
        "edited_at": None,
        "content": html,
        "reblog": None,
        "application": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [
            {"name": t.lower(), "url": f"https://example.social/tags/{t.lower()}"} for t in tags
        ],
        "emojis": [],
        "quote": quote,
        "card": None,
        "poll": None,
        "account": {
            "id": "1" + str(abs(hash(acct)) % 10**6),
            "username": person,
            "acct": acct,
            "display_name": acct.title(),
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": True,
            "group": False,
            "created_at": "2022-11-01T00:00:00.000Z",
            "note": f"<p>{note}</p>",
            "url": f"https://example.social/@{acct}",
            "avatar": "https://example.social/avatars/original/missing.png",
            "header": "https://example.social/headers/original/missing.png",
            "followers_count": 12,
            "following_count": 3,
            "statuses_count": 40,
            "last_status_at": LIVE_NOW.strftime("%Y-%m-%d"),
            "emojis": emojis or [],
            "fields": [],
            **account,
        },
    }


def custom_emoji(shortcode: str) -> dict[str, Any]:
    """A CustomEmoji as Mastodon lists it in `emojis`."""
    image = (
        f"https://example.social/system/custom_emojis/images/000/000/001/original/{shortcode}.png"
    )
    return {
        "shortcode": shortcode,
        "url": image,
        "static_url": image.replace("/original/", "/static/"),
        "visible_in_picker": True,
        "category": "Blobs",
    }


def accepted_quote(quoted: dict[str, Any]) -> dict[str, Any]:
    """A Quote (Mastodon 4.4+) of a status the quoted account let be quoted."""
    return {"state": "accepted", "quoted_status": quoted}


class MastodonStandIn(HttpStandIn):
    """Hashtag timelines with min_id/max_id/since_id/limit, and the instance documents Mastodon.py reads."""

    def __init__(self, statuses: list[dict[str, Any]] | None = None) -> None:
        self.statuses = list(statuses or [])
        # A tag's last 7 days here: tag key -> (uses, accounts) a week, spread over the days.
        self.tag_weeks: dict[str, tuple[int, int]] = {}
        self.needs_token = False  # the instance answers tag requests only with a token
        self.limit = 300  # requests per 5 minutes
        self.used = 0
        self.window_resets: datetime | None = None
        self.now = LIVE_NOW
        super().__init__()

    @property
    def tag_calls(self) -> list[str]:
        return [a.path.rsplit("/", 1)[1] for a in self.asked if a.path.startswith("/api/v1/tags/")]

    def tag(self, asked: Asked, name: str) -> Answer:
        """GET /api/v1/tags/:name: the tag and 7 days of history, today first, every number a
        string; 404 for a tag the instance never saw."""
        if self.needs_token and not asked.headers.get("Authorization"):
            return Answer(401, {"error": "The access token is invalid"})
        wall = datetime.now(UTC)
        reset = wall.replace(minute=wall.minute - wall.minute % 5, second=0, microsecond=0)
        reset += timedelta(minutes=5)
        if reset != self.window_resets:
            self.window_resets, self.used = reset, 0
        self.used += 1
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        key = name.casefold()
        if key not in self.tag_weeks:
            return Answer(404, {"error": "Record not found"}, headers)
        uses, accounts = self.tag_weeks[key]
        days = [self.now.date() - timedelta(days=n) for n in range(7)]
        history = [
            {
                "day": str(int(datetime.combine(day, time(0), UTC).timestamp())),
                "accounts": str(accounts // 7 + (n < accounts % 7)),
                "uses": str(uses // 7 + (n < uses % 7)),
            }
            for n, day in enumerate(days)
        ]
        body = {
            "id": str(800 + len(key)),
            "name": name,
            "url": f"https://example.social/tags/{key}",
            "history": history,
            "following": False,
            "featuring": False,
        }
        return Answer(200, body, headers)

    @property
    def timeline_calls(self) -> list[Asked]:
        return [a for a in self.asked if a.path.startswith("/api/v1/timelines/tag/")]

    @property
    def context_calls(self) -> list[Asked]:
        return [a for a in self.asked if a.path.endswith("/context")]

    def context(self, status_id: str) -> Answer:
        """GET /api/v1/statuses/:id/context: its ancestors, the thread's first post first."""
        by_id = {s["id"]: s for s in self.statuses}
        if status_id not in by_id:
            return Answer(404, {"error": "Record not found"})
        ancestors: list[dict[str, Any]] = []
        parent = by_id[status_id]["in_reply_to_id"]
        while parent in by_id:
            ancestors.insert(0, by_id[parent])
            parent = by_id[parent]["in_reply_to_id"]
        descendants = [s for s in self.statuses if s["in_reply_to_id"] == status_id]
        return Answer(200, {"ancestors": ancestors, "descendants": descendants})

    def answer(self, asked: Asked) -> Answer:
        if asked.path.rstrip("/") in ("/api/v1/instance", "/api/v2/instance"):
            feeds = {"local": "public", "remote": "public"}
            return Answer(
                200,
                {
                    "domain": "example.social",
                    "uri": "example.social",
                    "title": "Example",
                    "version": "4.3.0",
                    "api_versions": {"mastodon": 2},
                    "configuration": {
                        "timelines_access": {
                            "live_feeds": feeds,
                            "hashtag_feeds": feeds,
                            "trending_link_feeds": feeds,
                        }
                    },
                },
            )
        if asked.path.startswith("/api/v1/tags/"):
            return self.tag(asked, unquote(asked.path.rsplit("/", 1)[1]))
        context = re.fullmatch(r"/api/v1/statuses/([^/]+)/context", asked.path)
        if context:
            return self.context(context.group(1))
        if not asked.path.startswith("/api/v1/timelines/tag/"):
            return Answer(404, {"error": "Record not found"})
        tag = asked.path.rsplit("/", 1)[1].casefold()
        found = sorted(
            (s for s in self.statuses if tag in {t["name"] for t in s["tags"]}),
            key=lambda s: -int(s["id"]),
        )
        p = asked.params
        found = [s for s in found if not ("max_id" in p and int(s["id"]) >= int(p["max_id"]))]
        found = [s for s in found if not ("since_id" in p and int(s["id"]) <= int(p["since_id"]))]
        limit = int(p.get("limit", 20))
        if "min_id" in p:  # the page immediately newer than min_id, still newest first
            newer = [s for s in found if int(s["id"]) > int(p["min_id"])]
            return Answer(200, newer[-limit:])
        return Answer(200, found[:limit])
