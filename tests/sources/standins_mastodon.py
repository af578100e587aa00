"""A loopback Mastodon instance: hashtag timelines and the instance documents Mastodon.py reads."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.sources.source_standins import LIVE_NOW, Answer, Asked, HttpStandIn


def status(
    local_id: int, text: str, *, acct: str = "alice", note: str = "", uri: str = "", **account: Any
) -> dict[str, Any]:
    """A status as /api/v1/timelines/tag/:hashtag returns it."""
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
    return {
        "id": str(local_id),
        "uri": uri or f"https://example.social/users/{acct.split('@')[0]}/statuses/{local_id}",
        "url": f"https://example.social/@{acct}/{local_id}",
        "created_at": (LIVE_NOW - timedelta(minutes=local_id % 500)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        ),
        "content": html,
        "language": "en",
        "visibility": "public",
        "reblog": None,
        "replies_count": 1,
        "reblogs_count": 2,
        "favourites_count": 3,
        "tags": [
            {"name": t.lower(), "url": f"https://example.social/tags/{t.lower()}"} for t in tags
        ],
        "mentions": [],
        "account": {
            "id": "1" + str(abs(hash(acct)) % 10**6),
            "username": acct.split("@")[0],
            "acct": acct,
            "display_name": acct.title(),
            "note": f"<p>{note}</p>",
            "url": f"https://example.social/@{acct}",
            "followers_count": 12,
            "following_count": 3,
            "statuses_count": 40,
            "created_at": "2022-11-01T00:00:00.000Z",
            "bot": False,
            **account,
        },
    }


class MastodonStandIn(HttpStandIn):
    """Hashtag timelines with min_id/max_id/since_id/limit, and the instance documents Mastodon.py reads."""

    def __init__(self, statuses: list[dict[str, Any]] | None = None) -> None:
        self.statuses = list(statuses or [])
        super().__init__()

    @property
    def timeline_calls(self) -> list[Asked]:
        return [a for a in self.asked if a.path.startswith("/api/v1/timelines/tag/")]

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
